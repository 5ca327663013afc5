// How much of the event loop indexing takes: what it costs (learnt from its slices) and how long to pause between
// slices while deliveries keep arriving. Pure arithmetic, kept apart from the scheduler that applies it.

/** Beyond this need indexing cannot follow without starving the receiver: a flood, left to the lag rule. */
export const MAX_KEEP_UP_SHARE = 0.7;

/** What indexing costs, learnt from the slices: one model for the pacing and for the store's stop rule. */
export class CostModel {
  /** ms per row for a whole slice, fixed overhead included */
  rowMs = 0.3;
  /** ms per row after the row loop */
  tailMs = 0.1;
  observe(rows: number, totalMs: number, loopMs: number): void {
    if (rows === 0) return;
    this.rowMs = this.rowMs * 0.8 + (totalMs / rows) * 0.2;
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
