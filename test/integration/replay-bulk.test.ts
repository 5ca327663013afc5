// Bulk replay (1,000 deliveries, order, filter, summary, cancel, shutdown), the CLI replay, live forwarding
// through a real receiver, and "Copy as cURL" run with the real curl against a local target.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiEventName, ApiEvents, Settings } from '../../shared/api';
import { createCore } from '../../electron/core/app-core';
import { createReplayService, replayCli, type ReplayService } from '../../electron/core/replay';
import { openStore } from '../../electron/core/store';
import type { IngestInput, Store } from '../../electron/core/store/types';
import { deliveryInput, loadSamples } from '../support/store-fixtures';
import { runCli } from '../support/serve';
import { answers, startTarget, type ReceivedRequest, type TargetServer } from '../support/targets';

const samples = loadSamples();
const T0 = Date.parse('2025-11-28T12:00:00Z');
let dir: string;
let store: Store;
let service: ReplayService;
let events: { event: ApiEventName; data: unknown }[];
let targets: TargetServer[];
const settings: Settings = { tunnel: { enabled: false, host: 'http://127.0.0.1:1', subdomain: null }, notifications: false, proxyMode: false, forwardLive: false };

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-replay-bulk-'));
  store = openStore({ file: path.join(dir, 'inspector.sqlite') });
  events = [];
  targets = [];
  service = createReplayService({
    store,
    emit: <K extends ApiEventName>(event: K, data: ApiEvents[K]) => void events.push({ event, data }),
    getSettings: () => settings,
    closeGraceMs: 200,
  });
});

afterEach(async () => {
  await service.close();
  await Promise.all(targets.map((t) => t.close()));
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function target(answer?: Parameters<typeof startTarget>[0]): Promise<TargetServer> {
  const t = await startTarget(answer);
  targets.push(t);
  return t;
}

/** n callbacks with references bulk-0..n-1; event timestamps run backwards when `reversed`. */
function callbacks(n: number, opts: { type?: 'delivered' | 'read'; reversed?: boolean; prefix?: string } = {}): IngestInput[] {
  return Array.from({ length: n }, (_, i) =>
    deliveryInput(
      {
        ...samples.events[opts.type ?? 'delivered'],
        reference: `${opts.prefix ?? 'bulk'}-${i}`,
        event_id: `ev-${opts.prefix ?? 'bulk'}-${i}`,
        timestamp: new Date(T0 + (opts.reversed ? n - i : i) * 1000).toISOString(),
      },
      T0 + i,
    ),
  );
}

function ingest(inputs: IngestInput[]): number[] {
  const ids: number[] = [];
  for (let i = 0; i < inputs.length; i += 250) ids.push(...store.ingest(inputs.slice(i, i + 250)).map((s) => s.id));
  return ids;
}

/** A port nothing listens on: bound by the system, then released. */
function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

const refOf = (r: ReceivedRequest) => (JSON.parse(r.body.toString('utf8')) as { reference: string }).reference;
type Progress = ApiEvents['replayProgress'];
const progressOf = (jobId: string) => events.filter((e) => e.event === 'replayProgress' && (e.data as Progress).jobId === jobId).map((e) => e.data as Progress);

async function finished(jobId: string, timeoutMs = 20_000): Promise<Progress> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const last = progressOf(jobId).at(-1);
    if (last?.finished) return last;
    if (Date.now() > until) throw new Error(`job ${jobId} did not finish: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('bulk replay', () => {
  it('replays 1,000 deliveries with bounded concurrency, throttled progress and a correct summary', async () => {
    // every tenth reference is refused by the endpoint
    const t = await target((req) => (refOf(req).endsWith('7') ? answers.status(500) : answers.ok()));
    service.handlers.saveTarget({ url: t.url, headers: [], isDefault: true });
    const ids = ingest(callbacks(1000));

    const job = await service.handlers.startBulkReplay({ query: '', order: 'received', concurrency: 8, asGateway: false, speed: 1 });
    expect(job.total).toBe(1000);
    const last = await finished(job.jobId);
    expect(last).toEqual({ jobId: job.jobId, done: 1000, total: 1000, ok: 900, failed: 100, attempts: 1000, retries: 0, finished: true, cancelled: false });

    const progress = progressOf(job.jobId);
    expect(progress.length).toBeGreaterThan(1); // reports along the way, not only at the end
    expect(progress.length).toBeLessThan(200); // throttled: not one per delivery
    expect(progress.slice(0, -1).every((p) => !p.finished)).toBe(true);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.done).toBeGreaterThanOrEqual(progress[i - 1]!.done);

    expect(t.received).toHaveLength(1000);
    expect(t.maxInFlight).toBeLessThanOrEqual(8);
    const sent = new Set(t.received.map((r) => r.body.toString('base64')));
    const stored = new Set(ids.map((id) => Buffer.from(store.getRawRequest(id)!.body).toString('base64')));
    expect(sent).toEqual(stored);
    expect(events.filter((e) => e.event === 'forward')).toHaveLength(1000);
    expect(store.listForwards(ids[17]!).map((a) => [a.mode, a.status])).toEqual([['replay', 500]]);
    expect(store.listForwards(ids[18]!).map((a) => [a.mode, a.status])).toEqual([['replay', 200]]);
  });

  it('sends in receipt order or in event-timestamp order', async () => {
    const t = await target();
    service.handlers.saveTarget({ url: t.url, headers: [], isDefault: true });
    ingest(callbacks(25, { reversed: true }));

    const byReceipt = await service.handlers.startBulkReplay({ query: '', order: 'received', concurrency: 1, asGateway: false, speed: 1 });
    await finished(byReceipt.jobId);
    expect(t.received.map(refOf)).toEqual(Array.from({ length: 25 }, (_, i) => `bulk-${i}`));

    const byTime = await service.handlers.startBulkReplay({ query: '', order: 'timestamp', concurrency: 1, asGateway: false, speed: 1 });
    await finished(byTime.jobId);
    expect(t.received.slice(25).map(refOf)).toEqual(Array.from({ length: 25 }, (_, i) => `bulk-${24 - i}`));
  });

  it('replays only what matches the filter; an empty selection finishes at once', async () => {
    const t = await target();
    service.handlers.saveTarget({ url: t.url, headers: [], isDefault: true });
    ingest([...callbacks(10, { type: 'delivered', prefix: 'd' }), ...callbacks(4, { type: 'read', prefix: 'r' })]);
    const job = await service.handlers.startBulkReplay({ query: 'type:READ', order: 'received', concurrency: 4, asGateway: false, speed: 1 });
    expect(job.total).toBe(4);
    expect(await finished(job.jobId)).toMatchObject({ done: 4, ok: 4, failed: 0 });
    expect(t.received.map(refOf).sort()).toEqual(['r-0', 'r-1', 'r-2', 'r-3']);

    const none = await service.handlers.startBulkReplay({ query: 'ref:nothing-like-this', order: 'received', concurrency: 4, asGateway: false, speed: 1 });
    expect(none.total).toBe(0);
    expect(await finished(none.jobId)).toMatchObject({ done: 0, total: 0, finished: true });
  });

  it('as the gateway: each delivery retried until its 200, waits between retries holding no send slot', async () => {
    const seen = new Set<string>();
    // the first attempt of every delivery fails
    const t = await target((req) => (seen.has(refOf(req)) ? answers.ok() : (seen.add(refOf(req)), answers.status(502))));
    service.handlers.saveTarget({ url: t.url, headers: [], isDefault: true });
    const ids = ingest(callbacks(20));
    const job = await service.handlers.startBulkReplay({ query: '', order: 'received', concurrency: 2, asGateway: true, speed: 1000 });
    expect(await finished(job.jobId)).toMatchObject({ done: 20, ok: 20, failed: 0 });
    expect(t.received).toHaveLength(40);
    // send slots are handed out in order and a retry queues up behind the first attempts already waiting
    const firstRetryIndex = t.received.findIndex((r) => r.index > 0 && t.received.slice(0, r.index).some((p) => refOf(p) === refOf(r)));
    expect(firstRetryIndex).toBeGreaterThanOrEqual(19);
    for (const id of ids) expect(store.listForwards(id).map((a) => [a.attempt, a.status])).toEqual([[1, 502], [2, 200]]);
  });

  it('cancel stops the job: no new sends, a final cancelled report', async () => {
    const t = await target(answers.slow(80));
    service.handlers.saveTarget({ url: t.url, headers: [], isDefault: true });
    ingest(callbacks(300));
    const job = await service.handlers.startBulkReplay({ query: '', order: 'received', concurrency: 2, asGateway: false, speed: 1 });
    await t.waitForRequests(6);
    expect(service.handlers.cancelReplay({ jobId: job.jobId })).toEqual({ ok: true });
    const last = await finished(job.jobId);
    expect(last.cancelled).toBe(true);
    expect(last.done).toBeLessThan(300);
    const sentAtEnd = t.received.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(t.received.length).toBe(sentAtEnd);
    expect(sentAtEnd).toBeLessThan(20);
    expect(last.ok + last.failed).toBe(last.done);
    expect(service.handlers.cancelReplay({ jobId: job.jobId })).toEqual({ ok: false });
    expect(service.handlers.cancelReplay({ jobId: 'no-such-job' })).toEqual({ ok: false });
  });

  it('close() cancels running jobs and returns promptly; later calls are refused', async () => {
    const t = await target(answers.slow(5_000));
    service.handlers.saveTarget({ url: t.url, headers: [], isDefault: true });
    ingest(callbacks(50));
    const job = await service.handlers.startBulkReplay({ query: '', order: 'received', concurrency: 4, asGateway: true, speed: 1 });
    await t.waitForRequests(4);
    const started = performance.now();
    await service.close();
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(progressOf(job.jobId).at(-1)).toMatchObject({ finished: true, cancelled: true, done: 4, failed: 4 });
    expect(() => service.handlers.startBulkReplay({ query: '', order: 'received', concurrency: 4, asGateway: false, speed: 1 })).toThrow(/shutting down/);
  });
});

describe('CLI replay', () => {
  it('replayCli sends the filtered deliveries and returns the summary', async () => {
    const t = await target((req) => (refOf(req) === 'r-1' ? answers.status(500) : answers.ok()));
    ingest([...callbacks(5, { type: 'delivered', prefix: 'd' }), ...callbacks(3, { type: 'read', prefix: 'r' })]);
    const progress: unknown[] = [];
    const summary = await replayCli({ store, to: t.url, filter: 'type:READ', asGateway: true, speed: 100_000, onProgress: (p) => progress.push(p) });
    expect(summary).toEqual({ total: 3, ok: 2, failed: 1, attempts: 2 + 11, cancelled: false });
    expect(progress.at(-1)).toMatchObject({ done: 3, finished: true });
    await expect(replayCli({ store, to: 'file:///etc/passwd', filter: '', asGateway: false, speed: 1 })).rejects.toThrow(/http:\/\/ or https:\/\//);
  });

  it('`cli replay` runs end to end against a data dir', { timeout: 60_000 }, async () => {
    const t = await target();
    ingest(callbacks(6, { type: 'read', prefix: 'r' }));
    const out = await runCli(['replay', '--data-dir', dir, '--to', t.url, '--filter', 'type:read', '--concurrency', '2']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({ event: 'replayDone', total: 6, ok: 6, failed: 0, attempts: 6 });
    expect(t.received).toHaveLength(6);
  });

  it('`cli replay` exits non-zero and prints why each failed delivery failed', { timeout: 60_000 }, async () => {
    const t = await target((req) => (refOf(req) === 'r-1' ? answers.status(500, '{"error":"db down"}') : refOf(req) === 'r-2' ? answers.reset() : answers.ok()));
    const ids = ingest(callbacks(4, { type: 'read', prefix: 'r' }));
    const out = await runCli(['replay', '--data-dir', dir, '--to', t.url, '--concurrency', '1']);
    expect(out.code).toBe(3);
    const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({ event: 'replayDone', total: 4, ok: 2, failed: 2 });
    const errors = out.stderr.trim().split('\n');
    expect(errors).toContain(`delivery #${ids[1]} failed: the target answered 500: {"error":"db down"}`);
    expect(errors.find((l) => l.startsWith(`delivery #${ids[2]} failed: `))).toMatch(/connection reset|closed the connection/);
    expect(errors.filter((l) => l.startsWith('delivery #'))).toHaveLength(2);
    expect(errors.at(-1)).toBe('2 of 4 deliveries did not get their 200');

    // nothing listens on the port: every delivery fails, each with its reason, after every gateway retry
    const port = await unusedPort();
    const refused = await runCli(['replay', '--data-dir', dir, '--to', `http://127.0.0.1:${port}/hook`, '--as-gateway', '--speed', '100000']);
    expect(refused.code).toBe(3);
    const refusedLines = refused.stderr.trim().split('\n');
    for (const id of ids) {
      expect(refusedLines).toContain(`delivery #${id} failed after 11 attempts: connection refused: nothing is listening at 127.0.0.1:${port} (ECONNREFUSED)`);
    }
    expect(refusedLines.at(-1)).toBe('4 of 4 deliveries did not get their 200');
  });
});

describe('forward live', () => {
  it('sends each delivery the receiver stored to the default target after the 200, records it and emits `forward`', { timeout: 30_000 }, async () => {
    const t = await target(answers.slow(600, 202));
    const core = await createCore({ dataDir: path.join(dir, 'core'), receiverPort: 0, tunnel: { enabled: false }, version: 'test' });
    const seen: unknown[] = [];
    const unsubscribe = core.subscribe((batch) => seen.push(...batch.filter((e) => e.event === 'forward')));
    try {
      await core.handlers.saveTarget({ url: t.url, headers: [['X-Forwarded-By', 'rci']], isDefault: true });
      const body = JSON.stringify(samples.events.read);
      // forwarding off: stored, not sent
      const before = await fetch(`${core.receiverUrl}/callbacks`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      expect(before.status).toBe(200);
      await core.handlers.updateSettings({ forwardLive: true });
      const res = await fetch(`${core.receiverUrl}/callbacks`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(200);
      const { id } = (await res.json()) as { id: number };
      // the 200 did not wait for the (slow) target
      expect(core.store.listForwards(id)).toEqual([]);
      await t.waitForRequests(1);
      const until = Date.now() + 5_000;
      while (core.store.listForwards(id).length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      const [a] = core.store.listForwards(id);
      expect(a).toMatchObject({ deliveryId: id, mode: 'forward', status: 202, error: null });
      expect(t.received).toHaveLength(1);
      expect(t.received[0]!.body.toString('utf8')).toBe(body);
      expect(t.received[0]!.headers).toContainEqual(['X-Forwarded-By', 'rci']);
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).toContainEqual({ event: 'forward', data: { deliveryId: id, attempt: a } });
    } finally {
      unsubscribe();
      await core.close();
    }
  });

  it('deliveriesCommitted returns at once and forwards nothing when forwarding is off, in proxy mode, or for rejected deliveries', async () => {
    settings.forwardLive = true;
    service.deliveriesCommitted(store.ingest(callbacks(1, { prefix: 'early' })));
    service.deliveriesCommitted(store.ingest(callbacks(1, { prefix: 'early2' })));
    await new Promise((r) => setTimeout(r, 50));
    // no target yet: the user is told once, not once per batch
    expect(events.filter((e) => e.event === 'warning').map((e) => (e.data as { code: string }).code)).toEqual(['forward-no-target']);
    settings.forwardLive = false;
    const t = await target();
    service.handlers.saveTarget({ url: t.url, headers: [], isDefault: true });
    const rows = store.ingest(callbacks(3));
    service.deliveriesCommitted(rows); // forwardLive is off
    settings.proxyMode = true;
    settings.forwardLive = true;
    service.deliveriesCommitted(rows); // proxy mode sends through the receiver's hook instead
    settings.proxyMode = false;
    service.deliveriesCommitted(rows.map((r) => ({ ...r, outcome: 'rejected' as const })));
    await new Promise((r) => setTimeout(r, 200));
    expect(t.received).toHaveLength(0);
    service.deliveriesCommitted(rows);
    expect(t.received).toHaveLength(0); // nothing sent synchronously
    await t.waitForRequests(3);
    settings.forwardLive = false;
  });
});

const CURL = '/usr/bin/curl';
const runShell = (cmd: string) =>
  new Promise<void>((resolve, reject) => execFile('/bin/sh', ['-c', cmd], { timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));

describe.skipIf(!fs.existsSync(CURL))('copy as cURL', () => {
  const sorted = (h: [string, string][]) => h.map(([n, v]) => `${n.toLowerCase()}: ${v}`).sort();

  async function roundTrip(body: Buffer, extraHeaders: [string, string][] = []) {
    const t = await target();
    const input = deliveryInput(body, T0);
    input.request.headers.push(['Connection', 'keep-alive'], ...extraHeaders);
    input.request.query = 'sig=a%20b&list[]=1';
    const [d] = store.ingest([input]);
    const cmd = service.handlers.copyAsCurl({ deliveryId: d!.id, targetUrl: t.url }) as string;
    await runShell(cmd);
    expect(t.received).toHaveLength(1);
    const got = t.received[0]!;
    expect(got.body.equals(body)).toBe(true);
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/callbacks?sig=a%20b&list[]=1');
    const expected = input.request.headers.filter(([n]) => !['host', 'content-length', 'connection'].includes(n.toLowerCase()));
    expect(sorted(got.headers.filter(([n]) => !['host', 'content-length'].includes(n.toLowerCase())))).toEqual(sorted(expected));
    return cmd;
  }

  it('sends the exact text body and headers, nothing expanded by the shell', async () => {
    const body = Buffer.from(`{"text":"it's $HOME \`id\` $(id) \\"quoted\\" ✓ 'x'\\n","nl":"a\nb"}`);
    const cmd = await roundTrip(body, [['X-Note', "it's; $(rm -rf /)"]]);
    expect(cmd).toMatch(/^curl -g -X 'POST' /);
    expect(cmd).toContain('--data-binary');
  });

  it('sends a body starting with @ as data, not as a file name', async () => {
    const cmd = await roundTrip(Buffer.from('@/etc/passwd'));
    expect(cmd).toContain("printf '%s' '@/etc/passwd' |");
  });

  it('sends bytes a shell argument cannot hold (NUL, invalid UTF-8) through base64', async () => {
    const cmd = await roundTrip(Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x27, 0x0a, 0x7d]));
    expect(cmd).toContain('| base64 -d |');
  });

  it('without a target, reproduces the request to the URL the sender used', () => {
    const input = deliveryInput(samples.events.read, T0);
    input.request.headers.push(['X-Forwarded-Proto', 'https']);
    const [d] = store.ingest([input]);
    const cmd = service.handlers.copyAsCurl({ deliveryId: d!.id }) as string;
    expect(cmd.split(' \\\n  ')[0]).toBe("curl -g -X 'POST' 'https://inspector.loca.lt/callbacks'");
    expect(() => service.handlers.copyAsCurl({ deliveryId: 999 })).toThrow(/delivery 999/);
  });
});
