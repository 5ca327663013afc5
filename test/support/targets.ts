// Local stand-ins for the user's webhook endpoint, for replay and forward tests. They listen on 127.0.0.1 only,
// record every request exactly as it arrived (raw header pairs, body bytes), and answer as the test scripts them:
// a status, slowly, by resetting the connection, or differently for the first N requests.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  /** path and query as sent */
  url: string;
  headers: [string, string][];
  body: Buffer;
  /** performance.now() when the request finished arriving */
  at: number;
  /** 0-based arrival index */
  index: number;
}

export type Answer =
  | { status: number; body?: string; headers?: Record<string, string>; delayMs?: number }
  /** TCP reset after the request arrived, no HTTP answer */
  | { reset: true; delayMs?: number };

export interface TargetServer {
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** most requests being answered at the same time */
  maxInFlight: number;
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const answers = {
  ok: (body = '{"ok":true}'): Answer => ({ status: 200, body }),
  status: (status: number, body = `{"error":"status ${status}"}`): Answer => ({ status, body }),
  slow: (delayMs: number, status = 200): Answer => ({ status, body: '{"slow":true}', delayMs }),
  reset: (): Answer => ({ reset: true }),
};

/** Fails the first `n` requests with `failure`, then answers `then`. */
export function failFirst(n: number, failure: Answer = answers.status(500), then: Answer = answers.ok()) {
  return (_req: ReceivedRequest, index: number): Answer => (index < n ? failure : then);
}

export async function startTarget(
  answer: Answer | ((req: ReceivedRequest, index: number) => Answer) = answers.ok(),
): Promise<TargetServer> {
  const received: ReceivedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const waiters: { n: number; resolve: () => void }[] = [];
  let inFlight = 0;
  const state = { maxInFlight: 0 };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: pairs(req.rawHeaders),
        body: Buffer.concat(chunks),
        at: performance.now(),
        index: received.length,
      };
      received.push(r);
      for (const w of waiters.splice(0)) if (received.length >= w.n) w.resolve();
      else waiters.push(w);
      const a = typeof answer === 'function' ? answer(r, r.index) : answer;
      const respond = () => {
        inFlight--;
        if ('reset' in a) return req.socket.resetAndDestroy();
        if (res.destroyed) return;
        res.writeHead(a.status, { 'content-type': 'application/json', 'x-target': 'test', ...(a.headers ?? {}) });
        res.end(a.body ?? '');
      };
      if (a.delayMs) {
        const t = setTimeout(() => (timers.delete(t), respond()), a.delayMs);
        timers.add(t);
      } else respond();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/callbacks`,
    port,
    received,
    get maxInFlight() {
      return state.maxInFlight;
    },
    waitForRequests(n, timeoutMs = 10_000) {
      if (received.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`target got ${received.length} of ${n} requests`)), timeoutMs);
        waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
      });
    },
    close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function pairs(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}
