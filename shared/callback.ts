// Parses one delivery body into a NormalizedCallback, absorbing the gateway's real-world variance
// (design.md "Real-world variance") and listing, in plain words, everything that is wrong with it.
import { z } from 'zod';
import { INBOUND_CONTENT_TYPES, OUTBOUND_CONTENT_TYPES, type EventKind, type NormalizedCallback } from './domain';
import { canonicalJson, parseIsoTime } from './canonical';
import { coordinateValue } from './callback-fields';

export interface ParseResult {
  callback: NormalizedCallback | null;
  /** human-readable reasons; non-empty means the delivery is flagged `invalid` */
  problems: string[];
  /**
   * key-sorted, whitespace-free JSON of the body; null when the body is not JSON. Computed on first read: it costs
   * about as much as parsing the body, and only a repeat of an event is ever compared (store/ingest.ts priorOf).
   */
  readonly canonicalJson: string | null;
}

/** Fields the spec lists; anything else goes to `extra`. */
const KNOWN_FIELDS = [
  'reference',
  'campaign_name',
  'event_id',
  'direction',
  'session_id',
  'user_id',
  'timestamp',
  'channel',
  'type',
  'message',
  'vars',
  'status',
] as const;
const KNOWN = new Set<string>(KNOWN_FIELDS);

/** Without these a callback cannot be placed in a lifecycle, so their absence makes it invalid. */
const REQUIRED_FIELDS = ['reference', 'event_id', 'type', 'timestamp'] as const;

const optString = z.string().nullable().optional();
/** The shape the spec documents. Loose: unknown keys pass through to `extra`. */
const callbackShape = z.looseObject({
  reference: optString,
  campaign_name: optString,
  event_id: optString,
  direction: optString,
  session_id: optString,
  user_id: optString,
  timestamp: optString,
  channel: optString,
  type: optString,
  status: optString,
  message: z.union([z.record(z.string(), z.unknown()), z.string(), z.null()]).optional(),
  vars: z.record(z.string(), z.unknown()).nullable().optional(),
});

const STRING_FIELDS = KNOWN_FIELDS.filter((f) => f !== 'message' && f !== 'vars');

/** A JSON object zod's record check surely passes (no own `constructor` key: zod then looks at its prototype). */
function plainRecord(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype && !Object.hasOwn(v, 'constructor');
}

/**
 * True only when callbackShape surely accepts `obj` (false: ask zod, which also words what is wrong). Checked by
 * hand because this is every delivery's path and nearly every body fits.
 */
function fitsShape(obj: Record<string, unknown>): boolean {
  if (Object.hasOwn(obj, 'constructor')) return false;
  for (const f of STRING_FIELDS) {
    const v = obj[f];
    if (v !== undefined && v !== null && typeof v !== 'string') return false;
  }
  const m = obj.message;
  if (m !== undefined && m !== null && typeof m !== 'string' && !plainRecord(m)) return false;
  const vars = obj.vars;
  return vars === undefined || vars === null || plainRecord(vars);
}

const EXPECTED: Record<string, string> = {
  message: 'an object, a string or null',
  vars: 'an object or null',
};

/** Gateway spellings (lower-cased) of the types the spec lists, with their canonical spelling and kind. */
const byLowerCase = (types: readonly string[]): Record<string, string> => Object.fromEntries(types.map((t) => [t.toLowerCase(), t]));
const OUTBOUND_CONTENT = byLowerCase(OUTBOUND_CONTENT_TYPES);
const INBOUND_CONTENT = byLowerCase(INBOUND_CONTENT_TYPES);
const STATUS_TYPES: Record<string, { type: string; kind: EventKind }> = {
  delivered: { type: 'DELIVERED', kind: 'delivered' },
  read: { type: 'READ', kind: 'read' },
  exception: { type: 'EXCEPTION', kind: 'exception' },
  error: { type: 'ERROR', kind: 'error' },
  prepaid_blocked: { type: 'PREPAID_BLOCKED', kind: 'prepaid-blocked' },
  prepaidblocked: { type: 'PREPAID_BLOCKED', kind: 'prepaid-blocked' },
  'prepaid-blocked': { type: 'PREPAID_BLOCKED', kind: 'prepaid-blocked' },
  suggestionresponse: { type: 'suggestionResponse', kind: 'reply' },
  suggestion_response: { type: 'suggestionResponse', kind: 'reply' },
};

/** Older gateway versions put the duplicate-blocking notice ("bloqueado por duplicidade") in `type`. */
const DUPLICATE_BLOCK_RE = /duplicidade|duplicad|duplicate/i;

export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mime = contentType.split(';')[0].trim().toLowerCase();
  return mime === 'application/json' || /^application\/[\w.!#$&^-]+\+json$/.test(mime);
}

/** Deeper JSON than this is not parsed into a callback (see parseDeliveryBody). */
export const MAX_JSON_DEPTH = 64;

/** Nesting depth of a parsed JSON value, counted without recursion and stopping once past `limit`. */
function jsonDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

const DEEP_MARKER = `[nested more than ${MAX_JSON_DEPTH} levels deep: see the raw body]`;

/** A copy cut at MAX_JSON_DEPTH; recursion is bounded by that depth. */
function pruneDeep(v: unknown, depth: number): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (depth >= MAX_JSON_DEPTH) return DEEP_MARKER;
  if (Array.isArray(v)) return v.map((x) => pruneDeep(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = pruneDeep(x, depth + 1);
  return out;
}

export function parseDeliveryBody(body: Uint8Array, contentType: string | undefined): ParseResult {
  const problems: string[] = [];
  const read = readJson(body, contentType, problems);
  if (!read) return { callback: null, problems, canonicalJson: null };
  let value = read.value;

  // A callback is a shallow object. Absurdly deep JSON would overflow the stack of everything that walks it later
  // (JSON.stringify in the API and export, the UI's tree), so what lies below MAX_JSON_DEPTH is replaced by a
  // marker; the raw bytes keep all of it.
  if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    problems.push(`body JSON is nested more than ${MAX_JSON_DEPTH} levels deep; the deeper part is shown in the raw body only`);
    value = pruneDeep(value, 0);
  }

  if (!isObject(value)) {
    problems.push(notAnObject(value));
    return withCanonical(null, problems, value);
  }

  const callback = normalizeCallback(value, problems);
  return withCanonical(callback, problems, value);
}

/**
 * A result whose canonical JSON is computed from `value` when first read, then kept. An own enumerable getter, so a
 * spread or JSON.stringify of the result reads it like a plain field. `value` is at most MAX_JSON_DEPTH deep (cut
 * above), so canonicalJson's recursion cannot overflow; a failure all the same reads as no canonical form.
 */
function withCanonical(callback: NormalizedCallback | null, problems: string[], value: unknown): ParseResult {
  let canonical: string | null | undefined;
  return {
    callback,
    problems,
    get canonicalJson() {
      if (canonical === undefined) {
        try {
          canonical = canonicalJson(value);
        } catch {
          canonical = null;
        }
      }
      return canonical;
    },
  };
}

/**
 * What can be told of a body at once, without checking its fields: its Content-Type, that it is UTF-8 JSON and
 * that it is an object. The receiver answers with this (its full checks come with indexing, a moment later);
 * empty means nothing wrong so far. Same wording as parseDeliveryBody.
 */
export function bodyShapeProblems(body: Uint8Array, contentType: string | undefined): string[] {
  const problems: string[] = [];
  const read = readJson(body, contentType, problems);
  if (read && !isObject(read.value)) problems.push(notAnObject(read.value));
  return problems;
}

/** The body as a JSON value (null when it is not JSON text); Content-Type and text problems go to `problems`. */
function readJson(body: Uint8Array, contentType: string | undefined, problems: string[]): { value: unknown } | null {
  if (!contentType || !contentType.trim()) {
    problems.push('no Content-Type header (expected application/json)');
  } else if (!isJsonContentType(contentType)) {
    problems.push(`Content-Type is "${clip(contentType, 80)}", expected application/json`);
  }

  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    problems.push(`body is not valid UTF-8 text (${body.length} bytes)`);
    return null;
  }
  if (text.trim() === '') {
    problems.push(body.length === 0 ? 'body is empty' : 'body is only whitespace');
    return null;
  }
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    problems.push(`body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function notAnObject(value: unknown): string {
  return `body is JSON but not an object (got ${describe(value)})`;
}

/** Best-effort normalization of a JSON object; appends what is wrong to `problems`. */
function normalizeCallback(obj: Record<string, unknown>, problems: string[]): NormalizedCallback {
  // zod only for a body that may have something to say (a quarter of indexing's parse time otherwise)
  const checked = fitsShape(obj) ? null : callbackShape.safeParse(obj);
  const badFields = new Set<string>();
  if (checked && !checked.success) {
    for (const issue of checked.error.issues) {
      const field = String(issue.path[0] ?? '');
      if (!field || badFields.has(field)) continue;
      badFields.add(field);
      problems.push(`${field} should be ${EXPECTED[field] ?? 'a string or null'}, got ${describe(obj[field])}`);
    }
  }
  for (const field of REQUIRED_FIELDS) {
    const v = obj[field];
    if (v === undefined || v === null) problems.push(`${field} is missing`);
    else if (typeof v === 'string' && v.trim() === '') problems.push(`${field} is empty`);
  }

  const reference = looseString(obj.reference);
  const eventId = looseString(obj.event_id);
  const direction = looseString(obj.direction)?.trim().toLowerCase() || null;
  const channel = looseString(obj.channel)?.trim().toUpperCase() || null;
  const typeRaw = looseString(obj.type);
  const status = nonEmpty(looseString(obj.status));

  const timestampRaw = typeof obj.timestamp === 'string' ? obj.timestamp : obj.timestamp == null ? null : String(obj.timestamp);
  let timestamp: number | null = null;
  if (typeof obj.timestamp === 'string' && obj.timestamp.trim() !== '') {
    timestamp = parseIsoTime(obj.timestamp, 'utc')?.ms ?? null;
    if (timestamp === null) problems.push(`timestamp "${clip(obj.timestamp, 60)}" is not an ISO 8601 date-time`);
  } else if (typeof obj.timestamp === 'number' && Number.isFinite(obj.timestamp)) {
    // Wrong type (already reported) but unambiguous enough to place the event in time: seconds or ms since epoch.
    timestamp = obj.timestamp < 1e11 ? obj.timestamp * 1000 : obj.timestamp;
  }

  const { type, kind } = canonicalType(typeRaw, direction, status);

  const message = obj.message === undefined ? null : obj.message;
  const vars =
    obj.vars !== null && typeof obj.vars === 'object' && !Array.isArray(obj.vars)
      ? (obj.vars as Record<string, unknown>)
      : null;

  const extra = Object.fromEntries(Object.entries(obj).filter(([k]) => !KNOWN.has(k)));

  return {
    reference,
    campaignName: looseString(obj.campaign_name),
    eventId,
    direction,
    sessionId: looseString(obj.session_id),
    userId: looseString(obj.user_id),
    timestampRaw,
    timestamp,
    channel,
    typeRaw,
    type,
    kind,
    message,
    vars,
    status,
    text: searchableText(message, kind, problems),
    extra,
  };
}

/** Canonical type spelling and lifecycle kind. Content types are told apart by direction, then by casing. */
export function canonicalType(
  typeRaw: string | null,
  direction: string | null,
  status: string | null,
): { type: string | null; kind: EventKind } {
  if (typeRaw === null || typeRaw.trim() === '') return { type: null, kind: status ? 'duplicate-blocked' : 'unknown' };
  const raw = typeRaw.trim();
  const key = raw.toLowerCase();
  const known = STATUS_TYPES[key];
  if (known) return known;
  // A duplicate-block notice echoes the blocked content type with `status` set: it was not sent.
  const blocked = status !== null;
  const inbound =
    direction === 'inbound' ||
    (direction !== 'outbound' && raw === raw.toUpperCase() && raw !== raw.toLowerCase() && key in INBOUND_CONTENT);
  if (inbound && INBOUND_CONTENT[key]) return { type: INBOUND_CONTENT[key], kind: blocked ? 'duplicate-blocked' : 'reply' };
  if (OUTBOUND_CONTENT[key]) return { type: OUTBOUND_CONTENT[key], kind: blocked ? 'duplicate-blocked' : 'sent' };
  if (INBOUND_CONTENT[key]) return { type: INBOUND_CONTENT[key], kind: blocked ? 'duplicate-blocked' : 'reply' };
  if (DUPLICATE_BLOCK_RE.test(raw)) return { type: raw, kind: 'duplicate-blocked' };
  return { type: raw, kind: blocked ? 'duplicate-blocked' : 'unknown' };
}

const TEXT_KEYS = new Set(['text', 'title', 'description', 'postbackData', 'postback', 'fileName']);

/** Searchable text: content text, card titles/descriptions, carousel items, replies, notices, "lat,lng". */
function searchableText(message: unknown, kind: EventKind, problems: string[]): string {
  if (message === null || message === undefined) return '';
  if (typeof message === 'string') return message;
  if (typeof message !== 'object') return String(message);
  const parts: string[] = [];
  const seen = new Set<string>();
  const add = (s: string) => {
    const t = s.trim();
    if (t && !seen.has(t)) {
      seen.add(t);
      parts.push(t);
    }
  };
  const walk = (v: unknown, depth: number, path: string) => {
    if (depth > 12 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, depth + 1, `${path}[${i}]`));
      return;
    }
    const o = v as Record<string, unknown>;
    if ('latitude' in o || 'longitude' in o) {
      const lat = coordinate(o.latitude, `${path}.latitude`, problems);
      const lng = coordinate(o.longitude, `${path}.longitude`, problems);
      if (lat !== null && lng !== null) add(`${lat},${lng}`);
    }
    for (const [k, val] of Object.entries(o)) {
      if (TEXT_KEYS.has(k) && (typeof val === 'string' || typeof val === 'number')) add(String(val));
      else if (typeof val === 'object') walk(val, depth + 1, `${path}.${k}`);
    }
  };
  walk(message, 0, 'message');
  if (kind === 'unknown' && parts.length === 0) return '';
  return parts.join(' · ');
}

/**
 * Short human text for a delivery row: the searchable text, else a media URL or file name, else the problem that
 * made the body unreadable. Single line, at most `max` characters.
 */
export function previewOf(parse: Pick<ParseResult, 'callback' | 'problems'>, max = 160): string {
  const cb = parse.callback;
  let text = cb?.text ?? '';
  if (!text && cb && cb.message !== null && typeof cb.message === 'object') text = firstUrl(cb.message, 0) ?? '';
  if (!text && !cb && parse.problems.length > 0) text = parse.problems[parse.problems.length - 1];
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? line.slice(0, max - 1) + '…' : line;
}

function firstUrl(v: unknown, depth: number): string | null {
  if (depth > 8 || v === null || typeof v !== 'object') return null;
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (typeof val === 'string' && /^(url|fileUrl|fileUri|thumbnailUrl)$/.test(k)) return val;
  }
  for (const val of Object.values(v as Record<string, unknown>)) {
    const found = firstUrl(val, depth + 1);
    if (found) return found;
  }
  return null;
}

/** Coordinates arrive as numbers or numeric strings; anything else is a format problem. */
function coordinate(v: unknown, path: string, problems: string[]): number | null {
  const n = coordinateValue(v);
  if (n === null) problems.push(`${path} should be a decimal number (like -23.5505), got ${describe(v)}`);
  return n;
}

/** Strings as-is; numbers and booleans stringified (best effort, the type problem is reported separately). */
function looseString(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

function nonEmpty(s: string | null): string | null {
  return s === null || s.trim() === '' ? null : s;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string "${clip(v, 40)}"`;
  return `${typeof v} ${String(v)}`;
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}
