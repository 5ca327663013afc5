// Crash scenario: `serve` under load is killed with SIGKILL at a random moment, the file is checked as a crashed
// process leaves it, serve restarts on the same data dir, and so on. At the end every delivery the senders saw
// acknowledged with 200 must be in the export with its exact bytes. Used by crash.test.ts (a few cycles) and
// `npm run soak` (many).
import Database from 'better-sqlite3';
import path from 'node:path';
import { prng } from '../../bench/callback-bodies';
import { startServe, tempDir } from '../../support/serve';
import { exportDeliveries } from './api';
import { newLedger, startSenders, type Ledger } from './load-clients';

export interface CrashReport {
  seed: number;
  dataDir: string;
  cycles: {
    cycle: number;
    killAfterMs: number;
    ackedBefore: number;
    ackedAfter: number;
    rowsAfterKill: number;
    integrity: string;
    restartMs: number;
  }[];
  ledger: Ledger;
  exported: number;
  /** acknowledged ids missing from the export */
  missing: number[];
  /** acknowledged ids whose stored bytes differ from what was sent */
  altered: number[];
  finalIntegrity: string;
}

function integrityOf(file: string): { integrity: string; rows: number } {
  const db = new Database(file);
  try {
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
    // stored = indexed + still in the inbox (acknowledged, not indexed when the process died)
    const rows = (db.prepare('SELECT (SELECT count(*) FROM deliveries) + (SELECT count(*) FROM inbox) AS n').get() as { n: number }).n;
    return { integrity, rows };
  } finally {
    db.close();
  }
}

export async function runCrashCycles(opts: {
  cycles: number;
  seed: number;
  concurrency: number;
  /** kill after a random time in this range, once load is flowing */
  killAfterMs: [number, number];
  log?: (s: string) => void;
}): Promise<CrashReport> {
  const log = opts.log ?? (() => {});
  const rand = prng(opts.seed);
  const dataDir = tempDir('rci-crash-');
  const file = path.join(dataDir, 'inspector.sqlite');
  const ledger = newLedger();
  const cycles: CrashReport['cycles'] = [];

  for (let cycle = 1; cycle <= opts.cycles; cycle++) {
    const t0 = performance.now();
    const serve = await startServe([], { dataDir });
    const restartMs = Math.round(performance.now() - t0);
    const ackedBefore = ledger.acked.size;
    const senders = startSenders(serve.receiverUrl, ledger, {
      concurrency: opts.concurrency,
      prefix: `crash${opts.seed}c${cycle}`,
      seed: opts.seed * 1000 + cycle,
      timeoutMs: 5000,
    });
    const [lo, hi] = opts.killAfterMs;
    const killAfterMs = Math.round(lo + rand() * (hi - lo));
    await new Promise((r) => setTimeout(r, killAfterMs));
    await serve.kill();
    await senders.stop();
    // the file exactly as the killed process left it (opening it replays the WAL, as the next start would)
    const { integrity, rows } = integrityOf(file);
    cycles.push({ cycle, killAfterMs, ackedBefore, ackedAfter: ledger.acked.size, rowsAfterKill: rows, integrity, restartMs });
    log(`cycle ${cycle}: killed after ${killAfterMs} ms, ${ledger.acked.size - ackedBefore} acked this cycle, ${rows} rows, integrity ${integrity}`);
  }

  // one more start: recovery must work, and the export must hold everything acknowledged
  const serve = await startServe([], { dataDir });
  await serve.stop();
  const rows = await exportDeliveries(dataDir);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const missing: number[] = [];
  const altered: number[] = [];
  for (const [id, body] of ledger.acked) {
    const row = byId.get(id);
    if (!row) missing.push(id);
    else if (Buffer.from(row.request.bodyBase64, 'base64').toString('utf8') !== body || row.outcome !== 'stored') altered.push(id);
  }
  return {
    seed: opts.seed,
    dataDir,
    cycles,
    ledger,
    exported: rows.length,
    missing,
    altered,
    finalIntegrity: integrityOf(file).integrity,
  };
}
