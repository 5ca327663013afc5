// The gateway's delivery rule, once for everything that sends as the gateway would (a replay as the gateway, the
// simulator): an attempt that is not a success is retried after the documented gap (RETRY_SCHEDULE_MS, divided by
// the speed-up), at most 10 retries. What one attempt is (its timeout, what it sends, what it records) is the
// caller's; the gaps, the count and cancellation are here.
import { RETRY_SCHEDULE_MS } from '../../../shared/constants';

/** The first attempt and every documented retry. */
export const MAX_ATTEMPTS_AS_GATEWAY = 1 + RETRY_SCHEDULE_MS.length;

export interface RetryOptions<T> {
  /** divides every gap (1 = the real schedule) */
  speed: number;
  signal?: AbortSignal;
  /** 1 sends once; at most MAX_ATTEMPTS_AS_GATEWAY */
  maxAttempts: number;
  /** the outcome that ends the ladder: a success, or one that cannot be sent again */
  done: (outcome: T) => boolean;
}

/**
 * Attempts in order. sendOnce gets the attempt number (1 = first) and answers its outcome, or null when nothing
 * went out (cancelled), which ends the ladder; so does an abort during a wait.
 */
export async function retryAsGateway<T>(sendOnce: (attempt: number) => Promise<T | null>, o: RetryOptions<T>): Promise<T[]> {
  const outcomes: T[] = [];
  const max = Math.min(o.maxAttempts, MAX_ATTEMPTS_AS_GATEWAY);
  for (let i = 0; i < max; i++) {
    if (i > 0 && !(await sleep(RETRY_SCHEDULE_MS[i - 1]! / o.speed, o.signal))) break;
    if (o.signal?.aborted) break;
    const outcome = await sendOnce(i + 1);
    if (outcome === null) break;
    outcomes.push(outcome);
    if (o.done(outcome)) break;
  }
  return outcomes;
}

/** false when aborted before the time was up. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (v: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(v);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
