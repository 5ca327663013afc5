// Indexing micro-benchmark (phase 2: inbox row -> deliveries, bodies, flags, full text, counters, messages), in
// process, on a fresh temp store. Two mixes:
// - store: the query bench store's lifecycle mix (store-fixtures' generator: echo, DELIVERED, READ, replies,
//   retries, failures, broken bodies; ~3 deliveries a message). The first half is stored and indexed untimed, so
//   the timed half finds earlier deliveries of its messages (repeats, folds into existing messages).
// - burst: what the live UI bench sends (callback-bodies.ts: ~1 KB bodies, a new message each).
// The timed part is the indexer's: rows acknowledged into the inbox, then indexed in slices of a few ms with the
// indexer's cost model for the stop rule. Prints µs per delivery (median of the runs) and its split into the row
// loop and the tail (message folds, counters, commit).
// Run alone: `node --import tsx test/bench/index.ts [deliveries] [runs] [store|burst|''] [sliceMs]` (prints JSON), or
// `npm run bench -- --only index`, which runs it built as the app is (index-built.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../electron/core/store';
import type { IngestInput } from '../../electron/core/store/types';
import { CostModel } from '../../electron/core/indexer-pacing';
import { startCheckpointer, type Checkpointer } from '../../electron/core/store/checkpointer';
import { deliveryInput, generateDeliveries } from '../support/store-fixtures';
import { callbackBodyFactory } from './callback-bodies';

interface IndexMixResult {
  mix: 'store' | 'burst';
  deliveries: number;
  /** per run: µs per delivery, whole slices */
  runsUs: number[];
  medianUs: number;
  /** median run's split: µs per delivery in the row loop, and after it (folds, counters, commit) */
  loopUs: number;
  tailUs: number;
  /** the tail's parts: folding the touched messages, writing counters and summaries, the commit (the rest) */
  foldUs: number;
  writeUs: number;
  commitUs: number;
  slices: number;
  /** median run: ms slices were held while the WAL started over (the loop free meanwhile; not in the figures) */
  heldMs: number;
  /** median run: the longest the loop was blocked at once (a slice, or the checkpoint that ends a hold), ms */
  longestMs: number;
  /** median run's full-text batches after the slices (store/full-text.ts; 2,000 rows at most each), µs per delivery */
  textUs: number;
}

export interface IndexBenchResult {
  sliceMs: number;
  mixes: IndexMixResult[];
}

const NOW = Date.UTC(2025, 10, 28, 12, 0, 0);

function storeMix(n: number): { before: IngestInput[]; timed: IngestInput[] } {
  // ~2.96 deliveries a message; 2n so the timed half has n
  const all = [...generateDeliveries({ messages: Math.ceil((2 * n) / 2.9), seed: 20251128 })].slice(0, 2 * n);
  return { before: all.slice(0, all.length - n), timed: all.slice(all.length - n) };
}

function burstMix(n: number): { before: IngestInput[]; timed: IngestInput[] } {
  const next = callbackBodyFactory({ seed: 3 });
  const make = (i: number) => deliveryInput(next().body, NOW - 60_000 + i, { raw: true });
  return { before: Array.from({ length: n }, (_, i) => make(i)), timed: Array.from({ length: n }, (_, i) => make(n + i)) };
}

interface RunResult {
  us: number;
  loopUs: number;
  tailUs: number;
  foldUs: number;
  writeUs: number;
  slices: number;
  heldMs: number;
  longestMs: number;
  textUs: number;
}

async function oneRun(data: { before: IngestInput[]; timed: IngestInput[] }, sliceMs: number): Promise<RunResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-index-bench-'));
  const file = path.join(dir, 'inspector.sqlite');
  const store = openStore({ file });
  let checkpointer: Checkpointer | null = null;
  try {
    for (let i = 0; i < data.before.length; i += 1000) store.ingest(data.before.slice(i, i + 1000), NOW);
    for (let i = 0; i < data.timed.length; i += 200) store.ingestRaw(data.timed.slice(i, i + 200));
    // as serve runs: WAL checkpoints on a worker thread, not inside an indexing commit (active-store.ts)
    await new Promise<void>((resolve, reject) => {
      checkpointer = startCheckpointer({ file, onReady: () => (store.setCheckpointsInBackground(true, checkpointer!), resolve()), onFailed: reject });
    });
    const cost = new CostModel();
    let total = 0;
    let loop = 0;
    let fold = 0;
    let write = 0;
    let rows = 0;
    let slices = 0;
    let held = 0;
    /** the longest the loop was blocked at once: a slice, or the checkpoint that ends a hold */
    let longest = 0;
    for (;;) {
      // as the indexer does: a slice waits while the WAL is made to start over (store/wal-restart.ts); the loop is
      // free meanwhile, so the wait is not indexing's time, the checkpoint that ends it is
      const h0 = performance.now();
      const hold = store.checkpointWait();
      const holdMs = performance.now() - h0;
      total += holdMs;
      longest = Math.max(longest, holdMs);
      if (hold > 0) {
        held += hold;
        await new Promise((r) => setTimeout(r, hold));
        continue;
      }
      const t0 = performance.now();
      // as during a burst: deliveries keep arriving (the store's page cache is sized for it: page-cache.ts)
      const r = store.indexSlice({ maxRows: 500, budgetMs: sliceMs, tailMsPerRow: cost.tailMs, responseMs: new Map(), now: NOW, streaming: true });
      const ms = performance.now() - t0;
      if (r.summaries.length === 0) break;
      longest = Math.max(longest, ms);
      cost.observe(r.summaries.length, ms, r.loopMs);
      total += ms;
      loop += r.loopMs;
      fold += r.foldMs;
      write += r.writeMs;
      rows += r.summaries.length;
      slices++;
    }
    if (rows !== data.timed.length) throw new Error(`indexed ${rows} of ${data.timed.length}`);
    // full text comes after, in batches of its own as the indexer runs them once deliveries stop streaming in
    const t0 = performance.now();
    while (store.indexText(2000, 20) > 0);
    const textMs = performance.now() - t0;
    const perRow = (ms: number) => (ms * 1000) / rows;
    return {
      us: perRow(total),
      loopUs: perRow(loop),
      tailUs: perRow(total - loop),
      foldUs: perRow(fold),
      writeUs: perRow(write),
      slices,
      heldMs: held,
      longestMs: longest,
      textUs: perRow(textMs),
    };
  } finally {
    await (checkpointer as Checkpointer | null)?.close();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const round = (x: number) => Math.round(x * 10) / 10;

async function runIndexBench(opts: {
  deliveries: number;
  runs: number;
  sliceMs?: number;
  /** only this mix (profiling) */
  only?: IndexMixResult['mix'];
  log: (s: string) => void;
}): Promise<IndexBenchResult> {
  const sliceMs = opts.sliceMs ?? 6;
  const mixes: IndexMixResult[] = [];
  for (const [mix, make] of [
    ['store', storeMix],
    ['burst', burstMix],
  ] as const) {
    if (opts.only && opts.only !== mix) continue;
    const data = make(opts.deliveries);
    const runs: RunResult[] = [];
    for (let k = 0; k < opts.runs; k++) runs.push(await oneRun(data, sliceMs));
    runs.sort((a, b) => a.us - b.us);
    const mid = runs[Math.floor(runs.length / 2)]!;
    const r: IndexMixResult = {
      mix,
      deliveries: data.timed.length,
      runsUs: runs.map((x) => round(x.us)),
      medianUs: round(mid.us),
      loopUs: round(mid.loopUs),
      tailUs: round(mid.tailUs),
      foldUs: round(mid.foldUs),
      writeUs: round(mid.writeUs),
      commitUs: round(mid.tailUs - mid.foldUs - mid.writeUs),
      slices: mid.slices,
      heldMs: mid.heldMs,
      longestMs: round(mid.longestMs),
      textUs: round(mid.textUs),
    };
    opts.log(
      `index (${mix} mix): ${r.medianUs} µs/delivery (loop ${r.loopUs} + tail ${r.tailUs}: folds ${r.foldUs}, counters ${r.writeUs}, ` +
        `commit ${r.commitUs}), runs ${r.runsUs.join(', ')}; longest block ${r.longestMs} ms, held ${r.heldMs} ms for the WAL; full text after: ${r.textUs} µs/delivery`,
    );
    mixes.push(r);
  }
  return { sliceMs, mixes };
}

export function indexReport(r: IndexBenchResult, mark: (ok: boolean | null) => string): string {
  return (
    `\nIndexing (built as the app is, in a child process; slices of ${r.sliceMs} ms, after as many deliveries indexed untimed):\n` +
    r.mixes
      .map(
        (m) =>
          `  ${m.mix} mix, ${m.deliveries.toLocaleString('en')} deliveries: ${m.medianUs} µs per delivery (row loop ${m.loopUs}, tail ${m.tailUs}: ` +
          `message folds ${m.foldUs}, counters, summaries and inbox deletion ${m.writeUs}, commit ${m.commitUs}; ` +
          `runs ${m.runsUs.join(', ')}; ${m.slices} slices, the longest ${m.longestMs} ms; held ${m.heldMs} ms in all while the WAL started over; ` +
          `full text added after in batches: ${m.textUs} µs per delivery)` +
          (m.mix === 'store' ? ` (target <= 100: ${mark(m.medianUs <= 100)})` : ''),
      )
      .join('\n')
  );
}

if (require.main === module) {
  void runIndexBench({
    deliveries: Number(process.argv[2] ?? 20_000),
    runs: Number(process.argv[3] ?? 3),
    only: (process.argv[4] || undefined) as IndexMixResult['mix'] | undefined,
    sliceMs: process.argv[5] ? Number(process.argv[5]) : undefined,
    log: (s) => process.stderr.write(s + '\n'),
  }).then((r) => process.stdout.write(JSON.stringify(r) + '\n'));
}
