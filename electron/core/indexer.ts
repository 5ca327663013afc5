// Indexing (phase 2 of ingest, see store/ingest.ts): turning acknowledged inbox rows into classified deliveries,
// full text and message summaries, off the acknowledgement path. This module decides when and how much:
//
// - A small backlog (the normal case: a few deliveries) is indexed on the very next turn, so lists lag by
//   milliseconds; while deliveries stream in, it is gathered for GATHER_MS first, so slices are not paid per turn.
//   During a burst that outruns indexing, it is held to a share of the loop that grows as lists fall behind
//   (burstIndexDelayMs); a steady rate it can follow is followed, unless its senders wait on our answers (then their
//   rate is what indexing leaves them). Acknowledgements never wait for it.
// - One cost model: what a row costs in all (for the share) and after the slice's row loop (message folds and the
//   commit, which the store's slice leaves room for when it decides to stop).
// - The backlog and the lag (age of the oldest unindexed delivery) the status bar shows.
// - Answer times (answer-times.ts): they wait until their row is indexed, and travel with the slice that does it.
// - Messages whose fallback grace runs out are rewritten when it does (reads never write).
// - Full text (store/full-text.ts) is added in batches of its own once deliveries stop streaming in, or when its
//   queue grows long (TEXT_MAX_WAITING); a search adds what is queued first, so lists and search never disagree.
// One thread on purpose: a worker with its own connection would contend for SQLite's single write lock with the
// ack path (and, on two cores, for the CPU the HTTP server needs). The clock is injected so pacing is tested
// deterministically.
import type { DeliverySummary } from '../../shared/domain';
import { realClock, type Clock } from './clock';
import { CostModel, MAX_KEEP_UP_SHARE, burstIndexDelayMs, keepUpSliceMs } from './indexer-pacing';

import { AnswerTimes } from './answer-times';

/** What the indexer needs of the store: a narrow port, not the whole Store. */
export interface IndexPort {
  indexSlice(req: SliceRequest): SliceResult;
  /** deliveries stored and not indexed yet */
  pendingCount(): number;
  /** answer times of indexed deliveries */
  setResponseTimes(rows: { id: number; ms: number }[]): void;
  /** answer times of deliveries still in the inbox, kept with them when the app stops before indexing them */
  parkResponseTimes(rows: { id: number; ms: number }[]): void;
  /** rewrites messages whose summary changes by time passing (fallback grace) as of `now`; their references */
  refreshDue(now: number): string[];
  /** the earliest such change still ahead, or null */
  nextDueAt(): number | null;
  /** adds up to maxRows deliveries queued for free text to the full-text table within about budgetMs; how many */
  indexText?(maxRows: number, budgetMs: number, streaming?: boolean): number;
  /** deliveries queued for free text */
  textPending?(): number;
  /** ms to hold the next slice while the WAL is made to start over (store/wal-restart.ts); 0: index now */
  checkpointWait?(): number;
}

export interface SliceRequest {
  maxRows: number;
  /** the slice stops taking rows so that it ends near this many ms, its tail included */
  budgetMs: number;
  /** what each row will cost after the row loop (message folds, commit): room the loop leaves */
  tailMsPerRow: number;
  /** answer times of rows being indexed, by id */
  responseMs: ReadonlyMap<number, number>;
  /** wall-clock time, for message state that depends on it */
  now: number;
  /** deliveries stream in (100/s or more): slices follow each other (the store sizes its page cache for it) */
  streaming: boolean;
}

interface SliceResult {
  summaries: DeliverySummary[];
  /** ms the row loop took (the rest of the slice is its tail) */
  loopMs: number;
}

export interface IndexerOptions {
  clock?: Clock;
  /** the classified summaries, once indexed: when lists, counts and messages show them */
  onIndexed?: (summaries: DeliverySummary[]) => void;
  /** messages changed by time passing alone (their fallback grace ran out): lists must show it */
  onMessagesChanged?: (references: string[]) => void;
  /** a slice failed (its rows stay pending and are retried) */
  onIndexError?: (err: unknown) => void;
  /** one slice aims at this many ms during a flood (default 3; twice that while following a steady rate) */
  busySliceMs?: number;
  /** ... and at this many when the receiver is quiet (default 20) */
  idleSliceMs?: number;
  /** indexing's share of a flooded loop while lists are current (default 0.05), growing to 0.5 at fullShareLagMs */
  busyShare?: number;
  fullShareLagMs?: number;
  /** how often answer times of indexed deliveries are written */
  responseTimeFlushMs?: number;
  /** on close, index what is pending for at most this long; the next open does the rest */
  closeIndexBudgetMs?: number;
}

/** A backlog this small is indexed in one slice even in a burst: it costs about one slice. */
const SMALL_BACKLOG = 64;
/**
 * While deliveries stream in, a small backlog waits until its oldest row is this old before a slice takes it: a
 * slice's fixed cost (its transaction, the full-text segment its commit writes, the messages it folds) is then
 * shared by the rows of this window instead of the one or two of a single turn. Behind a tunnel, which lets ten
 * requests through at a time, each turn commits only a few, and indexing them one turn at a time cost several
 * times what the rows themselves do. Lists show a delivery this much later, which nobody sees.
 */
const GATHER_MS = 30;
/** ...from this arrival rate on (per ms; 100/s): a lone delivery is indexed on the next turn */
const STREAM_PER_MS = 0.1;
/**
 * Deliveries submitted within this long make the receiver count as busy. Long enough to outlast one slice: a
 * slice blocks the loop, so no submission can be seen during it, and a short window read "quiet" right after one.
 */
const BUSY_WINDOW_MS = 250;
const RETRY_MS = 1000;
/**
 * Senders that keep this many deliveries waiting for their answers, on average, are held back by the answers: a
 * load test or a gateway's connection pool sending as fast as it is answered. The rate they reach is then what the
 * loop leaves the receiver, and following it lets indexing set it: the ingest bench's 50 connections (23-38
 * waiting) reached 3,500-4,200 a second while indexing followed them with half the loop, 10,000 once it took the
 * flood's share (docs/benchmarks.md, thirteenth pass). A rate sent whatever the answers keeps fewer waiting: the
 * live UI bench's 2,000 a second from 20 connections 10-12, the tunnel at most its ten sockets.
 */
const SENDERS_HELD_WAITING = 20;
/** at most this many rows per indexing transaction, whatever the time budget */
const SLICE_MAX_ROWS = 500;
/**
 * Full text (store/full-text.ts) waits while deliveries stream in (BUSY_WINDOW_MS without one), so its segments are
 * written in batches of hundreds rather than one per slice; past this many queued it goes on anyway, in busy
 * slices, so a search during a long burst never has more than about this many to add first.
 */
const TEXT_MAX_WAITING = 4000;
/** at most this many rows per full-text transaction */
const TEXT_SLICE_MAX_ROWS = 2000;
/** a due refresh further away than this is looked at again then (new messages may fall due sooner) */
const DUE_CHECK_MAX_MS = 60_000;

export class Indexer {
  private readonly clock: Clock;
  readonly cost = new CostModel();
  /** committed and not indexed yet (an estimate kept exact by the store at zero) */
  private backlog: number;
  /** committed batches not fully indexed: last id and commit time, for the lag */
  private unindexedBatches: { lastId: number; at: number }[] = [];
  /** rows an earlier run left unindexed: their age is unknown, counted as long overdue */
  private leftoverPending: boolean;
  private firstNewId: number | null = null;
  /** the highest id indexed this run (ids are indexed strictly in order) */
  private indexedThrough = 0;
  private timer: unknown = null;
  /** the timer is for full text only: a delivery committed meanwhile must not wait for it */
  private timerForText = false;
  /** deliveries queued for free text (an estimate kept exact by the store at zero) */
  private textBacklog: number;
  /** when adding full text last failed: a long queue then stops taking turns from the lists for RETRY_MS */
  private textFailedAt = -Infinity;
  private dueTimer: unknown = null;
  private lastArrivalAt = -Infinity;
  private lastSliceMs = 0;
  private rateMark: number;
  private arrivedSinceMark = 0;
  private arrivalPerMs = 0;
  private waitingSum = 0;
  private waitingSamples = 0;
  /** deliveries waiting for their answer when another arrived, on average over the last rate window */
  private waitingAvg = 0;
  private waiters: (() => void)[] = [];
  private closed = false;
  private readonly answerTimes: AnswerTimes;

  constructor(
    private readonly port: IndexPort,
    private readonly opts: IndexerOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.answerTimes = new AnswerTimes(port, this.clock, opts.responseTimeFlushMs);
    this.rateMark = this.clock.now();
    // rows a crash left pending are indexed in the background, like any backlog
    this.backlog = port.pendingCount();
    this.leftoverPending = this.backlog > 0;
    this.textBacklog = port.textPending?.() ?? 0;
    if (this.backlog > 0) this.schedule();
    else this.scheduleText();
    this.scheduleDue();
  }

  /**
   * A delivery is being received: the loop counts as busy for a while. `waiting`: deliveries received before it and
   * not answered yet (their commit or its flush), averaged over the rate's window (sendersHeld).
   */
  noteArrival(waiting = 0): void {
    this.lastArrivalAt = this.clock.now();
    this.waitingSum += waiting;
    this.waitingSamples++;
  }

  /** Deliveries committed (phase 1): to be indexed. */
  committed(summaries: DeliverySummary[]): void {
    if (summaries.length === 0) return;
    this.backlog += summaries.length;
    this.arrivedSinceMark += summaries.length;
    this.firstNewId ??= summaries[0]!.id;
    this.unindexedBatches.push({ lastId: summaries[summaries.length - 1]!.id, at: this.clock.now() });
    this.schedule();
  }

  recordResponseTime(id: number, ms: number): void {
    this.answerTimes.record(id, ms, this.indexedThrough);
  }

  /** committed deliveries not indexed yet */
  get unindexed(): number {
    return this.backlog;
  }

  /** Age of the oldest committed delivery not indexed yet (rows a crash left count as long overdue). */
  lagMs(): number {
    if (this.leftoverPending) return Infinity;
    const oldest = this.unindexedBatches[0];
    if (oldest) return this.clock.now() - oldest.at;
    return this.backlog > 0 ? Infinity : 0;
  }

  /** Resolves once everything committed so far is indexed (lists, counts and messages show it). */
  indexed(): Promise<void> {
    // once closed, nothing more is indexed this run: waiting would never end (full text does not count: a search
    // adds what is queued first)
    if (this.closed || (this.backlog === 0 && (!this.timer || this.timerForText))) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Indexes what is pending within closeIndexBudgetMs, writes answer times, then stops. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancel('timer');
    this.cancel('dueTimer');
    const deadline = this.clock.now() + (this.opts.closeIndexBudgetMs ?? 3000);
    while (this.backlog > 0 && this.clock.now() < deadline) {
      if (!this.slice(SLICE_MAX_ROWS, deadline - this.clock.now())) break;
    }
    // full text too (cheap in batches: ~35 µs a delivery), so a search on a read-only connection (the command
    // line's export and report) sees what the app saw; what the budget leaves stays queued for the next run
    try {
      while (this.port.indexText && this.clock.now() < deadline && this.port.indexText(TEXT_SLICE_MAX_ROWS, deadline - this.clock.now()) > 0);
    } catch (err) {
      this.opts.onIndexError?.(err);
    }
    this.answerTimes.close();
    for (const w of this.waiters.splice(0)) w();
  }

  private busy(): boolean {
    return this.clock.now() - this.lastArrivalAt < BUSY_WINDOW_MS;
  }

  /**
   * Deliveries stream in: the receiver is busy at STREAM_PER_MS or more. A lone delivery also makes it busy for a
   * moment, but is no stream: its slice neither waits to gather nor makes the store shrink its page cache.
   */
  private streaming(): boolean {
    return this.busy() && (this.keepUpShare(), this.arrivalPerMs >= STREAM_PER_MS);
  }

  private cancel(which: 'timer' | 'dueTimer'): void {
    if (this[which] === null) return;
    this.clock.cancel(this[which]);
    this[which] = null;
  }

  private schedule(delayMs = 0): void {
    // a delivery committed while full text waits for a quiet moment is not held up by it (a long queue's turn, a
    // slice at most, stays: see runText)
    if (this.timer !== null && this.timerForText && !this.textQueueLong()) this.cancel('timer');
    if (this.timer !== null || this.closed) return;
    if (delayMs === 0 && this.backlog <= SMALL_BACKLOG && this.streaming()) {
      delayMs = Math.max(0, GATHER_MS - this.lagMs());
    } else if (delayMs === 0 && this.backlog > SMALL_BACKLOG && this.busy()) {
      // Deliveries keep arriving: the loop is the ack path's first, whose answers the gateway times out on and
      // retries. A steady rate indexing can follow with part of the loop is indexed as it comes; a flood it cannot
      // follow gets a share that grows with the lag, so lists cannot stay minutes behind.
      delayMs = burstIndexDelayMs({
        // from what the last slice really took (its commit can cost more than the rows suggest), so the share holds
        sliceMs: Math.max(this.opts.busySliceMs ?? 3, this.lastSliceMs),
        lagMs: this.lagMs(),
        minShare: this.opts.busyShare ?? 0.05,
        fullShareLagMs: this.opts.fullShareLagMs ?? 60_000,
        keepUpShare: this.keepUpShare(),
        sendersHeld: this.sendersHeld(),
        // not before a rate is known: the first window of a flood would have it followed, backlog and all
        backlogMs: this.arrivalPerMs > 0 ? this.backlog * this.cost.rowMs : 0,
      });
    }
    this.timerForText = false;
    this.timer = delayMs > 0 ? this.clock.after(delayMs, () => this.run()) : this.clock.defer(() => this.run());
  }

  /** Full text for what is indexed, once deliveries stop streaming in (or the queue is long): see TEXT_MAX_WAITING. */
  private scheduleText(): void {
    if (this.timer !== null || this.closed || this.textBacklog === 0 || !this.port.indexText) return;
    const failedAgo = this.clock.now() - this.textFailedAt;
    const wait = failedAgo < RETRY_MS ? RETRY_MS - failedAgo : this.busy() && !this.textQueueLong() ? BUSY_WINDOW_MS : 0;
    this.timerForText = true;
    this.timer = wait > 0 ? this.clock.after(wait, () => this.runText()) : this.clock.defer(() => this.runText());
  }

  private runText(): void {
    this.timer = null;
    this.timerForText = false;
    if (this.closed) return;
    // lists first, unless the queue is long: then a batch goes in between slices, or a stream would never let it
    const long = this.textQueueLong();
    if (this.backlog > 0 && !long) return this.schedule();
    const busy = this.busy();
    if (busy && !long) return this.scheduleText();
    try {
      const added = this.port.indexText!(TEXT_SLICE_MAX_ROWS, busy ? 2 * (this.opts.busySliceMs ?? 3) : (this.opts.idleSliceMs ?? 20), this.streaming());
      this.textBacklog = added === 0 ? 0 : Math.max(0, this.textBacklog - added);
      if (this.textBacklog === 0) this.textBacklog = this.port.textPending?.() ?? 0;
    } catch (err) {
      // tried again after RETRY_MS; the lists go on meanwhile, the queue not counting as long
      this.opts.onIndexError?.(err);
      this.textFailedAt = this.clock.now();
    }
    if (this.backlog > 0) this.schedule();
    else this.scheduleText();
  }

  /** A queue this long takes turns from the lists, unless adding it has just failed. */
  private textQueueLong(): boolean {
    return this.textBacklog >= TEXT_MAX_WAITING && this.clock.now() - this.textFailedAt >= RETRY_MS;
  }

  /** The share of the loop indexing needs to keep up with arrivals: their rate times what a row costs. */
  private keepUpShare(): number {
    const now = this.clock.now();
    const wall = now - this.rateMark;
    if (wall >= 200) {
      // Deliveries come in bunches (a gateway's batches, a sender short of CPU): one window's rate swings between
      // nothing and twice the mean, and judged by it a rate indexing can follow looked like a flood one moment and
      // like a pause the next. Each window moves the estimate halfway (a flood's first window then reads as half of
      // it: still a flood for anything much past what can be followed).
      this.arrivalPerMs = (this.arrivalPerMs + this.arrivedSinceMark / wall) / 2;
      this.rateMark = now;
      this.arrivedSinceMark = 0;
      this.waitingAvg = this.waitingSamples > 0 ? this.waitingSum / this.waitingSamples : 0;
      this.waitingSum = 0;
      this.waitingSamples = 0;
    }
    return this.arrivalPerMs * this.cost.rowMs;
  }

  /**
   * Whether indexing can follow the arrival rate (else it is a flood: indexing gets the lag's share). Not when its
   * share would pass MAX_KEEP_UP_SHARE, and not when the senders wait on our answers (SENDERS_HELD_WAITING): then the
   * rate is what the answers allow, and a share taken to follow it would only lower it to where it can be followed.
   */
  private canFollow(): boolean {
    return this.keepUpShare() <= MAX_KEEP_UP_SHARE && !this.sendersHeld();
  }

  private sendersHeld(): boolean {
    this.keepUpShare(); // closes the window if due
    return this.waitingAvg >= SENDERS_HELD_WAITING;
  }

  private run(): void {
    this.timer = null;
    if (this.closed) return;
    // the loop stays free meanwhile: only the lists wait, a few ms while the checkpoint worker catches up
    const hold = this.port.checkpointWait?.() ?? 0;
    if (hold > 0) return this.schedule(hold);
    // busy: short slices, so an acknowledgement never waits long behind one; longer (each row's share of the
    // slice's fixed cost shrinks) while following a steady rate, which needs the throughput, and longer still
    // while the lists fall behind it
    const busySliceMs = this.opts.busySliceMs ?? 3;
    const targetMs = this.busy()
      ? this.canFollow() ? keepUpSliceMs(busySliceMs, this.lagMs()) : busySliceMs
      : (this.opts.idleSliceMs ?? 20);
    if (!this.slice(SLICE_MAX_ROWS, targetMs)) return this.schedule(RETRY_MS);
    if (this.backlog > 0) return this.schedule();
    for (const w of this.waiters.splice(0)) w();
    this.scheduleText();
  }

  /** One indexing transaction; false when the store refused (the rows stay pending). */
  private slice(maxRows: number, budgetMs: number): boolean {
    const started = this.clock.now();
    let result: SliceResult;
    try {
      result = this.port.indexSlice({
        maxRows,
        budgetMs,
        tailMsPerRow: this.cost.tailMs,
        responseMs: this.answerTimes.parked,
        now: this.clock.wall(),
        streaming: !this.closed && this.streaming(),
      });
    } catch (err) {
      this.opts.onIndexError?.(err);
      return false;
    }
    const { summaries } = result;
    this.lastSliceMs = this.clock.now() - started;
    this.cost.observe(summaries.length, this.lastSliceMs, result.loopMs, budgetMs >= 2 * (this.opts.busySliceMs ?? 3));
    // phase 1 adds exactly what it committed, so subtracting keeps the count; at zero (or when a slice found
    // nothing: rows a crash left are counted on open only), the store confirms it, cheaply while it is small
    this.backlog = Math.max(0, this.backlog - summaries.length);
    this.textBacklog += summaries.length;
    if (this.backlog === 0 || summaries.length === 0) {
      try {
        this.backlog = this.port.pendingCount();
      } catch {
        this.backlog = summaries.length === 0 ? 0 : 1;
      }
    }
    if (summaries.length > 0) {
      const through = summaries[summaries.length - 1]!.id;
      this.indexedThrough = Math.max(this.indexedThrough, through);
      this.answerTimes.indexed(summaries.map((x) => x.id));
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
      // a new message may fall due sooner than the one the timer waits for
      this.scheduleDue();
    }
    return true;
  }

  /** Rewrites messages whose fallback grace ran out when it does, and waits for the next one. */
  private scheduleDue(): void {
    if (this.closed) return;
    let next: number | null;
    try {
      next = this.port.nextDueAt();
    } catch {
      next = null;
    }
    this.cancel('dueTimer');
    if (next === null) return;
    const wait = Math.min(DUE_CHECK_MAX_MS, Math.max(0, next - this.clock.wall()));
    this.dueTimer = this.clock.after(wait, () => {
      this.dueTimer = null;
      let changed: string[];
      try {
        changed = this.port.refreshDue(this.clock.wall());
      } catch (err) {
        // the rows keep their due time (reads still show the anomaly): tried again a little later
        this.opts.onIndexError?.(err);
        if (!this.closed) this.dueTimer = this.clock.after(RETRY_MS, () => ((this.dueTimer = null), this.scheduleDue()));
        return;
      }
      if (changed.length === 0) {
        // nothing could be rewritten (a store being replaced): look again later, not at once
        if (!this.closed) this.dueTimer = this.clock.after(RETRY_MS, () => ((this.dueTimer = null), this.scheduleDue()));
        return;
      }
      try {
        this.opts.onMessagesChanged?.(changed);
      } catch {
        // a listener's failure must not stop the refreshes
      }
      this.scheduleDue();
    });
  }
}
