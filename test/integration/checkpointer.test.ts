// WAL checkpoints on a worker thread: the database file receives the logged pages without the writing connection
// doing it, and a worker that cannot start hands checkpoints back to the writer.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openStore } from '../../electron/core/store';
import { startCheckpointer, type Checkpointer } from '../../electron/core/store/checkpointer';
import { RESTART_FRAMES } from '../../electron/core/store/wal-restart';
import type { Store } from '../../electron/core/store/types';
import { deliveryInput } from '../support/store-fixtures';

let dir: string | null = null;
let store: Store | null = null;
const closers: (() => Promise<void>)[] = [];
afterEach(() => {
  store?.close();
  store = null;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = null;
});

const size = (f: string) => fs.statSync(f).size;

/** About 4 MB of WAL: past SQLite's default checkpoint size, far under the writer's fallback. */
function writeDeliveries(s: Store, n: number): void {
  const pad = 'x'.repeat(1000);
  for (let i = 0; i < n; i += 100) {
    s.ingest(Array.from({ length: 100 }, (_, k) => deliveryInput({ reference: `ref-${i + k}`, type: 'DELIVERED', pad }, Date.now())));
  }
}

/**
 * Starts the worker on `s` (a tick every 20 ms) and resolves once it is ready and the store leaves checkpoints to it,
 * with the worker's reports when `follow` (indexing then makes way for the WAL to start over: wal-restart.ts).
 */
function startWorker(s: Store, follow = false): Promise<Checkpointer> {
  return new Promise((resolve, reject) => {
    const c = startCheckpointer({
      file: s.file,
      intervalMs: 20,
      onReady: () => {
        s.setCheckpointsInBackground(true, follow ? c : undefined);
        resolve(c);
      },
      onFailed: reject,
    });
    closers.push(() => c.close());
  });
}

it('copies the log into the database file beside the writer, which no longer checkpoints at the usual size', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-ckpt-'));
  store = openStore({ file: path.join(dir, 'inspector.sqlite') });
  await startWorker(store);
  const before = size(store.file);
  writeDeliveries(store, 1500);
  const until = Date.now() + 5000;
  while (size(store.file) < before + 2_000_000 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  expect(size(store.file)).toBeGreaterThan(before + 2_000_000);
  await Promise.all(closers.splice(0).map((c) => c()));
});

it('once stopped, copies nothing more into the database file (a file found damaged keeps its bytes)', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-ckpt-'));
  store = openStore({ file: path.join(dir, 'inspector.sqlite') });
  const c = await startWorker(store);
  writeDeliveries(store, 100);
  c.stop();
  const stoppedAt = fs.readFileSync(store.file);
  writeDeliveries(store, 1500);
  // fifteen of the worker's ticks: the first test sees it move the log within these
  await new Promise((r) => setTimeout(r, 300));
  expect(Buffer.compare(fs.readFileSync(store.file), stoppedAt)).toBe(0);
  await Promise.all(closers.splice(0).map((c) => c()));
});

it('without the worker, the writer keeps the log from growing past its fallback only', () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-ckpt-'));
  store = openStore({ file: path.join(dir, 'inspector.sqlite') });
  store.setCheckpointsInBackground(true);
  const before = size(store.file);
  writeDeliveries(store, 1500);
  // nobody checkpointed: the pages are still only in the log
  expect(size(store.file)).toBe(before);
  store.setCheckpointsInBackground(false);
  writeDeliveries(store, 100);
  expect(size(store.file)).toBeGreaterThan(before + 2_000_000);
});

it('reports a worker that cannot open the database, so the writer checkpoints again', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-ckpt-'));
  const failed = await new Promise<unknown>((resolve) => {
    const c = startCheckpointer({
      file: path.join(dir!, 'missing', 'inspector.sqlite'),
      onReady: () => resolve(null),
      onFailed: resolve,
    });
    closers.push(() => c.close());
  });
  expect(String(failed)).toMatch(/directory does not exist|unable to open/i);
  await Promise.all(closers.splice(0).map((c) => c()));
});

it('starts the log over during continuous indexing, so the writer never has to checkpoint it itself', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-ckpt-'));
  store = openStore({ file: path.join(dir, 'inspector.sqlite') });
  await startWorker(store, true);
  // as during a burst: deliveries acknowledged a hundred at a time (~2 pages of log each, 6 KB bodies), each batch
  // indexed at once (~4 pages more), ~36,000 frames in all: four times the length from which indexing makes way
  // (wal-restart.ts), past the writer's fallback (30,000)
  const pad = 'x'.repeat(6000);
  const n = 6000;
  const wal = store.file + '-wal';
  const frames = () => Math.floor(size(wal) / (4096 + 24));
  let longest = 0;
  let holds = 0;
  let indexed = 0;
  for (let i = 0; i < n; i += 100) {
    store.ingestRaw(Array.from({ length: 100 }, (_, k) => deliveryInput({ reference: `ref-${i + k}`, type: 'DELIVERED', pad }, Date.now())));
    for (;;) {
      const hold = store.checkpointWait();
      if (hold > 0) {
        holds++;
        await new Promise((r) => setTimeout(r, hold));
        continue;
      }
      const got = store.indexSlice({ maxRows: 50, budgetMs: 1000, tailMsPerRow: 0, responseMs: new Map(), now: Date.now() }).summaries.length;
      if (got === 0) break;
      indexed += got;
    }
    longest = Math.max(longest, frames());
  }
  expect(indexed).toBe(n);
  // the log file keeps the length it reached: it started over past the threshold, far from the fallback's 30,000
  // (without the restart it grows to that fallback). How far past depends on how soon the worker's pass ends: up to
  // ~1.2 times the threshold on a quiet machine, 1.7-1.8 when the unit and integration suites share its two cores
  expect(longest).toBeLessThan(RESTART_FRAMES * 2.5);
  expect(holds).toBeGreaterThan(0);
  expect(store.stats()).toMatchObject({ deliveriesTotal: n, deliveriesPending: 0, messagesTotal: n });
  await Promise.all(closers.splice(0).map((c) => c()));
});
