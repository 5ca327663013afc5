// Group commit: deliveries that arrive while a transaction is being prepared share one transaction (one fsync),
// and each one's promise settles only after that transaction committed. This is what lets the receiver answer
// 200 strictly after the row is on disk without paying one fsync per request.
//
// The acknowledged transaction is only phase 1 of ingest (store.ingestRaw: the request as received, appended to
// the inbox). Indexing (phase 2) is the Indexer's (indexer.ts), told of each commit through onCommitted.
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
  /** a delivery was submitted (indexing yields while the receiver is busy) */
  onSubmit?: () => void;
  /**
   * Called after each acknowledged (phase-1) commit with what phase 1 knows: ids, outcome, parse-only flags,
   * attempt null: for indexing, and for what must act on "received now" (live forwarding), not for display.
   */
  onCommitted?: (summaries: DeliverySummary[]) => void;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private readonly maxBatch: number;

  constructor(
    private readonly store: Pick<Store, 'ingestRaw'>,
    private readonly opts: GroupCommitOptions = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 1000;
  }

  /** Resolves with the stored delivery once committed; rejects with StoreWriteError if the store cannot write. */
  submit(input: IngestInput): Promise<DeliverySummary> {
    if (this.closed) return Promise.reject(new StoreWriteError('the app is shutting down'));
    this.opts.onSubmit?.();
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.schedule();
    });
  }

  /** Waits until every submitted delivery has been committed or refused. */
  drain(): Promise<void> {
    if (this.queue.length === 0 && !this.scheduled) return Promise.resolve();
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
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
