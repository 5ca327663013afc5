// The search box language: `type:EXCEPTION user:5511 campaign:"black friday" -flag:duplicate after:2026-11-28T10:00
// "quoted free text" free words`. One parser for the store (filtering), the chips (toggling) and the search box's
// autocomplete. What each term means: query-match.ts (in memory) and electron/core/store/filters.ts (SQL).
import { ANOMALY_NAMES, EVENT_KINDS, FLAG_NAMES, KNOWN_TYPES, MESSAGE_STATES } from './domain';
import { parseIsoTime } from './canonical';

export type QueryField =
  | 'type'
  | 'user'
  | 'campaign'
  | 'flag'
  | 'channel'
  | 'state'
  | 'after'
  | 'before'
  | 'ref'
  | 'event'
  | 'direction'
  | 'anomaly'
  | 'status'
  | 'kind'
  | 'path'
  | 'method';

export interface QueryTerm {
  field: QueryField | 'text';
  value: string;
  negate: boolean;
  /** after/before: epoch ms */
  time?: number;
}

export interface ParsedQuery {
  terms: QueryTerm[];
  errors: string[];
}

export const QUERY_FIELDS: { name: QueryField; description: string; values?: readonly string[] }[] = [
  { name: 'type', description: 'callback type, any casing (Text, RichCard, DELIVERED, READ, EXCEPTION, ...)', values: KNOWN_TYPES },
  { name: 'kind', description: 'what the event means, whatever the type spelling', values: EVENT_KINDS },
  { name: 'user', description: 'user_id (phone number); matches a prefix' },
  { name: 'campaign', description: 'campaign_name: any part of it, any case, a space for any character ("black friday")' },
  { name: 'flag', description: 'deliveries carrying a flag', values: FLAG_NAMES },
  { name: 'state', description: 'messages in a lifecycle state', values: MESSAGE_STATES },
  { name: 'anomaly', description: 'messages with an anomaly', values: ANOMALY_NAMES },
  { name: 'channel', description: 'RCS or SMS', values: ['RCS', 'SMS'] },
  { name: 'direction', description: 'inbound or outbound', values: ['inbound', 'outbound'] },
  { name: 'ref', description: 'message reference; matches a prefix' },
  { name: 'event', description: 'event_id; matches a prefix' },
  { name: 'status', description: 'HTTP status we answered (200, 413, 503, or 4xx)' },
  { name: 'after', description: 'received at or after a time: 2026-11-28, 2026-11-28T10:00 (local unless an offset is given), 15m, 2h, 3d (ago) or today' },
  { name: 'before', description: 'received before a time (same format as after)' },
  { name: 'path', description: 'request path the delivery was sent to' },
  { name: 'method', description: 'HTTP method (POST, PUT, ...)' },
];

const FIELD_NAMES = new Set<string>(QUERY_FIELDS.map((f) => f.name));

/** Spellings people type from the payload's own field names: the only alias table (parser, completion, store). */
const ALIASES: Record<string, QueryField> = {
  reference: 'ref',
  user_id: 'user',
  userid: 'user',
  campaign_name: 'campaign',
  event_id: 'event',
  eventid: 'event',
  flags: 'flag',
  since: 'after',
  until: 'before',
};

/** Fields whose values are a closed vocabulary, checked case-insensitively and stored in canonical case. */
const VOCABULARY: Partial<Record<QueryField, readonly string[]>> = {
  flag: FLAG_NAMES,
  state: MESSAGE_STATES,
  anomaly: ANOMALY_NAMES,
  kind: EVENT_KINDS,
};

interface Token {
  raw: string;
  start: number;
  end: number;
  negate: boolean;
  /** present when the token is `name:value` with a name made of letters/underscores */
  name: string | null;
  value: string;
  quoted: boolean;
}

/** Splits on whitespace, honouring "double quotes" (with \" and \\ escapes) both alone and after `name:`. */
function tokenize(q: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < q.length) {
    while (i < q.length && /\s/.test(q[i])) i++;
    if (i >= q.length) break;
    const start = i;
    let negate = false;
    if (q[i] === '-' && i + 1 < q.length && !/\s/.test(q[i + 1])) {
      negate = true;
      i++;
    }
    let name: string | null = null;
    const head = /^([A-Za-z_]+):/.exec(q.slice(i));
    // `https://...` is text, not a field
    if (head && !q.startsWith('//', i + head[0].length)) {
      name = head[1];
      i += head[0].length;
    }
    let value = '';
    let quoted = false;
    if (q[i] === '"') {
      quoted = true;
      i++;
      while (i < q.length && q[i] !== '"') {
        if (q[i] === '\\' && i + 1 < q.length) i++;
        value += q[i++];
      }
      i++; // closing quote (or end of input: an unterminated quote runs to the end)
    }
    // anything glued after a closing quote, or an unquoted value, runs to the next whitespace
    while (i < q.length && !/\s/.test(q[i])) value += q[i++];
    tokens.push({ raw: q.slice(start, Math.min(i, q.length)), start, end: Math.min(i, q.length), negate, name, value, quoted });
  }
  return tokens;
}

/** The field a typed name means (any case, aliases included); null for an unknown name. */
export function resolveField(name: string): QueryField | null {
  const n = name.toLowerCase();
  if (FIELD_NAMES.has(n)) return n as QueryField;
  return ALIASES[n] ?? null;
}

/** Never throws. Bad values are reported in `errors` and left out of `terms`, so they never filter silently. */
export function parseQuery(q: string, now: number = Date.now()): ParsedQuery {
  const terms: QueryTerm[] = [];
  const errors: string[] = [];
  for (const t of tokenize(q ?? '')) {
    if (t.name === null) {
      if (t.value !== '' || t.quoted) terms.push({ field: 'text', value: t.value, negate: t.negate });
      continue;
    }
    const field = resolveField(t.name);
    if (field === null) {
      errors.push(`unknown field ${t.name}`);
      terms.push({ field: 'text', value: t.negate ? t.raw.slice(1) : t.raw, negate: t.negate });
      continue;
    }
    const checked = checkValue(field, t.value, now);
    if ('error' in checked) {
      errors.push(checked.error);
      continue;
    }
    terms.push({ field, value: checked.value, negate: t.negate, ...(checked.time !== undefined ? { time: checked.time } : {}) });
  }
  return { terms, errors };
}

function checkValue(field: QueryField, value: string, now: number): { value: string; time?: number } | { error: string } {
  if (value === '') return { error: `${field}: needs a value` };
  const vocabulary = VOCABULARY[field];
  if (vocabulary) {
    const hit = vocabulary.find((v) => v.toLowerCase() === value.toLowerCase());
    return hit ? { value: hit } : { error: `unknown ${field} "${value}" (one of: ${vocabulary.join(', ')})` };
  }
  switch (field) {
    case 'after':
    case 'before': {
      const time = parseQueryTime(value, now);
      return time === null
        ? { error: `${field}: "${value}" is not a time (use 2026-11-28, 2026-11-28T10:00, 2026-11-28T10:00:00Z, 15m, 2h, 3d or today)` }
        : { value, time };
    }
    case 'status':
      return /^[1-5](\d\d|xx)$/i.test(value)
        ? { value: value.toLowerCase() }
        : { error: `status: "${value}" is not an HTTP status (e.g. 200, 503 or 5xx)` };
    case 'channel':
    case 'method':
      return { value: value.toUpperCase() };
    case 'direction':
      return { value: value.toLowerCase() };
    default:
      return { value };
  }
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * ISO date or date-time (local time unless it carries an offset), epoch milliseconds, a duration ago
 * (`15m`, `-2h`, `3d`: "the last 3 days" is `after:3d`), or today / yesterday / now (local midnight).
 */
function parseQueryTime(value: string, now: number = Date.now()): number | null {
  const v = value.trim().toLowerCase();
  if (/^\d{12,14}$/.test(v)) return Number(v);
  const ago = /^-?(\d+(?:\.\d+)?)(s|m|h|d|w)$/.exec(v);
  if (ago) return now - Number(ago[1]) * UNIT_MS[ago[2]];
  if (v === 'now') return now;
  if (v === 'today' || v === 'yesterday') {
    const d = new Date(now);
    return new Date(d.getFullYear(), d.getMonth(), d.getDate() - (v === 'yesterday' ? 1 : 0)).getTime();
  }
  return parseIsoTime(value, 'local')?.ms ?? null;
}

function quoteIfNeeded(value: string, forText: boolean): string {
  // Text that would otherwise read as a field, a negation or be split must be quoted.
  const needs = value === '' || /[\s"\\]/.test(value) || (forText && (/^[A-Za-z_]+:/.test(value) || value.startsWith('-')));
  return needs ? `"${value.replace(/[\\"]/g, (c) => '\\' + c)}"` : value;
}

function formatTerm(t: QueryTerm): string {
  const sign = t.negate ? '-' : '';
  if (t.field === 'text') return sign + quoteIfNeeded(t.value, true);
  return `${sign}${t.field}:${quoteIfNeeded(t.value, false)}`;
}

/** parseQuery(formatQuery(terms)).terms equals terms for any terms parseQuery produced. */
export function formatQuery(terms: QueryTerm[]): string {
  return terms.map(formatTerm).join(' ');
}

/**
 * Chip toggle: a present positive `field:value` is removed; a negated one is flipped to positive; an absent one
 * is appended. Works on the raw text so everything else the user typed (even invalid tokens) is kept as typed.
 */
export function toggleTerm(q: string, field: QueryField, value: string): string {
  const tokens = tokenize(q);
  const matches = tokens.filter((t) => {
    if (t.name === null || resolveField(t.name) !== field) return false;
    const checked = checkValue(field, t.value, 0);
    const v = 'error' in checked ? t.value : checked.value;
    return v.toLowerCase() === value.toLowerCase();
  });
  const term: QueryTerm = { field, value, negate: false };
  if (matches.length === 0) {
    const base = q.trimEnd();
    return (base ? base + ' ' : '') + formatTerm(term);
  }
  const positive = matches.some((t) => !t.negate);
  let out = '';
  let cursor = 0;
  let replaced = false;
  for (const t of matches) {
    out += q.slice(cursor, t.start);
    cursor = t.end;
    if (!positive && !replaced) {
      out += formatTerm(term);
      replaced = true;
      continue;
    }
    // drop the separator too, so removing a term leaves no double space (quoted values keep theirs)
    while (cursor < q.length && /\s/.test(q[cursor])) cursor++;
  }
  out += q.slice(cursor);
  return out.trim();
}

/** Convenience for filters: the terms of one field. */
export function termsOf(parsed: ParsedQuery, field: QueryField | 'text'): QueryTerm[] {
  return parsed.terms.filter((t) => t.field === field);
}

// ---- autocomplete ----

export interface Completion {
  /** replace q.slice(from, to) with an option's `insert` */
  from: number;
  to: number;
  /** the field whose value is being typed, or null while a field name / free word is typed */
  field: QueryField | null;
  /** what has been typed of the name or value, up to the caret */
  prefix: string;
  options: { label: string; insert: string; description: string }[];
  /** the field's values are open (user, campaign, ref, ...): ask the store (suggestValues) for `prefix` */
  askStore: boolean;
}

/**
 * What to offer at the caret, read with the parser's own tokenizer (so quoted values with spaces are one token):
 * field names (found by their aliases too) while a name is typed, vocabulary values after `field:`. Open fields
 * get no options here: the UI asks the store with `field` and `prefix`, then inserts with formatValue. Nothing is
 * offered for a free-text word in quotes or for an unknown field's value.
 */
export function completeQuery(q: string, cursor: number = q.length): Completion {
  const token = tokenize(q).find((t) => t.start <= cursor && cursor <= t.end) ?? null;
  const end = token?.end ?? cursor;
  const nameStart = (token?.start ?? cursor) + (token?.negate ? 1 : 0);
  const none = (from: number, to: number, prefix: string): Completion => ({ from, to, field: null, prefix, options: [], askStore: false });
  if (token === null) return fieldNames(cursor, cursor, '');
  if (token.name === null) return token.quoted ? none(nameStart, end, token.value) : fieldNames(nameStart, end, q.slice(nameStart, cursor));
  const valueFrom = nameStart + token.name.length + 1;
  // the caret in the name of `name:value`: another name replaces this one, colon included
  if (cursor < valueFrom) return fieldNames(nameStart, valueFrom, q.slice(nameStart, cursor));
  const field = resolveField(token.name);
  if (field === null) return none(valueFrom, end, token.value);
  const def = QUERY_FIELDS.find((f) => f.name === field)!;
  const prefix = cursor === end ? token.value : typedValue(q.slice(valueFrom, cursor));
  const options = (def.values ?? [])
    .filter((v) => v.toLowerCase().startsWith(prefix.toLowerCase()))
    .map((v) => ({ label: v, insert: formatValue(v), description: def.description }));
  return { from: valueFrom, to: end, field, prefix, options, askStore: def.values === undefined && field !== 'after' && field !== 'before' };
}

function fieldNames(from: number, to: number, prefix: string): Completion {
  const p = prefix.toLowerCase();
  const byAlias = new Set(Object.entries(ALIASES).filter(([alias]) => alias.startsWith(p)).map(([, field]) => field));
  const options = QUERY_FIELDS.filter((f) => f.name.startsWith(p) || byAlias.has(f.name)).map((f) => ({
    label: `${f.name}:`,
    insert: `${f.name}:`,
    description: f.description,
  }));
  return { from, to, field: null, prefix, options, askStore: false };
}

/** The start of a value as typed (opening quote and escapes removed), when the caret is inside it. */
function typedValue(raw: string): string {
  return raw.startsWith('"') ? raw.slice(1).replace(/\\(.)/g, '$1') : raw;
}

/** A value ready to put after `field:` (quoted when it holds spaces or quotes). */
export function formatValue(value: string): string {
  return quoteIfNeeded(value, false);
}
