// Export and import jobs through `serve`'s control API: an export's progress reaches its total and its file is
// fetched once, with the token, through the download link; a cancelled export leaves neither the file nor its
// temporary file; a file uploaded for import is imported by the same code as the CLI, a corrupt line reported by
// its number, and a second import of the same file adds nothing.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/app-core';
import { dispatch } from '../../electron/core/api-dispatch';
import { startControlServer, type ControlServer } from '../../electron/core/control-server';
import type { JobInfo } from '../../shared/jobs';
import { importFile } from '../../electron/core/import-file';
import { holdImportLock } from '../../electron/core/import-guard';
import { openStore } from '../../electron/core/store';
import { fillStore, generateDeliveries } from '../support/store-fixtures';
import { runCli, tempDir } from '../support/serve';
import { DB_FILE_NAME } from '../../electron/core/app-core';

const TOKEN = 'jobs-test-token-0123456789abcdef';
const auth = { Authorization: `Bearer ${TOKEN}` };

interface Running {
  dir: string;
  core: Core;
  server: ControlServer;
  jobs: JobInfo[];
}
const running: Running[] = [];

async function start(opts: { maxUploadBytes?: number } = {}): Promise<Running> {
  const dir = tempDir('rci-jobs-');
  const core = await createCore({ dataDir: dir, receiverPort: 0, tunnel: { enabled: false }, version: 'test' });
  const server = await startControlServer({ handlers: core.handlers, subscribe: core.subscribe, files: core.files, token: TOKEN, port: 0, staticDir: dir, ...opts });
  const r: Running = { dir, core, server, jobs: [] };
  core.subscribe((batch) => {
    for (const e of batch) if (e.event === 'job') r.jobs.push(e.data);
  });
  running.push(r);
  return r;
}

beforeEach(() => {
  running.length = 0;
});
afterEach(async () => {
  for (const r of running) {
    await r.server.close();
    await r.core.close();
    fs.rmSync(r.dir, { recursive: true, force: true });
  }
});

const url = (r: Running, p: string) => `http://127.0.0.1:${r.server.port}${p}`;

async function ended(r: Running, id: string): Promise<JobInfo> {
  const until = Date.now() + 60_000;
  for (;;) {
    const last = [...r.jobs].reverse().find((j) => j.id === id);
    if (last && last.state !== 'running') return last;
    if (Date.now() > until) throw new Error(`job ${id} did not end`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

const filesIn = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

describe('export jobs', () => {
  it('reports progress up to the total, and the file is fetched once, only with the token', async () => {
    const r = await start();
    const n = fillStore(r.core.store, generateDeliveries({ messages: 800, seed: 3 }));
    const job = (await dispatch(r.core.handlers, 'startExport', { format: 'csv', kind: 'deliveries', scope: { kind: 'filter', query: '' } })) as JobInfo;
    expect(job.state).toBe('running');
    const done = await ended(r, job.id);
    expect(done.state).toBe('done');
    expect(done.total).toBe(n);
    expect(done.done).toBe(n);
    const dones = r.jobs.filter((j) => j.id === job.id).map((j) => j.done);
    expect(dones).toEqual([...dones].sort((a, b) => a - b));
    const link = done.export!.downloadUrl!;
    expect(link).toMatch(/^\/api\/download\//);

    expect((await fetch(url(r, link))).status).toBe(403);
    expect((await fetch(url(r, link), { headers: { Authorization: 'Bearer wrong-token-0123456789abcdef' } })).status).toBe(403);
    const res = await fetch(url(r, link), { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="rci-deliveries-.*\.csv"$/);
    const text = await res.text();
    expect(text.trimEnd().split('\r\n')).toHaveLength(n + 1);
    // once: the link is spent and the file gone from the data folder
    expect((await fetch(url(r, link), { headers: auth })).status).toBe(404);
    // removed once the answer has closed, which the server learns a moment after the client has read it
    await expect.poll(() => filesIn(path.join(r.dir, 'exports'))).toEqual([]);
  });

  it('a cancelled export leaves no file and no temporary file', async () => {
    const r = await start();
    fillStore(r.core.store, generateDeliveries({ messages: 800, seed: 4 }));
    const job = (await dispatch(r.core.handlers, 'startExport', { format: 'ndjson', kind: 'deliveries', scope: { kind: 'filter', query: 'type:READ OR type:DELIVERED' } })) as JobInfo;
    expect(await dispatch(r.core.handlers, 'cancelJob', { jobId: job.id })).toEqual({ ok: true });
    const end = await ended(r, job.id);
    expect(end.state).toBe('cancelled');
    expect(end.message).toMatch(/no file was written/);
    expect(end.export!.downloadUrl).toBeNull();
    expect(filesIn(path.join(r.dir, 'exports'))).toEqual([]);
  });

  it('refuses a second export while one runs, and a query that does not parse before starting', async () => {
    const r = await start();
    fillStore(r.core.store, generateDeliveries({ messages: 200, seed: 5 }));
    const first = (await dispatch(r.core.handlers, 'startExport', { format: 'har', kind: 'deliveries', scope: { kind: 'filter', query: '' } })) as JobInfo;
    await expect(dispatch(r.core.handlers, 'startExport', { format: 'csv', kind: 'messages', scope: { kind: 'filter', query: '' } })).rejects.toThrow(/an export is running/);
    await ended(r, first.id);
    await expect(dispatch(r.core.handlers, 'startExport', { format: 'csv', kind: 'messages', scope: { kind: 'filter', query: 'typ:READ' } })).rejects.toThrow(/type/);
  });
});

describe('exporting the selection', () => {
  it('writes only the open delivery, or the open message (its deliveries, or itself as a message)', async () => {
    const r = await start();
    fillStore(r.core.store, generateDeliveries({ messages: 40, seed: 10 }));
    const page = await r.core.handlers.listDeliveries({ query: '', offset: 0, limit: 50 });
    const one = page.rows.find((d) => d.reference !== null)!;
    const run = async (arg: unknown) => {
      const job = (await dispatch(r.core.handlers, 'startExport', arg)) as JobInfo;
      const done = await ended(r, job.id);
      return (await (await fetch(url(r, done.export!.downloadUrl!), { headers: auth })).text()).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    const byId = await run({ format: 'ndjson', kind: 'deliveries', scope: { kind: 'selection', ids: [one.id] } });
    expect(byId.map((d) => d.id)).toEqual([one.id]);
    const ofMessage = await run({ format: 'ndjson', kind: 'deliveries', scope: { kind: 'selection', references: [one.reference] } });
    const expected = (await r.core.handlers.listDeliveries({ query: '', offset: 0, limit: 500 })).rows.filter((d) => d.reference === one.reference);
    expect(ofMessage.map((d) => d.id).sort()).toEqual(expected.map((d) => d.id).sort());
    const message = await run({ format: 'ndjson', kind: 'messages', scope: { kind: 'selection', references: [one.reference] } });
    expect(message.map((m) => m.reference)).toEqual([one.reference]);
  });
});

describe('masked exports', () => {
  it('with masking on, the exported file holds no customer phone number', async () => {
    const r = await start();
    fillStore(r.core.store, generateDeliveries({ messages: 60, seed: 9 }));
    const csvOf = async () => {
      const job = (await dispatch(r.core.handlers, 'startExport', { format: 'csv', kind: 'deliveries', scope: { kind: 'filter', query: '' } })) as JobInfo;
      const done = await ended(r, job.id);
      return { done, text: await (await fetch(url(r, done.export!.downloadUrl!), { headers: auth })).text() };
    };
    const plain = await csvOf();
    const header = plain.text.replace(/^\uFEFF/, '').split('\r\n')[0]!.split(',');
    const col = header.indexOf('user_id');
    const phones = new Set(plain.text.split('\r\n').slice(1).map((l) => l.split(',')[col]).filter((v): v is string => !!v && /^\d{10,}$/.test(v)));
    expect(phones.size).toBeGreaterThan(0);
    expect(plain.done.export!.masked).toBe(false);
    await dispatch(r.core.handlers, 'updateSettings', { maskPersonalData: true });
    const masked = await csvOf();
    expect(masked.done.export!.masked).toBe(true);
    expect(masked.done.message).toMatch(/\(masked\)/);
    for (const p of phones) expect(masked.text).not.toContain(p);
  });
});

describe('import jobs', () => {
  async function exportedNdjson(): Promise<{ text: string; n: number }> {
    const src = await start();
    const n = fillStore(src.core.store, generateDeliveries({ messages: 150, seed: 6 }));
    const job = (await dispatch(src.core.handlers, 'startExport', { format: 'ndjson', kind: 'deliveries', scope: { kind: 'filter', query: '' } })) as JobInfo;
    const done = await ended(src, job.id);
    return { text: await (await fetch(url(src, done.export!.downloadUrl!), { headers: auth })).text(), n };
  }

  async function upload(r: Running, body: string, name: string): Promise<Response> {
    return fetch(url(r, `/api/upload/import?name=${encodeURIComponent(name)}`), { method: 'POST', headers: { ...auth, 'Content-Type': 'application/octet-stream' }, body });
  }

  it('imports an upload, reports a corrupt line by its number, and adds nothing the second time', async () => {
    const { text, n } = await exportedNdjson();
    const lines = text.trimEnd().split('\n');
    lines.splice(2, 0, '{"receivedAt": "2025-11-28T09:00:00Z", "request": {broken');
    const file = lines.join('\n') + '\n';
    const r = await start();

    expect((await fetch(url(r, '/api/upload/import?name=x.ndjson'), { method: 'POST', body: file })).status).toBe(403);
    const first = await upload(r, file, 'campaign.ndjson');
    expect(first.status).toBe(200);
    const job = (await first.json()) as JobInfo;
    const done = await ended(r, job.id);
    expect(done.state).toBe('done');
    expect(done.import).toMatchObject({ fileName: 'campaign.ndjson', added: n, duplicates: 0, problemCount: 1 });
    expect(done.import!.problems[0]).toMatchObject({ at: 3, unit: 'line' });
    expect(done.done).toBe(n + 1);
    expect((await r.core.handlers.getStatus({})).deliveriesTotal).toBe(n);

    const again = (await (await upload(r, file, 'campaign.ndjson')).json()) as JobInfo;
    const second = await ended(r, again.id);
    expect(second.import).toMatchObject({ added: 0, duplicates: n, problemCount: 1 });
    expect(second.message).toMatch(new RegExp(`0 added, ${n.toLocaleString('en-US')} already stored, 1 line skipped`));
    // the uploads are gone from the data folder once imported
    expect(filesIn(path.join(r.dir, 'uploads'))).toEqual([]);
  });

  it('a CSV export uploaded for import fails naming the file the user chose, never the upload\'s path, and says what to export instead', async () => {
    const r = await start();
    const cases: [string, string][] = [
      ['export.csv', '\uFEFFid,received_at,reference,event_id,type\r\n1,2025-11-28T10:00:00Z,a,b,READ\r\n'],
      ['notes.txt', 'hello\n'],
    ];
    for (const [name, body] of cases) {
      const job = (await (await upload(r, body, name)).json()) as JobInfo;
      const end = await ended(r, job.id);
      expect(end.state).toBe('failed');
      expect(end.message).toContain(name);
      expect(end.message).not.toMatch(/uploads|\.upload\b|\//);
      if (name.endsWith('.csv')) expect(end.message).toMatch(/CSV exports are for spreadsheets and can't be imported; export as NDJSON \(or HAR\) to bring deliveries back/);
    }
  });

  it('refuses an upload over the size cap and keeps nothing of it', async () => {
    const r = await start({ maxUploadBytes: 1000 });
    const res = await upload(r, 'x'.repeat(5000), 'big.ndjson');
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/larger than/);
    expect(filesIn(path.join(r.dir, 'uploads'))).toEqual([]);
    expect(r.jobs).toEqual([]);
  });

  it('an import refused by a command-line import holding the lock says so and adds nothing', async () => {
    const { text } = await exportedNdjson();
    const r = await start();
    const cliImport = holdImportLock(r.dir)!;
    try {
      const job = (await (await upload(r, text, 'a.ndjson')).json()) as JobInfo;
      const end = await ended(r, job.id);
      expect(end.state).toBe('failed');
      expect(end.message).toMatch(/another import is writing into this data folder/);
    } finally {
      cliImport();
    }
    expect((await r.core.handlers.getStatus({})).deliveriesTotal).toBe(0);
  });

  it('a cancelled import keeps exactly the batches it committed, and importing again adds the rest', async () => {
    const { text, n } = await exportedNdjson();
    const dir = tempDir('rci-jobs-cancel-');
    const file = path.join(dir, 'in.ndjson');
    fs.writeFileSync(file, text);
    const store = openStore({ file: path.join(dir, 'store.sqlite') });
    try {
      const abort = new AbortController();
      let batches = 0;
      const first = await importFile(store, file, {
        batchSize: 50,
        signal: abort.signal,
        commitBatch: (rows, source) => {
          const res = store.importDeliveries(rows, source);
          while (store.indexPending(2000).length > 0);
          if (++batches === 2) abort.abort();
          return res;
        },
      });
      expect(first.cancelled).toBe(true);
      expect(first.added).toBe(100);
      expect(first.committedThrough).toBe(100);
      expect(store.stats().deliveriesTotal).toBe(100);
      const second = await importFile(store, file);
      expect(second).toMatchObject({ added: n - 100, duplicates: 100 });
      expect(store.stats().deliveriesTotal).toBe(n);
    } finally {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the command line', () => {
  it('prints export and import progress on stderr only, every RCI_PROGRESS_EVERY_MS when stderr is not a terminal', async () => {
    const dir = tempDir('rci-jobs-cli-');
    try {
      const store = openStore({ file: path.join(dir, DB_FILE_NAME) });
      const n = fillStore(store, generateDeliveries({ messages: 700, seed: 8 }));
      store.close();
      expect(n).toBeGreaterThan(2000);
      const out = await runCli(['export', '--data-dir', dir, '--format', 'ndjson'], { RCI_PROGRESS_EVERY_MS: '0' });
      expect(out.code).toBe(0);
      const lines = out.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(n);
      for (const l of lines) expect(l.startsWith('{')).toBe(true);
      expect(out.stderr).toMatch(new RegExp(`exporting… 2000 of ${n} deliveries\n`));
      const file = path.join(dir, 'all.ndjson');
      fs.writeFileSync(file, out.stdout);
      const into = path.join(dir, 'other');
      const imp = await runCli(['import', '--data-dir', into, file], { RCI_PROGRESS_EVERY_MS: '0' });
      expect(imp.code).toBe(0);
      expect(imp.stderr).toMatch(/importing… 500 lines read\n/);
      expect(imp.stdout.trim().split('\n')).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
