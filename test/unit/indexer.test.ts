// The indexer's pacing, lag, answer times and due refreshes, on a fake clock: each simulated slice costs simulated
// time, so shares and lags are exact numbers however busy the machine running the test is.
import { describe, expect, it } from 'vitest';
import type { DeliverySummary } from '../../shared/domain';
import type { Clock } from '../../electron/core/clock';
import { Indexer, type IndexPort, type SliceRequest } from '../../electron/core/indexer';
import { burstIndexDelayMs } from '../../electron/core/indexer-pacing';
import { StoreWriteError } from '../../electron/core/store/types';

class FakeClock implements Clock {
  t = 0;
  private seq = 0;
  private tasks: { at: number; seq: number; fn: () => void }[] = [];
  now = () => this.t;
  wall = () => Date.UTC(2026, 10, 28) + this.t;
  defer = (fn: () => void) => this.push(this.t, fn);
  after = (ms: number, fn: () => void) => this.push(this.t + ms, fn);
  cancel = (h: unknown) => {
    this.tasks = this.tasks.filter((x) => x !== h);
  };
  private push(at: number, fn: () => void) {
    const task = { at, seq: this.seq++, fn };
    this.tasks.push(task);
    return task;
  }
  /** runs what falls due until `ms` from now; a task may move the clock further (a slice takes time) */
  advance(ms: number) {
    const until = this.t + ms;
    for (;;) {
      const next = [...this.tasks].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next || next.at > until) break;
      this.tasks.splice(this.tasks.indexOf(next), 1);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = Math.max(this.t, until);
  }
}

/** A store port whose slices cost fake time: `sliceMs` each, plus `rowMs` per row. */
function fakePort(
  clock: FakeClock,
  o: { sliceMs?: number; rowMs?: number; pending?: number; fail?: () => boolean; extraMs?: (rowsMs: number) => number } = {},
) {
  let next = 1;
  const pending: number[] = [];
  for (let i = 0; i < (o.pending ?? 0); i++) pending.push(next++);
  const log = { sliceMs: 0, slices: [] as SliceRequest[], written: [] as { id: number; ms: number }[], parked: [] as { id: number; ms: number }[], refreshed: [] as number[], due: null as number | null, times: new Map<number, number>() };
  const port: IndexPort = {
    indexSlice(req) {
      if (o.fail?.()) throw new StoreWriteError('database is locked');
      log.slices.push(req);
      const start = clock.t;
      const taken: number[] = [];
      while (taken.length < req.maxRows && pending.length > 0) {
        taken.push(pending.shift()!);
        clock.t += o.rowMs ?? 0;
        if (clock.t - start + taken.length * req.tailMsPerRow >= req.budgetMs) break;
      }
      const loopMs = clock.t - start;
      // what a slice costs beyond its plan: a cold cache, a garbage collection
      clock.t += (o.sliceMs ?? 0) + (o.extraMs?.(loopMs) ?? 0);
      log.sliceMs += clock.t - start;
      for (const id of taken) if (req.responseMs.has(id)) log.times.set(id, req.responseMs.get(id)!);
      return { summaries: taken.map((id) => ({ id }) as DeliverySummary), loopMs };
    },
    pendingCount: () => pending.length,
    setResponseTimes: (rows) => void log.written.push(...rows),
    parkResponseTimes: (rows) => void log.parked.push(...rows),
    refreshDue: (now) => (log.refreshed.push(now), ['ref-due']),
    nextDueAt: () => log.due,
  };
  const commit = (n: number) => Array.from({ length: n }, () => (pending.push(next), { id: next++ }) as DeliverySummary);
  return { port, log, pending, commit };
}

/**
 * Deliveries arriving: each turn commits `perTick` of them (a number, or one from the clock), then `everyMs` pass
 * (default 1) and `each` looks; for `ticks` turns, or until `untilMs` on the clock.
 */
function stream(
  clock: FakeClock,
  ix: Indexer,
  commit: (n: number) => DeliverySummary[],
  o: {
    perTick: number | ((t: number) => number);
    untilMs?: number;
    ticks?: number;
    everyMs?: number;
    each?: () => void;
    /** deliveries waiting for their answers as each arrives (senders that wait on them keep many) */
    waiting?: number;
  },
) {
  for (let i = 0; o.ticks !== undefined ? i < o.ticks : clock.t < o.untilMs!; i++) {
    const n = typeof o.perTick === 'number' ? o.perTick : o.perTick(clock.t);
    if (n > 0) {
      for (let k = 0; k < n; k++) ix.noteArrival(o.waiting ?? 0);
      ix.committed(commit(n));
    }
    clock.advance(o.everyMs ?? 1);
    o.each?.();
  }
}

describe('indexer', () => {
  it('indexes a small backlog on the next turn and reports the indexed rows', () => {
    const clock = new FakeClock();
    const { port, commit } = fakePort(clock);
    const seen: number[] = [];
    const ix = new Indexer(port, { clock, onIndexed: (rows) => seen.push(...rows.map((r) => r.id)) });
    ix.noteArrival();
    ix.committed(commit(3));
    expect(ix.unindexed).toBe(3);
    clock.advance(0);
    expect(seen).toEqual([1, 2, 3]);
    expect(ix.unindexed).toBe(0);
    expect(ix.lagMs()).toBe(0);
  });

  it('gathers a stream of small commits into one slice per short window, so lists stay a moment behind at most', () => {
    const clock = new FakeClock();
    // a tunnel's pace: 2 deliveries committed every 2 ms (1,000/s), each slice 1 ms of fixed cost
    const { port, log, commit } = fakePort(clock, { sliceMs: 1, rowMs: 0.05 });
    const ix = new Indexer(port, { clock });
    let maxLag = 0;
    stream(clock, ix, commit, { untilMs: 2000, perTick: 2, everyMs: 2, each: () => clock.t > 300 && (maxLag = Math.max(maxLag, ix.lagMs())) });
    const later = log.slices.filter((_, i) => i > 20).length;
    // one slice per turn would be ~1,000; gathered, one or two per ~30 ms of arrivals
    expect(later).toBeLessThan(200);
    expect(maxLag).toBeLessThan(100);
    clock.advance(100);
    expect(ix.unindexed).toBe(0);
  });

  it('holds indexing to its share of a flooded loop even when every slice takes far longer than planned', () => {
    const clock = new FakeClock();
    // each slice costs 20 ms whatever it was asked (a commit dearer than its rows suggest), rows 1 ms each
    const { port, log, commit } = fakePort(clock, { sliceMs: 20, rowMs: 1 });
    const ix = new Indexer(port, { clock });
    // a flood: 20 deliveries every ms for 2 s (20,000/s), far beyond what indexing can follow
    stream(clock, ix, commit, { untilMs: 2000, perTick: 20 });
    const share = log.sliceMs / clock.t;
    // 5 % while lists are current, growing with the lag (2 s of 60 s: about 6.5 %)
    expect(share).toBeGreaterThan(0.03);
    expect(share).toBeLessThan(0.1);
    expect(ix.lagMs()).toBeGreaterThan(1500);
  });

  it('follows a rate it can keep up with, so lists stay current', () => {
    const clock = new FakeClock();
    const { port, commit } = fakePort(clock, { sliceMs: 0.5, rowMs: 0.2 });
    const ix = new Indexer(port, { clock });
    // 2 deliveries every ms (2,000/s) at 0.2 ms each: 40 % of the loop
    let maxLag = 0;
    stream(clock, ix, commit, { untilMs: 3000, perTick: 2, each: () => clock.t > 500 && (maxLag = Math.max(maxLag, ix.lagMs())) });
    expect(maxLag).toBeLessThan(100);
    expect(ix.unindexed).toBeLessThan(200);
  });

  it('leaves the loop to the answers when the senders wait on them, though it could follow their rate, and catches up after', () => {
    const clock = new FakeClock();
    const { port, log, commit } = fakePort(clock, { sliceMs: 0.5, rowMs: 0.15 });
    const ix = new Indexer(port, { clock });
    // 3 deliveries every ms (3,000/s) at 0.15 ms each: 45 % of the loop, a rate indexing could follow; but from
    // senders that keep 30 deliveries waiting for their answers (a load test's connections, each sending again once
    // answered), so what they reach is what the loop leaves the receiver
    stream(clock, ix, commit, { untilMs: 3000, perTick: 3, waiting: 30 });
    // a held flood's share: 1 %, growing with the square of the lag (following would take about half)
    expect(log.sliceMs / clock.t).toBeLessThan(0.15);
    expect(ix.lagMs()).toBeGreaterThan(2000);
    // the same rate from senders that do not wait on the answers (2 waiting): followed, and the backlog worked off
    let caughtUpAt: number | null = null;
    stream(clock, ix, commit, { untilMs: 12_000, perTick: 3, waiting: 2, each: () => caughtUpAt === null && ix.lagMs() < 100 && (caughtUpAt = clock.t) });
    expect(caughtUpAt).not.toBeNull();
    expect(ix.unindexed).toBeLessThan(200);
  });

  it('catches up with a steady rate sooner by committing longer slices while lists are behind, short ones once current', () => {
    const clock = new FakeClock();
    // each commit costs 3 ms whatever it holds (the pages of every index it touched), a row 0.1 ms
    // 3,000 left behind by the run before (long overdue), and 1,000/s arriving
    const { port, log, commit } = fakePort(clock, { sliceMs: 3, rowMs: 0.1, pending: 3000 });
    const ix = new Indexer(port, { clock });
    let caughtUpAt: number | null = null;
    stream(clock, ix, commit, { untilMs: 20_000, perTick: 1, each: () => caughtUpAt === null && ix.lagMs() < 100 && (caughtUpAt = clock.t) });
    // with 6 ms slices throughout it took 3.1 s (1.7 s so); current again, slices are short: acknowledgements wait little
    expect(caughtUpAt).not.toBeNull();
    expect(caughtUpAt!).toBeLessThan(2_600);
    expect(Math.max(...log.slices.map((r) => r.budgetMs))).toBeGreaterThan(12);
    expect(log.slices[log.slices.length - 1]!.budgetMs).toBe(6);
  });

  it('follows a steady rate again after a flood, judging it by what following costs, not by the short slices of the flood', () => {
    const clock = new FakeClock();
    // a commit costs 2.5 ms whatever it holds: short flood slices make each row look six times dearer
    const { port, commit } = fakePort(clock, { sliceMs: 2.5, rowMs: 0.1 });
    const ix = new Indexer(port, { clock });
    // half a second of 10,000/s, then 2,000/s, which 6 ms slices follow with a third of the loop
    stream(clock, ix, commit, { untilMs: 8_000, perTick: (t) => (t < 500 ? 10 : 2) });
    expect(ix.lagMs()).toBeLessThan(1_000);
  });

  it('follows a rate it can keep up with even when the first slices of the run are dear (cold caches, one row each)', () => {
    const clock = new FakeClock();
    // slices cost 15 ms each for the first 0.7 s (a cold page cache), then 1 ms per commit and 0.2 ms per row
    const { port, commit } = fakePort(clock, { rowMs: 0.2, extraMs: () => (clock.t < 700 ? 15 : 1) });
    const ix = new Indexer(port, { clock });
    // the gateway's burst builds up: a delivery now and then, then 2,000/s for 5 s, with one hiccup 1 s in (the
    // loop held 100 ms, by a garbage collection say: 200 deliveries committed at once)
    let hiccup = false;
    const perTick = (t: number) => {
      if (hiccup || t < 1_000) return t >= 500 ? 2 : t % 50 === 0 ? 1 : 0;
      hiccup = true;
      clock.t += 100;
      return 200;
    };
    stream(clock, ix, commit, { untilMs: 5_500, perTick });
    expect(ix.lagMs()).toBeLessThan(1_000);
  });

  it('does not take a flood for a rate it can follow when slices vary (the receiver keeps most of the loop)', () => {
    const clock = new FakeClock();
    // rows cost 0.57 ms on average, each slice ±60 % (garbage collection, checkpoints); seeded, the same every run
    let seed = 7;
    const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 1.2 + 0.4;
    const { port, log, commit } = fakePort(clock, { rowMs: 0.57, extraMs: (rowsMs) => rowsMs * (noise() - 1) });
    const ix = new Indexer(port, { clock });
    // 1,600/s, each costing the receiver 0.3 ms (half the loop): indexing them all would need the other half and
    // more, a flood it cannot follow
    // sent whether or not the loop is free (the gateway does not wait): what arrived while it was held comes after
    let acc = 0;
    let sentUntil = 0;
    const perTick = (t: number) => {
      acc += 1.6 * (t + 1 - sentUntil);
      sentUntil = t + 1;
      const n = Math.floor(acc);
      acc -= n;
      clock.t += 0.3 * n;
      return n;
    };
    stream(clock, ix, commit, { untilMs: 10_000, perTick });
    // the flood's share (5 %, growing with the lag), not what following would take
    expect(log.sliceMs / clock.t).toBeLessThan(0.3);
    // what it learnt a row costs stays near the average (learning only from the cheaper slices drifted to 0.48, and
    // a little further it would have taken this flood for a rate to follow)
    expect(ix.cost.rowMs).toBeGreaterThan(0.57 * 0.85);
  });

  it('keeps lists within a second of a rate it can follow when deliveries come in bunches', () => {
    const clock = new FakeClock();
    const { port, commit } = fakePort(clock, { sliceMs: 2, rowMs: 0.25 });
    const ix = new Indexer(port, { clock });
    // 2,000/s on average, but in bunches: 300 ms at 4,000/s, then 300 ms with nothing (a load generator starved of
    // CPU, a gateway sending per batch), for 10 s
    let maxLag = 0;
    const each = () => clock.t > 2_000 && (maxLag = Math.max(maxLag, ix.lagMs()));
    stream(clock, ix, commit, { untilMs: 10_000, perTick: (t) => (Math.floor(t / 300) % 2 === 0 ? 4 : 0), each });
    expect(maxLag).toBeLessThan(1_000);
  });

  it('works off a bunch that lands on top of a rate it follows, instead of carrying it to the end of the burst', () => {
    const clock = new FakeClock();
    const { port, commit } = fakePort(clock, { sliceMs: 2, rowMs: 0.25 });
    const ix = new Indexer(port, { clock });
    // 1,000/s for 8 s (a third of the loop); 2 s in, 3,000 more at once (a gateway's retries of a batch)
    let caughtUpAt: number | null = null;
    stream(clock, ix, commit, {
      untilMs: 8_000,
      perTick: (t) => (t >= 2_000 && t < 2_001 ? 3_000 : 1),
      each: () => caughtUpAt === null && clock.t > 2_001 && ix.unindexed < 100 && (caughtUpAt = clock.t),
    });
    // about 4.2 s after it (the bunch's window reads as a flood); without the backlog in the share, still behind
    // 6 s after it
    expect(caughtUpAt).not.toBeNull();
    expect(caughtUpAt!).toBeLessThan(7_500);
  });

  it('gives the lag of the oldest committed delivery, and counts rows an earlier run left as long overdue', () => {
    const clock = new FakeClock();
    let refuse = true;
    const { port, commit } = fakePort(clock, { pending: 5, fail: () => refuse });
    const ix = new Indexer(port, { clock, onIndexError: () => {} });
    expect(ix.lagMs()).toBe(Infinity);
    refuse = false;
    clock.advance(0);
    expect(ix.lagMs()).toBe(0);
    refuse = true;
    ix.committed(commit(1));
    clock.advance(60);
    ix.committed(commit(1));
    expect(ix.lagMs()).toBe(60);
    refuse = false;
    clock.advance(1000);
    expect(ix.lagMs()).toBe(0);
  });

  it('retries after a failed slice and loses no row', () => {
    const clock = new FakeClock();
    let broken = true;
    const errors: unknown[] = [];
    const { port, commit, pending } = fakePort(clock, { fail: () => broken });
    const seen: number[] = [];
    const ix = new Indexer(port, { clock, onIndexError: (e) => errors.push(e), onIndexed: (r) => seen.push(...r.map((x) => x.id)) });
    ix.committed(commit(2));
    clock.advance(10);
    expect(errors).toHaveLength(1);
    expect(pending).toHaveLength(2);
    broken = false;
    clock.advance(999);
    expect(seen).toEqual([1, 2]);
  });

  it('hands an answer time to the slice that indexes its row, writes later ones in batches, and keeps unindexed ones at close', () => {
    const clock = new FakeClock();
    let refuse = false;
    const { port, log, commit } = fakePort(clock, { fail: () => refuse });
    const ix = new Indexer(port, { clock, onIndexError: () => {}, responseTimeFlushMs: 1000 });
    const [a] = commit(1);
    ix.committed([a!]);
    // answered before it was indexed: travels with the slice
    ix.recordResponseTime(a!.id, 2.4);
    clock.advance(0);
    expect(log.times.get(a!.id)).toBe(2);
    // answered after: written to the indexed row within the flush interval
    const [b] = commit(1);
    ix.committed([b!]);
    clock.advance(0);
    ix.recordResponseTime(b!.id, 7);
    expect(log.written).toEqual([]);
    clock.advance(1000);
    expect(log.written).toEqual([{ id: b!.id, ms: 7 }]);
    // not indexed when the app stops: kept with the inbox row
    refuse = true;
    const [c] = commit(1);
    ix.committed([c!]);
    ix.recordResponseTime(c!.id, 9);
    ix.close();
    expect(log.parked).toEqual([{ id: c!.id, ms: 9 }]);
  });

  it('rewrites messages when their fallback grace runs out, not before', () => {
    const clock = new FakeClock();
    const { port, log, commit } = fakePort(clock);
    const changed: string[][] = [];
    const ix = new Indexer(port, { clock, onMessagesChanged: (refs) => changed.push(refs) });
    log.due = clock.wall() + 5_000;
    ix.committed(commit(1));
    clock.advance(0);
    clock.advance(4_990);
    expect(log.refreshed).toEqual([]);
    log.due = null;
    clock.advance(20);
    expect(log.refreshed).toHaveLength(1);
    expect(log.refreshed[0]).toBeGreaterThanOrEqual(Date.UTC(2026, 10, 28) + 5_000);
    // the lists hear of it without waiting for a new delivery
    expect(changed).toEqual([['ref-due']]);
    ix.close();
  });

  it('does not spin when a due message cannot be rewritten (a store being replaced)', () => {
    const clock = new FakeClock();
    const { port, log } = fakePort(clock);
    port.refreshDue = (now) => (log.refreshed.push(now), []);
    log.due = clock.wall() - 1;
    const ix = new Indexer(port, { clock });
    clock.advance(5_000);
    expect(log.refreshed.length).toBeGreaterThan(0);
    expect(log.refreshed.length).toBeLessThanOrEqual(6);
    ix.close();
  });

  it('holds slices while the WAL is made to start over, then indexes every row (the loop is free meanwhile)', () => {
    const clock = new FakeClock();
    const { port, commit, log } = fakePort(clock, { rowMs: 0.1 });
    let holds = 3;
    port.checkpointWait = () => (holds > 0 ? (holds--, 5) : 0);
    const seen: number[] = [];
    const ix = new Indexer(port, { clock, onIndexed: (r) => seen.push(...r.map((x) => x.id)) });
    ix.committed(commit(4));
    clock.advance(9);
    // two holds of 5 ms so far: nothing indexed, nothing lost, the lag shows it
    expect(log.slices).toHaveLength(0);
    expect(ix.unindexed).toBe(4);
    expect(ix.lagMs()).toBe(9);
    clock.advance(10);
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(ix.unindexed).toBe(0);
    return ix.indexed();
  });

  it('tells the store whether deliveries are streaming in, so it can size its page cache for a run of commits', () => {
    const clock = new FakeClock();
    const { port, log, commit } = fakePort(clock, { sliceMs: 1, rowMs: 0.05 });
    const ix = new Indexer(port, { clock });
    // a lone delivery, as the receiver reports it (arrival, then commit): busy for a moment, but not a stream
    const lone = () => {
      const before = log.slices.length;
      ix.noteArrival();
      ix.committed(commit(1));
      clock.advance(100);
      return log.slices.slice(before).map((s) => s.streaming);
    };
    expect(lone()).toEqual([false]);
    clock.advance(1000);
    // 1,000/s for a second: once its rate is known (a 200 ms window), every slice is a stream's
    const from = log.slices.length;
    let seenAt = -1;
    stream(clock, ix, commit, { untilMs: clock.t + 1000, perTick: 2, everyMs: 2, each: () => clock.t >= 1400 && seenAt < 0 && (seenAt = log.slices.length) });
    const during = log.slices.slice(seenAt).map((s) => s.streaming);
    expect(seenAt).toBeGreaterThan(from);
    expect(during.length).toBeGreaterThan(5);
    expect(during.every(Boolean)).toBe(true);
    // quiet again: lone deliveries a second apart stop counting as a stream once the rate estimate has come down
    // (it halves at each look)
    const after: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      clock.advance(1000);
      after.push(...lone());
    }
    expect(after).toHaveLength(6);
    expect(after.slice(-2)).toEqual([false, false]);
  });

  it('close() indexes what is still pending', () => {
    const clock = new FakeClock();
    const { port, commit, pending } = fakePort(clock);
    const ix = new Indexer(port, { clock });
    ix.committed(commit(3));
    ix.close();
    expect(pending).toHaveLength(0);
  });
});

describe('burst pacing', () => {
  it('leaves a burst to the acknowledgements while lists are only a little behind, and catches up as the lag grows', () => {
    const delay = (lagMs: number) => burstIndexDelayMs({ sliceMs: 4, lagMs, minShare: 0.05, fullShareLagMs: 60_000, keepUpShare: 5 });
    const share = (lagMs: number) => 4 / (4 + delay(lagMs));
    expect(share(0)).toBeCloseTo(0.05, 5);
    expect(share(30_000)).toBeCloseTo(0.275, 5);
    expect(share(60_000)).toBeCloseTo(0.5, 5);
    expect(share(10 * 60_000)).toBeCloseTo(0.5, 5);
    // a slice that overran its plan is followed by a longer pause, so the share holds
    expect(burstIndexDelayMs({ sliceMs: 20, lagMs: 0, minShare: 0.05, fullShareLagMs: 60_000, keepUpShare: 5 })).toBeCloseTo(380, 5);
  });

  it('gives indexing what it needs to keep up with a rate it can follow, and leaves a flood to the receiver', () => {
    const share = (keepUpShare: number, lagMs = 0) =>
      4 / (4 + burstIndexDelayMs({ sliceMs: 4, lagMs, minShare: 0.05, fullShareLagMs: 60_000, keepUpShare }));
    // 2,000 deliveries/s at 0.2 ms each need 40% of the loop: they get 49%, enough to work off a backlog too
    expect(share(0.4)).toBeCloseTo(0.49, 5);
    // a flood indexing cannot follow: the minimum, or what the lag asks for
    expect(share(3)).toBeCloseTo(0.05, 5);
    expect(share(3, 60_000)).toBeCloseTo(0.5, 5);
  });

  it('adds what working off a backlog needs to a rate it follows, never past 70 % of the loop', () => {
    const share = (keepUpShare: number, backlogMs: number) =>
      10 / (10 + burstIndexDelayMs({ sliceMs: 10, lagMs: 0, minShare: 0.05, fullShareLagMs: 60_000, keepUpShare, backlogMs }));
    // 400 ms of indexing waiting: a fifth of the loop more, to work it off in about 2 s
    expect(share(0.4, 400)).toBeCloseTo(0.69, 5);
    expect(share(0.2, 200)).toBeCloseTo(0.37, 5);
    expect(share(0.4, 10_000)).toBeCloseTo(0.7, 5);
    // a rate that alone needs more keeps what following it takes
    expect(share(0.7, 10_000)).toBeCloseTo(0.82, 5);
    // a flood is not followed, backlog or not
    expect(share(3, 10_000)).toBeCloseTo(0.05, 5);
  });

  it('does not follow a rate its senders reach only as fast as they are answered, and leaves them the loop until lists are far behind', () => {
    const share = (sendersHeld: boolean, lagMs = 0) =>
      4 / (4 + burstIndexDelayMs({ sliceMs: 4, lagMs, minShare: 0.05, fullShareLagMs: 60_000, keepUpShare: 0.4, backlogMs: 400, sendersHeld }));
    expect(share(false)).toBeCloseTo(0.69, 5);
    // a fifth of a flood's share while lists are current, growing with the square of the lag: half the other
    // floods' share 30 s behind, the same half of the loop a minute behind
    expect(share(true)).toBeCloseTo(0.01, 5);
    expect(share(true, 30_000)).toBeCloseTo(0.1325, 5);
    expect(share(true, 60_000)).toBeCloseTo(0.5, 5);
  });
});

describe('full text', () => {
  /** the fake port with a full-text queue: every indexed row joins it; each batch costs `textMs` */
  function withText(clock: FakeClock, textMs = 5) {
    const p = fakePort(clock, { sliceMs: 1 });
    const queued: number[] = [];
    const batches: { at: number; rows: number }[] = [];
    const indexSlice = p.port.indexSlice.bind(p.port);
    p.port.indexSlice = (req) => {
      const r = indexSlice(req);
      queued.push(...r.summaries.map((s) => s.id));
      return r;
    };
    p.port.indexText = (maxRows) => {
      const rows = queued.splice(0, maxRows);
      batches.push({ at: clock.t, rows: rows.length });
      clock.t += textMs;
      return rows.length;
    };
    p.port.textPending = () => queued.length;
    return { ...p, queued, batches };
  }

  it('waits while deliveries stream in, then adds what is queued in big batches', () => {
    const clock = new FakeClock();
    const { port, commit, queued, batches } = withText(clock);
    const ix = new Indexer(port, { clock });
    // 100 deliveries/s for 2 s: each indexed on arrival (lists current), none added to full text meanwhile
    stream(clock, ix, commit, { ticks: 200, perTick: 1, everyMs: 10 });
    clock.advance(50);
    expect(ix.unindexed).toBe(0);
    expect(batches).toEqual([]);
    expect(queued).toHaveLength(200);
    // quiet: the queue goes in one batch
    clock.advance(1000);
    expect(queued).toHaveLength(0);
    expect(batches.map((b) => b.rows)).toEqual([200]);
  });

  it('never makes a delivery committed meanwhile wait for it', () => {
    const clock = new FakeClock();
    const { port, commit, batches } = withText(clock);
    const seen: number[] = [];
    const ix = new Indexer(port, { clock, onIndexed: (rows) => seen.push(...rows.map((r) => r.id)) });
    ix.noteArrival();
    ix.committed(commit(5));
    clock.advance(40);
    expect(seen).toHaveLength(5);
    // full text now waits for the receiver to be quiet; a delivery arriving meanwhile is indexed on the next turn
    const [late] = commit(1);
    ix.committed([late!]);
    clock.advance(0);
    expect(seen).toContain(late!.id);
    expect(batches).toEqual([]);
    clock.advance(1000);
    expect(batches.reduce((n, b) => n + b.rows, 0)).toBe(6);
  });

  it('goes on during a long burst once the queue is long, so a search never has much to add first', () => {
    const clock = new FakeClock();
    const { port, commit, queued, batches } = withText(clock);
    const ix = new Indexer(port, { clock });
    let most = 0;
    // 500 deliveries/s for 20 s, never quiet
    stream(clock, ix, commit, { ticks: 2000, perTick: 5, everyMs: 10, each: () => (most = Math.max(most, queued.length)) });
    expect(batches.length).toBeGreaterThan(0);
    expect(most).toBeLessThan(4000 + 2000);
    expect(queued.length).toBeLessThan(4000 + 2000);
  });

  it('keeps the lists indexed when adding full text fails, however long its queue', async () => {
    const clock = new FakeClock();
    const { port, commit, queued } = withText(clock);
    queued.push(...Array.from({ length: 5000 }, (_, i) => -1 - i));
    const errors: unknown[] = [];
    port.indexText = () => {
      throw new Error('database disk image is malformed');
    };
    const ix = new Indexer(port, { clock, onIndexError: (e) => errors.push(e) });
    stream(clock, ix, commit, { ticks: 300, perTick: 2, everyMs: 10 });
    clock.advance(100);
    expect(ix.unindexed).toBe(0);
    let resolved = false;
    void ix.indexed().then(() => (resolved = true));
    await Promise.resolve();
    expect(resolved).toBe(true);
    // tried again now and then, not on every turn
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.length).toBeLessThan(10);
  });

  it('picks up what an earlier run left queued', () => {
    const clock = new FakeClock();
    const { port, commit, queued, batches } = withText(clock);
    commit(0);
    queued.push(1, 2, 3);
    new Indexer(port, { clock });
    clock.advance(0);
    expect(batches.map((b) => b.rows)).toEqual([3]);
  });
});

describe('full text at close', () => {
  it('adds what is queued before the app stops, so the command line finds it', () => {
    const clock = new FakeClock();
    const p = fakePort(clock, { sliceMs: 1 });
    const queued = [1, 2, 3, 4, 5];
    p.port.indexText = (maxRows) => queued.splice(0, Math.min(maxRows, 2)).length;
    p.port.textPending = () => queued.length;
    const ix = new Indexer(p.port, { clock });
    // deliveries keep arriving: full text waits
    ix.noteArrival();
    ix.close();
    expect(queued).toEqual([]);
  });
});
