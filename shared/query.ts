// The search box language: `type:EXCEPTION user:5511 campaign:"black friday" -flag:duplicate after:2026-11-28T10:00
// "quoted free text" free words`. One parser for the store (filtering), the chips (toggling) and the search box's
// autocomplete. What each term means: query-match.ts (in memory) and electron/core/store/filters.ts (SQL).
//
// The rules a user can rely on (SEARCH_HELP says them in the search box):
//  - terms separated by spaces must all hold; `-` negates one term.
//  - `a OR b` holds when either does; OR binds only the two terms beside it (`type:READ OR type:DELIVERED user:5511`
//    is READ-or-DELIVERED messages of 5511). One field's values can also be listed: `type:READ,DELIVERED`.
//    Parentheses are refused with that explanation rather than read as text, which would silently match nothing.
//  - `word:value` with `word` made of letters is always a field; an unknown one is an error naming the closest
//    field. Text with such a colon is searched by quoting it ("Obs: ligar"); URLs (`https://`) and times (`12:30`)
//    are text without quotes, since their left side is no word or is followed by `//`.
//  - a phone number matches however it is typed (`11987650001`, `+55 11 98765-0001`, `(11) 98765-0001`), as a
//    `user:` value and as free text, against user ids stored as the gateway sends them (`5511987650001`).
import { ANOMALY_NAMES, EVENT_KINDS, FLAG_NAMES, KNOWN_TYPES, MESSAGE_STATES } from './domain';
import { parseIsoTime } from './canonical';
import { REASON_WORDS, RETRY_TERMS } from './flag-facts';

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
  | 'method'
  | 'reason'
  | 'account'
  | 'attempt'
  | 'retry'
  | 'answer'
  | 'pinned'
  | 'note'
  | 'source';

export interface QueryTerm {
  field: QueryField | 'text';
  value: string;
  negate: boolean;
  /** after/before: epoch ms */
  time?: number;
  /**
   * An OR group (`a OR b`, `field:a,b`): the term holds when any member does. Members are never negated nor groups
   * themselves; `field` and `value` are then the first member's field and a readable summary, for display only.
   */
  anyOf?: QueryTerm[];
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
  {
    name: 'reason',
    description: 'why it failed: exception kind (auth, rcs-unsupported, other), error code (503; unknown: none named), prepaid scope (customer, account)',
    values: REASON_WORDS,
  },
  { name: 'account', description: 'account id of an account credit-limit block (unknown: the notice named none)' },
  { name: 'attempt', description: "the gateway's attempt number of a delivery: 2, or 2+ for the 2nd and later (retries)" },
  {
    name: 'retry',
    description: 'repeats of a callback: gap from the attempt before on or off the documented schedule; after-200: retried although we answered the attempt before 200 within 10 s',
    values: RETRY_TERMS,
  },
  { name: 'answer', description: 'how long we took to answer: >10s (over the gateway\'s limit), <500ms; units ms, s, m' },
  { name: 'pinned', description: 'pinned by you (yes) or not (no); on messages the message\'s own pin', values: ['yes', 'no'] },
  { name: 'note', description: 'your note holds this text (any case)' },
  { name: 'source', description: "simulated: sent by the inspector's gateway simulator; on messages, one with such a delivery", values: ['simulated'] },
];

/** The rules of the language as the search box's help shows them, each with an example that can be typed. */
export const SEARCH_HELP: { example: string; meaning: string }[] = [
  { example: 'type:READ user:5511', meaning: 'every term must hold' },
  { example: '-flag:duplicate', meaning: 'a leading - excludes' },
  { example: 'type:READ,DELIVERED', meaning: "any of a field's values" },
  { example: 'state:failed OR flag:duplicate', meaning: 'either term: OR joins the two terms beside it (no parentheses)' },
  { example: '(11) 98765-0001', meaning: 'a phone number typed any way, with or without +55, as text or after user:' },
  { example: 'campaign:"black friday"', meaning: 'quotes keep spaces in a value' },
  { example: '"Obs: ligar"', meaning: 'word:value is always a field: quote text that has one (URLs and 12:30 need no quotes)' },
  { example: 'after:2h before:2026-11-28', meaning: 'received in a time window (local time unless an offset is given)' },
  { example: 'reason:503 attempt:2+ answer:>10s', meaning: 'why it failed, retries, slow answers (lists of messages: any of their deliveries)' },
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
  retry: RETRY_TERMS,
  pinned: ['yes', 'no'],
  source: ['simulated'],
};

interface Piece {
  value: string;
  quoted: boolean;
  /** where the piece is in the query, its quotes included */
  start: number;
  end: number;
}

interface Token {
  raw: string;
  start: number;
  end: number;
  negate: boolean;
  /** present when the token is `name:value` with a name made of letters/underscores */
  name: string | null;
  value: string;
  quoted: boolean;
  /** a field's values split at commas outside quotes (`type:READ,DELIVERED`); free text is one piece */
  pieces: Piece[];
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
    const pieces: Piece[] = [];
    for (;;) {
      const piece: Piece = { value: '', quoted: false, start: i, end: i };
      if (q[i] === '"') {
        quoted = piece.quoted = true;
        i++;
        while (i < q.length && q[i] !== '"') {
          if (q[i] === '\\' && i + 1 < q.length) i++;
          piece.value += q[i++];
        }
        i++; // closing quote (or end of input: an unterminated quote runs to the end)
      }
      // anything glued after a closing quote, or an unquoted value, runs to the next whitespace (or a field's comma)
      while (i < q.length && !/\s/.test(q[i]) && !(name !== null && q[i] === ',')) piece.value += q[i++];
      piece.end = Math.min(i, q.length);
      pieces.push(piece);
      value += piece.value;
      if (name === null || q[i] !== ',') break;
      value += ',';
      i++;
    }
    tokens.push({ raw: q.slice(start, Math.min(i, q.length)), start, end: Math.min(i, q.length), negate, name, value, quoted, pieces });
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
  const errors: string[] = [];
  const tokens = tokenize(q ?? '');
  const hasOr = tokens.some(isOr);
  if (tokens.some((t) => isParenthesis(t, hasOr))) errors.push(PARENTHESES);
  // each token's term in order, `or` where an OR stands, null where a token gave an error
  const items: (QueryTerm | 'or' | null)[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (isOr(t)) {
      items.push('or');
      continue;
    }
    const glued = gluePhone(tokens, i);
    if (glued !== null) {
      const value = glued.parts.join(' ');
      i = glued.last;
      items.push(t.name === null ? { field: 'text', value, negate: t.negate } : fieldTerm('user', [value], t.negate, now, errors));
      continue;
    }
    if (t.name === null) {
      if (t.value !== '' || t.quoted) items.push({ field: 'text', value: t.value, negate: t.negate });
      continue;
    }
    const field = resolveField(t.name);
    if (field === null) {
      errors.push(unknownField(t.name, t.negate ? t.raw.slice(1) : t.raw));
      items.push(null);
      continue;
    }
    items.push(fieldTerm(field, t.pieces.map((p) => p.value), t.negate, now, errors));
  }
  return { terms: foldOr(items, errors), errors };
}

const isOr = (t: Token) => t.name === null && !t.quoted && !t.negate && t.raw === 'OR';

const PARENTHESES =
  'parentheses are not supported: OR joins the two terms beside it (type:READ OR type:DELIVERED user:5511 is READ or DELIVERED, ' +
  'and 5511), and type:READ,DELIVERED lists one field\'s values';

/** Parentheses around terms, told from a phone number's area code `(11)` and from ordinary text in parentheses. */
function isParenthesis(t: Token, hasOr: boolean): boolean {
  if (t.quoted) return false;
  const raw = t.negate ? t.raw.slice(1) : t.raw;
  if (raw === '(' || raw === ')') return true;
  if (t.name === null && /^\((?:[A-Za-z_]+:|-|"|\()/.test(raw)) return true;
  if (t.name !== null && t.value.endsWith(')') && !t.value.includes('(')) return true;
  // beside an OR, any bracket that is no area code is grouping the user expects to work
  return hasOr && t.name === null && /^\(|\)$/.test(raw) && !/^\(\d+\)/.test(raw);
}

/** One `field:v1,v2` token: a term, an OR group of its values, or null (its errors reported). */
function fieldTerm(field: QueryField, values: string[], negate: boolean, now: number, errors: string[]): QueryTerm | null {
  const members: QueryTerm[] = [];
  for (const v of values) {
    const checked = checkValue(field, v, now);
    if ('error' in checked) {
      errors.push(checked.error);
      return null;
    }
    members.push({ field, value: checked.value, negate: false, ...(checked.time !== undefined ? { time: checked.time } : {}) });
  }
  if (members.length === 1) return { ...members[0]!, negate };
  return group(members, negate);
}

function group(members: QueryTerm[], negate: boolean): QueryTerm {
  const first = members[0]!;
  const sameField = members.every((m) => m.field === first.field && m.field !== 'text');
  const value = sameField ? members.map((m) => m.value).join(',') : members.map(formatTerm).join(' OR ');
  return { field: first.field, value, negate, anyOf: members };
}

/** `a OR b OR c` becomes one group; an OR without a term on each side, or beside a negated term, is an error. */
function foldOr(items: (QueryTerm | 'or' | null)[], errors: string[]): QueryTerm[] {
  const out: (QueryTerm | null)[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item !== 'or') {
      out.push(item ?? null);
      continue;
    }
    const left = out.length > 0 ? out[out.length - 1] : undefined;
    const right = items[i + 1];
    if (left === undefined || right === undefined || right === 'or') {
      errors.push('OR needs a term on each side: type:READ OR type:DELIVERED');
      continue;
    }
    i++;
    if (left === null || right === null) {
      out[out.length - 1] = null; // the other side's error is reported already
      continue;
    }
    if (left.negate || right.negate) {
      errors.push('OR cannot join a negated term (-…): for neither, write both: -type:READ -type:DELIVERED');
      out[out.length - 1] = null;
      continue;
    }
    out[out.length - 1] = group([...(left.anyOf ?? [left]), ...(right.anyOf ?? [right])], false);
  }
  return out.filter((t): t is QueryTerm => t !== null);
}

// ---- phone numbers ----

/** The gateway's numbers are Brazilian: country code 55, then a 2-digit area code and 8 or 9 digits. */
const COUNTRY_CODE = '55';
const NATIONAL_MAX_DIGITS = 11;
const PHONE = /^\+?[\d\s().-]*\d[\d\s().-]*$/;
/** a piece of a number typed with spaces: `+55`, `(11)`, `98765-0001` */
const PHONE_CHUNK = /^[+(]?\d[\d().-]*$/;

const digitsOf = (v: string) => v.replace(/\D/g, '');

/**
 * The user ids a typed number may start with, or null when the value is no number. With `+` (or digits too many for
 * a national number) the country code is in it; without, the number is looked up both as typed and after 55.
 */
export function phonePrefixes(value: string): string[] | null {
  const v = value.trim();
  if (!PHONE.test(v)) return null;
  const digits = digitsOf(v);
  // `55…` already covers `5555…`: a second range would only read the same index entries again
  if (v.startsWith('+') || (digits.startsWith(COUNTRY_CODE) && digits.length > NATIONAL_MAX_DIGITS) || (COUNTRY_CODE + digits).startsWith(digits)) return [digits];
  return [digits, COUNTRY_CODE + digits];
}

/** What a user:value matches the start of: a number's stored forms, any other value as typed. */
export function userPrefixes(value: string): string[] {
  return phonePrefixes(value) ?? [value];
}

/** A whole phone number (10 to 13 digits, punctuation and all) typed as free text: the user term it also means. */
function textPhone(value: string): QueryTerm | null {
  const v = value.trim();
  const n = digitsOf(v).length;
  if (!PHONE.test(v) || n < 10 || n > 13) return null;
  return { field: 'user', value: (v.startsWith('+') ? '+' : '') + digitsOf(v), negate: false };
}

/**
 * A number typed with spaces (`+55 11 98765-0001`, `(11) 98765-0001`) is split by the tokenizer: the tokens from i
 * that make one number, null when there are none to join. As free text only a whole number (10 to 13 digits) is
 * joined, so numbers and dates beside each other stay words; after user: any start of one (`user:(11) 9876`).
 */
function gluePhone(tokens: Token[], i: number): { parts: string[]; last: number } | null {
  const first = tokens[i]!;
  const firstValue = first.name === null ? (first.quoted ? null : first.value) : resolveField(first.name) === 'user' && first.pieces.length === 1 && !first.quoted ? first.value : null;
  if (firstValue === null || !PHONE_CHUNK.test(firstValue)) return null;
  const parts = [firstValue];
  let digits = digitsOf(firstValue).length;
  let best: { parts: string[]; last: number } | null = null;
  for (let j = i + 1; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (t.name !== null || t.quoted || t.negate || !PHONE_CHUNK.test(t.value)) break;
    digits += digitsOf(t.value).length;
    if (digits > 13) break;
    parts.push(t.value);
    if (digits >= 10 || first.name !== null) best = { parts: [...parts], last: j };
  }
  return best;
}

/**
 * The terms a term holds by any of: an OR group's members, and a phone number typed as free text, which finds its
 * text (a body that quotes it) and the user it names. null for a plain term. Both matchers (SQL and in memory) judge
 * a term through this, so the two never disagree on what OR or a number means.
 */
export function alternativesOf(t: QueryTerm): QueryTerm[] | null {
  if (t.anyOf) return t.anyOf.flatMap((m) => alternativesOf(m) ?? [m]);
  if (t.field !== 'text') return null;
  const user = textPhone(t.value);
  return user ? [{ field: 'text', value: t.value, negate: false }, user] : null;
}

// ---- unknown fields ----

/** what an error repeats of the user's input: enough to recognise it, never the whole 2,000-character query back */
const clipped = (s: string) => (s.length > 40 ? `${s.slice(0, 39)}…` : s);

function unknownField(name: string, raw: string): string {
  const closest = closestField(name);
  return closest
    ? `unknown field ${clipped(name)} — did you mean ${closest}?`
    : `unknown field ${clipped(name)} (fields: ${QUERY_FIELDS.map((f) => f.name).join(', ')}); to search for text with a colon, quote it: "${clipped(raw)}"`;
}

/** The field a mistyped name most likely meant (its own name or an alias within 2 edits, or one it starts), else null. */
function closestField(name: string): QueryField | null {
  const n = name.toLowerCase();
  let best: { field: QueryField; d: number } | null = null;
  for (const [spelling, field] of [...QUERY_FIELDS.map((f) => [f.name, f.name] as const), ...Object.entries(ALIASES)]) {
    const d = n.length >= 2 && spelling.startsWith(n) ? 1 : editDistance(n, spelling);
    if (d <= Math.min(2, n.length - 1) && (best === null || d < best.d)) best = { field, d };
  }
  return best?.field ?? null;
}

/** Levenshtein distance with adjacent transpositions counted as one edit (`tpye` → `type`). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
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
    case 'reason': {
      const v = value.toLowerCase();
      return (REASON_WORDS as readonly string[]).includes(v) || /^[1-5]\d\d$/.test(v)
        ? { value: v }
        : { error: `reason: "${value}" is none of ${REASON_WORDS.join(', ')} nor an HTTP status code (503)` };
    }
    case 'attempt':
      return /^[1-9]\d{0,3}\+?$/.test(value) ? { value } : { error: `attempt: "${value}" is not an attempt number (2, or 2+ for the 2nd and later)` };
    case 'answer': {
      const bound = answerBound(value);
      return bound === null ? { error: `answer: "${value}" is not a bound on the answer time (>10s, <500ms)` } : { value: value.replace(/\s+/g, '').toLowerCase() };
    }
    case 'user': {
      // a number keeps only its digits (and a leading + saying the country code is in them)
      const v = value.trim();
      return { value: phonePrefixes(v) ? (v.startsWith('+') ? '+' : '') + digitsOf(v) : value };
    }
    default:
      return { value };
  }
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `answer:>10s` → longer than 10,000 ms, `answer:<500ms` → shorter than 500 ms; null when it is neither. */
export function answerBound(value: string): { op: '>' | '<'; ms: number } | null {
  const m = /^([<>])(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.replace(/\s+/g, '').toLowerCase());
  if (!m) return null;
  const ms = Number(m[2]) * (m[3] === 's' ? 1_000 : m[3] === 'm' ? 60_000 : 1);
  return Number.isFinite(ms) ? { op: m[1] as '>' | '<', ms: Math.round(ms) } : null;
}

/** `attempt:3` → exactly the 3rd; `attempt:3+` → the 3rd and later */
export function attemptBound(value: string): { n: number; orLater: boolean } {
  return { n: Number.parseInt(value, 10), orLater: value.endsWith('+') };
}

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
  const needs = value === '' || /[\s"\\,]/.test(value) || (forText && (/^[A-Za-z_]+:/.test(value) || value.startsWith('-') || value === 'OR' || /^\(|\)$/.test(value)));
  return needs ? `"${value.replace(/[\\"]/g, (c) => '\\' + c)}"` : value;
}

function formatTerm(t: QueryTerm): string {
  const sign = t.negate ? '-' : '';
  if (t.anyOf) {
    const sameField = t.anyOf.every((m) => m.field === t.field && m.field !== 'text');
    if (sameField) return `${sign}${t.field}:${t.anyOf.map((m) => quoteIfNeeded(m.value, false)).join(',')}`;
    return t.anyOf.map(formatTerm).join(' OR ');
  }
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
  // in a list of values (type:READ,DEL) the one at the caret is completed
  const piece = token.pieces.find((p) => p.start <= cursor && cursor <= p.end) ?? token.pieces[token.pieces.length - 1]!;
  const prefix = cursor === piece.end ? piece.value : typedValue(q.slice(piece.start, cursor));
  const options = (def.values ?? [])
    .filter((v) => v.toLowerCase().startsWith(prefix.toLowerCase()))
    .map((v) => ({ label: v, insert: formatValue(v), description: def.description }));
  return { from: piece.start, to: piece.end, field, prefix, options, askStore: def.values === undefined && field !== 'after' && field !== 'before' };
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
