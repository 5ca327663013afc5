// export (NDJSON, CSV, HAR) and import through the real CLI: round trips into an empty store give the same
// lists, counts and analytics and byte-exact bodies; importing again adds nothing; unreadable lines are reported
// by number and skipped; CSV is RFC 4180 with a BOM and formula-like cells kept as text; HAR has the 1.2
// structure; an interrupted export leaves no file; imported deliveries stay out of bulk replays.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../electron/core/app-core';
import { holdImportLock } from '../../electron/core/import-guard';
import { openStore } from '../../electron/core/store';
import { createReplayService, replayCli } from '../../electron/core/replay';
import type { IngestInput, Store } from '../../electron/core/store/types';
import { deliveryInput, generateDeliveries, loadSamples, rejectedInput } from '../support/store-fixtures';
import { ROOT, runCli, tempDir } from '../support/serve';
import { startTarget } from '../support/targets';

const NOW = Date.parse('2025-11-29T12:00:00Z');
const T0 = Date.parse('2025-11-28T12:00:00Z');
const CRAFTED_CAMPAIGN = '=HYPERLINK("http://evil.example","x")';
const CRAFTED_TEXT = 'Olá, "amigo", tudo bem?\nSegunda linha — ação ✓';
const NOT_UTF8 = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xff, 0xfe, 0x7d]);
const dirs: string[] = [];
let source: string;
let ndjsonFile: string;
let lines: string[];

function dir(prefix: string): string {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
}

const storeOf = (dataDir: string) => path.join(dataDir, 'inspector.sqlite');

function withStore<T>(dataDir: string, fn: (s: Store) => T): T {
  const s = openStore({ file: storeOf(dataDir) });
  try {
    return fn(s);
  } finally {
    s.close();
  }
}

/** what a user sees of a store: lists, chip counts, the analytics report, for a few queries */
function views(dataDir: string) {
  return withStore(dataDir, (s) =>
    ['', 'state:failed', 'flag:duplicate', 'campaign:black_friday_2025_rcs'].map((query) => ({
      query,
      messages: s.listMessages({ query, offset: 0, limit: 5000 }, NOW),
      deliveries: s.listDeliveries({ query, offset: 0, limit: 5000 }),
      counts: s.getCounts(query, NOW),
      analytics: s.getAnalytics(query, NOW),
    })),
  );
}

function cli(args: string[]) {
  return runCli(args);
}

function lastJson(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

beforeAll(async () => {
  source = dir('rci-export-src-');
  withStore(source, (s) => {
    const inputs: IngestInput[] = [...generateDeliveries({ messages: 120, seed: 11, startAt: T0 })];
    const event = loadSamples().events.inbound_text!;
    const last = inputs[inputs.length - 1]!.request.receivedAt;
    inputs.push(
      deliveryInput({ ...event, reference: 'crafted-1', campaign_name: CRAFTED_CAMPAIGN, message: { contentType: 'text', text: CRAFTED_TEXT } }, last + 1),
      deliveryInput(NOT_UTF8, last + 2),
      // valid UTF-8 that starts with a byte order mark: text in HAR, and the mark must survive
      deliveryInput(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ ...event, reference: 'bom-1' }))]), last + 4),
      rejectedInput('{"reference":"huge","pad":"', 5_000_000, last + 3),
    );
    const stored = s.ingest(inputs, NOW);
    // our answer times travel with the deliveries
    s.setResponseTimes(stored.map((d, i) => ({ id: d.id, ms: 3 + (i % 17) })));
  });
  ndjsonFile = path.join(dir('rci-export-out-'), 'all.ndjson');
  const r = await cli(['export', '--data-dir', source, '--format', 'ndjson', '--out', ndjsonFile]);
  expect(r.code, r.stderr).toBe(0);
  lines = fs.readFileSync(ndjsonFile, 'utf8').trimEnd().split('\n');
}, 120_000);

afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('NDJSON', () => {
  it('round trip: imported into an empty store, it gives the same lists, counts, analytics and the same export, byte for byte', { timeout: 120_000 }, async () => {
    const target = dir('rci-import-ndjson-');
    const imported = await cli(['import', '--data-dir', target, ndjsonFile]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(lastJson(imported.stdout)).toMatchObject({ event: 'imported', format: 'ndjson', added: lines.length, duplicates: 0, problems: 0 });
    const again = await cli(['export', '--data-dir', target, '--format', 'ndjson']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(fs.readFileSync(ndjsonFile, 'utf8'));
    expect(views(target)).toEqual(views(source));
    // the non-UTF-8 body is the same bytes
    const odd = lines.map((l) => JSON.parse(l)).find((d) => d.request.bodyBase64 === Buffer.from(NOT_UTF8).toString('base64'));
    expect(odd).toBeDefined();
  });

  it('importing the same file again, or into the store it came from, adds nothing', { timeout: 120_000 }, async () => {
    const target = dir('rci-import-twice-');
    expect((await cli(['import', '--data-dir', target, ndjsonFile])).code).toBe(0);
    const twice = await cli(['import', '--data-dir', target, ndjsonFile]);
    expect(twice.code, twice.stderr).toBe(0);
    expect(lastJson(twice.stdout)).toMatchObject({ added: 0, duplicates: lines.length });
    expect(withStore(target, (s) => s.stats(NOW).deliveriesTotal)).toBe(lines.length);
    const back = await cli(['import', '--data-dir', source, ndjsonFile]);
    expect(lastJson(back.stdout)).toMatchObject({ added: 0, duplicates: lines.length });
    expect(withStore(source, (s) => s.stats(NOW).deliveriesTotal)).toBe(lines.length);
  });

  it('a corrupt line is reported with its number and skipped; the rest is imported', { timeout: 120_000 }, async () => {
    const broken = lines.slice();
    broken[2] = broken[2]!.slice(0, 40); // truncated
    broken[6] = '{"request": 12}';
    const file = path.join(dir('rci-corrupt-'), 'broken.ndjson');
    fs.writeFileSync(file, broken.join('\n') + '\n');
    const target = dir('rci-import-corrupt-');
    const r = await cli(['import', '--data-dir', target, file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^line 3: skipped: /m);
    expect(r.stderr).toMatch(/^line 7: skipped: /m);
    expect(r.stderr.match(/^line \d+: skipped/gm)).toHaveLength(2);
    expect(lastJson(r.stdout)).toMatchObject({ added: lines.length - 2, problems: 2 });
    // every other delivery is there with its bytes
    const keyOf = (l: string) => {
      const d = JSON.parse(l);
      return `${d.receivedAt} ${d.request.bodyBase64}`;
    };
    const exported = (await cli(['export', '--data-dir', target, '--format', 'ndjson'])).stdout.trimEnd().split('\n').map(keyOf);
    expect(exported).toEqual(lines.filter((_, i) => i !== 2 && i !== 6).map(keyOf));
  });

  it('a file that holds no deliveries is refused as a whole with a clear error, and the store keeps what it had', { timeout: 120_000 }, async () => {
    const target = dir('rci-import-foreign-files-');
    expect((await cli(['import', '--data-dir', target, ndjsonFile])).code).toBe(0);
    const files = dir('rci-bad-files-');
    const messages = path.join(files, 'messages.ndjson');
    fs.writeFileSync(messages, (await cli(['export', '--data-dir', source, '--format', 'ndjson', '--messages'])).stdout);
    const har = path.join(dir('rci-bad-har-'), 'cut.har');
    expect((await cli(['export', '--data-dir', source, '--format', 'har', '--out', har])).code).toBe(0);
    fs.truncateSync(har, Math.floor(fs.statSync(har).size / 2));
    const png = path.join(files, 'shot.png');
    fs.writeFileSync(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    const cases: [string, RegExp][] = [
      [messages, /^error: this is an export of messages \(--messages\)/],
      [har, /^error: the HAR file is not valid JSON .*nothing was imported/],
      [png, /^error: .* is neither NDJSON deliveries .* nor HAR/],
    ];
    for (const [file, message] of cases) {
      const r = await cli(['import', '--data-dir', target, file]);
      expect(r.code, file).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    expect((await cli(['export', '--data-dir', target, '--format', 'ndjson'])).stdout).toBe(fs.readFileSync(ndjsonFile, 'utf8'));
  });

  it('while an import runs, serve and the app refuse to open the store, in one sentence', { timeout: 90_000 }, async () => {
    const target = dir('rci-import-held-');
    expect((await cli(['import', '--data-dir', target, ndjsonFile])).code).toBe(0);
    // what an import holds from its start to its end (the second import below shows the command takes the same)
    const release = holdImportLock(target)!;
    try {
      await expect(createCore({ dataDir: target, receiverPort: 0, tunnel: { enabled: false }, version: 'test' })).rejects.toThrow(
        /^an import is writing into the store in .*: start again once it has finished \(or stop it\)/,
      );
      const served = await cli(['serve', '--data-dir', target, '--port', '0', '--ui-port', '0', '--tunnel', 'none']);
      expect(served.code).toBe(1);
      expect(served.stderr).toMatch(/^error: an import is writing into the store in .*: start again once it has finished \(or stop it\)[^\n]*\n$/);
      const second = await cli(['import', '--data-dir', target, ndjsonFile]);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/^error: another import is writing into .*: run this one once it has finished/);
    } finally {
      release();
    }
    // the import ended (its lock file stays behind, unlocked): the app starts as usual
    const core = await createCore({ dataDir: target, receiverPort: 0, tunnel: { enabled: false }, version: 'test' });
    try {
      expect(core.store.stats(NOW).deliveriesTotal).toBe(lines.length);
    } finally {
      await core.close();
    }
    // and an import that ended lets the next one run
    expect((await cli(['import', '--data-dir', target, ndjsonFile])).code).toBe(0);
  });

  it('refuses to import into a store another program has open, and writes nothing', { timeout: 60_000 }, async () => {
    const target = dir('rci-import-busy-');
    expect((await cli(['import', '--data-dir', target, ndjsonFile])).code).toBe(0);
    // what serve and the app hold: the store, opened the same way
    const held = openStore({ file: storeOf(target) });
    try {
      held.stats(NOW);
      const other = path.join(dir('rci-other-'), 'one.ndjson');
      fs.writeFileSync(other, lines[0]!.replace(/"receivedAt":"[^"]+"/, '"receivedAt":"2030-01-01T00:00:00.000Z"') + '\n');
      const r = await cli(['import', '--data-dir', target, other]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/is open in another program \(a running serve or the desktop app\)/);
      expect(held.stats(NOW).deliveriesTotal).toBe(lines.length);
    } finally {
      held.close();
    }
  });
});

/** HAR 1.2's required structure (http://www.softwareishard.com/blog/har-12-spec/) */
const nameValue = { type: 'object', required: ['name', 'value'], properties: { name: { type: 'string' }, value: { type: 'string' } } };
const HAR_SCHEMA = {
  type: 'object',
  required: ['log'],
  properties: {
    log: {
      type: 'object',
      required: ['version', 'creator', 'entries'],
      properties: {
        version: { const: '1.2' },
        creator: { type: 'object', required: ['name', 'version'], properties: { name: { type: 'string' }, version: { type: 'string' } } },
        pages: { type: 'array' },
        entries: {
          type: 'array',
          items: {
            type: 'object',
            required: ['startedDateTime', 'time', 'request', 'response', 'cache', 'timings'],
            properties: {
              startedDateTime: { type: 'string', format: 'date-time' },
              time: { type: 'number', minimum: 0 },
              request: {
                type: 'object',
                required: ['method', 'url', 'httpVersion', 'cookies', 'headers', 'queryString', 'headersSize', 'bodySize'],
                properties: {
                  method: { type: 'string' },
                  url: { type: 'string', pattern: '^https?://' },
                  httpVersion: { type: 'string' },
                  cookies: { type: 'array' },
                  headers: { type: 'array', items: nameValue },
                  queryString: { type: 'array', items: nameValue },
                  postData: { type: 'object', required: ['mimeType', 'text'], properties: { mimeType: { type: 'string' }, text: { type: 'string' } } },
                  headersSize: { type: 'integer' },
                  bodySize: { type: 'integer' },
                },
              },
              response: {
                type: 'object',
                required: ['status', 'statusText', 'httpVersion', 'cookies', 'headers', 'content', 'redirectURL', 'headersSize', 'bodySize'],
                properties: {
                  status: { type: 'integer' },
                  statusText: { type: 'string' },
                  headers: { type: 'array', items: nameValue },
                  content: { type: 'object', required: ['size', 'mimeType'], properties: { size: { type: 'integer' }, mimeType: { type: 'string' } } },
                  redirectURL: { type: 'string' },
                },
              },
              cache: { type: 'object' },
              timings: {
                type: 'object',
                required: ['send', 'wait', 'receive'],
                properties: { send: { type: 'number' }, wait: { type: 'number' }, receive: { type: 'number' } },
              },
            },
          },
        },
      },
    },
  },
};

describe('HAR', () => {
  it('has the HAR 1.2 structure, exact bodies (base64 when not UTF-8), and round-trips into an empty store', { timeout: 120_000 }, async () => {
    const file = path.join(dir('rci-har-'), 'all.har');
    const r = await cli(['export', '--data-dir', source, '--format', 'har', '--out', file]);
    expect(r.code, r.stderr).toBe(0);
    const har = JSON.parse(fs.readFileSync(file, 'utf8'));
    const ajv = new Ajv({ allErrors: true });
    ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d\d-\d\dT/.test(s));
    const valid = ajv.validate(HAR_SCHEMA, har);
    expect(ajv.errors ?? [], 'HAR 1.2 structure').toEqual([]);
    expect(valid).toBe(true);
    expect(har.log.entries).toHaveLength(lines.length);
    const first = JSON.parse(lines[0]!);
    expect(har.log.entries[0].request.postData.text).toBe(first.request.bodyText);
    expect(har.log.entries[0].request.headers).toEqual(first.request.headers.map(([name, value]: string[]) => ({ name, value })));
    const odd = har.log.entries.find((e: { request: { postData?: { encoding?: string } } }) => e.request.postData?.encoding === 'base64');
    expect(Buffer.from(odd.request.postData.text, 'base64')).toEqual(Buffer.from(NOT_UTF8));
    expect(har.log.entries.filter((e: { request: { postData?: { encoding?: string } } }) => e.request.postData?.encoding === 'base64')).toHaveLength(1);

    const target = dir('rci-import-har-');
    const imported = await cli(['import', '--data-dir', target, file]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(lastJson(imported.stdout)).toMatchObject({ format: 'har', added: lines.length, problems: 0 });
    const again = await cli(['export', '--data-dir', target, '--format', 'ndjson']);
    expect(again.stdout).toBe(fs.readFileSync(ndjsonFile, 'utf8'));
    expect(views(target)).toEqual(views(source));
    expect(lastJson((await cli(['import', '--data-dir', target, ndjsonFile])).stdout)).toMatchObject({ added: 0, duplicates: lines.length });
  });

  it("imports another tool's HAR: its POSTs become deliveries, other entries are ignored, a broken entry is named", { timeout: 60_000 }, async () => {
    const body = JSON.stringify({ ...loadSamples().events.delivered, reference: 'from-toolkit' });
    const entry = (method: string, url: string, text?: string) => ({
      startedDateTime: '2025-11-30T10:00:00.000Z',
      time: 12,
      request: {
        method,
        url,
        httpVersion: 'HTTP/1.1',
        cookies: [],
        headers: [{ name: 'Content-Type', value: 'application/json' }],
        queryString: [],
        ...(text !== undefined ? { postData: { mimeType: 'application/json', text } } : {}),
        headersSize: -1,
        bodySize: text?.length ?? 0,
      },
      response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', cookies: [], headers: [], content: { size: 0, mimeType: '' }, redirectURL: '', headersSize: -1, bodySize: 0 },
      cache: {},
      timings: { send: 0, wait: 12, receive: 0 },
    });
    const har = { log: { version: '1.2', creator: { name: 'HTTP Toolkit', version: '1' }, entries: [entry('GET', 'https://example.com/'), entry('POST', 'https://hooks.example.com/rcs?src=gw', body), { request: 'nope' }] } };
    const file = path.join(dir('rci-foreign-'), 'toolkit.har');
    fs.writeFileSync(file, JSON.stringify(har));
    const target = dir('rci-import-foreign-');
    const r = await cli(['import', '--data-dir', target, file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^entry 3: skipped: /m);
    expect(lastJson(r.stdout)).toMatchObject({ added: 1, ignored: 1, problems: 1 });
    withStore(target, (s) => {
      const [d] = s.listDeliveries({ query: '', offset: 0, limit: 10 }).rows;
      expect(d).toMatchObject({ reference: 'from-toolkit', kind: 'delivered', path: '/rcs' });
      expect(Buffer.from(s.getRawRequest(d!.id)!.body).toString()).toBe(body);
    });
  });
});

/** RFC 4180 records: fields split on commas outside quotes, "" inside quotes is one quote, CRLF ends a record */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else if (c === '"' || c === '\n' || c === '\r') throw new Error(`unquoted ${JSON.stringify(c)} at ${i}`);
    else field += c;
  }
  if (field !== '' || row.length > 0) throw new Error('the last record has no CRLF');
  return rows;
}

describe('CSV', () => {
  it('deliveries: UTF-8 with BOM, RFC 4180 quoting, formula-like cells kept as text, one record per delivery', { timeout: 60_000 }, async () => {
    const r = await cli(['export', '--data-dir', source, '--format', 'csv']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.startsWith('\uFEFFid,received_at,reference,event_id,type,')).toBe(true);
    const rows = parseCsv(r.stdout.slice(1));
    const [head, ...body] = rows;
    expect(head).toEqual(expect.arrayContaining(['received_at', 'reference', 'event_id', 'type', 'channel', 'user_id', 'campaign', 'flags', 'attempt', 'answer_status', 'answer_ms']));
    expect(body).toHaveLength(lines.length);
    expect(body.every((row) => row.length === head!.length)).toBe(true);
    const col = (name: string) => head!.indexOf(name);
    const crafted = body.find((row) => row[col('reference')] === 'crafted-1')!;
    expect(crafted[col('campaign')]).toBe(`'${CRAFTED_CAMPAIGN}`);
    expect(crafted[col('text')]).toBe(CRAFTED_TEXT);
    // the same figures as the store's
    const first = JSON.parse(lines[0]!);
    expect(body[0]![col('received_at')]).toBe(first.receivedAt);
    expect(body[0]![col('answer_ms')]).toBe(String(first.response.ms));
    // no cell starts with a formula character
    expect(body.flat().filter((c) => /^[=+\-@]/.test(c))).toEqual([]);
  });

  it('messages, filtered: the messages the query lists, with their state', { timeout: 60_000 }, async () => {
    const r = await cli(['export', '--data-dir', source, '--format', 'csv', '--messages', '--filter', 'state:failed']);
    expect(r.code, r.stderr).toBe(0);
    const [head, ...body] = parseCsv(r.stdout.replace(/^\uFEFF/, ''));
    const failed = withStore(source, (s) => s.listMessages({ query: 'state:failed', offset: 0, limit: 5000 }, NOW).rows);
    expect(failed.length).toBeGreaterThan(0);
    expect(body.map((row) => row[head!.indexOf('reference')]).sort()).toEqual(failed.map((m) => m.reference).sort());
    expect(new Set(body.map((row) => row[head!.indexOf('state')]))).toEqual(new Set(['failed']));
    const bad = await cli(['export', '--data-dir', source, '--format', 'csv', '--filter', 'state:(']);
    expect(bad.code).toBe(2);
  });
});

describe('--out', () => {
  it('refuses to replace an existing file unless --force', { timeout: 60_000 }, async () => {
    const file = path.join(dir('rci-out-'), 'x.csv');
    fs.writeFileSync(file, 'mine');
    const r = await cli(['export', '--data-dir', source, '--format', 'csv', '--out', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already exists; .*--force/);
    expect(fs.readFileSync(file, 'utf8')).toBe('mine');
    expect((await cli(['export', '--data-dir', source, '--format', 'csv', '--out', file, '--force'])).code).toBe(0);
    expect(fs.readFileSync(file, 'utf8').startsWith('\uFEFF')).toBe(true);
  });

  it('an export stopped half-way leaves no file behind, neither the result nor its temporary file', { timeout: 180_000 }, async () => {
    const big = dir('rci-export-big-');
    withStore(big, (s) => {
      let batch: IngestInput[] = [];
      for (const d of generateDeliveries({ messages: 6000, seed: 5, startAt: T0 })) {
        batch.push(d);
        if (batch.length === 2000) s.ingest(batch.splice(0), NOW);
      }
      s.ingest(batch, NOW);
    });
    const outDir = dir('rci-export-cut-');
    const file = path.join(outDir, 'big.har');
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'electron', 'cli.ts'), 'export', '--data-dir', big, '--format', 'har', '--out', file], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
    // stopped (not killed) as soon as the temporary file exists, so the signal lands before the export ends
    for (;;) {
      if (fs.readdirSync(outDir).length > 0) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    proc.kill('SIGSTOP');
    const seen = fs.readdirSync(outDir);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^\.big\.har\.\d+\.partial$/);
    proc.kill('SIGTERM');
    proc.kill('SIGCONT');
    expect(await exited).toEqual({ code: 143, signal: null });
    expect(fs.readdirSync(outDir)).toEqual([]);
  });
});

describe('the desktop app', () => {
  it("File > Export writes what the command line writes, and a failed export leaves no file", { timeout: 60_000 }, async () => {
    const copy = dir('rci-core-export-');
    fs.copyFileSync(storeOf(source), storeOf(copy));
    const outDir = dir('rci-core-out-');
    const cliHar = (await cli(['export', '--data-dir', copy, '--format', 'har'])).stdout;
    const core = await createCore({ dataDir: copy, receiverPort: 0, tunnel: { enabled: false }, version: '0.1.0' });
    try {
      expect(await core.exportFile(path.join(outDir, 'd.har'), 'deliveries', 'har')).toBe(lines.length);
      expect(fs.readFileSync(path.join(outDir, 'd.har'), 'utf8')).toBe(cliHar);
      // the chosen name is a folder that cannot be replaced: the export fails and leaves only what was there
      fs.mkdirSync(path.join(outDir, 'taken.csv'));
      fs.writeFileSync(path.join(outDir, 'taken.csv', 'keep'), '');
      await expect(core.exportFile(path.join(outDir, 'taken.csv'), 'messages', 'csv')).rejects.toThrow();
      expect(fs.readdirSync(outDir).sort()).toEqual(['d.har', 'taken.csv']);
    } finally {
      await core.close();
    }
  });
});

describe('imported deliveries and replay', () => {
  it('a bulk replay leaves imported deliveries out unless asked for them', { timeout: 60_000 }, async () => {
    const target = dir('rci-import-replay-');
    const gatewayOnes = withStore(target, (s) => s.ingest([deliveryInput({ ...loadSamples().events.read, reference: 'live-1' }, T0)], NOW));
    expect(gatewayOnes).toHaveLength(1);
    const few = path.join(dir('rci-few-'), 'few.ndjson');
    fs.writeFileSync(few, lines.slice(0, 3).join('\n') + '\n');
    expect((await cli(['import', '--data-dir', target, few])).code).toBe(0);
    const endpoint = await startTarget();
    const s = openStore({ file: storeOf(target) });
    try {
      expect(s.importedAmong(s.listDeliveryIds('', 'received'))).toHaveLength(3);
      const leftOut: number[] = [];
      const summary = await replayCli({ store: s, to: endpoint.url, filter: '', asGateway: false, speed: 1, onImportedLeftOut: (n) => leftOut.push(n) });
      expect(summary).toMatchObject({ total: 1, ok: 1 });
      expect(leftOut).toEqual([3]);
      expect(endpoint.received.map((r) => JSON.parse(r.body.toString()).reference)).toEqual(['live-1']);
      const all = await replayCli({ store: s, to: endpoint.url, filter: '', asGateway: false, speed: 1, includeImported: true });
      expect(all).toMatchObject({ total: 4, ok: 4 });
      expect(leftOut).toEqual([3]);
      // the app's bulk replay (the lists' "Replay all") leaves them out too, and says so
      const events: { event: string; data: unknown }[] = [];
      const service = createReplayService({
        store: s,
        emit: (event, data) => void events.push({ event, data }),
        getSettings: () => ({ tunnel: { enabled: false, host: 'http://127.0.0.1:1', subdomain: null }, notifications: false, proxyMode: false, forwardLive: false }),
        closeGraceMs: 200,
      });
      s.saveTarget({ url: endpoint.url, headers: [], isDefault: true });
      const job = await service.handlers.startBulkReplay({ query: '', order: 'received', concurrency: 2, asGateway: false, speed: 1 });
      expect(job.total).toBe(1);
      expect(events).toContainEqual({ event: 'warning', data: expect.objectContaining({ code: 'replay-imported-skipped', message: expect.stringMatching(/^3 imported deliveries/) }) });
      await service.close();
    } finally {
      s.close();
      await endpoint.close();
    }
  });
});
