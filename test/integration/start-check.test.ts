// Opening a large store does not wait for its integrity check (issue 18, cold start): the check reads the whole
// file (~8 s for the 3 GB bench store) on a worker, and the store opens at once with its checkpoints held back
// until the verdict. A small store is still checked before it is opened for writing. The timers are fake: what
// opens here opens without any timer firing, so the test says nothing about how fast the machine is.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { openActiveStore, type ActiveStore } from '../../electron/core/active-store';
import { createIngest } from '../../electron/core/ingest-pipeline';
import { openStore } from '../../electron/core/store';
import type { CheckResult, IntegrityCheck } from '../../electron/core/store/integrity';
import { tempDir } from '../support/serve';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
afterEach(() => {
  vi.useRealTimers();
});

/** a data folder holding a sound store of about `mb` MB */
function storeOf(mb: number): string {
  const dir = tempDir('rci-start-check-');
  dirs.push(dir);
  const file = path.join(dir, 'inspector.sqlite');
  openStore({ file }).close();
  const db = new Database(file);
  db.prepare("INSERT INTO settings (key, value) VALUES ('padding', zeroblob(?))").run(mb * 1024 * 1024);
  db.close();
  return dir;
}

/** a check whose verdict the test gives */
function heldCheck(): IntegrityCheck & { pass(): void } {
  let pass!: (r: CheckResult) => void;
  const quick = new Promise<CheckResult>((r) => (pass = r));
  return {
    quick,
    full: quick,
    stop: async () => {},
    pass: () => pass({ ok: true, problem: null }),
  };
}

/** settles once nothing but timers is left to run: no timer is advanced */
async function settled<T>(p: Promise<T>): Promise<T | 'pending'> {
  let out: T | 'pending' = 'pending';
  void p.then((v) => (out = v));
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  return out;
}

function open(dataDir: string, check: IntegrityCheck): Promise<ActiveStore> {
  return openActiveStore({
    dataDir,
    checkFile: () => check,
    makeIngest: (store, onIndexError) => createIngest(store, { onIndexError }),
    log: () => {},
    onDamaged: () => {},
  });
}

describe('start check', () => {
  it('a large store opens while its check is still running, and answers a list at once', async () => {
    const dataDir = storeOf(80);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const check = heldCheck();
    const active = await settled(open(dataDir, check));
    expect(active).not.toBe('pending');
    const a = active as ActiveStore;
    vi.useRealTimers();
    expect(a.store.listMessages({ query: '', offset: 0, limit: 10 }).rows).toEqual([]);
    check.pass();
    await a.closeCommitter();
    await a.close();
  });

  it('a small store is still checked before it is opened for writing', async () => {
    const dataDir = storeOf(1);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const check = heldCheck();
    const opening = open(dataDir, check);
    expect(await settled(opening)).toBe('pending');
    check.pass();
    const a = (await settled(opening)) as ActiveStore;
    expect(a).not.toBe('pending');
    vi.useRealTimers();
    await a.closeCommitter();
    await a.close();
  });
});
