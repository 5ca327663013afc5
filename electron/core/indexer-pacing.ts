// How much of the event loop indexing takes: what it costs (learnt from its slices) and how long to pause between
// slices while deliveries keep arriving. Pure arithmetic, kept apart from the scheduler that applies it.

/** Beyond this need indexing cannot follow without starving the receiver: a flood, left to the lag rule. */
export const MAX_KEEP_UP_SHARE = 0.7;

/**
 * While following a rate, a backlog (deliveries that came in a bunch, slices held back while the rate looked like a
 * flood) gets the share that would work it off in about this long. Without it the share followed only the arrival
 * rate, and a backlog rode along to the end of the burst.
 */
const CATCH_UP_MS = 2000;
/** the most of the loop indexing takes while following a rate: the rest is the receiver's */
const MAX_FOLLOW_SHARE = 0.85;
/** a flood from senders held back by our answers starts at this fraction of minShare (see burstIndexDelayMs) */
const HELD_MIN_SHARE_FACTOR = 0.2;

/** A slice while following a steady rate grows to this many times the busy slice as lists fall behind. */
const LAGGING_SLICE_FACTOR = 8;
/** Lists this far behind start growing the slices; at LAGGING_SLICE_LAG_MS they have their full length. */
const CURRENT_LAG_MS = 200;
const LAGGING_SLICE_LAG_MS = 1000;

/**
 * How long a slice aims to be while following a steady rate: twice the busy slice while lists are current, growing
 * to LAGGING_SLICE_FACTOR times it as they fall a second behind. Each commit costs a fixed part (hundreds of pages
 * written: every index the slice touched), so longer slices index more deliveries with the same share of the loop;
 * an acknowledgement then waits behind a longer slice, which is why they grow only while lists are behind.
 */
export function keepUpSliceMs(busySliceMs: number, lagMs: number): number {
  const behind = Math.min(1, Math.max(0, lagMs - CURRENT_LAG_MS) / (LAGGING_SLICE_LAG_MS - CURRENT_LAG_MS));
  return busySliceMs * (2 + (LAGGING_SLICE_FACTOR - 2) * behind);
}

/**
 * A cost per row averaged over slices by their rows: a slice of a row or two (its commit's fixed part, a cold cache)
 * says little about a row and weighs little; the weight held is capped, so the average follows a cost that changes.
 */
class RowCost {
  weight: number;
  constructor(
    public ms: number,
    prior: number,
  ) {
    this.weight = prior;
  }
  add(rows: number, perRowMs: number): void {
    const w = rows / FULL_WEIGHT_ROWS;
    this.weight = Math.min(MAX_WEIGHT, this.weight + w);
    this.ms = this.ms === Infinity ? perRowMs : this.ms + (perRowMs - this.ms) * Math.min(1, w / this.weight);
  }
}
/** a slice of this many rows counts as one sample */
const FULL_WEIGHT_ROWS = 50;
/** ...and the average holds at most this many samples' weight (each full slice then moves it a fifth) */
const MAX_WEIGHT = 5;

/** What indexing costs, learnt from the slices: one model for the pacing and for the store's stop rule. */
export class CostModel {
  /** the default weighs a tenth of a slice: the first real slices replace it */
  private readonly long = new RowCost(0.3, 0.1);
  /** the same from a flood's short slices alone, which overstate a row (their commit's fixed part over few rows) */
  private readonly short = new RowCost(Infinity, 0);
  /**
   * ms per row for a whole slice, fixed overhead included, in slices as long as following a steady rate makes them
   * (keepUpSliceMs, or idle ones). Whether a rate can be followed is judged by it: a commit's fixed cost spread over
   * a flood's short slices makes rows look dearer than following would make them, and judged by that a rate once
   * taken for a flood would stay one. But when even those short slices, on average, find rows cheaper, the cost was
   * learnt dear (a cold cache) and would hold a rate indexing can follow for a flood that no long slice would come
   * to correct.
   */
  get rowMs(): number {
    // the short slices count once they hold a full slice's worth of rows: one slice alone may be a lucky one
    return this.short.weight >= 1 ? Math.min(this.long.ms, this.short.ms) : this.long.ms;
  }
  /** ms per row after the row loop */
  tailMs = 0.1;
  observe(rows: number, totalMs: number, loopMs: number, long = true): void {
    if (rows === 0) return;
    (long ? this.long : this.short).add(rows, totalMs / rows);
    this.tailMs = this.tailMs * 0.7 + (Math.max(0, totalMs - loopMs) / rows) * 0.3;
  }
}

/**
 * The pause after an indexing slice while deliveries keep arriving, so that indexing takes its share of the loop:
 * what keeping up with the arrival rate needs (plus a margin) when that is at most MAX_KEEP_UP_SHARE and the senders
 * are not held back by our answers; otherwise (a flood) `minShare` while lists are current, growing linearly to half
 * once the oldest unindexed delivery is `fullShareLagMs` old.
 *
 * A flood from senders held back by our answers starts at a fifth of that and grows with the square of the lag.
 * Those senders lose what indexing takes: in the ingest bench a share of 5 % growing linearly cost them a tenth of
 * their throughput and 2-3 ms of their p99 (docs/benchmarks.md, thirteenth pass). And it buys the lists little: at
 * 10,000 a second and ~0.25 ms a row, 5 % of the loop indexes 200 a second, and every delivery is indexed once
 * either way, at full speed once the flood ends. One that goes on for minutes still gets half the loop, so lists
 * never stay minutes behind. Other floods keep the linear share: a rate read in a bunch of deliveries can pass for a
 * flood for a moment, and the lists must not fall behind it (indexer.test.ts, "bunches").
 */
export function burstIndexDelayMs(p: {
  sliceMs: number;
  lagMs: number;
  minShare: number;
  fullShareLagMs: number;
  /** share of the loop indexing needs to keep up with the current arrival rate (rate × cost per row) */
  keepUpShare: number;
  /** the senders wait on our answers: their rate is what indexing leaves them, not one to follow (indexer.ts) */
  sendersHeld?: boolean;
  /** what indexing the backlog costs, in ms: a rate it can follow also gets what working that off in CATCH_UP_MS needs */
  backlogMs?: number;
}): number {
  const behind = Math.min(1, p.lagMs / p.fullShareLagMs);
  const startShare = p.sendersHeld ? p.minShare * HELD_MIN_SHARE_FACTOR : p.minShare;
  const byLag = startShare + (0.5 - startShare) * (p.sendersHeld ? behind * behind : behind);
  // A rate indexing can follow gets what it needs and a margin, and what working off the backlog needs up to
  // MAX_KEEP_UP_SHARE in all: more would hold back the acknowledgements, which then wait behind slices. A flood gets
  // byLag.
  const follow = Math.min(MAX_FOLLOW_SHARE, p.keepUpShare * 1.1 + p.minShare);
  const catchUp = Math.min(MAX_KEEP_UP_SHARE, follow + (p.backlogMs ?? 0) / CATCH_UP_MS);
  const keepUp = p.keepUpShare <= MAX_KEEP_UP_SHARE && !p.sendersHeld ? Math.max(follow, catchUp) : 0;
  const share = Math.max(byLag, keepUp);
  return Math.max(1, (p.sliceMs * (1 - share)) / share);
}
