// What goes on the wire when a stored delivery is sent to a user target: the original method, body bytes and
// headers, minus what only made sense on the original connection, plus the target's own headers.
import { ApiError } from '../../../shared/api-error';
import type { DeliveryRequest } from '../../../shared/domain';

export type HeaderPair = [string, string];

/** Per-connection headers (RFC 9110 §7.6.1) and the ones recomputed for the new request. */
const DROPPED = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length', 'host']);
/** Overrides that would break the message framing; the body decides these. */
const NOT_OVERRIDABLE = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade']);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface OutgoingRequest {
  url: URL;
  method: string;
  headers: HeaderPair[];
  body: Uint8Array;
}

export function parseTargetUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ApiError('bad-request', `not a URL: ${url}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ApiError('bad-request', `a target must be an http:// or https:// URL, not ${u.protocol}`);
  }
  if (u.username || u.password) throw new ApiError('bad-request', 'put credentials in a header (e.g. Authorization), not in the URL');
  return u;
}

/** Header names and values Node would refuse at send time are refused when saved instead. */
function validateHeaders(headers: HeaderPair[], what: string): void {
  for (const [name, value] of headers) {
    if (!TOKEN.test(name)) throw new ApiError('bad-request', `${what}: "${name}" is not a valid header name`);
    if (/[\r\n\0]/.test(value)) throw new ApiError('bad-request', `${what}: the value of "${name}" contains a line break or NUL`);
  }
}

/** Headers the user adds (a target's saved headers, per-replay overrides). */
export function validateOverrides(headers: HeaderPair[], what = 'header override'): void {
  validateHeaders(headers, what);
  for (const [name] of headers) {
    if (NOT_OVERRIDABLE.has(name.toLowerCase()) || name.toLowerCase().startsWith('proxy-')) {
      throw new ApiError('bad-request', `${what}: "${name}" is set from the body and connection and cannot be overridden`);
    }
  }
}

/** The edited body must still be JSON; it is sent exactly as typed (not re-serialized). */
export function editedBody(text: string): Uint8Array {
  try {
    JSON.parse(text);
  } catch (err) {
    throw new ApiError('bad-request', `the edited body is not valid JSON: ${(err as Error).message}`);
  }
  return new TextEncoder().encode(text);
}

/** A body the receiver refused (e.g. 413) was kept only in part; sending the part would misrepresent it. */
export function unsendableReason(raw: DeliveryRequest): string | null {
  if (raw.body.length < raw.bodySize) {
    return `not sent: only the first ${raw.body.length} of ${raw.bodySize} body bytes were stored (the delivery was rejected), so the original cannot be reproduced`;
  }
  return null;
}

function dropHopByHop(headers: HeaderPair[]): HeaderPair[] {
  // Headers named in Connection are per-connection too.
  const named = new Set(
    headers
      .filter(([n]) => n.toLowerCase() === 'connection')
      .flatMap(([, v]) => v.split(',').map((s) => s.trim().toLowerCase()))
      .filter(Boolean),
  );
  return headers.filter(([n]) => {
    const l = n.toLowerCase();
    return !DROPPED.has(l) && !l.startsWith('proxy-') && !named.has(l);
  });
}

/** Later pairs replace every earlier header of the same name; an empty value removes the header. */
function applyReplacements(headers: HeaderPair[], replacements: HeaderPair[]): HeaderPair[] {
  let out = headers;
  for (const [name, value] of replacements) {
    const l = name.toLowerCase();
    out = out.filter(([n]) => n.toLowerCase() !== l);
    if (value !== '') out.push([name, value]);
  }
  return out;
}

/** The target URL's path is used; the original query string is kept unless the target URL has its own. */
function targetUrlFor(target: URL, raw: Pick<DeliveryRequest, 'query'>): URL {
  const u = new URL(target.href);
  if (!u.search && raw.query) u.search = `?${raw.query}`;
  return u;
}

export function buildRequest(
  raw: DeliveryRequest,
  target: { url: string; headers: HeaderPair[] },
  opts: { body?: Uint8Array; overrides?: HeaderPair[] } = {},
): OutgoingRequest {
  const url = targetUrlFor(parseTargetUrl(target.url), raw);
  const body = opts.body ?? raw.body;
  let headers: HeaderPair[] = [['Host', url.host], ...dropHopByHop(raw.headers)];
  headers = applyReplacements(headers, target.headers);
  headers = applyReplacements(headers, opts.overrides ?? []);
  const method = raw.method.toUpperCase();
  // A body, or a method that normally carries one, gets an exact length; never chunked.
  if (body.length > 0 || !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method)) headers.push(['Content-Length', String(body.length)]);
  // Connections are never reused (http-send.ts). Said here rather than left to Node, which would add it unseen:
  // the headers recorded with an attempt are then exactly the ones on the wire.
  headers.push(['Connection', 'close']);
  return { url, method, headers, body };
}
