// The webhook receiver: accepts callbacks on any path and method, records each delivery, and answers
// 200 only after the delivery is committed (see group-commit.ts). It never crashes on input: every failure
// mode has a defined answer, and every request that reaches a handler is either stored or its rejection recorded.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROBE_HEADER, PROBE_PATH } from '../../shared/constants';
import type { DeliveryRequest } from '../../shared/domain';
import type { GroupCommitter } from './group-commit';
import { StoreWriteError, type IngestInput } from './store/types';

/** How many leading bytes of a rejected (too large) body are kept, so the user can see what it was. */
export const REJECTED_BODY_KEEP_BYTES = 4096;

export interface ReceiverOptions {
  committer: GroupCommitter;
  port: number;
  host?: string;
  maxBodyBytes: number;
  /** a body must arrive completely within this time once the headers arrived (slow or stalled senders) */
  bodyTimeoutMs?: number;
  /** answer for stored-but-invalid deliveries (default 200: the point is to see what the gateway sent) */
  invalidStatus?: number;
  /** token the tunnel supervisor's health probe carries; probes are answered, never stored */
  probeToken?: string;
  onWarning?: (code: string, message: string) => void;
  /**
   * Proxy mode: after the commit, answer the gateway with what the user's endpoint answered (so the gateway's own
   * retries exercise it). Resolves null to answer as usual. Given the time left within the gateway's 10 s.
   */
  proxy?: (deliveryId: number, budgetMs: number) => Promise<number | null>;
}

/** Proxy mode answers within this budget, safely under the gateway's 10 s limit. */
export const PROXY_BUDGET_MS = 9_000;

export interface Receiver {
  readonly url: string;
  readonly port: number;
  server: http.Server;
  setProbeToken(token: string): void;
  /** stop accepting, let in-flight requests finish (their commits complete), then close */
  close(): Promise<void>;
}

export async function startReceiver(opts: ReceiverOptions): Promise<Receiver> {
  const host = opts.host ?? '127.0.0.1';
  const bodyTimeoutMs = opts.bodyTimeoutMs ?? 30_000;
  let probeToken = opts.probeToken ?? '';
  let lastBrowserWarning = 0;
  /** sockets whose current request reached the handler */
  const inRequest = new WeakSet<object>();

  const server = http.createServer(
    {
      // Node's defaults answer an idle connection with 408 after 60 s (headersTimeout/requestTimeout). The
      // localtunnel client pre-opens connections to us and keeps them idle until a public request arrives,
      // so those defaults would break the tunnel. Slow senders are bounded by bodyTimeoutMs instead.
      requestTimeout: 0,
      headersTimeout: 0,
      // Header floods are bounded by Node's maxHeaderSize (16 KiB): 431, answered and recorded in clientError.
    },
    (req, res) => {
      handle(req, res).catch((err) => {
        // Last resort: an unexpected bug must still produce an answer and never a false 200.
        safeAnswer(res, 500, { error: 'internal error', detail: String(err) });
      });
    },
  );
  // No idle timeout on answered connections: the tunnel client reuses its sockets, and closing one at the moment
  // the tunnel hands it a request turns that callback into a 502. We only listen on loopback, so idle sockets are
  // cheap; shutdown closes them explicitly.
  server.keepAliveTimeout = 0;
  // Requests Node's parser refuses never reach a handler. They are still answered and recorded, so a gateway
  // that sends, say, oversized headers is visible to the user instead of silently bounced.
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    // mid-body failures are recorded by the request's own handler (as an aborted delivery): record once only
    if (inRequest.has(socket)) {
      if (socket.writable) socket.end(rawAnswer(400, `malformed HTTP request body: ${err.message}`));
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'HPE_HEADERS_TIMEOUT' ? 408 : 400;
    const raw = err.rawPacket ?? Buffer.alloc(0);
    const reason =
      status === 431
        ? `request headers or URL larger than the server accepts (${err.code})`
        : `malformed HTTP request: ${err.message} (${err.code ?? 'parse error'})`;
    recordPreHandler(raw, (socket as import('node:net').Socket).remoteAddress ?? '', status, reason).finally(() => {
      if (socket.writable) socket.end(rawAnswer(status, reason));
      else socket.destroy();
    });
  });
  server.on('checkExpectation', (req, res) => {
    req.resume();
    const reason = `unsupported Expect header "${req.headers.expect}" (only 100-continue is supported)`;
    recordPreHandler(requestHead(req), req.socket.remoteAddress ?? '', 417, reason).finally(() =>
      safeAnswer(res, 417, { error: reason }, 'application/json', true),
    );
  });
  server.on('connect', (req, socket) => {
    // Node hands the socket over with no error listener: a sender that resets it must not end the process
    socket.on('error', () => socket.destroy());
    const reason = 'CONNECT is not accepted: this is a webhook receiver, not a proxy';
    recordPreHandler(requestHead(req), req.socket.remoteAddress ?? '', 405, reason).finally(() =>
      socket.end(rawAnswer(405, reason)),
    );
  });

  function recordPreHandler(head: Buffer, remoteAddress: string, status: number, reason: string): Promise<unknown> {
    const text = head.subarray(0, REJECTED_BODY_KEEP_BYTES).toString('latin1');
    const [method = '?', target = '?'] = (text.split('\r\n')[0] ?? '').split(' ');
    const q = target.indexOf('?');
    const input: IngestInput = {
      request: {
        method: method.slice(0, 32),
        path: (q >= 0 ? target.slice(0, q) : target).slice(0, 2048),
        query: q >= 0 ? target.slice(q + 1, q + 1 + 2048) : '',
        headers: [],
        // the raw request head as received (first bytes), since no header could be parsed reliably
        body: head.subarray(0, REJECTED_BODY_KEEP_BYTES),
        bodySize: head.length,
        remoteAddress,
        receivedAt: Date.now(),
      },
      outcome: 'rejected',
      responseStatus: status,
      rejectReason: reason,
      bodyTruncated: head.length > REJECTED_BODY_KEEP_BYTES,
    };
    return opts.committer.submit(input).catch(() => {});
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    inRequest.add(req.socket);
    res.once('close', () => inRequest.delete(req.socket));
    const started = performance.now();
    const receivedAt = Date.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    const query = q >= 0 ? url.slice(q + 1) : '';

    if (path === PROBE_PATH && probeToken && req.headers[PROBE_HEADER] === probeToken) {
      req.resume();
      return void safeAnswer(res, 200, 'ok', 'text/plain');
    }

    const ua = req.headers['user-agent'] ?? '';
    if (/Mozilla\//.test(ua) && opts.onWarning && receivedAt - lastBrowserWarning > 60_000) {
      lastBrowserWarning = receivedAt;
      opts.onWarning(
        'browser-user-agent',
        'A delivery arrived with a browser-like User-Agent. The public localtunnel service answers browsers with its ' +
          'reminder page (401) unless they send the "bypass-tunnel-reminder" header, so such senders may not reach you.',
      );
    }

    const base = (body: Uint8Array, bodySize: number): DeliveryRequest => ({
      method: req.method ?? 'GET',
      path,
      query,
      headers: pairs(req.rawHeaders),
      body,
      bodySize,
      remoteAddress: forwardedFor(req) ?? req.socket.remoteAddress ?? '',
      receivedAt,
    });

    const read = await readBody(req, opts.maxBodyBytes, bodyTimeoutMs);
    let input: IngestInput;
    if (read.kind === 'ok') {
      input = {
        request: base(read.body, read.body.length),
        outcome: 'stored',
        responseStatus: 200,
        rejectReason: null,
        bodyTruncated: false,
      };
    } else {
      input = {
        request: base(read.head, read.size),
        outcome: 'rejected',
        responseStatus: read.status,
        rejectReason: read.reason,
        bodyTruncated: true,
      };
    }
    if (read.kind === 'aborted') {
      // The sender hung up mid-body: nobody is left to answer, but the attempt is recorded so the user sees it.
      opts.committer.submit(input).catch(() => {});
      return;
    }

    let id: number;
    try {
      const summary = await opts.committer.submit(input);
      id = summary.id;
      let status =
        input.outcome === 'stored' && summary.flags.includes('invalid') ? (opts.invalidStatus ?? 200) : input.responseStatus;
      if (input.outcome === 'stored' && opts.proxy) {
        // the delivery is already committed: whatever the target does, nothing is lost
        status = (await opts.proxy(id, PROXY_BUDGET_MS - (performance.now() - started)).catch(() => null)) ?? status;
      }
      const body =
        input.outcome === 'stored'
          ? { received: true, id, ...(summary.flags.includes('invalid') ? { invalid: true } : {}) }
          : { error: input.rejectReason, id };
      safeAnswer(res, status, body, 'application/json', input.outcome === 'rejected');
    } catch (err) {
      const reason = err instanceof StoreWriteError ? err.reason : String(err);
      // Never a false 200: the gateway retries on anything else, so a later attempt can still be stored.
      safeAnswer(res, 503, { error: 'not stored, retry later', reason }, 'application/json', false, { 'Retry-After': '10' });
      return;
    }
    res.once('finish', () => opts.committer.recordResponseTime(id, performance.now() - started));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    server,
    setProbeToken(token) {
      probeToken = token;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // idle keep-alive sockets (including the tunnel's pre-opened ones) would hold close() open forever
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 5000).unref();
      }),
  };
}

type ReadResult =
  | { kind: 'ok'; body: Uint8Array }
  | { kind: 'rejected'; status: number; reason: string; head: Uint8Array; size: number }
  | { kind: 'aborted'; status: number; reason: string; head: Uint8Array; size: number };

function readBody(req: http.IncomingMessage, max: number, timeoutMs: number): Promise<ReadResult> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length']);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    let settled = false;
    const head = () => Buffer.concat(chunks).subarray(0, REJECTED_BODY_KEEP_BYTES);
    const finish = (r: ReadResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => {
      finish({
        kind: 'rejected',
        status: 408,
        reason: `body not received within ${Math.round(timeoutMs / 1000)} s (${size} bytes arrived)`,
        head: head(),
        size,
      });
      // stop reading but keep the socket: the 408 (with Connection: close) still has to go out
      req.pause();
    }, timeoutMs);
    timer.unref();

    if (Number.isFinite(declared) && declared > max) {
      // Refuse without reading the whole body; its first bytes are kept for the record.
      tooLarge = true;
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (tooLarge || size > max) {
        tooLarge = true;
        const kept = chunks.reduce((n, c) => n + c.length, 0);
        if (kept < REJECTED_BODY_KEEP_BYTES) chunks.push(chunk.subarray(0, REJECTED_BODY_KEEP_BYTES - kept));
        // Stop reading: we answer now and close the connection.
        finish({
          kind: 'rejected',
          status: 413,
          reason: `body larger than the ${max}-byte limit (${Number.isFinite(declared) ? declared : `over ${size}`} bytes)`,
          head: head(),
          size: Number.isFinite(declared) ? declared : size,
        });
        req.pause();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return;
      finish({ kind: 'ok', body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
    });
    req.on('aborted', () =>
      finish({ kind: 'aborted', status: 0, reason: `sender disconnected after ${size} bytes`, head: head(), size }),
    );
    req.on('error', () =>
      finish({ kind: 'aborted', status: 0, reason: `connection error after ${size} bytes`, head: head(), size }),
    );
    if (tooLarge) {
      // Declared too large: the first chunk (kept for the record) triggers the 413 above; a sender that sends
      // nothing more is answered shortly anyway.
      setTimeout(
        () =>
          finish({
            kind: 'rejected',
            status: 413,
            reason: `body larger than the ${max}-byte limit (${declared} bytes declared)`,
            head: head(),
            size: declared,
          }),
        1000,
      ).unref();
    }
  });
}

function rawAnswer(status: number, reason: string): string {
  const body = JSON.stringify({ error: reason });
  return (
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/** The request line and headers of a parsed request, as bytes, for recording a refused one. */
function requestHead(req: http.IncomingMessage): Buffer {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
}

function pairs(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

/** Behind the tunnel every request comes from 127.0.0.1; the tunnel server passes the real sender. */
function forwardedFor(req: http.IncomingMessage): string | null {
  const xff = req.headers['x-forwarded-for'];
  const v = Array.isArray(xff) ? xff[0] : xff;
  if (!v) return null;
  const first = v.split(',')[0]!.trim();
  return first ? `${first} (via ${req.socket.remoteAddress ?? '?'})` : null;
}

function safeAnswer(
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
