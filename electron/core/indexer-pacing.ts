// How much of the event loop indexing takes: what it costs (learnt from its slices) and how long to pause between
// slices while deliveries keep arriving. Pure arithmetic, kept apart from the scheduler that applies it.

/** Beyond this need indexing cannot follow without starving the receiver: a flood, left to the lag rule. */
export const MAX_KEEP_UP_SHARE = 0.7;

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

/** What indexing costs, learnt from the slices: one model for the pacing and for the store's stop rule. */
export class CostModel {
  /**
   * ms per row for a whole slice, fixed overhead included, in slices as long as following a steady rate makes them
   * (keepUpSliceMs, or idle ones). Whether a rate can be followed is judged by it: a commit's fixed cost spread over
   * a flood's short slices makes rows look dearer than following would make them, and judged by that a rate once
   * taken for a flood would stay one.
   */
  rowMs = 0.3;
  /** ms per row after the row loop */
  tailMs = 0.1;
  observe(rows: number, totalMs: number, loopMs: number, long = true): void {
    if (rows === 0) return;
    if (long) this.rowMs = this.rowMs * 0.8 + (totalMs / rows) * 0.2;
    this.tailMs = this.tailMs * 0.7 + (Math.max(0, totalMs - loopMs) / rows) * 0.3;
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
