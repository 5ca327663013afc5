// Sends a simulated campaign to an endpoint as the gateway would: each callback at its time (scaled by the
// speed-up), a 10 s timeout per attempt, retries on anything but a 200 at the documented schedule (the replay
// engine's gateway-retry.ts: one implementation of that rule), a bounded number of requests in flight.
// A message's callbacks go out in the order generated: the next one of a reference waits for the first attempt of
// the one before it (a retry may still come after later callbacks, as it would from the gateway).
import { setMaxListeners } from 'node:events';
import { GATEWAY_TIMEOUT_MS, SIMULATED_HEADER, SIMULATED_SPEED_HEADER } from '../../../shared/constants';
import { limiter } from '../replay/attempts';
import { MAX_ATTEMPTS_AS_GATEWAY, retryAsGateway } from '../replay/gateway-retry';
import { createAgents, send } from '../replay/http-send';
import { parseTargetUrl, type HeaderPair } from '../replay/request';
import type { SimDelivery } from './generate';

interface SimAttempt {
  /** 1 = first */
  attempt: number;
  /** what the endpoint answered; null when it did not (timeout, refused, reset) */
  status: number | null;
  /** how long the attempt took */
  ms: number;
  error: string | null;
  /** when it started, ms from the start of the run (after the speed-up) */
  startedMs: number;
}

export interface SimResult {
  delivery: SimDelivery;
  attempts: SimAttempt[];
  /** the last attempt got its 200 */
  ok: boolean;
}

export interface SimProgress {
  /** deliveries whose ladder is over (a 200, or every retry spent) */
  done: number;
  total: number;
  ok: number;
  failed: number;
  attempts: number;
  retries: number;
}

export interface SendCampaignOptions {
  to: string;
  deliveries: SimDelivery[];
  /** divides the campaign's times and the retry gaps (1 = real time) */
  speed: number;
  /** requests in flight at once */
  concurrency: number;
  signal?: AbortSignal;
  /** per attempt; the gateway's 10 s unless a test needs it shorter */
  timeoutMs?: number;
  /** at most 1 + 10 retries (the gateway's); 1 sends each callback once */
  maxAttempts?: number;
  onResult?: (r: SimResult) => void;
  onProgress?: (p: SimProgress) => void;
}

const succeeded = (a: SimAttempt): boolean => a.status === 200 && a.error === null;

/** Every delivery's attempts, in the order of `deliveries`; resolves when every ladder is over or on abort. */
export async function sendCampaign(o: SendCampaignOptions): Promise<{ results: SimResult[]; progress: SimProgress; cancelled: boolean }> {
  const url = parseTargetUrl(o.to);
  if (!(o.speed > 0)) throw new Error('the speed must be above 0');
  const agents = createAgents();
  const signal = o.signal ?? new AbortController().signal;
  // every send and retry wait listens to it: many listeners is normal here, not a leak
  setMaxListeners(0, signal);
  const slot = limiter(Math.max(1, o.concurrency));
  const timeoutMs = o.timeoutMs ?? GATEWAY_TIMEOUT_MS;
  const results: SimResult[] = new Array(o.deliveries.length);
  const progress: SimProgress = { done: 0, total: o.deliveries.length, ok: 0, failed: 0, attempts: 0, retries: 0 };
  const started = performance.now();
  const sinceStart = () => Math.round(performance.now() - started);

  const attemptOnce = async (d: SimDelivery, attempt: number): Promise<SimAttempt | null> => {
    if (signal.aborted) return null;
    const body = Buffer.from(d.body, 'utf8');
    // a simulated callback says its speed-up, so whoever receives it can judge its retry gaps against the schedule
    const speed: HeaderPair[] = SIMULATED_HEADER in d.headers ? [[SIMULATED_SPEED_HEADER, String(o.speed)]] : [];
    const headers: HeaderPair[] = [['Host', url.host], ...Object.entries(d.headers), ...speed, ['Content-Length', String(body.length)], ['Connection', 'close']];
    const startedMs = sinceStart();
    const r = await send({ url, method: 'POST', headers, body }, { timeoutMs, signal, agents });
    progress.attempts++;
    if (attempt > 1) progress.retries++;
    return { attempt, status: r.status, ms: r.durationMs, error: r.error, startedMs };
  };

  /** references → the first attempt of their latest callback, which the next one waits for */
  const chains = new Map<string, Promise<void>>();
  const running: Promise<void>[] = [];
  try {
    for (let i = 0; i < o.deliveries.length; i++) {
      const d = o.deliveries[i]!;
      if (!(await sleepUntil(started + d.atMs / o.speed, signal))) break;
      const previous = chains.get(d.reference);
      let firstDone!: () => void;
      const first = new Promise<void>((r) => (firstDone = r));
      chains.set(d.reference, first);
      const run = async () => {
        if (previous) await previous;
        let sentFirst = false;
        const attempts = await retryAsGateway(
          async (attempt) => {
            const a = await slot(() => attemptOnce(d, attempt));
            if (!sentFirst) {
              sentFirst = true;
              firstDone();
            }
            return a;
          },
          { speed: o.speed, signal, maxAttempts: o.maxAttempts ?? MAX_ATTEMPTS_AS_GATEWAY, done: succeeded },
        ).finally(() => firstDone());
        if (chains.get(d.reference) === first) chains.delete(d.reference);
        const last = attempts[attempts.length - 1];
        const r: SimResult = { delivery: d, attempts, ok: last !== undefined && succeeded(last) };
        results[i] = r;
        if (attempts.length === 0) return; // cancelled before it went out
        progress.done++;
        if (r.ok) progress.ok++;
        else progress.failed++;
        o.onResult?.(r);
        o.onProgress?.({ ...progress });
      };
      running.push(run());
    }
    await Promise.all(running);
  } finally {
    agents.destroy();
  }
  return {
    results: results.map((r, i) => r ?? { delivery: o.deliveries[i]!, attempts: [], ok: false }),
    progress,
    cancelled: signal.aborted,
  };
}

/** false when aborted first. */
function sleepUntil(at: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  const ms = at - performance.now();
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
