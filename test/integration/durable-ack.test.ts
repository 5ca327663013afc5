// The acknowledgement waits for the disk: phase 1 commits without its fsync and the write-ahead log is flushed
// after it (store/wal-sync.ts), on the event loop when few deliveries wait, else on the thread pool
// (group-commit.ts). These tests hold, slow or fail that flush and watch what the sender gets: no 200 before the
// flush has finished, a 503 (and the delivery kept) when it fails, and no 200 from that file afterwards: the core
// moves on to a fresh one. After a slow flush on the loop, flushes go to the pool, where one that stalls does not
// hold the loop nor let the receiver take deliveries without bound.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { createCore } from '../../electron/core/app-core';
import { createIngest } from '../../electron/core/ingest-pipeline';
import { startReceiver, type Receiver } from '../../electron/core/receiver';
import { openStore } from '../../electron/core/store';
import type { Store } from '../../electron/core/store/types';
import { tempDir } from '../support/serve';

let store: Store | null = null;
let receiver: Receiver | null = null;
afterEach(async () => {
  vi.restoreAllMocks();
  await receiver?.close();
  store?.close();
  receiver = null;
  store = null;
});

async function start(opts: Parameters<typeof createIngest>[1] = {}) {
  const file = path.join(tempDir(), 'inspector.sqlite');
  store = openStore({ file });
  receiver = await startReceiver({ committer: createIngest(store, opts), port: 0, maxBodyBytes: 1024 * 1024 });
  return { file, port: receiver.port };
}

function post(port: number, body: string): Promise<{ status: number; text: string; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/callbacks', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, retryAfter: res.headers['retry-after'] }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const eio = () => Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO', syscall: 'fdatasync' });

/** the next flush, on the loop or on the pool, fails as a failing disk's would (EIO); later ones work */
function failFirstFlush(): void {
  let failures = 1;
  const real = fs.fdatasync;
  const realSync = fs.fdatasyncSync;
  vi.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    if (failures-- > 0) return setImmediate(() => cb(eio()));
    real(fd, cb);
  }) as typeof fs.fdatasync);
  vi.spyOn(fs, 'fdatasyncSync').mockImplementation((fd: number) => {
    if (failures-- > 0) throw eio();
    realSync(fd);
  });
}

/** the next flush on the loop takes `ms` (a disk waking up): flushes go to the pool afterwards */
function slowFirstFlushOnLoop(ms: number): { calls: number } {
  const seen = { calls: 0 };
  const realSync = fs.fdatasyncSync;
  vi.spyOn(fs, 'fdatasyncSync').mockImplementation((fd: number) => {
    if (seen.calls++ === 0) {
      const until = performance.now() + ms;
      while (performance.now() < until);
    }
    realSync(fd);
  });
  return seen;
}

const body = (n: number) => JSON.stringify({ type: 'DELIVERED', reference: `ref-${n}`, event_id: `ev-${n}`, user_id: '5511999990000', timestamp: '2026-12-03T10:00:00Z' });

it('with one sender, flushes the write-ahead log holding the delivery on the loop before answering 200', async () => {
  const { file, port } = await start();
  const realSync = fs.fdatasyncSync;
  let answered = false;
  const seen: { ino: number; rows: number; answered: boolean }[] = [];
  vi.spyOn(fs, 'fdatasyncSync').mockImplementation((fd: number) => {
    // it is the WAL that is flushed, the row is already committed there, and nobody has been answered yet
    seen.push({ ino: fs.fstatSync(fd).ino, rows: store!.stats().deliveriesTotal, answered });
    realSync(fd);
  });
  const pool = vi.spyOn(fs, 'fdatasync');
  const r = await post(port, body(1)).then((x) => ((answered = true), x));
  expect(r.status).toBe(200);
  expect(seen).toEqual([{ ino: fs.statSync(`${file}-wal`).ino, rows: 1, answered: false }]);
  expect(pool).not.toHaveBeenCalled();
});

it('after a slow flush on the loop, flushes on the pool: 200 only once that flush is done, and the loop stays free meanwhile', async () => {
  const { file, port } = await start();
  const slow = slowFirstFlushOnLoop(40);
  expect((await post(port, body(0))).status).toBe(200);
  expect(slow.calls).toBe(1);
  const held: { fd: number; done: (err: NodeJS.ErrnoException | null) => void }[] = [];
  const real = fs.fdatasync;
  vi.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    held.push({ fd, done: cb });
  }) as typeof fs.fdatasync);
  let answered = false;
  const answer = post(port, body(1)).then((r) => ((answered = true), r));
  await vi.waitFor(() => expect(held).toHaveLength(1));
  expect(slow.calls).toBe(1);
  // it is the WAL that is flushed, and the row is already committed there (a second connection sees it)
  expect(fs.fstatSync(held[0]!.fd).ino).toBe(fs.statSync(`${file}-wal`).ino);
  expect(store!.stats().deliveriesTotal).toBe(2);
  // the event loop is not held by the flush: timers run, and the sender still has no answer
  await new Promise((r) => setTimeout(r, 200));
  expect(answered).toBe(false);
  real(held[0]!.fd, held[0]!.done);
  await expect(answer).resolves.toMatchObject({ status: 200 });
});

it('answers 503 when the flush fails, keeps the delivery, and acknowledges nothing more from that file', async () => {
  const { port } = await start();
  failFirstFlush();
  expect((await post(port, body(1))).status).toBe(503);
  // the disk may have dropped what it could not write and still flush the next one: a 200 from this file now could
  // be lost in a crash (the WAL's frames are chained), so only a fresh file takes deliveries (next test)
  expect((await post(port, body(2))).status).toBe(503);
  // the first is kept (it was committed, only its flush failed): when the gateway retries, it shows as a duplicate
  await vi.waitFor(() => expect(store!.pendingCount()).toBe(0));
  expect(store!.listDeliveries({ query: '', offset: 0, limit: 10 }).rows.map((d) => d.reference)).toEqual(['ref-1']);
});

it('moves on to a fresh store file after a failed flush, which takes the next deliveries with 200', async () => {
  const dataDir = tempDir('rci-sync-fail-');
  const core = await createCore({ dataDir, receiverPort: 0, tunnel: { enabled: false }, version: 'test', log: () => {} });
  try {
    const first = (await core.handlers.getStatus({})).storeFile;
    failFirstFlush();
    const port = Number(new URL(core.receiverUrl).port);
    expect((await post(port, body(1))).status).toBe(503);
    await vi.waitFor(async () => expect((await core.handlers.getStatus({})).storeFile).not.toBe(first));
    expect((await post(port, body(2))).status).toBe(200);
    // the file that failed is set aside like a damaged one, with what it holds offered to `recover`
    expect((await core.handlers.getStatus({})).damagedStores.map((d) => d.file)).toEqual([first]);
  } finally {
    await core.close();
  }
});

it('answers 503 with Retry-After, unstored, beyond the deliveries waiting for a stalled flush; 200s once it returns', async () => {
  // past the committer's cap on what waits for a flush (group-commit.ts), a delivery is refused unwritten
  const { port } = await start({ maxWaiting: { deliveries: 2 } });
  // a disk slow once (flushes go to the pool from then on), then every flush is held until the test lets it go on
  slowFirstFlushOnLoop(40);
  expect((await post(port, body(0))).status).toBe(200);
  const held: { fd: number; done: (err: NodeJS.ErrnoException | null) => void }[] = [];
  let stalled = true;
  const real = fs.fdatasync;
  vi.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    if (stalled) held.push({ fd, done: cb });
    else real(fd, cb);
  }) as typeof fs.fdatasync);

  const waiting = [post(port, body(1)), post(port, body(2))];
  await vi.waitFor(() => expect(store!.stats().deliveriesTotal).toBe(3));
  const third: { answer?: Awaited<ReturnType<typeof post>> } = {};
  void post(port, body(3)).then((r) => (third.answer = r));
  // answered at once, and not written (a delivery taken instead would sit unanswered behind the stalled flush)
  await vi.waitFor(
    () => {
      expect(store!.stats().deliveriesTotal).toBe(3);
      expect(third.answer).toBeDefined();
    },
    { timeout: 10_000 },
  );
  const refused = third.answer!;
  expect(refused.status).toBe(503);
  expect(refused.retryAfter).toBe('10');
  expect(JSON.parse(refused.text)).toMatchObject({ error: 'not stored, retry later' });
  expect(store!.stats().deliveriesTotal).toBe(3);

  stalled = false;
  for (const h of held.splice(0)) real(h.fd, h.done);
  expect((await Promise.all(waiting)).map((r) => r.status)).toEqual([200, 200]);
  expect((await post(port, body(4))).status).toBe(200);
  await vi.waitFor(() => expect(store!.pendingCount()).toBe(0));
  const refs = store!.listDeliveries({ query: '', offset: 0, limit: 10 }).rows.map((d) => d.reference);
  expect(refs.sort()).toEqual(['ref-0', 'ref-1', 'ref-2', 'ref-4']);
});
