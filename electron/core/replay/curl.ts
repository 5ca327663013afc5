// "Copy as cURL": a command a user can paste into a POSIX shell (bash, zsh, sh) that sends the same bytes.
import type { DeliveryRequest } from '../../../shared/domain';
import { maskBodyText } from '../../../shared/mask';
import { buildRequest, type HeaderPair } from './request';

/** Single-quoted: every byte is literal except the quote itself. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Without a target the command reproduces the original request to the URL the sender used (from its Host
 * and X-Forwarded-Proto headers); with one, it is what a replay to that target sends.
 */
export function curlCommand(raw: DeliveryRequest, target: { url: string; headers: HeaderPair[] } | null, opts: { mask?: boolean } = {}): string {
  if (opts.mask) return MASKED_NOTE + curlCommand(maskedRequest(raw), target);
  const t = target ?? { url: originalUrl(raw), headers: [] };
  const req = buildRequest(raw, t);
  // curl derives Host from the URL and Content-Length from the body, and manages its own connection; anything else
  // is sent as recorded
  const headers = req.headers.filter(([n]) => !['host', 'content-length', 'connection'].includes(n.toLowerCase()));
  const parts = [`curl -g -X ${shellQuote(req.method)} ${shellQuote(req.url.href)}`];
  for (const [name, value] of headers) parts.push(`-H ${shellQuote(value === '' ? `${name};` : `${name}: ${value}`)}`);
  // curl adds headers of its own unless told not to (an empty "Name:" removes one): keep only what was recorded
  const has = (name: string) => headers.some(([n]) => n.toLowerCase() === name);
  const curlDefaults = ['User-Agent', 'Accept', ...(req.body.length > 0 ? ['Content-Type', 'Expect'] : [])];
  for (const name of curlDefaults) if (!has(name.toLowerCase())) parts.push(`-H '${name}:'`);
  if (req.body.length === 0) return parts.join(' \\\n  ');
  const text = utf8OrNull(req.body);
  if (text !== null && !text.includes('\0') && !text.startsWith('@')) {
    parts.push(`--data-binary ${shellQuote(text)}`);
    return parts.join(' \\\n  ');
  }
  // Bytes a shell argument cannot hold (NUL, invalid UTF-8), or a leading @ curl would read as a file name:
  // the body goes through stdin instead.
  parts.push(`--data-binary @-`);
  const feed =
    text !== null && !text.includes('\0')
      ? `printf '%s' ${shellQuote(text)}`
      : `printf '%s' ${shellQuote(Buffer.from(req.body).toString('base64'))} | base64 -d`;
  return `${feed} | ${parts.join(' \\\n  ')}`;
}

// a masked copy sends other bytes than were received: the command says so where it is pasted
const MASKED_NOTE = '# personal data masked (shared/mask.ts): this body is not the one received\n';

/** the body as the masked view shows it; bytes that are not text cannot be masked in part, so none are kept */
function maskedRequest(raw: DeliveryRequest): DeliveryRequest {
  const text = utf8OrNull(raw.body);
  const body = new TextEncoder().encode(text === null ? '' : maskBodyText(text));
  return { ...raw, body, bodySize: body.length };
}

function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

function originalUrl(raw: DeliveryRequest): string {
  const header = (name: string) => raw.headers.find(([n]) => n.toLowerCase() === name)?.[1]?.split(',')[0]?.trim();
  const proto = header('x-forwarded-proto') === 'https' ? 'https' : 'http';
  const host = header('host') || 'localhost';
  return `${proto}://${host}${raw.path || '/'}`;
}
