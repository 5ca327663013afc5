// The database becomes unwritable mid-run (a second connection holds BEGIN EXCLUSIVE past the busy timeout; tests
// run as root, so chmod cannot do it): while it lasts the receiver answers 503, never a 200 without a commit;
// once the lock is gone, 200s resume and everything acknowledged is in the export.
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeHandle } from '../support/serve';
import { apiOf, exportDeliveries } from './support/api';
import { newLedger, startSenders } from './support/load-clients';

const soak = process.env.RCI_SOAK === '1';
const LOCKS = soak ? 5 : 1;
const LOCK_MS = 3500; // past the store's 2 s busy timeout

describe(`store failure: ${LOCKS} exclusive lock(s) of ${LOCK_MS} ms under load`, () => {
  let s: ServeHandle;
  beforeAll(async () => {
    s = await startServe();
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('answers 503 while the store cannot write, loses no acknowledged delivery, stores none it refused, and recovers', { timeout: soak ? 300_000 : 60_000 }, async () => {
    const ledger = newLedger();
    const senders = startSenders(s.receiverUrl, ledger, { concurrency: 4, prefix: 'lock', seed: 11, pauseMs: 20, timeoutMs: 15_000 });
    const phases: { locked: boolean; statuses: Record<number, number> }[] = [];
    const snapshot = () => Object.fromEntries(ledger.statuses);
    const diff = (a: Record<number, number>, b: Record<number, number>) =>
      Object.fromEntries(Object.keys(b).map((k) => [k, (b[Number(k)] ?? 0) - (a[Number(k)] ?? 0)]).filter(([, v]) => (v as number) > 0));
    try {
      await new Promise((r) => setTimeout(r, 700));
      for (let i = 0; i < LOCKS; i++) {
        const blocker = new Database(path.join(s.dataDir, 'inspector.sqlite'));
        const beforeLock = snapshot();
        blocker.exec('BEGIN EXCLUSIVE');
        try {
          await new Promise((r) => setTimeout(r, LOCK_MS));
        } finally {
          blocker.exec('ROLLBACK');
          blocker.close();
        }
        const afterLock = snapshot();
        phases.push({ locked: true, statuses: diff(beforeLock, afterLock) });
        await new Promise((r) => setTimeout(r, 1500));
        phases.push({ locked: false, statuses: diff(afterLock, snapshot()) });
      }
    } finally {
      await senders.stop();
    }
    console.log(`store failure phases: ${JSON.stringify(phases)}; unanswered ${ledger.unanswered}`);

    // only the two defined answers, no resets or hangs
    expect([...ledger.statuses.keys()].sort()).toEqual([200, 503]);
    expect(ledger.unanswered).toBe(0);
    for (const p of phases.filter((x) => x.locked)) expect(p.statuses[503] ?? 0).toBeGreaterThan(0);
    // recovery: every window after a lock is released gets 200s and no 503
    for (const p of phases.filter((x) => !x.locked)) {
      expect(p.statuses[200] ?? 0).toBeGreaterThan(0);
      expect(p.statuses[503] ?? 0).toBe(0);
    }
    expect(ledger.refused.every((r) => r.status === 503)).toBe(true);

    const rows = await exportDeliveries(s.dataDir);
    const stored = new Map(rows.map((r) => [r.id, Buffer.from(r.request.bodyBase64, 'base64').toString('utf8')]));
    const missing = [...ledger.acked].filter(([id, body]) => stored.get(id) !== body).map(([id]) => id);
    expect(missing).toEqual([]);
    // a 503 means "not stored, retry": the refused bodies must not have slipped into the store
    const storedBodies = new Set(stored.values());
    expect(ledger.refused.filter((r) => storedBodies.has(r.body))).toEqual([]);

    const status = await apiOf(s)('getStatus', {});
    expect(status.deliveriesTotal).toBe(ledger.acked.size);
  });
});
