// Sending one stored delivery to a target, once or "as the gateway would": anything but a complete 200 within
// the timeout is retried on the documented schedule (gateway-retry.ts, shared with the simulator), and every
// attempt is stored.
import { ApiError } from '../../../shared/api-error';
import type { ForwardAttempt } from '../../../shared/domain';
import type { Store } from '../store/types';
import { MAX_ATTEMPTS_AS_GATEWAY, retryAsGateway } from './gateway-retry';
import { send, type createAgents } from './http-send';
import { buildRequest, unsendableReason, type HeaderPair } from './request';

export interface SendContext {
  store: Store;
  timeoutMs: number;
  agents: ReturnType<typeof createAgents>;
  /** each stored attempt, as it happens (the `forward` live event) */
  onAttempt?: (a: ForwardAttempt) => void;
}

export interface DeliverOptions {
  deliveryId: number;
  target: { url: string; headers: HeaderPair[] };
  mode: ForwardAttempt['mode'];
  /** replaces the stored body (edit-then-replay); already validated */
  body?: Uint8Array;
  overrides?: HeaderPair[];
  asGateway: boolean;
  speed: number;
  signal?: AbortSignal;
  /** bounds how many sends run at once (bulk replay); waits between retries hold no slot */
  slot?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** the attempt number the first send is recorded with */
  firstAttempt?: number;
  timeoutMs?: number;
}

export const attemptSucceeded = (a: ForwardAttempt): boolean => a.status === 200 && a.error === null;

const EXCERPT_IN_REASON = 200;

/** Why the last attempt was not a success, on one line: the error, or the status and the start of the answer. */
export function failureReason(attempts: ForwardAttempt[]): string {
  const last = attempts[attempts.length - 1];
  if (!last) return 'nothing was sent';
  if (last.error !== null) return last.error;
  if (last.status === null) return 'no answer';
  // only line breaks and blanks are folded: anything else in the target's answer is reported as it came
  const answer = last.responseExcerpt.replace(/[ \t\r\n]+/g, ' ').trim();
  const cut = answer.length > EXCERPT_IN_REASON ? `${answer.slice(0, EXCERPT_IN_REASON)}…` : answer;
  return `the target answered ${last.status}${cut ? `: ${cut}` : ''}`;
}

/** Attempts in order; the last one tells whether the delivery finally got its 200. */
export function deliver(ctx: SendContext, o: DeliverOptions): Promise<ForwardAttempt[]> {
  const once = (attempt: number) => {
    const run = () => attemptOnce(ctx, o, (o.firstAttempt ?? 1) + attempt - 1);
    return o.slot ? o.slot(run) : run();
  };
  return retryAsGateway(once, {
    speed: o.speed,
    signal: o.signal,
    maxAttempts: o.asGateway ? MAX_ATTEMPTS_AS_GATEWAY : 1,
    // success, or nothing can be sent
    done: (a) => attemptSucceeded(a) || a.requestHeaders.length === 0,
  });
}

/** null when cancelled before anything went out. */
export async function attemptOnce(ctx: SendContext, o: DeliverOptions, attempt: number): Promise<ForwardAttempt | null> {
  if (o.signal?.aborted) return null;
  const raw = ctx.store.getRawRequest(o.deliveryId);
  if (!raw) throw new ApiError('not-found', `delivery ${o.deliveryId} does not exist`);
  const base = { deliveryId: o.deliveryId, targetUrl: o.target.url, mode: o.mode, attempt, startedAt: Date.now() };
  const refused = o.body === undefined ? unsendableReason(raw) : null;
  let record: Omit<ForwardAttempt, 'id'>;
  if (refused) {
    record = { ...base, requestHeaders: [], requestBodySize: 0, status: null, responseHeaders: [], responseExcerpt: '', durationMs: 0, error: refused };
  } else {
    const req = buildRequest(raw, o.target, { body: o.body, overrides: o.overrides });
    const r = await send(req, { timeoutMs: o.timeoutMs ?? ctx.timeoutMs, signal: o.signal, agents: ctx.agents });
    record = { ...base, targetUrl: req.url.href, requestHeaders: req.headers, requestBodySize: req.body.length, ...r };
  }
  const stored = ctx.store.insertForward(record);
  ctx.onAttempt?.(stored);
  return stored;
}

/** A counting semaphore: at most n functions run at once, the rest wait in order. */
export function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    // A finishing call hands its slot straight to the next waiter, so a newcomer can never slip in between.
    if (running >= n) await new Promise<void>((r) => waiting.push(r));
    else running++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
