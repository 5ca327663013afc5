// `serve` as a user runs it: real HTTP posts of the sample lifecycles, export, limits, store failure, restart.
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiCallName, ApiInput, ApiResults } from '../../shared/api';
import { loadSamples, runCli, startServe, tempDir, type ServeHandle } from '../support/serve';

const samples = loadSamples();

async function post(url: string, body: string | Uint8Array, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await fetch(`${url}/callbacks`, { method: "POST", headers, body: typeof body === "string" ? body : Buffer.from(body) });
  return { status: res.status, body: await res.text() };
}

function apiOf(s: ServeHandle) {
  const u = new URL(s.uiUrl);
  const token = u.searchParams.get('token')!;
  return async <K extends ApiCallName>(name: K, arg: ApiInput<K>): Promise<ApiResults[K]> => {
    const res = await fetch(`${u.origin}/api/call/${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(arg),
    });
    if (res.status !== 200) throw new Error(`${name}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<ApiResults[K]>;
  };
}

async function exportLines(dataDir: string, messages = false) {
  const r = await runCli(['export', '--data-dir', dataDir, '--format', 'ndjson', ...(messages ? ['--messages'] : [])]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('serve: receive, persist, classify', () => {
  let s: ServeHandle;
  beforeAll(async () => {
    s = await startServe(['--max-body', '65536']);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('acknowledges every sample lifecycle with 200 and exports the right flags, attempts and states', async () => {
    for (const [name, deliveries] of Object.entries(samples.lifecycles)) {
      for (const d of deliveries) {
        const r = await post(s.receiverUrl, JSON.stringify(d.body));
        expect(r.status, `${name} #${d.seq}`).toBe(200);
        expect(JSON.parse(r.body).received).toBe(true);
      }
    }
    const rows = await exportLines(s.dataDir);
    const total = Object.values(samples.lifecycles).reduce((n, l) => n + l.length, 0);
    expect(rows).toHaveLength(total);

    // gateway_retries: the DELIVERED event arrives three times, byte-identical → attempts 1, 2, 3, exact duplicates
    const retried = rows.filter((r) => r.callback?.reference === '8c34f0a7-6b15-4d74-af90-57c8d1e3a601' && r.callback?.kind === 'delivered');
    expect(retried.map((r) => r.attempt)).toEqual([1, 2, 3]);
    const dupes = retried.slice(1).map((r) => r.flags.find((f: { flag: string }) => f.flag === 'duplicate'));
    expect(dupes.map((d) => d.kind)).toEqual(['exact', 'exact']);
    expect(dupes[0].of).toBe(retried[0].id);

    // no-RCS exception then SMS fallback
    const fb = rows.filter((r) => r.callback?.reference === '3e8fab52-1c70-4e2f-9a4b-02d3e6f8c101');
    const exc = fb.flatMap((r) => r.flags).find((f: { flag: string }) => f.flag === 'exception');
    expect(exc.kind).toBe('rcs-unsupported');
    expect(fb.filter((r) => r.flags.some((f: { flag: string }) => f.flag === 'fallback'))).toHaveLength(2);

    const prepaid = rows.flatMap((r) => r.flags).filter((f: { flag: string }) => f.flag === 'prepaid-blocked');
    expect(prepaid).toHaveLength(2);
    expect(prepaid[0].scope).toBe('customer');

    const messages = await exportLines(s.dataDir, true);
    const state = (ref: string) => messages.find((m) => m.reference === ref)?.state;
    expect(state('2c7e9a41-0b6f-4d1e-8f3a-91c2d5e7b004')).toBe('replied');
    expect(state('3e8fab52-1c70-4e2f-9a4b-02d3e6f8c101')).toBe('fell-back');
    expect(state('5a01cd74-3e92-4a41-9c6d-24f5a8b0e301')).toBe('blocked');
    expect(state('8c34f0a7-6b15-4d74-af90-57c8d1e3a601')).toBe('read');
  });

  it('stores invalid input flagged with its reason and still answers 200', async () => {
    const cases: [string, string | Uint8Array, Record<string, string>][] = [
      ['malformed', '{"reference": "x",', { 'content-type': 'application/json' }],
      ['empty', '', { 'content-type': 'application/json' }],
      ['array', '[1,2,3]', { 'content-type': 'application/json' }],
      ['bad utf-8', new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { 'content-type': 'application/json' }],
      ['form', 'a=1&b=2', { 'content-type': 'application/x-www-form-urlencoded' }],
    ];
    const ids: number[] = [];
    for (const [name, body, headers] of cases) {
      const r = await post(s.receiverUrl, body, headers);
      expect(r.status, name).toBe(200);
      const j = JSON.parse(r.body);
      expect(j.invalid, name).toBe(true);
      ids.push(j.id);
    }
    const api = apiOf(s);
    for (const id of ids) {
      const d = await api('getDelivery', { id });
      const invalid = d!.flagDetails.find((f) => f.flag === 'invalid');
      expect(invalid && invalid.flag === 'invalid' && invalid.problems.length).toBeGreaterThan(0);
    }
    // the raw bytes are kept exactly, even when they are not UTF-8
    const bad = await api('getDelivery', { id: ids[3]! });
    expect(Buffer.from(bad!.bodyBase64, 'base64')).toEqual(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
  });

  it('answers 413 to a body over the limit and records the rejection with its first bytes', async () => {
    const big = JSON.stringify({ reference: 'big', pad: 'x'.repeat(100_000) });
    const r = await post(s.receiverUrl, big);
    expect(r.status).toBe(413);
    const id = JSON.parse(r.body).id;
    const d = await apiOf(s)('getDelivery', { id });
    expect(d!.outcome).toBe('rejected');
    expect(d!.responseStatus).toBe(413);
    expect(d!.rejectReason).toMatch(/limit/);
    expect(Buffer.from(d!.bodyBase64, 'base64').toString().startsWith('{"reference":"big"')).toBe(true);
  });

  it('answers 503 (never a false 200) while the database cannot be written, and recovers', async () => {
    const blocker = new Database(path.join(s.dataDir, 'inspector.sqlite'));
    blocker.exec('BEGIN EXCLUSIVE');
    try {
      const r = await post(s.receiverUrl, JSON.stringify(samples.events.delivered));
      expect(r.status).toBe(503);
      expect(JSON.parse(r.body).reason).toMatch(/lock|busy/i);
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    const again = await post(s.receiverUrl, JSON.stringify(samples.events.delivered));
    expect(again.status).toBe(200);
  });

  it('protects the control API: token, Host and Origin', async () => {
    const u = new URL(s.uiUrl);
    const call = (headers: Record<string, string>) =>
      fetch(`${u.origin}/api/call/getStatus`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' }).then((r) => r.status);
    const token = u.searchParams.get('token');
    expect(await call({ authorization: `Bearer ${token}` })).toBe(200);
    expect(await call({})).toBe(403);
    expect(await call({ authorization: 'Bearer wrong' })).toBe(403);
    expect(await call({ authorization: `Bearer ${token}`, origin: 'http://evil.example' })).toBe(403);
    // a bad argument is refused by the contract before any handler runs
    const bad = await fetch(`${u.origin}/api/call/getDelivery`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'drop table' }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/id/);
  });
});

describe('serve: lifecycle of the process', () => {
  it('keeps everything across a restart', async () => {
    const dataDir = tempDir();
    const first = await startServe([], { dataDir });
    for (const d of samples.lifecycles.happy_path_with_click!) expect((await post(first.receiverUrl, JSON.stringify(d.body))).status).toBe(200);
    expect(await first.stop()).toBe(0);
    const second = await startServe([], { dataDir });
    try {
      const page = await apiOf(second)('listDeliveries', { query: '' });
      expect(page.total).toBe(samples.lifecycles.happy_path_with_click!.length);
      const msg = await apiOf(second)('getMessage', { reference: '2c7e9a41-0b6f-4d1e-8f3a-91c2d5e7b004' });
      expect(msg!.summary.state).toBe('replied');
    } finally {
      await second.stop();
    }
  });

  it('rejects bad arguments with a usage error and a non-zero exit', async () => {
    const r = await runCli(['serve', '--port', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port must be a whole number/);
    const r2 = await runCli(['export', '--format', 'xml', '--data-dir', tempDir()]);
    expect(r2.code).toBe(2);
    const r3 = await runCli(['frobnicate']);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/Usage/);
  });
});
