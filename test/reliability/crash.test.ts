// kill -9 under load, restart, repeat: nothing acknowledged is lost and the database stays intact.
// RCI_SOAK=1 (npm run soak) runs 20 cycles; RCI_SEED reproduces a run.
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCrashCycles, type CrashReport } from './support/crash-scenario';

const soak = process.env.RCI_SOAK === '1';
const cycles = soak ? Number(process.env.RCI_CRASH_CYCLES ?? 20) : 3;
const seed = Number(process.env.RCI_SEED ?? Math.floor(Math.random() * 1e9));

describe(`crash: ${cycles} kill -9 cycles under load (seed ${seed})`, () => {
  let report: CrashReport | null = null;
  afterAll(() => {
    if (report && report.missing.length === 0 && report.altered.length === 0) fs.rmSync(report.dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged delivery, byte for byte, and an intact database after each crash', { timeout: soak ? 1_800_000 : 90_000 }, async () => {
    console.log(`crash test seed ${seed} (RCI_SEED=${seed} reproduces the kill timings)`);
    report = await runCrashCycles({
      cycles,
      seed,
      concurrency: 16,
      killAfterMs: [300, soak ? 3000 : 1200],
      log: (s) => console.log(s),
    });
    const r = report;
    // the load really ran and the kills really interrupted it
    expect(r.ledger.acked.size).toBeGreaterThan(cycles * 10);
    expect(r.cycles.filter((c) => c.ackedAfter > c.ackedBefore)).toHaveLength(cycles);
    for (const c of r.cycles) {
      expect(c.integrity, `cycle ${c.cycle}`).toBe('ok');
      // every 200 seen so far is already on disk in the crashed file
      expect(c.rowsAfterKill, `cycle ${c.cycle}`).toBeGreaterThanOrEqual(c.ackedAfter);
    }
    expect(r.missing, `data dir ${r.dataDir}`).toEqual([]);
    expect(r.altered, `data dir ${r.dataDir}`).toEqual([]);
    expect(r.exported).toBeGreaterThanOrEqual(r.ledger.acked.size);
    expect(r.finalIntegrity).toBe('ok');
    console.log(
      `crash: ${r.ledger.acked.size} acknowledged, ${r.exported} exported, ${r.ledger.unanswered} requests cut off by kills, statuses ${JSON.stringify(Object.fromEntries(r.ledger.statuses))}`,
    );
  });
});
