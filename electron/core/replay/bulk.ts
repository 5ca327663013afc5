// Bulk replay: every delivery of a list, a bounded number of sends at a time, progress at most ~10 times a
// second plus one final report, cancellable at any point.
import { setMaxListeners } from 'node:events';
import type { ApiEvents } from '../../../shared/api';
import type { ForwardAttempt } from '../../../shared/domain';
import { attemptSucceeded, deliver, failureReason, limiter, type SendContext } from './attempts';
import type { HeaderPair } from './request';

export type ReplayProgress = ApiEvents['replayProgress'];

export interface BulkSummary {
  total: number;
  /** deliveries that got their 200 */
  ok: number;
  /** deliveries that never did (after every retry, when sending as the gateway) */
  failed: number;
  /** HTTP attempts made, retries included */
  attempts: number;
  cancelled: boolean;
}

export interface BulkOptions {
  jobId: string;
  ids: number[];
  target: { url: string; headers: HeaderPair[] };
  mode: ForwardAttempt['mode'];
  concurrency: number;
  asGateway: boolean;
  speed: number;
  onProgress: (p: ReplayProgress) => void;
  /** each delivery that did not get its 200, once its last attempt is done */
  onFailure?: (f: ReplayFailure) => void;
  progressIntervalMs?: number;
}

export interface ReplayFailure {
  deliveryId: number;
  /** HTTP attempts made for it, retries included */
  attempts: number;
  reason: string;
}

/**
 * Waits between gateway retries hold no send slot, so one slow retry chain does not stall the others; the
 * number of chains alive at once is still capped so a huge selection does not become a huge timer list.
 */
const MAX_LIVE_CHAINS_AS_GATEWAY = 10_000;

export class BulkJob {
  private readonly controller = new AbortController();
  private done = 0;
  private ok = 0;
  private failed = 0;
  private attempts = 0;
  private retries = 0;
  private lastEmit = 0;
  private timer: NodeJS.Timeout | null = null;
  private finished = false;

  constructor(
    private readonly ctx: SendContext,
    private readonly o: BulkOptions,
  ) {
    // every send and retry wait of the job listens to this one signal
    setMaxListeners(0, this.controller.signal);
  }

  get total(): number {
    return this.o.ids.length;
  }

  cancel(reason = 'cancelled by the user'): void {
    this.controller.abort(new Error(reason));
  }

  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }

  async run(): Promise<BulkSummary> {
    const { ids, concurrency, asGateway } = this.o;
    const slot = limiter(concurrency);
    const signal = this.controller.signal;
    let next = 0;
    const worker = async () => {
      while (!signal.aborted && next < ids.length) {
        const deliveryId = ids[next++]!;
        let attempts: ForwardAttempt[] = [];
        let failedEarly: string | null = null;
        try {
          attempts = await deliver(this.ctx, { ...this.o, deliveryId, slot, signal });
        } catch (err) {
          // the delivery vanished or the attempt could not be stored: it did not get its 200
          failedEarly = err instanceof Error ? err.message : String(err);
        }
        if (attempts.length === 0 && failedEarly === null) continue; // cancelled before anything went out
        this.attempts += attempts.length;
        this.retries += Math.max(0, attempts.length - 1);
        this.done++;
        if (attempts.length > 0 && attemptSucceeded(attempts[attempts.length - 1]!)) this.ok++;
        else {
          this.failed++;
          this.o.onFailure?.({ deliveryId, attempts: attempts.length, reason: failedEarly ?? failureReason(attempts) });
        }
        this.progress();
      }
    };
    const workers = Math.min(ids.length, asGateway ? Math.max(concurrency, MAX_LIVE_CHAINS_AS_GATEWAY) : concurrency);
    await Promise.all(Array.from({ length: workers }, worker));
    this.finished = true;
    this.emitNow();
    return { total: ids.length, ok: this.ok, failed: this.failed, attempts: this.attempts, cancelled: this.cancelled };
  }

  private progress(): void {
    const interval = this.o.progressIntervalMs ?? 100;
    const wait = this.lastEmit + interval - performance.now();
    if (wait <= 0) return this.emitNow();
    this.timer ??= setTimeout(() => this.emitNow(), wait);
  }

  private emitNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastEmit = performance.now();
    this.o.onProgress({
      jobId: this.o.jobId,
      done: this.done,
      total: this.o.ids.length,
      ok: this.ok,
      failed: this.failed,
      attempts: this.attempts,
      retries: this.retries,
      finished: this.finished,
      cancelled: this.cancelled,
    });
  }
}
