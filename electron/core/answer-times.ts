// How long each answer took, known only after it went out: by then its delivery may be indexed or still in the
// inbox. Times of indexed deliveries are written in batches; the others wait here and travel with the slice that
// indexes their row (updating inbox rows would rewrite the pages that hold their bodies), or are kept with the
// inbox row when the app stops first.
import type { Clock } from './clock';

export interface AnswerTimesPort {
  setResponseTimes(rows: { id: number; ms: number }[]): void;
  parkResponseTimes(rows: { id: number; ms: number }[]): void;
}

const PER_WRITE = 500;
/** kept for deliveries still unindexed at close (each write rewrites a page holding bodies) */
const PARKED_AT_CLOSE_MAX = 5000;

export class AnswerTimes {
  /** times of deliveries not indexed yet, by id */
  readonly parked = new Map<number, number>();
  private ready: { id: number; ms: number }[] = [];
  private timer: unknown = null;
  private closed = false;

  constructor(
    private readonly port: AnswerTimesPort,
    private readonly clock: Clock,
    private readonly flushMs = 1000,
  ) {}

  /** `indexedThrough`: the highest id indexed so far (ids are indexed strictly in order) */
  record(id: number, ms: number, indexedThrough: number): void {
    const rounded = Math.round(ms);
    if (id > indexedThrough) {
      this.parked.set(id, rounded);
      return;
    }
    this.ready.push({ id, ms: rounded });
    if (this.timer === null && !this.closed) this.timer = this.clock.after(this.flushMs, () => this.flush());
  }

  /** these rows were indexed, their parked times with them */
  indexed(ids: readonly number[]): void {
    for (const id of ids) this.parked.delete(id);
  }

  close(): void {
    this.closed = true;
    this.flush(true);
    try {
      this.port.parkResponseTimes([...this.parked].slice(0, PARKED_AT_CLOSE_MAX).map(([id, ms]) => ({ id, ms })));
    } catch {
      // metadata only
    }
    this.parked.clear();
  }

  private flush(all = false): void {
    if (this.timer !== null) this.clock.cancel(this.timer);
    this.timer = null;
    // a few hundred rows per transaction: thousands at once (a burst's second) would block the loop for ~20 ms
    const rows = this.ready.splice(0, all ? this.ready.length : PER_WRITE);
    if (rows.length === 0) return;
    try {
      this.port.setResponseTimes(rows);
    } catch {
      // metadata only: the deliveries themselves are committed; losing an answer time is acceptable
    }
    if (this.ready.length > 0 && !this.closed) this.timer = this.clock.after(5, () => this.flush());
  }
}
