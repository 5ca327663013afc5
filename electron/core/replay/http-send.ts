// One HTTP exchange with a user target, bounded by a deadline that covers the whole answer (the gateway waits
// at most 10 s for its 200). Never throws: every outcome, including a reset or a timeout, becomes a result.
import http from 'node:http';
import https from 'node:https';
import type { HeaderPair, OutgoingRequest } from './request';

/** How much of the target's answer is kept with the attempt. */
const RESPONSE_EXCERPT_BYTES = 2048;

export interface SendResult {
  status: number | null;
  responseHeaders: HeaderPair[];
  responseExcerpt: string;
  durationMs: number;
  error: string | null;
}

/** Connections are not reused: a reused socket the target already closed would show up as a false reset. */
const TIMEOUT_MARK = 'within the timeout';

export const isTimeoutError = (error: string | null): boolean => error !== null && error.includes(TIMEOUT_MARK);

export function createAgents(): { http: http.Agent; https: https.Agent; destroy(): void } {
  const h = new http.Agent({ keepAlive: false });
  const s = new https.Agent({ keepAlive: false });
  return { http: h, https: s, destroy: () => (h.destroy(), s.destroy()) };
}

export function send(
  req: OutgoingRequest,
  opts: { timeoutMs: number; signal?: AbortSignal; agents?: { http: http.Agent; https: https.Agent } },
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let status: number | null = null;
    let responseHeaders: HeaderPair[] = [];
    const excerpt: Buffer[] = [];
    let excerptBytes = 0;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;

    const finish = (error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({
        status,
        responseHeaders,
        responseExcerpt: Buffer.concat(excerpt).toString('utf8'),
        durationMs: elapsed(),
        error,
      });
    };

    const isHttps = req.url.protocol === 'https:';
    const request = (isHttps ? https : http).request(req.url, {
      method: req.method,
      // an array keeps names as given, order and repeats; Node then adds nothing of its own but Connection
      headers: req.headers.flat(),
      agent: isHttps ? opts.agents?.https : opts.agents?.http,
    });
    const fail = (message: string) => {
      finish(message);
      request.destroy();
    };
    const onAbort = () => fail(abortMessage(opts.signal?.reason));

    timer = setTimeout(
      () =>
        fail(
          status === null
            ? `no answer ${TIMEOUT_MARK} (${opts.timeoutMs} ms)`
            : `answered ${status} but the body did not finish ${TIMEOUT_MARK} (${opts.timeoutMs} ms)`,
        ),
      opts.timeoutMs,
    );
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    request.on('response', (res) => {
      status = res.statusCode ?? null;
      responseHeaders = pairs(res.rawHeaders);
      res.on('data', (chunk: Buffer) => {
        if (excerptBytes < RESPONSE_EXCERPT_BYTES) {
          const part = chunk.subarray(0, RESPONSE_EXCERPT_BYTES - excerptBytes);
          excerpt.push(part);
          excerptBytes += part.length;
        }
      });
      res.on('end', () => finish(null));
      res.on('error', (err) => finish(describeError(err, req.url)));
      res.on('aborted', () => finish('the target closed the connection in the middle of its answer'));
    });
    request.on('error', (err) => finish(describeError(err, req.url)));
    request.end(req.body);
  });
}

function abortMessage(reason: unknown): string {
  if (reason instanceof Error && reason.message) return reason.message;
  if (typeof reason === 'string') return reason;
  return 'cancelled';
}

function describeError(err: NodeJS.ErrnoException, url: URL): string {
  // Node reports a close before any answer as ECONNRESET too; the message tells them apart.
  if (err.message === 'socket hang up') return 'the target closed the connection without answering (socket hang up)';
  switch (err.code) {
    case 'ECONNRESET':
      return 'connection reset by the target (ECONNRESET)';
    case 'ECONNREFUSED':
      return `connection refused: nothing is listening at ${url.host} (ECONNREFUSED)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host not found: ${url.hostname} (${err.code})`;
    case 'EPIPE':
      return 'the target closed the connection while the request was being sent (EPIPE)';
    default:
      return err.code ? `${err.message} (${err.code})` : err.message;
  }
}

function pairs(raw: string[]): HeaderPair[] {
  const out: HeaderPair[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}
