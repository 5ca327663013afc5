// Small pieces of HTTP the receiver answers and records with, kept out of its request flow.
import http from 'node:http';

/** Why an Upgrade request is refused, naming what it asked for. */
export function upgradeRefusal(req: http.IncomingMessage): string {
  const what = String(req.headers.upgrade ?? '').slice(0, 64);
  return `protocol upgrade${what ? ` to "${what}"` : ''} refused: the receiver takes plain HTTP callbacks only`;
}

export function rawAnswer(status: number, reason: string, id?: number): string {
  const body = JSON.stringify(id === undefined ? { error: reason } : { error: reason, id });
  return (
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/** The request line and headers of a parsed request, as bytes, for recording a refused one. */
export function requestHead(req: http.IncomingMessage): Buffer {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
}

export function pairs(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

/** Behind the tunnel every request comes from 127.0.0.1; the tunnel server passes the real sender. */
export function forwardedFor(req: http.IncomingMessage): string | null {
  const xff = req.headers['x-forwarded-for'];
  const v = Array.isArray(xff) ? xff[0] : xff;
  if (!v) return null;
  const first = v.split(',')[0]!.trim();
  return first ? `${first} (via ${req.socket.remoteAddress ?? '?'})` : null;
}

export function safeAnswer(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  type = 'application/json',
  close = false,
  extra: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(text),
    ...(close ? { Connection: 'close' } : {}),
    ...extra,
  });
  res.end(text);
}
