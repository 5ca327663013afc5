// A store file damaged in the middle (issue 12: 64 KiB of garbage over pages in the middle of inspector.sqlite,
// written by the real code and checkpointed into the file first). The core must notice, keep receiving into a
// fresh file (200 only after its commit), never change a byte of the damaged one, and say so on every start;
// `recover` must copy out every delivery SQLite can still read, byte for byte and with its id, and say what it
// could not; `export` must skip what it cannot read and say so instead of failing.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openActiveStore } from '../../electron/core/active-store';
import { createCore, type Core } from '../../electron/core/app-core';
import { createIngest } from '../../electron/core/ingest-pipeline';
import { openStore } from '../../electron/core/store';
import { readStoreFiles, recordDamage, recordRecovery, unrecovered } from '../../electron/core/store/active-file';
import type { IntegrityCheck } from '../../electron/core/store/integrity';
import type { ExportedDelivery } from '../../electron/core/store/types';
import { blockFor, damageFile, damageTableWhileOpen, readableOneByOne, sha256, writeStore, type OriginalDelivery } from '../support/damaged-store';
import { runCli, startServe, tempDir } from '../support/serve';
import { deliveryInput } from '../support/store-fixtures';

const TOTAL = 2000;
const PENDING = 300;
let template: string;
let originals: OriginalDelivery[];
let damagedPages: { page: number; table: string; kind: string }[];
/** what point reads of each id can still get from the damaged file: what recovery must give back */
let readable: Map<number, OriginalDelivery>;
const dirs: string[] = [];

/** a data folder holding a copy of the damaged store */
function damagedDataDir(): string {
  const dir = tempDir('rci-damaged-');
  dirs.push(dir);
  fs.copyFileSync(template, path.join(dir, 'inspector.sqlite'));
  return dir;
}

beforeAll(() => {
  const dir = tempDir('rci-damaged-template-');
  dirs.push(dir);
  template = path.join(dir, 'inspector.sqlite');
  originals = writeStore(template, TOTAL, PENDING);
  damagedPages = damageFile(template);
  readable = readableOneByOne(template, originals.map((o) => o.id));
  // the damage costs some deliveries and not most: otherwise this file tests nothing
  expect(readable.size).toBeLessThan(originals.length);
  expect(readable.size).toBeGreaterThan(originals.length * 0.9);
  // what can be read is what was written (the damage did not alter rows silently)
  for (const o of originals) {
    const r = readable.get(o.id);
    if (r) expect(Buffer.compare(r.body, o.body)).toBe(0);
  }
}, 60_000);

afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function post(core: Core, body: unknown): Promise<{ status: number; id: number }> {
  const res = await fetch(`${core.receiverUrl}/callbacks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await res.json()) as { id: number };
  return { status: res.status, id: answer.id };
}

/** polls `get` until `done` says yes (or gives up after a while, returning the last value) */
async function until<T>(get: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await get();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function indexed(core: Core): Promise<void> {
  await until(async () => (await core.handlers.getStatus({})).indexing.pending, (p) => p === 0);
}

/** a core on a new data folder (no check to wait for: its checkpoint worker runs from the start) */
async function freshCore(logs: Record<string, unknown>[], onLog: (e: Record<string, unknown>) => void = () => {}): Promise<{ core: Core; file: string }> {
  const dataDir = tempDir('rci-damaged-live-');
  dirs.push(dataDir);
  const core = await createCore({ dataDir, receiverPort: 0, tunnel: { enabled: false }, version: 'test', log: (e) => (logs.push(e), onLog(e)) });
  return { core, file: path.join(dataDir, 'inspector.sqlite') };
}

/** the body stored under `id` in `file`, read by a connection of its own */
function bodyIn(file: string, id: number): string | null {
  const db = new Database(file, { readonly: true });
  try {
    const row = (db.prepare('SELECT body FROM inbox WHERE id = ?').get(id) ?? db.prepare('SELECT body FROM bodies WHERE id = ?').get(id)) as { body: Buffer } | undefined;
    return row ? row.body.toString('utf8') : null;
  } finally {
    db.close();
  }
}

const callback = (n: number) => ({ reference: `after-damage-${n}`, event_id: `ev-after-${n}`, type: 'Text', direction: 'outbound', channel: 'RCS', timestamp: '2025-12-01T10:00:00Z' });

describe('the core on a damaged store file', () => {
  it('says so, receives into a fresh file beside it (200 after the commit), keeps using that file on the next start, and never changes the damaged one', { timeout: 60_000 }, async () => {
    const dataDir = damagedDataDir();
    const damaged = path.join(dataDir, 'inspector.sqlite');
    const before = sha256(damaged);
    const logs: Record<string, unknown>[] = [];
    let core = await createCore({ dataDir, receiverPort: 0, tunnel: { enabled: false }, version: 'test', log: (e) => logs.push(e) });
    let fresh: string;
    const posted: { id: number; body: string }[] = [];
    try {
      const said = logs.find((l) => l.event === 'storeDamaged');
      expect(said).toMatchObject({ damagedFile: damaged });
      expect(String(said!.problem)).toMatch(/page \d+/);
      const status = await core.handlers.getStatus({});
      fresh = status.storeFile;
      expect(path.dirname(fresh)).toBe(dataDir);
      expect(path.basename(fresh)).toMatch(/^inspector-\d{8}-\d{6}\.sqlite$/);
      expect(said!.storeFile).toBe(fresh);
      expect(status.damagedStores).toEqual([expect.objectContaining({ file: damaged, recoverCommand: expect.stringContaining(`recover --data-dir ${dataDir} --out `) })]);
      for (let n = 0; n < 3; n++) {
        const r = await post(core, callback(n));
        expect(r.status).toBe(200);
        // acknowledged = committed to the fresh file, readable by anyone from that moment
        expect(bodyIn(fresh, r.id)).toBe(JSON.stringify(callback(n)));
        posted.push({ id: r.id, body: JSON.stringify(callback(n)) });
      }
    } finally {
      await core.close();
    }
    expect(sha256(damaged)).toBe(before);

    logs.length = 0;
    core = await createCore({ dataDir, receiverPort: 0, tunnel: { enabled: false }, version: 'test', log: (e) => logs.push(e) });
    try {
      // the pointer file keeps the fresh file in use, and the damaged one is announced again
      expect((await core.handlers.getStatus({})).storeFile).toBe(fresh);
      expect(logs.filter((l) => l.event === 'storeDamaged')).toEqual([expect.objectContaining({ damagedFile: damaged, storeFile: fresh })]);
      for (const p of posted) expect(core.store.getRawRequest(p.id)?.body && Buffer.from(core.store.getRawRequest(p.id)!.body).toString('utf8')).toBe(p.body);
      const r = await post(core, callback(9));
      expect(r.status).toBe(200);
      expect(r.id).toBe(posted.length + 1);
    } finally {
      await core.close();
    }
    expect(sha256(damaged)).toBe(before);
  });

  it('when the check finishes only after the store is open, it switches files then, and the damaged one still keeps its bytes', { timeout: 60_000 }, async () => {
    const dataDir = damagedDataDir();
    const damaged = path.join(dataDir, 'inspector.sqlite');
    const before = sha256(damaged);
    const logs: Record<string, unknown>[] = [];
    // no time for the check at start: the store opens first and the verdict arrives while running
    const core = await createCore({ dataDir, receiverPort: 0, tunnel: { enabled: false }, version: 'test', startCheckBudgetMs: 0, log: (e) => logs.push(e) });
    const events: string[] = [];
    core.subscribe((batch) => events.push(...batch.map((b) => b.event)));
    try {
      const until = Date.now() + 30_000;
      while ((await core.handlers.getStatus({})).damagedStores.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      const status = await core.handlers.getStatus({});
      expect(status.damagedStores.map((d) => d.file)).toEqual([damaged]);
      expect(status.storeFile).not.toBe(damaged);
      expect(logs.some((l) => l.event === 'storeDamaged' && l.damagedFile === damaged)).toBe(true);
      const r = await post(core, callback(1));
      expect(r.status).toBe(200);
      expect(bodyIn(status.storeFile, r.id)).toBe(JSON.stringify(callback(1)));
    } finally {
      await core.close();
    }
    expect(sha256(damaged)).toBe(before);
  });

  it('on a sound store, new or not, WAL checkpoints move to the worker thread (once the check passed)', { timeout: 60_000 }, async () => {
    const sound = tempDir('rci-sound-core-');
    dirs.push(sound);
    writeStore(path.join(sound, 'inspector.sqlite'), 200, 0, 2);
    for (const [dataDir, budget] of [[tempDir('rci-new-core-'), undefined], [sound, 0]] as const) {
      dirs.push(dataDir);
      const core = await createCore({ dataDir, receiverPort: 0, tunnel: { enabled: false }, version: 'test', startCheckBudgetMs: budget });
      try {
        const file = path.join(dataDir, 'inspector.sqlite');
        const before = fs.statSync(file).size;
        // about 4 MB of WAL: under the writer's own fallback, so only the worker can move it into the file
        const pad = 'x'.repeat(1000);
        for (let i = 0; i < 1500; i += 100) core.store.ingest(Array.from({ length: 100 }, (_, k) => deliveryInput({ reference: `ckpt-${i + k}`, pad }, Date.now())));
        const until = Date.now() + 20_000;
        while (fs.statSync(file).size < before + 2_000_000 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
        expect(fs.statSync(file).size).toBeGreaterThan(before + 2_000_000);
      } finally {
        await core.close();
      }
    }
  });

  it('serve prints the damage as a JSON line and in words', { timeout: 60_000 }, async () => {
    const dataDir = damagedDataDir();
    const s = await startServe([], { dataDir });
    try {
      const line = await s.waitForLine((l) => l.event === 'storeDamaged');
      expect(line).toMatchObject({ damagedFile: path.join(dataDir, 'inspector.sqlite') });
      const words = await s.waitForStderr('npm run cli -- recover --data-dir');
      expect(words).toContain(`The store file ${path.join(dataDir, 'inspector.sqlite')} is damaged`);
      const res = await fetch(`${s.receiverUrl}/callbacks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(callback(1)) });
      expect(res.status).toBe(200);
    } finally {
      await s.stop();
    }
  });
});

describe('damage found while running', () => {
  it('the damaged file gets nothing more from the moment it is found: its checkpoint worker stops with it', { timeout: 60_000 }, async () => {
    let reader: Database.Database | null = null;
    let damagedBytes = '';
    const logs: Record<string, unknown>[] = [];
    const { core, file } = await freshCore(logs, (e) => {
      if (e.event !== 'storeDamaged') return;
      // what the core committed before it found the damage may be checkpointed from now on (and the core's
      // connection is the last one open on the file)...
      reader?.close();
      // ...and the worker would have time for it, while the loop is held up
      blockFor(300);
    });
    try {
      for (let n = 0; n < 3; n++) expect((await post(core, callback(n))).status).toBe(200);
      await indexed(core);
      await damageTableWhileOpen(file, 'messages');
      damagedBytes = sha256(file);
      // a reader keeps the WAL from being checkpointed until the damage is found
      reader = new Database(file, { readonly: true });
      reader.prepare('BEGIN').run();
      reader.prepare('SELECT count(*) FROM settings').get();
      // stored in the inbox (200), then indexing reads the damaged page
      expect((await post(core, callback(10))).status).toBe(200);
      const status = await until(async () => core.handlers.getStatus({}), (st) => st.damagedStores.length > 0);
      expect(status.damagedStores.map((d) => d.file)).toEqual([file]);
      // traffic goes on, into the fresh file
      for (let n = 11; n < 14; n++) {
        const r = await post(core, callback(n));
        expect(r.status).toBe(200);
        expect(bodyIn(status.storeFile, r.id)).toBe(JSON.stringify(callback(n)));
      }
      expect(sha256(file)).toBe(damagedBytes);
    } finally {
      if (reader?.open) reader.close();
      await core.close();
    }
    expect(sha256(file)).toBe(damagedBytes);
  });

  it('a commit that reads a damaged page switches to a fresh file: the delivery gets 503, its retry 200', { timeout: 60_000 }, async () => {
    const logs: Record<string, unknown>[] = [];
    const { core, file } = await freshCore(logs);
    let damagedBytes = '';
    try {
      expect((await post(core, callback(1))).status).toBe(200);
      // indexing leaves the inbox alone from now on: only the next commit reads it
      await indexed(core);
      await damageTableWhileOpen(file, 'inbox');
      damagedBytes = sha256(file);
      // never a 200 for what was not stored
      expect((await post(core, callback(2))).status).toBe(503);
      // the gateway retries
      const r = await post(core, callback(2));
      expect(r.status).toBe(200);
      const status = await core.handlers.getStatus({});
      expect(status.storeFile).not.toBe(file);
      expect(bodyIn(status.storeFile, r.id)).toBe(JSON.stringify(callback(2)));
      expect(status.damagedStores).toEqual([expect.objectContaining({ file, problem: expect.stringMatching(/damaged page/) })]);
      expect(logs.filter((l) => l.event === 'storeDamaged')).toEqual([expect.objectContaining({ damagedFile: file, storeFile: status.storeFile })]);
    } finally {
      await core.close();
    }
    expect(sha256(file)).toBe(damagedBytes);
  });

  it('if no fresh file can be made at first (disk full…), tries again until it can, answering 503 meanwhile', { timeout: 60_000 }, async () => {
    const logs: Record<string, unknown>[] = [];
    let pointerBlocked = '';
    const { core, file } = await freshCore(logs, (e) => {
      // the disk has room again after the first failure
      if (e.code === 'store-switch-failed' && pointerBlocked) fs.rmSync(pointerBlocked, { recursive: true });
    });
    try {
      expect((await post(core, callback(1))).status).toBe(200);
      await indexed(core);
      // where the switch has to write which file is in use: unwritable
      pointerBlocked = path.join(path.dirname(file), 'active-store.json');
      fs.mkdirSync(pointerBlocked);
      await damageTableWhileOpen(file, 'inbox');
      expect((await post(core, callback(2))).status).toBe(503);
      expect(logs.filter((l) => l.code === 'store-switch-failed')).toEqual([expect.objectContaining({ event: 'error', message: expect.stringContaining(file) })]);
      const r = await until(() => post(core, callback(2)), (res) => res.status === 200);
      expect(r.status).toBe(200);
      const status = await core.handlers.getStatus({});
      expect(status.damagedStores.map((d) => d.file)).toEqual([file]);
      expect(bodyIn(status.storeFile, r.id)).toBe(JSON.stringify(callback(2)));
    } finally {
      await core.close();
    }
  });

  it('shutting down before the start check passed leaves the file as it was; what arrived meanwhile waits in its WAL', { timeout: 60_000 }, async () => {
    const dataDir = tempDir('rci-unchecked-');
    dirs.push(dataDir);
    const file = path.join(dataDir, 'inspector.sqlite');
    writeStore(file, 200, 0, 11);
    const before = sha256(file);
    // a large store still being checked: no verdict before the app is closed
    const stillChecking: IntegrityCheck = { quick: new Promise(() => {}), full: new Promise(() => {}), stop: async () => {} };
    const active = await openActiveStore({
      dataDir,
      startCheckBudgetMs: 0,
      checkFile: () => stillChecking,
      makeIngest: (store, onIndexError) => createIngest(store, { onIndexError }),
      log: () => {},
      onDamaged: () => {},
    });
    await active.ingest.submit(deliveryInput(callback(1), Date.now()));
    await active.closeCommitter();
    await active.close();
    expect(sha256(file)).toBe(before);
    expect(bodyIn(file, 201)).toBe(JSON.stringify(callback(1)));
  });
});

describe('active-store.json', () => {
  it('unreadable: the newest fresh file stays in use, and the older store files are still announced as damaged', () => {
    const dir = tempDir('rci-pointer-');
    dirs.push(dir);
    const names = ['inspector.sqlite', 'inspector-20251201-120000.sqlite', 'inspector-20251201-120000-2.sqlite', 'inspector-20251130-235959.sqlite'];
    for (const n of names) fs.writeFileSync(path.join(dir, n), '');
    fs.writeFileSync(path.join(dir, 'active-store.json'), '{"active": "inspector-2025');
    const files = readStoreFiles(dir);
    expect(files.active).toBe(path.join(dir, 'inspector-20251201-120000-2.sqlite'));
    expect(files.warning).toContain('unreadable');
    expect(unrecovered(dir, files).map((d) => d.file).sort()).toEqual(names.filter((n) => !n.endsWith('-2.sqlite')).sort());
  });

  it('a file found damaged after it was recovered is announced again if it was written since', () => {
    const dir = tempDir('rci-pointer-');
    dirs.push(dir);
    const first = path.join(dir, 'inspector.sqlite');
    fs.writeFileSync(first, '');
    const fresh = recordDamage(dir, first, 'page 7 broken', Date.UTC(2025, 11, 1));
    fs.writeFileSync(fresh, 'stored deliveries');
    // `recover` run on the store in use, which is found damaged only later
    recordRecovery(dir, fresh, path.join(dir, 'out'), 'page 9 broken');
    expect(unrecovered(dir, readStoreFiles(dir)).map((d) => d.file)).toEqual(['inspector.sqlite']);
    // found as recover left it: nothing new to copy out
    recordDamage(dir, fresh, 'page 9 broken', Date.UTC(2025, 11, 2));
    expect(unrecovered(dir, readStoreFiles(dir)).map((d) => d.file)).toEqual(['inspector.sqlite']);
    // deliveries stored into it after the recovery
    fs.appendFileSync(`${fresh}-wal`, 'more deliveries');
    recordDamage(dir, fresh, 'page 9 broken', Date.UTC(2025, 11, 3));
    expect(unrecovered(dir, readStoreFiles(dir))).toEqual([
      expect.objectContaining({ file: 'inspector.sqlite' }),
      expect.objectContaining({ file: path.basename(fresh), problem: 'page 9 broken', detectedAt: Date.UTC(2025, 11, 3) }),
    ]);
  });
});

describe('recover', () => {
  it('copies every delivery SQLite can still read, byte for byte and with its id, and reports the rest', { timeout: 60_000 }, async () => {
    const dataDir = damagedDataDir();
    const damaged = path.join(dataDir, 'inspector.sqlite');
    const before = sha256(damaged);
    const out = path.join(tempDir('rci-recovered-'), 'new');
    dirs.push(path.dirname(out));
    const r = await runCli(['recover', '--data-dir', dataDir, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
    const lost = originals.filter((o) => !readable.has(o.id)).map((o) => o.id);
    expect(summary).toMatchObject({ event: 'recovered', deliveries: readable.size, unreadableIds: lost.length });
    // every lost id lies in a reported range, and no reported range holds a recovered id
    const inRanges = (id: number) => summary.unreadable.some((u: { from: number; to: number | null }) => id >= u.from && (u.to === null || id <= u.to));
    expect(lost.filter((id) => !inRanges(id))).toEqual([]);
    expect([...readable.keys()].filter(inRanges)).toEqual([]);
    expect(summary.damage.join('\n')).toMatch(/page \d+/);
    expect(r.stderr).toMatch(/could not read: deliveries ids \d+–\d+(, deliveries ids \d+–\d+)* \(\d+ ids\)/);

    const store = openStore({ file: path.join(out, 'inspector.sqlite') });
    try {
      expect(store.pendingCount()).toBe(0);
      for (const o of originals) {
        const got = store.getRawRequest(o.id);
        if (!readable.has(o.id)) {
          expect(got).toBeNull();
          continue;
        }
        expect(got).not.toBeNull();
        expect(Buffer.compare(Buffer.from(got!.body), o.body)).toBe(0);
        expect([got!.method, got!.path, JSON.stringify(got!.headers)]).toEqual([o.method, o.path, o.headers]);
      }
      expect(store.stats().deliveriesTotal).toBe(readable.size);
    } finally {
      store.close();
    }
    const check = new Database(path.join(out, 'inspector.sqlite'), { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
    expect(sha256(damaged)).toBe(before);

    // serve stops announcing a recovered file
    const core = await createCore({ dataDir, receiverPort: 0, tunnel: { enabled: false }, version: 'test' });
    try {
      expect((await core.handlers.getStatus({})).damagedStores).toEqual([]);
    } finally {
      await core.close();
    }
    expect(sha256(damaged)).toBe(before);

    const again = await runCli(['recover', '--data-dir', dataDir, '--store', 'inspector.sqlite', '--out', out]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('already holds a store');
  });

  it('reads deliveries still waiting in the inbox too, and reports an unreadable inbox range', { timeout: 60_000 }, async () => {
    const dir = tempDir('rci-damaged-inbox-');
    dirs.push(dir);
    const file = path.join(dir, 'inspector.sqlite');
    const written = writeStore(file, 1200, 1200, 3);
    const hit = damageFile(file, { from: 2, hits: 'inbox' });
    expect(hit.some((p) => p.table === 'inbox' && p.kind === 'leaf')).toBe(true);
    const canRead = readableOneByOne(file, written.map((o) => o.id));
    expect(canRead.size).toBeLessThan(written.length);
    const out = path.join(dir, 'recovered');
    const r = await runCli(['recover', '--data-dir', dir, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(summary.deliveries).toBe(canRead.size);
    expect(summary.unreadable.map((u: { table: string }) => u.table)).toContain('inbox');
    const store = openStore({ file: path.join(out, 'inspector.sqlite') });
    try {
      for (const [id, o] of canRead) expect(Buffer.compare(Buffer.from(store.getRawRequest(id)!.body), o.body)).toBe(0);
    } finally {
      store.close();
    }
  });

  it('re-indexes what it copies: a sound store comes out with the same flags, attempts and messages', { timeout: 60_000 }, async () => {
    const dir = tempDir('rci-sound-');
    dirs.push(dir);
    const file = path.join(dir, 'inspector.sqlite');
    writeStore(file, 600, 100, 5);
    const out = path.join(dir, 'recovered');
    const r = await runCli(['recover', '--data-dir', dir, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toMatchObject({ unreadable: [], unreadableIds: 0 });
    // a sound store is not recorded as damaged
    expect(fs.existsSync(path.join(dir, 'active-store.json'))).toBe(false);
    const exportOf = (f: string) => {
      const s = openStore({ file: f });
      try {
        while (s.indexPending(1000).length > 0);
        return { deliveries: [...s.iterateDeliveries()], messages: [...s.iterateMessages(Date.UTC(2026, 0, 1))] };
      } finally {
        s.close();
      }
    };
    const recovered = exportOf(path.join(out, 'inspector.sqlite'));
    const original = exportOf(file);
    expect(recovered.deliveries.length).toBe(original.deliveries.length);
    expect(recovered.deliveries).toEqual(original.deliveries);
    expect(recovered.messages).toEqual(original.messages);
  });

  it('fails with a clear message when nothing can be read', { timeout: 30_000 }, async () => {
    const dir = tempDir('rci-garbage-');
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'inspector.sqlite'), Buffer.alloc(64 * 1024, 0xa5));
    const r = await runCli(['recover', '--data-dir', dir, '--out', path.join(dir, 'out')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: .*(not a database|unreadable|nothing readable)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toMatchObject({ event: 'recoverFailed' });
    expect(fs.existsSync(path.join(dir, 'out', 'inspector.sqlite'))).toBe(false);
  });
});

describe('export', () => {
  it('skips what a damaged store cannot give back, says what, and exits 3 instead of failing', { timeout: 60_000 }, async () => {
    const dataDir = damagedDataDir();
    const damaged = path.join(dataDir, 'inspector.sqlite');
    const before = sha256(damaged);
    const r = await runCli(['export', '--data-dir', dataDir, '--format', 'ndjson']);
    expect(r.code, r.stderr).toBe(3);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as ExportedDelivery);
    expect(rows.map((d) => d.id)).toEqual([...readable.keys()].sort((a, b) => a - b));
    for (const d of rows) expect(Buffer.compare(Buffer.from(d.request.bodyBase64, 'base64'), readable.get(d.id)!.body)).toBe(0);
    expect(r.stderr).toMatch(/export incomplete: .* skipped what could not be read: deliveries ids \d+–\d+/);
    expect(r.stderr).toContain(`(${originals.length - readable.size} ids)`);
    expect(sha256(damaged)).toBe(before);
    // the damaged pages are where the test put them (a reminder of what this exercises)
    expect(damagedPages.some((p) => p.table === 'deliveries' || p.table === 'bodies')).toBe(true);
  });

  it('does not wait for indexing: thousands of deliveries still in the inbox are exported as stored, and stay there', { timeout: 60_000 }, async () => {
    const dir = tempDir('rci-backlog-');
    dirs.push(dir);
    const file = path.join(dir, 'inspector.sqlite');
    const written = writeStore(file, 3000, 3000, 9);
    const r = await runCli(['export', '--data-dir', dir, '--format', 'ndjson']);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as ExportedDelivery);
    expect(rows.map((d) => d.id)).toEqual(written.map((o) => o.id));
    // what the body says is there without indexing
    expect(rows.filter((d) => d.callback !== null).length).toBeGreaterThan(written.length * 0.9);
    // export indexed none of them (indexing them first is what took minutes on a large backlog)
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM inbox').pluck().get()).toBe(written.length);
    } finally {
      db.close();
    }
  });

  it('exits quietly with status 0 when the reader closes the pipe early (export | head)', { timeout: 60_000 }, async () => {
    const dir = tempDir('rci-epipe-');
    dirs.push(dir);
    writeStore(path.join(dir, 'inspector.sqlite'), 2000, 0, 4);
    const { spawn } = await import('node:child_process');
    const { ROOT } = await import('../support/serve');
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'electron', 'cli.ts'), 'export', '--data-dir', dir, '--format', 'ndjson'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (d) => (stderr += d));
    let first = '';
    proc.stdout.on('data', (d: Buffer) => {
      first += d.toString('utf8');
      // like `head -1`: read the first line, then close the pipe
      if (first.includes('\n')) proc.stdout.destroy();
    });
    const code = await new Promise<number | null>((resolve) => proc.on('close', (c) => resolve(c)));
    expect(JSON.parse(first.split('\n')[0]!)).toMatchObject({ id: 1 });
    expect(stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
    expect(code).toBe(0);
  });
});
