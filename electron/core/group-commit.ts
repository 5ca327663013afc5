// Group commit: deliveries that arrive while a transaction is being prepared share one transaction (one fsync),
// and each one's promise settles only after that transaction committed. This is what lets the receiver answer
// 200 strictly after the row is on disk without paying one fsync per request.
//
// The acknowledged transaction is only phase 1 of ingest (store.ingestRaw: the request as received, appended to
// the inbox). Parsing, classification, full text and message summaries (phase 2, store.indexPending) run here
// too, but off the ack path: in slices of a few milliseconds between event-loop turns, so HTTP stays responsive.
// A small backlog (the normal case: a few deliveries) is indexed on the very next turn, so lists and live events
// lag by milliseconds. During a burst that outruns phase 2 (it costs several times phase 1), indexing is held to a
// small share of the loop's time that grows as lists fall behind, and the backlog is worked off once the burst
// eases; acknowledgements keep their pace because they never wait for it.
// One thread on purpose: a worker with its own connection would contend for SQLite's single write lock with the
// ack path (and, on two cores, for the CPU the HTTP server needs).
import { performance } from 'node:perf_hooks';
import type { DeliverySummary } from '../../shared/domain';
import { StoreWriteError, type IngestInput, type Store } from './store/types';

interface Pending {
  input: IngestInput;
  resolve: (summary: DeliverySummary) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitOptions {
  /** most deliveries in one transaction; a larger queue is split over consecutive transactions */
  maxBatch?: number;
  /**
   * Called after each acknowledged (phase-1) commit with what phase 1 knows: ids, outcome, parse-only flags,
   * attempt null. For consumers that must act on "received now" (live forwarding), not for display.
   */
  onCommitted?: (summaries: DeliverySummary[]) => void;
  /**
   * Called with the classified summaries (duplicates, attempts, all flags) once phase 2 indexed them, i.e.
   * shortly after their acknowledgement; this is when lists, counts and messages show them.
   */
  onIndexed?: (summaries: DeliverySummary[]) => void;
  /** how often response times (known only after the answer went out) are written */
  responseTimeFlushMs?: number;
  /** one indexing slice aims at this many ms during a flood (default 3; twice that while following a steady rate) */
  busySliceMs?: number;
  /** ... and at this many when the receiver is quiet (default 20) */
  idleSliceMs?: number;
  /**
   * during a flood (arrivals indexing cannot follow) with a large backlog, indexing gets this share of the loop's
   * time (default 0.05), growing to 0.5 as the oldest unindexed delivery reaches fullShareLagMs
   */
  busyShare?: number;
  /** how far behind (oldest unindexed delivery's age) lists may fall before indexing gets half the loop (60 s) */
  fullShareLagMs?: number;
  /** on close, index what is still pending for at most this long; the rest is indexed on the next open */
  closeIndexBudgetMs?: number;
  /** phase-2 failures (the rows stay pending and are retried) */
  onIndexError?: (err: unknown) => void;
}

/** A backlog this small is indexed on the next turn even in a burst: it costs about one slice. */
const SMALL_BACKLOG = 64;
/**
 * Deliveries submitted within this long make the receiver count as busy. Long enough to outlast one slice: a
 * slice blocks the loop, so no submission can be seen during it, and a short window read "quiet" right after one.
 */
const BUSY_WINDOW_MS = 250;
const INDEX_RETRY_MS = 1000;
/** at most this many rows per indexing transaction, whatever the time budget */
const SLICE_MAX_ROWS = 500;
const RESPONSE_TIMES_PER_WRITE = 500;

export class GroupCommitter {
  private queue: Pending[] = [];
  private scheduled = false;
  private responseTimes: { id: number; ms: number }[] = [];
  private responseTimer: NodeJS.Timeout | null = null;
  private idleWaiters: (() => void)[] = [];
  private indexWaiters: (() => void)[] = [];
  private closed = false;
  private readonly maxBatch: number;
  private readonly responseTimeFlushMs: number;
  /** deliveries committed by phase 1 and not yet indexed (an estimate; the store is the truth) */
  private backlog: number;
  private indexTimer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private lastSubmitAt = -Infinity;
  /** how long the last slice took, commit included */
  private lastSliceMs = 0;
  /** arrivals since rateMark, and the rate last measured */
  private rateMark = performance.now();
  private arrivedSinceMark = 0;
  private arrivalPerMs = 0;
  /** what indexing a row costs, smoothed over slices (their fixed overhead included) */
  private indexMsPerRow = 0.3;
  /** rows an earlier run left unindexed are still pending (their age is unknown: counted as long overdue) */
  private leftoverPending = false;
  /** the first id this run committed: indexing past it means the leftovers are done */
  private firstNewId: number | null = null;
  /** committed batches not fully indexed yet: their last id and when they were committed (for the lag) */
  private unindexedBatches: { lastId: number; at: number }[] = [];

  constructor(
    private readonly store: Store,
    private readonly opts: GroupCommitOptions = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 1000;
    this.responseTimeFlushMs = opts.responseTimeFlushMs ?? 1000;
    // rows a crash left pending are indexed in the background, like any backlog
    this.backlog = store.pendingCount();
    this.leftoverPending = this.backlog > 0;
    if (this.backlog > 0) this.scheduleIndex();
  }

  /** Resolves with the stored delivery once committed; rejects with StoreWriteError if the store cannot write. */
  submit(input: IngestInput): Promise<DeliverySummary> {
    if (this.closed) return Promise.reject(new StoreWriteError('the app is shutting down'));
    this.lastSubmitAt = performance.now();
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.schedule();
    });
  }

  recordResponseTime(id: number, ms: number): void {
    this.responseTimes.push({ id, ms });
    if (!this.responseTimer && !this.closed) {
      this.responseTimer = setTimeout(() => this.flushResponseTimes(), this.responseTimeFlushMs);
      this.responseTimer.unref();
    }
  }

  /** Waits until every submitted delivery has been committed or refused. */
  drain(): Promise<void> {
    if (this.queue.length === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Waits until every committed delivery has also been indexed (lists, counts and messages show it). */
  async indexed(): Promise<void> {
    await this.drain();
    if (this.backlog === 0 && !this.indexTimer) return;
    await new Promise<void>((resolve) => this.indexWaiters.push(resolve));
  }

  /**
   * Finishes in-flight commits, indexes what is pending (within closeIndexBudgetMs; the next open does the
   * rest), writes pending response times, then refuses new work.
   */
  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
    this.cancelIndexTimer();
    const deadline = performance.now() + (this.opts.closeIndexBudgetMs ?? 3000);
    while (this.backlog > 0 && performance.now() < deadline) {
      if (!this.indexSlice(500, deadline - performance.now())) break;
    }
    this.flushResponseTimes(true);
    for (const w of this.indexWaiters.splice(0)) w();
  }

  get pending(): number {
    return this.queue.length;
  }

  /** committed deliveries not yet indexed */
  get unindexed(): number {
    return this.backlog;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate runs after the I/O callbacks of this loop turn, so every request that became readable in the
    // same turn joins this batch.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length > 0) {
      let summaries: DeliverySummary[] | null = null;
      try {
        summaries = this.store.ingestRaw(batch.map((p) => p.input));
      } catch (err) {
        const e = err instanceof StoreWriteError ? err : new StoreWriteError(describe(err), err);
        for (const p of batch) p.reject(e);
      }
      if (summaries) {
        batch.forEach((p, i) => p.resolve(summaries![i]!));
        this.backlog += summaries.length;
        this.arrivedSinceMark += summaries.length;
        this.firstNewId ??= summaries[0]!.id;
        this.unindexedBatches.push({ lastId: summaries[summaries.length - 1]!.id, at: performance.now() });
        this.scheduleIndex();
        try {
          this.opts.onCommitted?.(summaries);
        } catch {
          // a listener's failure must never turn a committed delivery into an error answer
        }
      }
    }
    if (this.queue.length > 0) this.schedule();
    else {
      const waiters = this.idleWaiters.splice(0);
      for (const w of waiters) w();
    }
  }

  private busy(): boolean {
    return this.queue.length > 0 || performance.now() - this.lastSubmitAt < BUSY_WINDOW_MS;
  }

  private scheduleIndex(delayMs = 0): void {
    if (this.indexTimer || this.closed) return;
    if (delayMs === 0 && this.backlog > SMALL_BACKLOG && this.busy()) {
      // Deliveries keep arriving: the loop is the ack path's first, whose answers the gateway times out on and
      // retries. A steady rate that indexing can follow with part of the loop is indexed as it comes; under a
      // flood it cannot follow anyway, lists fall behind (the status bar says by how much) with a share that grows
      // with that lag, so they cannot stay minutes behind.
      delayMs = burstIndexDelayMs({
        // from what the last slice really took (its commit can cost more than the rows suggest), so the share holds
        sliceMs: Math.max(this.opts.busySliceMs ?? 3, this.lastSliceMs),
        lagMs: this.lagMs(),
        minShare: this.opts.busyShare ?? 0.05,
        fullShareLagMs: this.opts.fullShareLagMs ?? 60_000,
        keepUpShare: this.keepUpShare(),
      });
    }
    if (delayMs > 0) {
      const t = setTimeout(() => this.runIndex(), delayMs);
      t.unref();
      this.indexTimer = t;
    } else {
      this.indexTimer = setImmediate(() => this.runIndex());
    }
  }

  /**
   * The share of the loop indexing needs to keep up with arrivals: deliveries committed per ms over the last
   * ~200 ms or more, times what indexing one row costs (as sliced now, overhead included).
   */
  private keepUpShare(): number {
    const now = performance.now();
    const wall = now - this.rateMark;
    if (wall >= 200) {
      this.arrivalPerMs = this.arrivedSinceMark / wall;
      this.rateMark = now;
      this.arrivedSinceMark = 0;
    }
    return this.arrivalPerMs * this.indexMsPerRow;
  }

  /** Age of the oldest committed delivery not indexed yet (rows a crash left count as long overdue). */
  lagMs(): number {
    if (this.leftoverPending) return Infinity;
    const oldest = this.unindexedBatches[0];
    if (oldest) return performance.now() - oldest.at;
    return this.backlog > 0 ? Infinity : 0;
  }

  private cancelIndexTimer(): void {
    if (!this.indexTimer) return;
    clearTimeout(this.indexTimer as NodeJS.Timeout);
    clearImmediate(this.indexTimer as NodeJS.Immediate);
    this.indexTimer = null;
  }

  private runIndex(): void {
    this.indexTimer = null;
    if (this.closed) return;
    // busy: short slices, so an acknowledgement never waits long behind one; longer (each row's share of the
    // slice's fixed cost shrinks) while following a steady rate, which needs the throughput
    const busySliceMs = this.opts.busySliceMs ?? 3;
    const targetMs = this.busy()
      ? this.keepUpShare() <= MAX_KEEP_UP_SHARE ? busySliceMs * 2 : busySliceMs
      : (this.opts.idleSliceMs ?? 20);
    // the store ends the slice by time (rows vary a lot in cost); the row cap only bounds one transaction
    const ok = this.indexSlice(SLICE_MAX_ROWS, targetMs);
    if (!ok) return this.scheduleIndex(INDEX_RETRY_MS);
    if (this.backlog > 0) this.scheduleIndex();
    else for (const w of this.indexWaiters.splice(0)) w();
  }

  /** One phase-2 transaction of at most `rows` rows and about `budgetMs`; false when the store refused (rows stay pending). */
  private indexSlice(rows: number, budgetMs?: number): boolean {
    const started = performance.now();
    let summaries: DeliverySummary[];
    try {
      summaries = this.store.indexPending(rows, undefined, budgetMs);
    } catch (err) {
      this.opts.onIndexError?.(err);
      return false;
    }
    this.lastSliceMs = performance.now() - started;
    if (summaries.length > 0) this.indexMsPerRow = this.indexMsPerRow * 0.8 + (this.lastSliceMs / summaries.length) * 0.2;
    // phase 1 adds exactly what it committed, so subtracting keeps the count; at zero (or when a slice found
    // nothing: rows a crash left are counted on open only), the store confirms it, cheaply while it is small
    this.backlog = Math.max(0, this.backlog - summaries.length);
    if (this.backlog === 0 || summaries.length === 0) {
      try {
        this.backlog = this.store.pendingCount();
      } catch {
        this.backlog = summaries.length === 0 ? 0 : 1;
      }
    }
    if (summaries.length > 0) {
      const through = summaries[summaries.length - 1]!.id;
      if (this.firstNewId !== null && through >= this.firstNewId) this.leftoverPending = false;
      while (this.unindexedBatches.length > 0 && this.unindexedBatches[0]!.lastId <= through) this.unindexedBatches.shift();
    }
    if (this.backlog === 0) {
      this.unindexedBatches = [];
      this.leftoverPending = false;
    }
    if (summaries.length > 0) {
      try {
        this.opts.onIndexed?.(summaries);
      } catch {
        // a listener's failure must never stop indexing
      }
    }
    return true;
  }

  private flushResponseTimes(all = false): void {
    if (this.responseTimer) clearTimeout(this.responseTimer);
    this.responseTimer = null;
    // a few hundred rows per transaction: thousands at once (a burst's second) would block the loop for ~20 ms
    const rows = this.responseTimes.splice(0, all ? this.responseTimes.length : RESPONSE_TIMES_PER_WRITE);
    if (rows.length === 0) return;
    try {
      this.store.setResponseTimes(rows);
    } catch {
      // metadata only: the deliveries themselves are committed; losing a response time is acceptable
    }
    if (this.responseTimes.length > 0 && !this.closed) {
      this.responseTimer = setTimeout(() => this.flushResponseTimes(), 5);
      this.responseTimer.unref();
    }
  }
}

/**
 * The pause after an indexing slice while deliveries keep arriving, so that indexing takes its share of the loop:
 * what keeping up with the arrival rate needs (plus a margin) when that is at most MAX_KEEP_UP_SHARE; otherwise (a
 * flood) `minShare` while lists are current, growing linearly to half once the oldest unindexed delivery is
 * `fullShareLagMs` old.
 */
export function burstIndexDelayMs(p: {
  sliceMs: number;
  lagMs: number;
  minShare: number;
  fullShareLagMs: number;
  /** share of the loop indexing needs to keep up with the current arrival rate (rate × cost per row) */
  keepUpShare: number;
}): number {
  const byLag = p.minShare + (0.5 - p.minShare) * Math.min(1, p.lagMs / p.fullShareLagMs);
  // a rate indexing can follow gets what it needs and a margin to work off the backlog; a flood gets byLag
  const keepUp = p.keepUpShare <= MAX_KEEP_UP_SHARE ? Math.min(0.85, p.keepUpShare * 1.1 + p.minShare) : 0;
  const share = Math.max(byLag, keepUp);
  return Math.max(1, (p.sliceMs * (1 - share)) / share);
}

/** Beyond this need indexing cannot follow without starving the receiver: a flood, left to the lag rule. */
const MAX_KEEP_UP_SHARE = 0.7;

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
