import { describe, expect, it } from 'vitest';
import type { DeliverySummary } from '../../shared/domain';
import { GroupCommitter, burstIndexDelayMs } from '../../electron/core/group-commit';
import { StoreWriteError, type IngestInput, type Store } from '../../electron/core/store/types';

function fakeStore(opts: { fail?: () => string | null; failIndex?: () => string | null; pending?: number; perSlice?: number } = {}) {
  const batches: IngestInput[][] = [];
  let next = 1;
  const responseTimes: { id: number; ms: number }[] = [];
  const pending: DeliverySummary[] = [];
  const indexCalls: number[] = [];
  const store = {
    ingestRaw(batch: IngestInput[]) {
      const reason = opts.fail?.();
      if (reason) throw new StoreWriteError(reason);
      batches.push(batch);
      const rows = batch.map((b) => ({ id: next++, path: b.request.path, flags: [] }) as unknown as DeliverySummary);
      pending.push(...rows);
      return rows;
    },
    indexPending(maxRows: number) {
      const reason = opts.failIndex?.();
      if (reason) throw new StoreWriteError(reason);
      indexCalls.push(maxRows);
      return pending.splice(0, Math.min(maxRows, opts.perSlice ?? Infinity)).map((r) => ({ ...r, flags: ['duplicate'] }));
    },
    pendingCount: () => pending.length,
    setResponseTimes(rows: { id: number; ms: number }[]) {
      responseTimes.push(...rows);
    },
  } as unknown as Store;
  for (let i = 0; i < (opts.pending ?? 0); i++) pending.push({ id: next++, path: '/left', flags: [] } as unknown as DeliverySummary);
  return { store, batches, responseTimes, pending, indexCalls };
}

const input = (path: string): IngestInput => ({
  request: { method: 'POST', path, query: '', headers: [], body: new Uint8Array(), bodySize: 0, remoteAddress: '', receivedAt: 0 },
  outcome: 'stored',
  responseStatus: 200,
  rejectReason: null,
  bodyTruncated: false,
});

describe('group commit', () => {
  it('puts deliveries submitted in the same turn into one transaction and settles each with its own row', async () => {
    const { store, batches } = fakeStore();
    const c = new GroupCommitter(store);
    const results = await Promise.all([c.submit(input('/a')), c.submit(input('/b')), c.submit(input('/c'))]);
    expect(batches).toHaveLength(1);
    expect(results.map((r) => r.path)).toEqual(['/a', '/b', '/c']);
    expect(new Set(results.map((r) => r.id)).size).toBe(3);
  });

  it('splits a long queue into transactions of at most maxBatch', async () => {
    const { store, batches } = fakeStore();
    const c = new GroupCommitter(store, { maxBatch: 10 });
    await Promise.all(Array.from({ length: 25 }, (_, i) => c.submit(input(`/${i}`))));
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
  });

  it('rejects every delivery of a batch the store could not write, and the next batch can succeed', async () => {
    let broken = true;
    const { store } = fakeStore({ fail: () => (broken ? 'disk full' : null) });
    const c = new GroupCommitter(store);
    const settled = await Promise.allSettled([c.submit(input('/a')), c.submit(input('/b'))]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect((settled[0] as PromiseRejectedResult).reason).toBeInstanceOf(StoreWriteError);
    expect((settled[0] as PromiseRejectedResult).reason.reason).toBe('disk full');
    broken = false;
    await expect(c.submit(input('/c'))).resolves.toMatchObject({ path: '/c' });
  });

  it('does not resolve before the store returned (no acknowledgement without a commit)', async () => {
    const order: string[] = [];
    const { store } = fakeStore();
    const ingest = store.ingestRaw.bind(store);
    store.ingestRaw = (b) => {
      order.push('commit');
      return ingest(b);
    };
    const c = new GroupCommitter(store);
    const p = c.submit(input('/a')).then(() => order.push('ack'));
    order.push('submitted');
    await p;
    expect(order).toEqual(['submitted', 'commit', 'ack']);
  });

  it('close() finishes queued commits, writes pending response times, then refuses new work', async () => {
    const { store, batches, responseTimes } = fakeStore();
    const c = new GroupCommitter(store, { responseTimeFlushMs: 60_000 });
    const p = c.submit(input('/a'));
    c.recordResponseTime(1, 2.5);
    await c.close();
    await expect(p).resolves.toBeTruthy();
    expect(batches).toHaveLength(1);
    expect(responseTimes).toEqual([{ id: 1, ms: 2.5 }]);
    await expect(c.submit(input('/b'))).rejects.toBeInstanceOf(StoreWriteError);
  });

  it('acknowledges after phase 1 and reports the classified rows only once phase 2 indexed them', async () => {
    const order: string[] = [];
    const { store, pending } = fakeStore();
    const c = new GroupCommitter(store, { onIndexed: (rows) => order.push(`indexed ${rows.map((r) => `${r.path}:${r.flags}`).join(',')}`) });
    const acked = await Promise.all([c.submit(input('/a')), c.submit(input('/b'))]);
    order.push('acked');
    expect(acked.map((r) => r.flags)).toEqual([[], []]);
    expect(pending).toHaveLength(2);
    await c.indexed();
    expect(order).toEqual(['acked', 'indexed /a:duplicate,/b:duplicate']);
    expect(pending).toHaveLength(0);
    expect(c.unindexed).toBe(0);
  });

  it('indexes rows an earlier run left pending without any new delivery', async () => {
    const seen: string[] = [];
    const { store, pending } = fakeStore({ pending: 3 });
    const c = new GroupCommitter(store, { onIndexed: (rows) => seen.push(...rows.map((r) => r.path)) });
    expect(c.unindexed).toBe(3);
    await c.indexed();
    expect(seen).toEqual(['/left', '/left', '/left']);
    expect(pending).toHaveLength(0);
  });

  it('keeps acknowledging when indexing fails, and indexes the rows once the store recovers', async () => {
    let broken = true;
    const errors: unknown[] = [];
    const seen: string[] = [];
    const { store, pending } = fakeStore({ failIndex: () => (broken ? 'database is locked' : null) });
    const c = new GroupCommitter(store, { onIndexed: (rows) => seen.push(...rows.map((r) => r.path)), onIndexError: (e) => errors.push(e) });
    await expect(c.submit(input('/a'))).resolves.toMatchObject({ path: '/a' });
    await new Promise((r) => setTimeout(r, 20));
    expect(errors.length).toBeGreaterThan(0);
    expect(pending).toHaveLength(1);
    await expect(c.submit(input('/b'))).resolves.toMatchObject({ path: '/b' });
    broken = false;
    await c.indexed();
    expect(seen).toEqual(['/a', '/b']);
  });

  it('close() indexes what is still pending', async () => {
    const seen: string[] = [];
    const { store, pending } = fakeStore();
    const c = new GroupCommitter(store, { onIndexed: (rows) => seen.push(...rows.map((r) => r.path)) });
    const p = c.submit(input('/a'));
    await c.close();
    await p;
    expect(pending).toHaveLength(0);
    expect(seen).toEqual(['/a']);
  });

  it('holds indexing to its share of a saturated loop even when slices take longer than planned', async () => {
    const { store } = fakeStore({ perSlice: 5 });
    const index = store.indexPending.bind(store);
    let indexingMs = 0;
    store.indexPending = (rows, now, budget) => {
      // every slice costs 20 ms, whatever was asked (a commit that costs more than its rows suggest)
      const t = performance.now();
      while (performance.now() - t < 20);
      indexingMs += performance.now() - t;
      return index(rows, now, budget);
    };
    const c = new GroupCommitter(store, { closeIndexBudgetMs: 0 });
    const started = performance.now();
    // for ~1 s deliveries keep arriving and receiving them keeps the loop busy
    while (performance.now() - started < 1000) {
      await Promise.all(Array.from({ length: 20 }, () => c.submit(input('/burst'))));
      const t = performance.now();
      while (performance.now() - t < 3);
      await new Promise((r) => setImmediate(r));
    }
    const share = indexingMs / (performance.now() - started);
    // planned from the 3 ms target alone, 20 ms slices would take most of the loop
    expect(share).toBeGreaterThan(0.02);
    expect(share).toBeLessThan(0.3);
    await c.close();
  });

  it('counts rows an earlier run left unindexed as long overdue until they are indexed', async () => {
    const { store } = fakeStore({ pending: 200, perSlice: 50 });
    const index = store.indexPending.bind(store);
    let indexing = false;
    store.indexPending = (rows, now, budget) => (indexing ? index(rows, now, budget) : []);
    const c = new GroupCommitter(store, { closeIndexBudgetMs: 0 });
    await c.submit(input('/new'));
    expect(c.lagMs()).toBe(Infinity);
    indexing = true;
    await c.indexed();
    expect(c.lagMs()).toBe(0);
    await c.close();
  });

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
    expect(4 / (4 + burstIndexDelayMs({ sliceMs: 40, lagMs: 0, minShare: 0.05, fullShareLagMs: 60_000, keepUpShare: 0.7 }) / 10)).toBeCloseTo(0.82, 5);
    // a flood indexing cannot follow: the minimum, or what the lag asks for
    expect(share(3)).toBeCloseTo(0.05, 5);
    expect(share(3, 60_000)).toBeCloseTo(0.5, 5);
  });

  it('measures the lag from the oldest delivery not indexed yet', async () => {
    const { store } = fakeStore({ perSlice: 2 });
    const index = store.indexPending.bind(store);
    let indexing = false;
    store.indexPending = (rows, now, budget) => (indexing ? index(rows, now, budget) : []);
    const c = new GroupCommitter(store, { closeIndexBudgetMs: 0 });
    expect(c.lagMs()).toBe(0);
    await c.submit(input('/a'));
    await new Promise((r) => setTimeout(r, 60));
    await c.submit(input('/b'));
    await c.submit(input('/c'));
    expect(c.lagMs()).toBeGreaterThanOrEqual(55);
    indexing = true;
    await c.indexed();
    expect(c.lagMs()).toBe(0);
    await c.close();
  });
});
