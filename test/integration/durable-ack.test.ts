// The acknowledgement waits for the disk, but not on the event loop: phase 1 commits without its fsync and the
// write-ahead log is flushed on the thread pool (store/wal-sync.ts). These tests hold or fail that flush and watch
// what the sender gets: no 200 before the flush has finished, a 503 (and the delivery kept) when it fails.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
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

async function start() {
  const file = path.join(tempDir(), 'inspector.sqlite');
  store = openStore({ file });
  receiver = await startReceiver({ committer: createIngest(store), port: 0, maxBodyBytes: 1024 * 1024 });
  return { file, port: receiver.port };
}

function post(port: number, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/callbacks', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const body = (n: number) => JSON.stringify({ type: 'DELIVERED', reference: `ref-${n}`, event_id: `ev-${n}`, user_id: '5511999990000', timestamp: '2026-12-03T10:00:00Z' });

it('answers 200 only after the write-ahead log holding the delivery was flushed, and the loop stays free meanwhile', async () => {
  const { file, port } = await start();
  const held: { fd: number; done: (err: NodeJS.ErrnoException | null) => void }[] = [];
  const real = fs.fdatasync;
  vi.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    held.push({ fd, done: cb });
  }) as typeof fs.fdatasync);
  let answered = false;
  const answer = post(port, body(1)).then((r) => ((answered = true), r));
  await vi.waitFor(() => expect(held).toHaveLength(1));
  // it is the WAL that is flushed, and the row is already committed there (a second connection sees it)
  expect(fs.fstatSync(held[0]!.fd).ino).toBe(fs.statSync(`${file}-wal`).ino);
  expect(store!.pendingCount()).toBe(1);
  // the event loop is not held by the flush: timers run, and the sender still has no answer
  await new Promise((r) => setTimeout(r, 200));
  expect(answered).toBe(false);
  real(held[0]!.fd, held[0]!.done);
  await expect(answer).resolves.toMatchObject({ status: 200 });
});

it('answers 503 when the flush fails, keeps the delivery, and the next one is stored normally', async () => {
  const { port } = await start();
  const real = fs.fdatasync;
  let failures = 1;
  vi.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    if (failures-- > 0) return setImmediate(() => cb(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })));
    real(fd, cb);
  }) as typeof fs.fdatasync);
  const first = await post(port, body(1));
  expect(first.status).toBe(503);
  const second = await post(port, body(2));
  expect(second.status).toBe(200);
  // the first is kept (it was committed, only its flush failed): when the gateway retries, it shows as a duplicate
  await vi.waitFor(() => expect(store!.pendingCount()).toBe(0));
  expect(store!.listDeliveries({ query: '', offset: 0, limit: 10 }).rows.map((d) => d.reference).sort()).toEqual(['ref-1', 'ref-2']);
});
