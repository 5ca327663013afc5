import { describe, expect, it } from 'vitest';
import type { DeliverySummary } from '../../shared/domain';
import { GroupCommitter } from '../../electron/core/group-commit';
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

const input = (path: string, bodyBytes = 0): IngestInput => ({
  request: { method: 'POST', path, query: '', headers: [], body: new Uint8Array(bodyBytes), bodySize: bodyBytes, remoteAddress: '', receivedAt: 0 },
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

  it('close() finishes queued commits, then refuses new work', async () => {
    const { store, batches } = fakeStore();
    const c = new GroupCommitter(store);
    const p = c.submit(input('/a'));
    await c.close();
    await expect(p).resolves.toBeTruthy();
    expect(batches).toHaveLength(1);
    await expect(c.submit(input('/b'))).rejects.toBeInstanceOf(StoreWriteError);
  });

  it('tells of each commit after its deliveries are acknowledged, and of each submission', async () => {
    const order: string[] = [];
    const { store } = fakeStore();
    const c = new GroupCommitter(store, { onSubmit: () => order.push('submit'), onCommitted: (rows) => order.push(`committed ${rows.length}`) });
    await Promise.all([c.submit(input('/a')).then(() => order.push('ack')), c.submit(input('/b')).then(() => order.push('ack'))]);
    expect(order).toEqual(['submit', 'submit', 'committed 2', 'ack', 'ack']);
  });
});

describe('group commit with the log synced off the event loop', () => {
  /** a store whose commits skip their fsync; each syncLog() waits until the test lets it finish (or fail) */
  function lazyStore() {
    const { store, batches } = fakeStore();
    const syncs: { resolve: () => void; reject: (e: Error) => void; committedBefore: number }[] = [];
    const commits: ({ sync?: boolean } | undefined)[] = [];
    const inner = store.ingestRaw.bind(store);
    Object.assign(store, {
      canSyncLog: true,
      ingestRaw: (b: IngestInput[], o?: { sync?: boolean }) => (commits.push(o), inner(b)),
      syncLog: () => new Promise<void>((resolve, reject) => syncs.push({ resolve, reject, committedBefore: batches.length })),
    });
    return { store, batches, syncs, commits };
  }
  const turn = () => new Promise((r) => setImmediate(r));

  it('acknowledges nothing until a sync started after the commit has finished', async () => {
    const { store, syncs, commits } = lazyStore();
    const c = new GroupCommitter(store);
    const acked: string[] = [];
    const p = Promise.all([c.submit(input('/a')), c.submit(input('/b'))].map((x) => x.then((r) => acked.push(r.path))));
    await turn();
    await turn();
    expect(commits).toEqual([{ sync: false }]);
    expect(syncs).toHaveLength(1);
    expect(syncs[0]!.committedBefore).toBe(1);
    expect(acked).toEqual([]);
    syncs[0]!.resolve();
    await p;
    expect(acked).toEqual(['/a', '/b']);
  });

  it('tells listeners of a batch once it is committed, before its flush (the store already shows its rows)', async () => {
    const { store, syncs } = lazyStore();
    const committed: number[] = [];
    const c = new GroupCommitter(store, { onCommitted: (rows) => committed.push(rows.length) });
    const p = c.submit(input('/a'));
    await turn();
    await turn();
    expect(committed).toEqual([1]);
    syncs[0]!.resolve();
    await p;
    expect(committed).toEqual([1]);
  });

  it('runs one sync at a time: batches committed during it share the next one', async () => {
    const { store, batches, syncs } = lazyStore();
    const c = new GroupCommitter(store);
    const first = c.submit(input('/a'));
    await turn();
    await turn();
    const later = [c.submit(input('/b')), c.submit(input('/c'))];
    await turn();
    await turn();
    const last = c.submit(input('/d'));
    await turn();
    await turn();
    // three transactions, but only the first sync is running
    expect(batches.map((b) => b.length)).toEqual([1, 2, 1]);
    expect(syncs).toHaveLength(1);
    syncs[0]!.resolve();
    await first;
    await turn();
    expect(syncs).toHaveLength(2);
    expect(syncs[1]!.committedBefore).toBe(3);
    syncs[1]!.resolve();
    await expect(Promise.all([...later, last])).resolves.toHaveLength(3);
  });

  it('answers a failed sync as not stored (the gateway retries), tells listeners of the rows, and acknowledges nothing after it', async () => {
    const { store, batches, syncs } = lazyStore();
    const committed: number[] = [];
    const c = new GroupCommitter(store, { onCommitted: (rows) => committed.push(rows.length) });
    const p = c.submit(input('/a'));
    await turn();
    await turn();
    // committed while the failing sync runs: its frames follow the ones that may be lost
    const behind = c.submit(input('/b'));
    await turn();
    await turn();
    expect(batches).toHaveLength(2);
    syncs[0]!.reject(new Error('EIO: i/o error, fdatasync'));
    await expect(p).rejects.toBeInstanceOf(StoreWriteError);
    await expect(behind).rejects.toBeInstanceOf(StoreWriteError);
    expect(committed).toEqual([1, 1]);
    // no further sync is started for them, and later deliveries are refused without being written
    await expect(c.submit(input('/c'))).rejects.toBeInstanceOf(StoreWriteError);
    expect(syncs).toHaveLength(1);
    expect(batches).toHaveLength(2);
  });

  it('drain() and close() wait for the sync in flight', async () => {
    const { store, syncs } = lazyStore();
    const c = new GroupCommitter(store);
    const p = c.submit(input('/a'));
    let closed = false;
    const closing = c.close().then(() => (closed = true));
    await turn();
    await turn();
    expect(closed).toBe(false);
    syncs[0]!.resolve();
    await closing;
    await expect(p).resolves.toMatchObject({ path: '/a' });
  });

  /** how a promise stands after the turns awaited since: a refusal is immediate, a delivery taken waits for its flush */
  function watch(p: Promise<DeliverySummary>) {
    const w: { state: 'pending' | 'resolved' | 'rejected'; reason?: unknown } = { state: 'pending' };
    p.then(
      () => (w.state = 'resolved'),
      (e: unknown) => Object.assign(w, { state: 'rejected', reason: e }),
    );
    return w;
  }

  it('refuses deliveries beyond the cap while a flush is stalled, without writing them, and takes them again after it', async () => {
    const { store, batches, syncs } = lazyStore();
    const c = new GroupCommitter(store, { maxWaiting: { deliveries: 3 } });
    const paths = () => batches.flat().map((b) => b.request.path);
    const first = [c.submit(input('/a')), c.submit(input('/b'))];
    await turn();
    await turn();
    // committed, their flush stalled; one more is queued: three waiting
    const third = c.submit(input('/c'));
    const refused = watch(c.submit(input('/d')));
    await turn();
    await turn();
    expect(refused.state).toBe('rejected');
    expect(refused.reason).toBeInstanceOf(StoreWriteError);
    expect((refused.reason as StoreWriteError).reason).toMatch(/not stored/);
    expect(paths()).toEqual(['/a', '/b', '/c']);
    const again = watch(c.submit(input('/e')));
    await turn();
    expect(again.state).toBe('rejected');
    // the stalled flush returns: the waiting are answered 200, and new deliveries are taken
    syncs[0]!.resolve();
    await expect(Promise.all(first)).resolves.toMatchObject([{ path: '/a' }, { path: '/b' }]);
    await turn();
    syncs[1]!.resolve();
    await expect(third).resolves.toMatchObject({ path: '/c' });
    const later = c.submit(input('/f'));
    await turn();
    await turn();
    syncs[2]!.resolve();
    await expect(later).resolves.toMatchObject({ path: '/f' });
    expect(paths()).toEqual(['/a', '/b', '/c', '/f']);
  });

  it('refuses, unwritten, a delivery whose body would take the waiting bodies past their cap; one alone is always taken', async () => {
    const { store, batches, syncs } = lazyStore();
    const c = new GroupCommitter(store, { maxWaiting: { bodyBytes: 100 } });
    // larger than the cap, but nothing else waits
    const big = c.submit(input('/big', 150));
    await turn();
    await turn();
    const small = watch(c.submit(input('/small', 1)));
    await turn();
    expect(small.state).toBe('rejected');
    syncs[0]!.resolve();
    await big;
    const a = c.submit(input('/a', 60));
    const b = watch(c.submit(input('/b', 60)));
    await turn();
    await turn();
    expect(b.state).toBe('rejected');
    syncs[1]!.resolve();
    await expect(a).resolves.toMatchObject({ path: '/a' });
    expect(batches.flat().map((x) => x.request.path)).toEqual(['/big', '/a']);
  });
});

describe('group commit flushing on the event loop when few deliveries wait', () => {
  /**
   * A store that can flush either way: syncLog() waits until the test lets it finish; syncLogNow() returns at once
   * (after `slowMs` of the test's clock, or throwing `failNow`). Each flush records how many batches it covers.
   */
  function bothWays(opts: { slowMs?: () => number; failNow?: () => Error | null } = {}) {
    const { store, batches } = fakeStore();
    const pool: { resolve: () => void; committedBefore: number }[] = [];
    const onLoop: number[] = [];
    const events: string[] = [];
    let now = 0;
    const inner = store.ingestRaw.bind(store);
    Object.assign(store, {
      canSyncLog: true,
      ingestRaw: (b: IngestInput[]) => (events.push(`commit ${b.length}`), inner(b)),
      syncLog: () => new Promise<void>((resolve) => (events.push('pool flush'), pool.push({ resolve, committedBefore: batches.length }))),
      syncLogNow: () => {
        events.push('loop flush');
        now += opts.slowMs?.() ?? 0.2;
        const e = opts.failNow?.();
        if (e) throw e;
        onLoop.push(batches.length);
      },
    });
    return { store, batches, pool, onLoop, events, clock: () => now, advance: (ms: number) => (now += ms) };
  }
  const turn = () => new Promise((r) => setImmediate(r));
  const many = (c: GroupCommitter, n: number, tag: string) => Array.from({ length: n }, (_, i) => c.submit(input(`/${tag}${i}`)));

  it('flushes a small batch on the loop right after its commit and acknowledges it in the same turn', async () => {
    const s = bothWays();
    const c = new GroupCommitter(s.store, { clock: s.clock });
    const acked: string[] = [];
    const p = many(c, 3, 'a').map((x) => x.then((r) => s.events.push(`ack ${r.path}`) && acked.push(r.path)));
    await Promise.all(p);
    expect(s.events).toEqual(['commit 3', 'loop flush', 'ack /a0', 'ack /a1', 'ack /a2']);
    expect(s.onLoop).toEqual([1]);
    expect(s.pool).toHaveLength(0);
  });

  it('leaves the flush to the pool when many deliveries wait (a flood: the loop reads the next batch meanwhile)', async () => {
    const s = bothWays();
    const c = new GroupCommitter(s.store, { clock: s.clock });
    const flood = Promise.all(many(c, 17, 'f'));
    await turn();
    await turn();
    expect(s.events).toEqual(['commit 17', 'pool flush']);
    // a small batch committed while that flush runs waits for the next pool flush, not one on the loop
    const small = c.submit(input('/s'));
    await turn();
    await turn();
    expect(s.events).toEqual(['commit 17', 'pool flush', 'commit 1']);
    s.pool[0]!.resolve();
    await flood;
    await turn();
    expect(s.events.at(-1)).toBe('pool flush');
    expect(s.pool[1]!.committedBefore).toBe(2);
    s.pool[1]!.resolve();
    await expect(small).resolves.toMatchObject({ path: '/s' });
    // nothing waits any more: the next batch is flushed on the loop again
    await c.submit(input('/t'));
    expect(s.events.slice(-2)).toEqual(['commit 1', 'loop flush']);
  });

  it('after a slow flush on the loop, flushes on the pool for 30 s, then on the loop again; twice as long after the next slow one', async () => {
    let slow = 25;
    const s = bothWays({ slowMs: () => slow });
    const c = new GroupCommitter(s.store, { clock: s.clock });
    const onPool = async (path: string) => {
      const p = c.submit(input(path));
      await turn();
      await turn();
      expect(s.events.slice(-2)).toEqual(['commit 1', 'pool flush']);
      s.pool.at(-1)!.resolve();
      await p;
    };
    await c.submit(input('/slow'));
    slow = 0.2;
    await onPool('/next');
    s.advance(29_000);
    await onPool('/still');
    s.advance(1_001);
    slow = 25;
    await c.submit(input('/slow again'));
    expect(s.events.slice(-2)).toEqual(['commit 1', 'loop flush']);
    slow = 0.2;
    s.advance(59_000);
    await onPool('/a minute later');
    s.advance(1_001);
    await c.submit(input('/later'));
    expect(s.events.slice(-2)).toEqual(['commit 1', 'loop flush']);
  });

  it('sends flushes to the pool when those on the loop are slow on average (a spinning disk), not for one slow flush', async () => {
    let ms = 15;
    const s = bothWays({ slowMs: () => ms });
    const c = new GroupCommitter(s.store, { clock: s.clock });
    // one 15 ms flush among quick ones: the loop keeps flushing
    await c.submit(input('/one slow'));
    ms = 0.2;
    for (let i = 0; i < 20; i++) await c.submit(input(`/quick${i}`));
    expect(s.events.filter((e) => e === 'pool flush')).toHaveLength(0);
    // 10 ms each, under the single-flush bound: after a few the average passes 2 ms and the pool takes over
    ms = 10;
    let onLoop = 0;
    while (s.events.filter((e) => e === 'pool flush').length === 0 && onLoop < 10) {
      const p = c.submit(input(`/disk${onLoop}`));
      await turn();
      await turn();
      if (s.events.at(-1) === 'loop flush') onLoop++;
      else s.pool.at(-1)!.resolve();
      await p;
    }
    expect(onLoop).toBeGreaterThanOrEqual(2);
    expect(onLoop).toBeLessThanOrEqual(4);
    expect(s.events.at(-1)).toBe('pool flush');
  });

  it('answers a failed flush on the loop as not stored, and writes nothing more', async () => {
    const s = bothWays({ failNow: () => new Error('EIO: i/o error, fdatasync') });
    const committed: number[] = [];
    const c = new GroupCommitter(s.store, { clock: s.clock, onCommitted: (rows) => committed.push(rows.length) });
    await expect(c.submit(input('/a'))).rejects.toBeInstanceOf(StoreWriteError);
    expect(committed).toEqual([1]);
    await expect(c.submit(input('/b'))).rejects.toBeInstanceOf(StoreWriteError);
    expect(s.batches).toHaveLength(1);
  });
});
