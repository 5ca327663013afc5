// `npx tsx scripts/bench-prune.ts [--deliveries 100000] [--rate 200] [--seconds 20]`: acknowledgements while
// retention prunes a big store. A core on a store of N generated deliveries, 60 days old but the last day's; a
// load generator (its own process) posts callbacks at a steady rate, first with nothing else running, then while
// retention (keep 30 days) prunes the old ones in slices. Prints both latency distributions, what was pruned, the
// slices' sizes, and the store file before and after (its pages given back). Never fails on a timing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { createCore } from '../electron/core/app-core';
import { openStore } from '../electron/core/store';
import { fillStore, generateDeliveries } from '../test/support/store-fixtures';
import { runLoadChild } from '../test/bench/children';
import { createDeletionQueue, type SliceReport } from '../electron/core/retention';

const { values } = parseArgs({ options: { deliveries: { type: 'string' }, rate: { type: 'string' }, seconds: { type: 'string' } } });
const N = Number(values.deliveries ?? 100_000);
const RATE = Number(values.rate ?? 200);
const SECONDS = Number(values.seconds ?? 20);
const DAY = 86_400_000;
const log = (s: string) => process.stderr.write(s + '\n');

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-bench-prune-'));
  const file = path.join(dir, 'inspector.sqlite');
  const now = Date.now();
  // ~3.3 deliveries a message, spread over 60 days; the last day's are kept by "30 days"
  const messages = Math.ceil(N / 3.3);
  const t0 = performance.now();
  const s = openStore({ file });
  const n = fillStore(s, generateDeliveries({ messages, seed: 4, startAt: now - 60 * DAY, spacingMs: Math.floor((59 * DAY) / messages) }), 1000, now);
  s.close();
  log(`filled ${n} deliveries in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const size = () => {
    const db = new Database(file);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const r = { bytes: fs.statSync(file).size, freePages: db.pragma('freelist_count', { simple: true }) as number };
    db.close();
    return r;
  };
  const before = size();

  const core = await createCore({ dataDir: dir, receiverPort: 0, tunnel: { enabled: false }, version: 'bench' });
  const load = () => runLoadChild({ url: core.receiverUrl, connections: 10, durationSec: SECONDS, warmupSec: 2, overallRate: RATE, seed: 9 });
  const idle = await load();
  log(`idle: p50 ${idle.latencyMs.p50} ms, p99 ${idle.latencyMs.p99} ms, max ${idle.latencyMs.max} ms (${idle.requests} requests)`);

  // retention's own queue, watched slice by slice (the core runs the same one when the setting changes)
  const slices: SliceReport[] = [];
  const queue = createDeletionQueue({ store: () => core.store, onSlice: (r) => slices.push(r) });
  const cutoff = Date.now() - 30 * DAY;
  const old = core.store.deletion.receivedBefore(cutoff, Number.MAX_SAFE_INTEGER).length;
  const pruneStarted = performance.now();
  let pruneSec = 0;
  const pruned = queue.prune({ maxDays: 30, maxGb: null }).then((r) => ((pruneSec = (performance.now() - pruneStarted) / 1000), r));
  const during = await load();
  log(`while pruning: p50 ${during.latencyMs.p50} ms, p99 ${during.latencyMs.p99} ms, max ${during.latencyMs.max} ms (${during.requests} requests)`);
  const r = await pruned;
  log(`pruned ${r.deliveries} of ${old} deliveries older than 30 days in ${pruneSec.toFixed(1)} s (${((pruneSec * 1000) / r.deliveries).toFixed(2)} ms each, pauses and page reclaiming included)`);
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;
  const sliceMs = slices.map((x) => x.ms);
  const sliceStats = { slices: slices.length, maxRows: Math.max(...slices.map((x) => x.rows)), ms: { p50: q(sliceMs, 0.5), p99: q(sliceMs, 0.99), max: Math.max(...sliceMs) } };
  log(`slices: ${sliceStats.slices}, at most ${sliceStats.maxRows} rows, ${sliceStats.ms.p50.toFixed(1)} ms p50, ${sliceStats.ms.p99.toFixed(1)} ms p99, ${sliceStats.ms.max.toFixed(1)} ms max`);
  await queue.close();
  await core.close();
  const after = size();
  const result = {
    deliveries: n,
    pruned: old,

    ackMs: { idle: idle.latencyMs, whilePruning: during.latencyMs },
    non200: { idle: idle.errors + idle.timeouts, whilePruning: during.errors + during.timeouts },
    pruneSec,
    sliceStats,
    store: { before, after },
  };
  log(`store file ${(before.bytes / 1e6).toFixed(1)} MB -> ${(after.bytes / 1e6).toFixed(1)} MB (free pages ${before.freePages} -> ${after.freePages})`);
  process.stdout.write(JSON.stringify(result) + '\n');
  fs.rmSync(dir, { recursive: true, force: true });
}

void main();
