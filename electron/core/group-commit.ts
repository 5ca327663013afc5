// Group commit: deliveries that arrive while a transaction is being prepared share one transaction (one fsync),
// and each one's promise settles only after that transaction committed. This is what lets the receiver answer
// 200 strictly after the row is on disk without paying one fsync per request.
//
// With a store that can sync its log off the loop (store/wal-sync.ts), a transaction commits without its fsync and
// its deliveries settle once a sync started after the commit has finished. One sync runs at a time: batches
// committed meanwhile wait for the next one, which covers them all. The event loop goes on reading requests and
// indexing while the disk works, instead of sitting inside COMMIT. That pays when many deliveries wait (a flood:
// the loop reads the next batch meanwhile). When few wait, as through the tunnel (ten requests at most), the loop
// has little to do meanwhile and the flush runs on it (syncLogNow): see INLINE_SYNC_MAX_WAITING.
// After a failed flush nothing more is acknowledged from this store (every later delivery gets a 503): the store's
// owner moves on to a fresh file (active-store.ts).
//
// A flush that stalls (a disk that takes minutes, or never returns) must not let memory grow with it: every
// delivery committed meanwhile waits unanswered, holding its body and its connection, and each gateway retry (it
// gives up after 10 s) adds one more. Past a bound on what is waiting (queued, or committed and waiting for its
// flush) a delivery is refused before it is written: the same 503 as a store that cannot write (nothing is kept,
// the gateway retries), never a row stored as if accepted. The receiver's records of requests it refused (413,
// 408...) count alike and are dropped alike, as when the store cannot write. Once the flush returns, the waiting
// are answered and deliveries are taken again. A flush on the loop that stalls holds the loop instead (nothing is
// read meanwhile, so nothing piles up); once it returns, flushes go to the pool (INLINE_SYNC_SLOW_MS).
//
// The acknowledged transaction is only phase 1 of ingest (store.ingestRaw: the request as received, appended to
// the inbox). Indexing (phase 2) is the Indexer's (indexer.ts), told of each commit through onCommitted.
import type { DeliverySummary } from '../../shared/domain';
import { StoreWriteError, type IngestInput, type Store } from './store/types';

/**
 * A disk that works keeps few deliveries waiting: those that arrive during one flush (usually well under a
 * millisecond; even a busy disk's 100 ms at the rates the ingest bench reaches, docs/benchmarks.md, is ~1,000).
 * Thousands waiting mean the flush has stalled. 4,096 held requests cost a few tens of MB in sockets and request
 * objects besides their bodies, which have their own bound: typical callbacks (about 1 KB) reach the count long
 * before 64 MiB, while 64 bodies at the default size limit (1 MiB) reach the bytes first.
 */
const MAX_WAITING_DELIVERIES = 4096;
const MAX_WAITING_BODY_BYTES = 64 * 1024 * 1024;

/**
 * A batch is flushed on the event loop itself when at most this many deliveries wait (this batch's included) and no
 * flush runs on the pool. On two cores the pool's thread must first get a CPU that the tunnel server and the
 * senders hold, then the loop must get back to its callback: through the tunnel (at most ten requests in flight,
 * batches of 2-3) every answer waited ~0.3 ms longer than with the fdatasync (0.13 ms median) on the loop, and
 * serve/stock went from 0.50-0.55 to 0.56-0.63 (docs/benchmarks.md, fifteenth pass). A direct flood keeps 25-40
 * waiting: there the pool lets the loop read the next batch during the flush, and flushing on the loop cost it a
 * tenth of its throughput. Above this, or while a pool flush runs, the pool it is.
 */
const INLINE_SYNC_MAX_WAITING = 16;
/**
 * A flush on the loop that takes longer says the disk is slow just now (another program writing, a disk waking up, a
 * network drive): the loop waits for it, and with it the app (its screens, its control API). Flushes then go to
 * the pool for INLINE_SYNC_BACKOFF_MS, twice as long after each slow one (up to an hour): a disk that was slow once
 * may well be again. The pool's path is the one that keeps the app responsive through a flush that never returns.
 * So do flushes that are slow on average (a spinning disk's 5-15 ms, each under the bound): a loop that waits that
 * long per batch is mostly waiting, for a gain (the pool's ~0.3 ms) that is small beside it. Here a flush on the
 * loop takes 0.16-0.26 ms on average under the tunnel's load.
 */
const INLINE_SYNC_SLOW_MS = 20;
const INLINE_SYNC_SLOW_AVERAGE_MS = 2;
/** weight of the newest flush in the running average (about the last ten count) */
const INLINE_SYNC_AVERAGE_WEIGHT = 0.1;
const INLINE_SYNC_BACKOFF_MS = 30_000;
const INLINE_SYNC_MAX_BACKOFF_MS = 3_600_000;

interface Pending {
  input: IngestInput;
  resolve: (summary: DeliverySummary) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitOptions {
  /** most deliveries in one transaction; a larger queue is split over consecutive transactions */
  maxBatch?: number;
  /**
   * a delivery was submitted (indexing yields while the receiver is busy), with how many submitted before it are
   * still waiting for their answer (indexing reads senders held back by its answers from it)
   */
  onSubmit?: (waiting: number) => void;
  /**
   * Called after each phase-1 commit (before its flush when that is deferred: the rows are in the store) with what
   * phase 1 knows: ids, outcome, parse-only flags, attempt null: for indexing, and for what must act on "received
   * now" (live forwarding), not for display.
   */
  onCommitted?: (summaries: DeliverySummary[]) => void;
  /**
   * most deliveries, and most body bytes, waiting at once (queued, or committed and waiting for their flush); beyond
   * either a delivery is refused unwritten. Defaults: MAX_WAITING_DELIVERIES, MAX_WAITING_BODY_BYTES. A delivery
   * is always taken when nothing waits, whatever its size.
   */
  maxWaiting?: { deliveries?: number; bodyBytes?: number };
  /** ms clock for how long a flush on the loop took (tests); default performance.now */
  clock?: () => number;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private readonly maxBatch: number;
  private readonly maxWaiting: number;
  private readonly maxWaitingBytes: number;
  /** submitted and not yet answered (queued, committing, or waiting for a flush), and their body bytes */
  private waiting = 0;
  private waitingBytes = 0;

  /** committed without their fsync, waiting for the next sync */
  private unsynced: { batch: Pending[]; summaries: DeliverySummary[] }[] = [];
  private syncing = false;
  /** a flush failed: nothing committed after it can be trusted to survive (wal-sync.ts), so nothing more is taken */
  private syncFailed: StoreWriteError | null = null;
  /** flushes stay off the loop until then, and for how long the next slow one sends them off (INLINE_SYNC_SLOW_MS) */
  private inlineSyncAfter = 0;
  private inlineBackoffMs = INLINE_SYNC_BACKOFF_MS;
  /**
   * running average of the flushes on the loop since the last backoff, in ms; it starts at 0, so one slow flush alone
   * (the first, which opens the log, or one beside a checkpoint) does not move it past the bound
   */
  private inlineAverageMs = 0;
  private readonly clock: () => number;

  constructor(
    private readonly store: Pick<Store, 'ingestRaw'> & Partial<Pick<Store, 'syncLog' | 'syncLogNow' | 'canSyncLog'>>,
    private readonly opts: GroupCommitOptions = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 1000;
    this.maxWaiting = opts.maxWaiting?.deliveries ?? MAX_WAITING_DELIVERIES;
    this.maxWaitingBytes = opts.maxWaiting?.bodyBytes ?? MAX_WAITING_BODY_BYTES;
    this.clock = opts.clock ?? (() => performance.now());
  }

  /**
   * Resolves with the stored delivery once committed; rejects with StoreWriteError if the store cannot write, or,
   * without writing it, if too much is waiting for a flush.
   */
  submit(input: IngestInput): Promise<DeliverySummary> {
    if (this.closed) return Promise.reject(new StoreWriteError('the app is shutting down'));
    const bytes = input.request.body.byteLength;
    if (this.waiting > 0 && (this.waiting >= this.maxWaiting || this.waitingBytes + bytes > this.maxWaitingBytes)) {
      return Promise.reject(
        new StoreWriteError(
          `the disk has not finished flushing earlier deliveries (${this.waiting} waiting, ` +
            `${this.waitingBytes} bytes of bodies): not stored`,
        ),
      );
    }
    this.opts.onSubmit?.(this.waiting);
    this.waiting++;
    this.waitingBytes += bytes;
    const release = () => {
      this.waiting--;
      this.waitingBytes -= bytes;
    };
    return new Promise((resolve, reject) => {
      // every delivery is settled exactly once, whichever way (refused, failed, flushed)
      this.queue.push({ input, resolve: (s) => (release(), resolve(s)), reject: (e) => (release(), reject(e)) });
      this.schedule();
    });
  }

  /** Waits until every submitted delivery has been committed or refused. */
  drain(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Finishes in-flight commits, then refuses new work. */
  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
  }

  get pending(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate runs after the I/O callbacks of this loop turn, so every request that became readable in the
    // same turn joins this batch.
    setImmediate(() => this.flush());
  }

  private idle(): boolean {
    return this.queue.length === 0 && !this.scheduled && !this.syncing && this.unsynced.length === 0;
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length > 0 && this.syncFailed) {
      for (const p of batch) p.reject(this.syncFailed);
    } else if (batch.length > 0) {
      const deferSync = this.store.canSyncLog === true;
      let summaries: DeliverySummary[] | null = null;
      try {
        summaries = this.store.ingestRaw(
          batch.map((p) => p.input),
          deferSync ? { sync: false } : undefined,
        );
      } catch (err) {
        const e = err instanceof StoreWriteError ? err : new StoreWriteError(describe(err), err);
        for (const p of batch) p.reject(e);
      }
      if (summaries) this.notify(summaries);
      if (summaries && deferSync) {
        this.unsynced.push({ batch, summaries });
        if (this.mayFlushOnLoop()) this.syncOnLoop();
        else this.startSync();
      } else if (summaries) this.settle(batch, summaries, null);
    }
    if (this.queue.length > 0) this.schedule();
    else this.wakeIfIdle();
  }

  /** see INLINE_SYNC_MAX_WAITING; `waiting` counts this batch and what queued behind it */
  private mayFlushOnLoop(): boolean {
    return (
      this.store.syncLogNow !== undefined &&
      !this.syncing &&
      this.unsynced.length === 1 &&
      this.waiting <= INLINE_SYNC_MAX_WAITING &&
      this.clock() >= this.inlineSyncAfter
    );
  }

  private syncOnLoop(): void {
    const group = this.unsynced.splice(0);
    const started = this.clock();
    let e: StoreWriteError | null = null;
    try {
      this.store.syncLogNow!();
    } catch (err) {
      e = err instanceof StoreWriteError ? err : new StoreWriteError(describe(err), err);
      this.syncFailed = e;
    }
    const done = this.clock();
    const took = done - started;
    this.inlineAverageMs += (took - this.inlineAverageMs) * INLINE_SYNC_AVERAGE_WEIGHT;
    if (took > INLINE_SYNC_SLOW_MS || this.inlineAverageMs > INLINE_SYNC_SLOW_AVERAGE_MS) {
      this.inlineSyncAfter = done + this.inlineBackoffMs;
      this.inlineBackoffMs = Math.min(INLINE_SYNC_MAX_BACKOFF_MS, this.inlineBackoffMs * 2);
      this.inlineAverageMs = 0;
    }
    for (const g of group) this.settle(g.batch, g.summaries, e);
  }

  private startSync(): void {
    if (this.syncing || this.unsynced.length === 0) return;
    this.syncing = true;
    const group = this.unsynced.splice(0);
    const done = (err: unknown) => {
      this.syncing = false;
      const e = err === null ? null : err instanceof StoreWriteError ? err : new StoreWriteError(describe(err), err);
      // after a failed flush, batches committed behind it are not answered 200 by a later flush that succeeds
      if (e) this.syncFailed = e;
      if (e) group.push(...this.unsynced.splice(0));
      for (const g of group) this.settle(g.batch, g.summaries, e);
      this.startSync();
      this.wakeIfIdle();
    };
    this.store.syncLog!().then(() => done(null), done);
  }

  /**
   * Listeners hear of a batch as soon as it is committed, before its flush: from then on the store's own reads
   * (counts, lists) include its rows, and a running count that heard of them only after the flush would count them
   * twice when it was first read from the store in between.
   */
  private notify(summaries: DeliverySummary[]): void {
    try {
      this.opts.onCommitted?.(summaries);
    } catch {
      // a listener's failure must never turn a committed delivery into an error answer
    }
  }

  /** Answers a committed batch: each delivery gets its row, or, when its flush failed, the error (a 503). */
  private settle(batch: Pending[], summaries: DeliverySummary[], err: StoreWriteError | null): void {
    batch.forEach((p, i) => (err ? p.reject(err) : p.resolve(summaries[i]!)));
  }

  private wakeIfIdle(): void {
    if (!this.idle()) return;
    const waiters = this.idleWaiters.splice(0);
    for (const w of waiters) w();
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
