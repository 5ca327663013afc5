// A raw TCP client for the inputs fetch cannot express: broken framing, HTTP/1.0, pipelining, slow drips,
// disconnects mid-body. Sends a script of writes and pauses, then collects and parses whatever comes back.
import net from 'node:net';

export type Step = string | Buffer | { delayMs: number } | { destroy: true } | { end: true };

export interface RawResponse {
  status: number;
  version: string;
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  responses: RawResponse[];
  /** bytes received, as text */
  raw: string;
  /** the server closed the connection (FIN or reset) before we gave up waiting */
  closedByServer: boolean;
  error: string | null;
}

function parseUrl(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
}

/**
 * Runs the steps on one connection, then waits up to `waitMs` for the server (until `expectResponses` complete
 * responses arrived, or the server closed the connection).
 */
export function rawExchange(
  url: string,
  steps: Step[],
  opts: { waitMs?: number; expectResponses?: number; head?: boolean } = {},
): Promise<RawExchange> {
  const { host, port } = parseUrl(url);
  const waitMs = opts.waitMs ?? 3000;
  const want = opts.expectResponses ?? 1;
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const chunks: Buffer[] = [];
    let closedByServer = false;
    let error: string | null = null;
    let done = false;
    let weClosed = false;
    let timer: NodeJS.Timeout | null = null;
    const finish = () => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(chunks);
      resolve({ responses: parseResponses(raw, opts.head), raw: raw.toString('latin1'), closedByServer, error });
    };
    const check = () => {
      if (parseResponses(Buffer.concat(chunks), opts.head).length >= want) finish();
    };
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      check();
    });
    socket.on('end', () => {
      if (!weClosed) closedByServer = true;
      finish();
    });
    socket.on('close', () => {
      if (!weClosed) closedByServer = true;
      finish();
    });
    socket.on('error', (e) => {
      error = e.message;
      finish();
    });
    socket.once('connect', async () => {
      for (const s of steps) {
        if (done) return;
        if (typeof s === 'string' || Buffer.isBuffer(s)) {
          socket.write(s);
        } else if ('delayMs' in s) {
          await new Promise((r) => setTimeout(r, s.delayMs));
        } else if ('destroy' in s) {
          weClosed = true;
          socket.destroy();
          finish();
          return;
        } else if ('end' in s) {
          socket.end();
        }
      }
      timer = setTimeout(finish, waitMs);
      check();
    });
  });
}

/** Complete responses in the bytes (a 100 Continue counts as one); `head`: answers to HEAD carry no body. */
export function parseResponses(buf: Buffer, head = false): RawResponse[] {
  const out: RawResponse[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const headEnd = buf.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) break;
    const lines = buf.subarray(pos, headEnd).toString('latin1').split('\r\n');
    const m = /^(HTTP\/\d\.\d) (\d{3})/.exec(lines[0] ?? '');
    if (!m) break;
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const status = Number(m[2]);
    let bodyStart = headEnd + 4;
    let body = '';
    if (status >= 200 && status !== 204 && status !== 304 && !head) {
      if (headers['content-length'] !== undefined) {
        const n = Number(headers['content-length']);
        if (buf.length < bodyStart + n) break;
        body = buf.subarray(bodyStart, bodyStart + n).toString('utf8');
        bodyStart += n;
      } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
        const end = buf.indexOf('0\r\n\r\n', bodyStart);
        if (end < 0) break;
        body = buf.subarray(bodyStart, end).toString('utf8');
        bodyStart = end + 5;
      }
    }
    out.push({ status, version: m[1]!, headers, body });
    pos = bodyStart;
  }
  return out;
}

/** A complete POST request as bytes. */
export function postBytes(
  path: string,
  body: Buffer | string,
  headers: Record<string, string> = { 'Content-Type': 'application/json' },
  version = '1.1',
): Buffer {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const lines = [`POST ${path} HTTP/${version}`, 'Host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  if (!Object.keys(headers).some((k) => /^(content-length|transfer-encoding)$/i.test(k))) lines.push(`Content-Length: ${b.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), b]);
}

/** JSON body of a receiver answer: {received, id, invalid?} or {error, id}. */
export function answerOf(r: RawResponse | undefined): { id?: number; received?: boolean; invalid?: boolean; error?: string } {
  if (!r) return {};
  try {
    return JSON.parse(r.body);
  } catch {
    return {};
  }
}
