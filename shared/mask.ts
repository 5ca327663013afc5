// Privacy masking: what of a callback is personal, and how it is shown when "mask personal data" is on. A view only:
// the store keeps the real values (search runs on them); the renderer's formatting and the export writers call
// these at the edge. Personal, from the gateway's documentation and its samples:
// - user_id, and any phone number in text (notices, problems, extra fields): kept as country code, area code, first
//   digit and last two (55 11 9••••-••21), so rows can still be told apart;
// - everything inside `message` but its structure (contentType, type, mimeType, sizes): reply texts, postback
//   data, tapped-button labels, file names and user-content URIs, coordinates, contact cards; outbound texts too,
//   as templates put names, order numbers and amounts in them ("Olá Maria, seu pedido A-10293");
// - every value of `vars` (nome, pedido, boleto…); the keys stay;
// - fields the spec does not list (a phone or a name could be anywhere in them).
// Gateway notices (EXCEPTION/ERROR/PREPAID_BLOCKED texts, `status`) are the gateway's words: only phone numbers in
// them are masked. So are a tapped suggestion's label and postback (suggestionResponse): the customer picked them from
// the business's own suggestions, so they are its words, not the customer's, and the top-replies cards stay readable;
// what a customer typed (TEXT) stays hidden. Deny by default: an unknown key inside a message is masked, not kept.
import type {
  DeliveryDetail,
  DeliverySummary,
  EventKind,
  FlagDetail,
  ForwardAttempt,
  MessageDetail,
  MessageSummary,
  NormalizedCallback,
  TimelineEvent,
} from './domain';

export const MASK = '•••';
const DOT = '•';

/** kinds whose message text is the gateway's own notice, not the customer's words */
const NOTICE_KINDS: ReadonlySet<EventKind> = new Set(['exception', 'error', 'prepaid-blocked']);
/** a row's preview that is a parse problem of a body with no callback (shared/callback.ts readJson's wording) */
const PROBLEM_PREVIEW = /^(body |no Content-Type|Content-Type is )/;
const NOTICE_TYPES = new Set(['exception', 'error', 'prepaid_blocked', 'prepaidblocked', 'prepaid-blocked']);
/** inside `message`: keys that say how content is shaped, never what it says */
const STRUCTURE_KEYS = new Set(['contentType', 'type', 'mimeType', 'fileSizeBytes', 'height', 'orientation', 'cardWidth', 'thumbnailImageAlignment']);
/** outbound media links are the sender's templates: their host and path stay, their query (tracking ids) goes */
const MEDIA_URL_KEYS = new Set(['url', 'fileUrl', 'thumbnailUrl', 'imageUrl']);
/** inside `message.suggestionResponse`: the business's suggestion the customer tapped (its label, postback, kind) */
const SUGGESTION_KEYS = new Set(['text', 'postbackData', 'postback', 'type']);
/** top-level fields the spec lists whose values are ids and the sender's words, not the customer's */
const PUBLIC_FIELDS = new Set(['reference', 'campaign_name', 'event_id', 'direction', 'session_id', 'timestamp', 'channel', 'type']);

/**
 * A phone number as `55 11 9••••-••21`: country code, area code, the first digit and the last two; a Brazilian
 * national number without the country code as `11 9••••-••21`; any other at least 6 digits long keeps its first two
 * and last two. Anything that is not a number at all is `•••`.
 */
export function maskPhone(raw: string): string {
  const digits = raw.replace(/\D/g, '');
  if (digits.length < 6 || /[A-Za-z@]/.test(raw)) return MASK;
  const plus = raw.trim().startsWith('+') ? '+' : '';
  let head: string;
  let sub: string;
  if (digits.startsWith('55') && (digits.length === 12 || digits.length === 13)) {
    head = `55 ${digits.slice(2, 4)}`;
    sub = digits.slice(4);
  } else if (!plus && (digits.length === 10 || digits.length === 11)) {
    head = digits.slice(0, 2);
    sub = digits.slice(2);
  } else {
    return `${plus}${digits.slice(0, 2)} ${DOT.repeat(digits.length - 4)}${digits.slice(-2)}`;
  }
  // the subscriber number: first digit, the rest of its first part hidden, then "-••" and the last two
  return `${plus}${head} ${sub[0]}${DOT.repeat(sub.length - 5)}-${DOT.repeat(2)}${sub.slice(-2)}`;
}

// 8 to 15 digits, each pair at most two separators apart (+55 (11) 98765-0001, 5511987650001, 11 98765 0001); an
// ISO date or an IPv4 address is left alone
const PHONE_IN_TEXT = /(?<![\w.])\+?\(?\d(?:[\s().-]{0,2}\d){7,14}(?![\w])/g;
const NOT_A_PHONE = /^\d{4}-\d{2}-\d{2}|^\d{1,3}(\.\d{1,3}){3}$/;

/** Every phone number in free text masked as maskPhone does; the rest unchanged. */
export function maskPhonesInText(text: string): string {
  return text.replace(PHONE_IN_TEXT, (m) => (NOT_A_PHONE.test(m) ? m : maskPhone(m)));
}

/**
 * A sentence about a body (a parse problem, a reject reason) may quote it ("got the string \"Qual o prazo…\"", V8's
 * "Unexpected token 'Q', \"Qual o pr\"... is not valid JSON"): quoted parts and phone numbers are masked.
 */
export function maskQuoting(text: string): string {
  return maskPhonesInText(text.replace(/"(?:[^"\\\n]|\\.)*"/g, `"${MASK}"`).replace(/'[^'\n]{1,40}'/g, `'${MASK}'`));
}

/** user_id: a phone number shown as one; anything else hidden whole */
export function maskUser(userId: string): string;
export function maskUser(userId: string | null): string | null;
export function maskUser(userId: string | null): string | null {
  return userId === null ? null : maskPhone(userId);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** a number that could be a phone number (8+ digits) is masked as one; other numbers stay */
function maskNumber(n: number): number | string {
  return Number.isInteger(n) && Math.abs(n) >= 1e7 ? maskPhone(String(n)) : n;
}

function maskLink(url: string): string {
  const m = /^(https?:\/\/[^?#\s]*)([?#].*)?$/i.exec(url);
  if (!m) return MASK;
  return m[2] ? `${m[1]}?${MASK}` : m[1]!;
}

/** a tapped suggestion (`message.suggestionResponse`): its known keys keep their words, phone numbers masked */
function maskSuggestion(v: unknown): unknown {
  if (!isObj(v)) return maskContent(v, false, null, 1);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = SUGGESTION_KEYS.has(k) && typeof x === 'string' ? maskSuggestionText(x) : maskContent(x, false, k, 2);
  return out;
}

/**
 * A suggestion's label or postback with its phone numbers masked, also one glued into an identifier
 * ("callback_5511987650021"), which text's number finder leaves alone: a run of 8+ digits is masked as a number.
 */
export function maskSuggestionText(text: string): string {
  return maskPhonesInText(text).replace(/(?<!\d)\d{8,15}(?!\d)/g, (m) => maskPhone(m));
}

/** everything inside a callback's `message` object but its structure; outbound media links keep host and path */
function maskContent(v: unknown, outbound: boolean, key: string | null, depth: number): unknown {
  if (depth > 64) return MASK;
  if (Array.isArray(v)) return v.map((x) => maskContent(x, outbound, key, depth + 1));
  if (isObj(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = depth === 0 && k === 'suggestionResponse' && !outbound ? maskSuggestion(x) : maskContent(x, outbound, k, depth + 1);
    return out;
  }
  if (v === null || typeof v === 'boolean') return v;
  if (key === 'latitude' || key === 'longitude') return MASK;
  if (key !== null && STRUCTURE_KEYS.has(key)) return typeof v === 'number' ? v : String(v);
  if (typeof v === 'number') return maskNumber(v);
  if (outbound && key !== null && MEDIA_URL_KEYS.has(key) && typeof v === 'string') return maskLink(v);
  return MASK;
}

/** values of vars and of unknown fields: every leaf hidden, keys kept, phone numbers shown as such */
function maskLeaves(v: unknown, depth = 0): unknown {
  if (depth > 64) return MASK;
  if (Array.isArray(v)) return v.map((x) => maskLeaves(x, depth + 1));
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskLeaves(x, depth + 1)]));
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') return maskNumber(v);
  const s = String(v);
  return /^\+?[\d\s().-]{8,20}$/.test(s.trim()) ? maskPhone(s) : MASK;
}

/** a callback's `message` as the masked view shows it */
function maskMessageValue(message: unknown, notice: boolean, outbound: boolean): unknown {
  if (message === null || message === undefined) return message;
  if (typeof message === 'string') return notice ? maskPhonesInText(message) : MASK;
  return maskContent(message, outbound, null, 0);
}

/**
 * A callback body as parsed JSON, masked: the form the raw view, exports and cURL copies show. Not an object
 * (an array, a string): every leaf hidden.
 */
export function maskCallbackJson(body: unknown): unknown {
  if (!isObj(body)) return maskLeaves(body);
  const type = typeof body.type === 'string' ? body.type.trim().toLowerCase() : '';
  const notice = NOTICE_TYPES.has(type);
  const outbound = typeof body.direction === 'string' && body.direction.trim().toLowerCase() === 'outbound';
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === 'user_id') out[k] = typeof v === 'string' || typeof v === 'number' ? maskPhone(String(v)) : maskLeaves(v);
    else if (k === 'message') out[k] = maskMessageValue(v, notice, outbound);
    else if (k === 'status') out[k] = typeof v === 'string' ? maskPhonesInText(v) : maskLeaves(v);
    else if (PUBLIC_FIELDS.has(k)) out[k] = v;
    else out[k] = maskLeaves(v);
  }
  return out;
}

/** the indentation the body was sent with, so a masked body reads like the original */
function indentOf(text: string): string | number {
  const m = /\n([ \t]+)\S/.exec(text);
  return m ? m[1]! : 0;
}

/**
 * A raw body masked as text. JSON is masked field by field and written back in its own indentation (so it is no
 * longer byte-exact); JSON that does not parse has every string after a colon and every phone number masked; any
 * other body is hidden whole, as nothing tells its personal parts from the rest.
 */
export function maskBodyText(text: string): string {
  if (text.trim() === '') return text;
  try {
    return JSON.stringify(maskCallbackJson(JSON.parse(text)), null, indentOf(text));
  } catch {
    if (!/^\s*[[{]/.test(text)) return MASK;
    return maskPhonesInText(text.replace(/(:\s*)"(?:[^"\\]|\\.)*("|$)/g, `$1"${MASK}"`));
  }
}

/** the normalized callback as the masked view shows it */
export function maskCallback(cb: NormalizedCallback): NormalizedCallback {
  const notice = NOTICE_KINDS.has(cb.kind);
  return {
    ...cb,
    userId: maskUser(cb.userId),
    message: maskMessageValue(cb.message, notice, cb.direction === 'outbound'),
    vars: cb.vars === null ? null : (maskLeaves(cb.vars) as Record<string, unknown>),
    status: cb.status === null ? null : maskPhonesInText(cb.status),
    text: maskKindText(cb.text, cb.kind, cb.type),
    extra: maskLeaves(cb.extra) as Record<string, unknown>,
  };
}

/** a callback's searchable text or a row's preview: the gateway's notices and a tapped suggestion keep their words, content is hidden */
function maskKindText(text: string, kind: EventKind, type: string | null): string {
  if (!text) return text;
  if (isSuggestionTap(kind, type)) return maskSuggestionText(text);
  return NOTICE_KINDS.has(kind) ? maskPhonesInText(text) : MASK;
}

/** a customer's tap on one of the business's suggestions (its text is the suggestion's label and postback) */
function isSuggestionTap(kind: EventKind, type: string | null): boolean {
  return kind === 'reply' && type !== null && type.toLowerCase() === 'suggestionresponse';
}

export function maskFlagDetail(f: FlagDetail): FlagDetail {
  switch (f.flag) {
    case 'exception':
    case 'error':
    case 'prepaid-blocked':
      return { ...f, text: maskPhonesInText(f.text) };
    case 'duplicate-blocked':
      return { ...f, status: maskPhonesInText(f.status) };
    case 'invalid':
      return { ...f, problems: f.problems.map(maskQuoting) };
    default:
      return f;
  }
}

export function maskDeliverySummary<T extends DeliverySummary>(d: T): T {
  // a body that is no callback at all previews its parse problem, which can quote the body
  const problem = d.reference === null && d.type === null && PROBLEM_PREVIEW.test(d.preview);
  const preview = problem ? maskQuoting(d.preview) : maskKindText(d.preview, d.kind, d.type);
  return { ...d, userId: maskUser(d.userId), preview, rejectReason: d.rejectReason === null ? null : maskQuoting(d.rejectReason) };
}

export function maskMessageSummary<T extends MessageSummary>(m: T): T {
  return { ...m, userId: maskUser(m.userId) };
}

function maskAnomalyDetail<T extends { detail: string }>(a: T): T {
  return { ...a, detail: maskPhonesInText(a.detail) };
}

function maskEvent(ev: TimelineEvent): TimelineEvent {
  return { ...ev, deliveries: ev.deliveries.map(maskDeliverySummary), flagDetails: ev.flagDetails.map(maskFlagDetail) };
}

export function maskMessageDetail(m: MessageDetail): MessageDetail {
  return {
    ...m,
    summary: maskMessageSummary(m.summary),
    events: m.events.map(maskEvent),
    anomalyDetails: m.anomalyDetails.map(maskAnomalyDetail),
  };
}

/** The personal strings of a callback (3+ characters), to find them again in text that quotes it. */
function personalStrings(cb: NormalizedCallback | null): string[] {
  if (!cb) return [];
  const found = new Set<string>();
  const walk = (v: unknown, depth: number) => {
    if (depth > 64) return;
    if (typeof v === 'string' && v.trim().length >= 3) found.add(v.trim());
    else if (Array.isArray(v)) v.forEach((x) => walk(x, depth + 1));
    else if (isObj(v)) for (const [k, x] of Object.entries(v)) if (!STRUCTURE_KEYS.has(k)) walk(x, depth + 1);
  };
  // a tapped suggestion's words are shown: an echo of them is not hidden either
  if (!NOTICE_KINDS.has(cb.kind) && !isSuggestionTap(cb.kind, cb.type)) walk(cb.message, 0);
  walk(cb.vars, 0);
  walk(cb.extra, 0);
  if (cb.userId) found.add(cb.userId);
  // longest first, so a value is not left half-masked by a shorter one inside it
  return [...found].sort((a, b) => b.length - a.length);
}

/** text from elsewhere (an endpoint's answer) that may echo the callback: its personal strings and phones masked */
function maskEcho(text: string, personal: readonly string[]): string {
  let out = text;
  for (const p of personal) if (out.includes(p)) out = out.split(p).join(MASK);
  // a JSON echo escapes what JSON.stringify escapes: look for that spelling too
  for (const p of personal) {
    const escaped = JSON.stringify(p).slice(1, -1);
    if (escaped !== p && out.includes(escaped)) out = out.split(escaped).join(MASK);
  }
  return maskPhonesInText(out);
}

function maskForward(f: ForwardAttempt, personal: readonly string[]): ForwardAttempt {
  return { ...f, responseExcerpt: maskEcho(f.responseExcerpt, personal), error: f.error === null ? null : maskEcho(f.error, personal) };
}

const utf8 = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function maskDeliveryDetail(d: DeliveryDetail): DeliveryDetail {
  const personal = personalStrings(d.callback);
  const bodyText = maskBodyText(d.bodyText);
  return {
    ...maskDeliverySummary(d),
    bodyText,
    bodyBase64: toBase64(utf8.encode(bodyText)),
    callback: d.callback ? maskCallback(d.callback) : null,
    flagDetails: d.flagDetails.map(maskFlagDetail),
    forwards: d.forwards.map((f) => maskForward(f, personal)),
  };
}
