// What indexing derives from the inbox (deliveries, bodies, flags, full text, counters, messages, analytics
// summaries, the summaries the lists receive) must not depend on how the work was cut: acknowledged in batches of
// any size and indexed in slices of any size or time budget (full text in batches of its own, at any point), the
// store ends up exactly as when every delivery is
// stored and indexed in one step. And it must stay what it was: a golden digest of every table, taken from the code
// before indexing was made faster, pins the result (UPDATE_INDEX_GOLDEN=1 rewrites it after a deliberate change).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openStore } from '../../electron/core/store';
import type { IngestInput } from '../../electron/core/store/types';
import { seededRandom } from '../../electron/core/simulate/content';
import type { DeliverySummary } from '../../shared/domain';
import { digestOf, dumpIndexedTables, indexCorpus } from '../support/index-corpus';

const NOW = Date.UTC(2025, 10, 28, 10, 0, 0);
const GOLDEN = path.resolve(__dirname, '..', 'fixtures', 'index-golden.json');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-index-eq-'));
  dirs.push(dir);
  return path.join(dir, 'inspector.sqlite');
}

function oneStep(inputs: IngestInput[]): { file: string; summaries: DeliverySummary[] } {
  const file = tempFile();
  const store = openStore({ file });
  const summaries: DeliverySummary[] = [];
  for (let i = 0; i < inputs.length; i += 100) summaries.push(...store.ingest(inputs.slice(i, i + 100), NOW));
  store.close();
  return { file, summaries };
}

/** Phase 1 in uneven batches, phase 2 in uneven slices (by rows and by a zero time budget), interleaved. */
function sliced(inputs: IngestInput[], seed: number, answerTimes: boolean): { file: string; summaries: DeliverySummary[] } {
  const file = tempFile();
  const store = openStore({ file });
  const rand = seededRandom(seed);
  const summaries: DeliverySummary[] = [];
  const responseMs = new Map<number, number>();
  const slice = () => {
    const r = store.indexSlice({
      maxRows: 1 + Math.floor(rand() * 40),
      budgetMs: rand() < 0.2 ? 0 : Infinity,
      tailMsPerRow: 0.1,
      responseMs,
      now: NOW,
    });
    summaries.push(...r.summaries);
    return r.summaries.length;
  };
  let i = 0;
  while (i < inputs.length) {
    const n = 1 + Math.floor(rand() * 60);
    const raw = store.ingestRaw(inputs.slice(i, i + n));
    if (answerTimes) for (const s of raw) if (s.id % 3 === 0) responseMs.set(s.id, (s.id * 37) % 900);
    i += n;
    for (let k = Math.floor(rand() * 3); k > 0; k--) slice();
    // full text comes in batches of its own, whenever the indexer gets to them (store/full-text.ts)
    if (rand() < 0.3) store.indexText(1 + Math.floor(rand() * 80), rand() < 0.2 ? 0 : Infinity);
  }
  while (slice() > 0);
  while (store.indexText(1 + Math.floor(rand() * 80)) > 0);
  expect(store.textPending()).toBe(0);
  store.close();
  return { file, summaries };
}

it('indexing in slices of any size ends exactly where one-step ingest does, and where it always did', { timeout: 120_000 }, () => {
  const inputs = indexCorpus();
  const whole = oneStep(inputs);
  const wholeDump = dumpIndexedTables(whole.file);
  expect(wholeDump.inbox).toEqual([]);
  expect(wholeDump.deliveries).toHaveLength(inputs.length);
  // the corpus reaches what it is meant to exercise
  const flags = new Set((wholeDump.delivery_flags as { flag: string }[]).map((f) => f.flag));
  for (const f of ['duplicate', 'invalid', 'exception', 'error', 'prepaid-blocked', 'duplicate-blocked', 'fallback']) expect(flags).toContain(f);
  expect(wholeDump.simulated.length).toBeGreaterThan(0);

  for (const seed of [1, 2]) {
    const parts = sliced(inputs, seed, false);
    const dump = dumpIndexedTables(parts.file);
    for (const table of Object.keys(wholeDump)) expect({ table, rows: dump[table] }).toEqual({ table, rows: wholeDump[table] });
    expect(parts.summaries).toEqual(whole.summaries);
  }

  const timed = sliced(inputs, 3, true);
  const digest = { ...digestOf(dumpIndexedTables(timed.file)), summaries: digestOf({ s: timed.summaries }).s, oneStep: digestOf(wholeDump) };
  if (process.env.UPDATE_INDEX_GOLDEN) fs.writeFileSync(GOLDEN, JSON.stringify(digest, null, 2) + '\n');
  expect(digest).toEqual(JSON.parse(fs.readFileSync(GOLDEN, 'utf8')));
});
