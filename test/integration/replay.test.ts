// Replaying one stored delivery to local target servers: what goes on the wire, gateway-style retries against
// targets that fail, time out or reset, every attempt recorded, idempotency report, proxy answers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiEventName, ApiEvents, ApiHandlers, Settings } from '../../shared/api';
import { GATEWAY_TIMEOUT_MS, RETRY_SCHEDULE_MS } from '../../shared/constants';
import type { ForwardAttempt } from '../../shared/domain';
import { ApiError } from '../../shared/api-error';
import { dispatch } from '../../electron/core/api-dispatch';
import { createReplayService, proxyAnswer, type ReplayService } from '../../electron/core/replay';
import { openStore } from '../../electron/core/store';
import type { IngestInput, Store } from '../../electron/core/store/types';
import { deliveryInput, loadSamples, rejectedInput } from '../support/store-fixtures';
import { answers, failFirst, startTarget, type TargetServer } from '../support/targets';

const samples = loadSamples();
let dir: string;
let store: Store;
let service: ReplayService;
let events: { event: ApiEventName; data: unknown }[];
let targets: TargetServer[];
let settings: Settings;

function makeService(opts: { timeoutMs?: number } = {}): ReplayService {
  return createReplayService({
    store,
    emit: <K extends ApiEventName>(event: K, data: ApiEvents[K]) => void events.push({ event, data }),
    getSettings: () => settings,
    closeGraceMs: 200,
    ...opts,
  });
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-replay-'));
  store = openStore({ file: path.join(dir, 'inspector.sqlite') });
  events = [];
  targets = [];
  settings = { tunnel: { enabled: false, host: 'http://127.0.0.1:1', subdomain: null }, notifications: false, proxyMode: false, forwardLive: false };
  service = makeService();
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

function ingest(...inputs: IngestInput[]): number[] {
  return store.ingest(inputs).map((s) => s.id);
}

/** A delivery as the tunnel hands it over, with the per-connection headers a proxy chain adds. */
function gatewayDelivery(body: string): IngestInput {
  const input = deliveryInput(body, Date.now(), { raw: true });
  input.request.query = 'token=abc&x=1';
  input.request.headers = [
    ['Host', 'inspector.loca.lt'],
    ['User-Agent', 'axios/1.7.2'],
    ['Content-Type', 'application/json'],
    ['Content-Length', String(Buffer.byteLength(body))],
    ['Connection', 'keep-alive, X-Hop'],
    ['Keep-Alive', 'timeout=5'],
    ['X-Hop', 'only for the first connection'],
    ['Proxy-Authorization', 'Basic c2VjcmV0'],
    ['TE', 'trailers'],
    ['Upgrade', 'h2c'],
    ['X-Forwarded-For', '203.0.113.7'],
    ['X-Signature', 'sha256=original'],
    ['x-multi', 'one'],
    ['X-Multi', 'two'],
  ];
  return input;
}

const lower = (h: [string, string][]) => h.map(([n, v]) => [n.toLowerCase(), v]);
const statuses = (list: ForwardAttempt[]) => list.map((a) => a.status);

async function rejects(p: Promise<unknown> | (() => unknown), code: string, message: RegExp) {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).code).toBe(code);
  expect((err as ApiError).message).toMatch(message);
}

describe('replay one delivery', () => {
  it('sends the original bytes and end-to-end headers, Host rewritten, target headers and overrides applied; records the attempt', async () => {
    const t = await target(answers.ok('{"accepted":"sí"}'));
    const saved = service.handlers.saveTarget({ url: t.url, headers: [['Authorization', 'Bearer t0k']], isDefault: true }) as { id: number };
    // not canonical JSON on purpose: spacing, key order and non-ASCII must survive byte for byte
    const body = `{ "reference":"r-1",  "message": {"text":"Olá 'mundo' — ✓"},\n "type":"Text" }`;
    const [id] = ingest(gatewayDelivery(body));

    const attempts = await service.handlers.replayDelivery({
      deliveryId: id,
      targetId: saved.id,
      headerOverrides: [['x-signature', 'sha256=edited']],
      asGateway: false,
      speed: 1,
    });

    expect(t.received).toHaveLength(1);
    const got = t.received[0]!;
    expect(got.body.equals(Buffer.from(body))).toBe(true);
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/callbacks?token=abc&x=1');
    const names = got.headers.map(([n]) => n.toLowerCase());
    for (const hop of ['keep-alive', 'x-hop', 'proxy-authorization', 'te', 'upgrade', 'transfer-encoding']) expect(names).not.toContain(hop);
    expect(lower(got.headers)).toEqual([
      ['host', `127.0.0.1:${t.port}`],
      ['user-agent', 'axios/1.7.2'],
      ['content-type', 'application/json'],
      ['x-forwarded-for', '203.0.113.7'],
      ['x-multi', 'one'],
      ['x-multi', 'two'],
      ['authorization', 'Bearer t0k'],
      ['x-signature', 'sha256=edited'],
      ['content-length', String(Buffer.byteLength(body))],
      ['connection', 'close'],
    ]);

    expect(attempts).toHaveLength(1);
    const a = attempts[0]!;
    expect(a).toMatchObject({ deliveryId: id, mode: 'replay', attempt: 1, status: 200, error: null, targetUrl: `${t.url}?token=abc&x=1` });
    expect(a.requestBodySize).toBe(Buffer.byteLength(body));
    expect(a.responseExcerpt).toBe('{"accepted":"sí"}');
    expect(a.responseHeaders).toContainEqual(['x-target', 'test']);
    // what was recorded is what the target saw, Connection included
    expect(lower(a.requestHeaders)).toEqual(lower(got.headers));
    expect(store.listForwards(id)).toEqual(attempts);
    expect(store.getDelivery(id)!.forwards).toEqual(attempts);
    expect(service.handlers.listForwards({ deliveryId: id })).toEqual(attempts);
    expect(events).toContainEqual({ event: 'forward', data: { deliveryId: id, attempt: a } });
  });

  it('keeps the query of a target URL that has its own, and uses the default target when none is named', async () => {
    const t = await target();
    service.handlers.saveTarget({ url: `${t.url}?mine=1`, headers: [], isDefault: false });
    const [id] = ingest(gatewayDelivery('{}'));
    await service.handlers.replayDelivery({ deliveryId: id, headerOverrides: [], asGateway: false, speed: 1 });
    expect(t.received.map((r) => r.url)).toEqual(['/callbacks?mine=1']);
  });

  it('edit-then-replay sends the edited JSON exactly as typed; invalid JSON is refused with nothing sent', async () => {
    const t = await target();
    service.handlers.saveTarget({ url: t.url, headers: [], isDefault: true });
    const [id] = ingest(deliveryInput(samples.events.delivered, Date.now()));
    const edited = '{"type": "READ",\n  "reference": "edited"}';
    const [a] = await service.handlers.replayDelivery({ deliveryId: id, body: edited, headerOverrides: [], asGateway: false, speed: 1 });
    expect(t.received[0]!.body.toString('utf8')).toBe(edited);
    expect(a!.requestBodySize).toBe(Buffer.byteLength(edited));

    await rejects(service.handlers.replayDelivery({ deliveryId: id, body: '{"type": READ}', headerOverrides: [], asGateway: false, speed: 1 }) as Promise<unknown>, 'bad-request', /edited body is not valid JSON/);
    expect(t.received).toHaveLength(1);
    expect(store.listForwards(id)).toHaveLength(1);
  });

  it('refuses bad targets, headers and overrides with clear errors, and unknown deliveries or targets as not found', async () => {
    await rejects(() => service.handlers.saveTarget({ url: 'ftp://127.0.0.1/x', headers: [], isDefault: false }), 'bad-request', /http:\/\/ or https:\/\//);
    await rejects(() => service.handlers.saveTarget({ url: 'http://127.0.0.1:1/x', headers: [['Bad Name', 'v']], isDefault: false }), 'bad-request', /not a valid header name/);
    await rejects(() => service.handlers.saveTarget({ url: 'http://127.0.0.1:1/x', headers: [['X-A', 'a\r\nInjected: 1']], isDefault: false }), 'bad-request', /line break/);
    await rejects(() => service.handlers.saveTarget({ url: 'http://127.0.0.1:1/x', headers: [['Transfer-Encoding', 'chunked']], isDefault: false }), 'bad-request', /target header: "Transfer-Encoding" .* cannot be overridden/);
    await rejects(() => service.handlers.saveTarget({ id: 77, url: 'http://127.0.0.1:1/x', headers: [], isDefault: false }), 'not-found', /target 77/);
    expect(service.handlers.listTargets({})).toEqual([]);

    const [id] = ingest(deliveryInput(samples.events.read, Date.now()));
    await rejects(service.handlers.replayDelivery({ deliveryId: id, headerOverrides: [], asGateway: false, speed: 1 }) as Promise<unknown>, 'bad-request', /no target saved/);
    const t = await target();
    const saved = service.handlers.saveTarget({ url: t.url, headers: [], isDefault: true }) as { id: number };
    await rejects(service.handlers.replayDelivery({ deliveryId: id, headerOverrides: [['Content-Length', '1']], asGateway: false, speed: 1 }) as Promise<unknown>, 'bad-request', /cannot be overridden/);
    await rejects(service.handlers.replayDelivery({ deliveryId: 9999, headerOverrides: [], asGateway: false, speed: 1 }) as Promise<unknown>, 'not-found', /delivery 9999/);
    await rejects(service.handlers.replayDelivery({ deliveryId: id, targetId: saved.id + 1, headerOverrides: [], asGateway: false, speed: 1 }) as Promise<unknown>, 'not-found', /target/);
    expect(t.received).toHaveLength(0);

    expect(service.handlers.deleteTarget({ id: saved.id })).toEqual({ ok: true });
    expect(service.handlers.listTargets({})).toEqual([]);
  });

  it('will not replay a delivery whose body was only partly stored (rejected as too large)', async () => {
    const t = await target();
    service.handlers.saveTarget({ url: t.url, headers: [], isDefault: true });
    const [id] = ingest(rejectedInput('{"reference":"big",', 5_000_000, Date.now()));
    await rejects(service.handlers.replayDelivery({ deliveryId: id, headerOverrides: [], asGateway: false, speed: 1 }) as Promise<unknown>, 'bad-request', /only the first 19 of 5000000 body bytes/);
    expect(t.received).toHaveLength(0);
  });
});

describe('as the gateway would', () => {
  it('retries anything but 200 on the documented schedule (divided by speed) and stops at the first 200', async () => {
    const t = await target(failFirst(3, answers.status(500)));
    service.handlers.saveTarget({ url: t.url, headers: [], isDefault: true });
    const [id] = ingest(deliveryInput(samples.events.delivered, Date.now()));
    const speed = 500;
    const attempts = await service.handlers.replayDelivery({ deliveryId: id, headerOverrides: [], asGateway: true, speed });
    expect(statuses(attempts)).toEqual([500, 500, 500, 200]);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    expect(attempts.map((a) => a.error)).toEqual([null, null, null, null]);
    expect(t.received).toHaveLength(4);
    for (let i = 1; i < 4; i++) {
      const gap = t.received[i]!.at - t.received[i - 1]!.at;
      expect(gap).toBeGreaterThanOrEqual(RETRY_SCHEDULE_MS[i - 1]! / speed - 2);
    }
    expect(store.listForwards(id)).toEqual(attempts);
    expect(events.filter((e) => e.event === 'forward')).toHaveLength(4);
  });

  it('gives up after 10 retries (11 attempts) against an endpoint that always fails, every attempt recorded', async () => {
    const t = await target(answers.status(503, 'down'));
    service.handlers.saveTarget({ url: t.url, headers: [], isDefault: true });
    const [id] = ingest(deliveryInput(samples.events.read, Date.now()));
    // the whole schedule (about 46.7 h) at ×200,000 takes under a second
    const attempts = await service.handlers.replayDelivery({ deliveryId: id, headerOverrides: [], asGateway: true, speed: 100_000 });
    expect(attempts).toHaveLength(1 + RETRY_SCHEDULE_MS.length);
    expect(new Set(statuses(attempts))).toEqual(new Set([503]));
    expect(attempts.every((a) => a.responseExcerpt === 'down')).toBe(true);
    expect(t.received).toHaveLength(11);
    expect(store.listForwards(id).map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('sends once, without retries, when not replaying as the gateway', async () => {
    const t = await target(answers.status(500));
    service.handlers.saveTarget({ url: t.url, headers: [], isDefault: true });
    const [id] = ingest(deliveryInput(samples.events.read, Date.now()));
    const attempts = await service.handlers.replayDelivery({ deliveryId: id, headerOverrides: [], asGateway: false, speed: 1 });
    expect(statuses(attempts)).toEqual([500]);
    await new Promise((r) => setTimeout(r, 100));
    expect(t.received).toHaveLength(1);
  });

  it('treats a slow answer as a failed attempt at the timeout and retries it', async () => {
    await service.close();
    service = makeService({ timeoutMs: 300 });
    const t = await target(failFirst(2, answers.slow(2_000)));
    service.handlers.saveTarget({ url: t.url, headers: [], isDefault: true });
    const [id] = ingest(deliveryInput(samples.events.read, Date.now()));
    const attempts = await service.handlers.replayDelivery({ deliveryId: id, headerOverrides: [], asGateway: true, speed: 10_000 });
    expect(statuses(attempts)).toEqual([null, null, 200]);
    for (const a of attempts.slice(0, 2)) {
      expect(a.error).toMatch(/no answer within the timeout \(300 ms\)/);
      expect(a.durationMs).toBeGreaterThanOrEqual(295);
      expect(a.durationMs).toBeLessThan(2_000);
    }
    expect(attempts[2]!.error).toBeNull();
  });

  it('uses the gateway 10 s timeout by default: 8.5 s is an answer, 11 s is a timeout', { timeout: 30_000 }, async () => {
    expect(GATEWAY_TIMEOUT_MS).toBe(10_000);
    const slowOk = await target(answers.slow(8_500));
    const tooSlow = await target(answers.slow(11_000));
    const a = service.handlers.saveTarget({ url: slowOk.url, headers: [], isDefault: true }) as { id: number };
    const b = service.handlers.saveTarget({ url: tooSlow.url, headers: [], isDefault: false }) as { id: number };
    const [id] = ingest(deliveryInput(samples.events.read, Date.now()));
    const [ra, rb] = await Promise.all([
      service.handlers.replayDelivery({ deliveryId: id, targetId: a.id, headerOverrides: [], asGateway: false, speed: 1 }),
      service.handlers.replayDelivery({ deliveryId: id, targetId: b.id, headerOverrides: [], asGateway: false, speed: 1 }),
    ]);
    expect(ra![0]).toMatchObject({ status: 200, error: null });
    expect(rb![0]).toMatchObject({ status: null, error: expect.stringMatching(/no answer within the timeout \(10000 ms\)/) });
    expect(rb![0]!.durationMs).toBeGreaterThanOrEqual(9_990);
    expect(rb![0]!.durationMs).toBeLessThan(11_000);
  });

  it('records a reset connection as an error with no status and retries it', async () => {
    const t = await target(failFirst(2, answers.reset()));
    service.handlers.saveTarget({ url: t.url, headers: [], isDefault: true });
    const [id] = ingest(deliveryInput(samples.events.read, Date.now()));
    const attempts = await service.handlers.replayDelivery({ deliveryId: id, headerOverrides: [], asGateway: true, speed: 10_000 });
    expect(statuses(attempts)).toEqual([null, null, 200]);
    for (const a of attempts.slice(0, 2)) expect(a.error).toMatch(/reset|closed the connection/);
    expect(t.received).toHaveLength(3);
  });

  it('records a refused connection clearly', async () => {
    const t = await target();
    const url = t.url;
    await t.close();
    service.handlers.saveTarget({ url, headers: [], isDefault: true });
    const [id] = ingest(deliveryInput(samples.events.read, Date.now()));
    const [a] = await service.handlers.replayDelivery({ deliveryId: id, headerOverrides: [], asGateway: false, speed: 1 });
    expect(a).toMatchObject({ status: null, error: expect.stringMatching(/connection refused: nothing is listening at 127\.0\.0\.1:\d+/) });
  });

  it('a gateway-style replay waiting for its next retry can be cancelled, by its delivery id', async () => {
    const t = await target(answers.status(500));
    service.handlers.saveTarget({ url: t.url, headers: [], isDefault: true });
    const [id] = ingest(deliveryInput(samples.events.read, Date.now()));
    const running = service.handlers.replayDelivery({ deliveryId: id, headerOverrides: [], asGateway: true, speed: 1 });
    await t.waitForRequests(1);
    await new Promise((r) => setTimeout(r, 50));
    // through the contract, as both transports call it
    expect(await dispatch(service.handlers as unknown as ApiHandlers, 'cancelReplay', { deliveryId: id })).toEqual({ ok: true });
    const attempts = await running;
    expect(statuses(attempts)).toEqual([500]);
    expect(service.handlers.cancelReplay({ deliveryId: id })).toEqual({ ok: false });
  });
});

describe('idempotency check', () => {
  it('reports every requirement met by an endpoint that accepts duplicates', async () => {
    // a short delay so the concurrent round visibly overlaps at the target
    const t = await target(answers.slow(60));
    service.handlers.saveTarget({ url: t.url, headers: [], isDefault: true });
    const [id] = ingest(deliveryInput(samples.events.delivered, Date.now()));
    const report = await service.handlers.checkIdempotency({ deliveryId: id, times: 4 });
    expect(report.targetUrl).toBe(t.url);
    expect(report.sequential.map((s) => s.status)).toEqual([200, 200, 200, 200]);
    expect(report.concurrent.map((s) => s.status)).toEqual([200, 200, 200, 200]);
    expect(report.checks.map((c) => [c.requirement, c.ok])).toEqual([
      ['Must return HTTP 200 for confirmation', true],
      ['Maximum response time: 10 seconds', true],
      ['Duplicates are accepted with 200', true],
    ]);
    expect(t.received).toHaveLength(8);
    expect(new Set(t.received.map((r) => r.body.toString('hex'))).size).toBe(1);
    expect(t.maxInFlight).toBe(4);
    const recorded = store.listForwards(id);
    expect(recorded.map((a) => [a.mode, a.attempt])).toEqual(Array.from({ length: 8 }, (_, i) => ['idempotency', i + 1]));
  });

  it('fails the duplicate and 200 checks for an endpoint that rejects repeats, and says which', async () => {
    const seen = new Set<string>();
    const t = await target((req) => {
      const key = req.body.toString('hex');
      if (seen.has(key)) return answers.status(409, '{"error":"duplicate"}');
      seen.add(key);
      return answers.ok();
    });
    service.handlers.saveTarget({ url: t.url, headers: [], isDefault: true });
    const [id] = ingest(deliveryInput(samples.events.delivered, Date.now()));
    const report = await service.handlers.checkIdempotency({ deliveryId: id, times: 3 });
    expect(report.sequential.map((s) => s.status)).toEqual([200, 409, 409]);
    expect(report.concurrent.map((s) => s.status)).toEqual([409, 409, 409]);
    const [ok200, time, dup] = report.checks;
    expect(ok200).toMatchObject({ ok: false, detail: '5 of 6 sends did not get a 200: 409 ×5' });
    expect(time!.ok).toBe(true);
    expect(dup).toMatchObject({ ok: false, detail: '5 of 5 duplicates were not accepted: 409 ×5 (3 of them sent at the same time)' });
  });

  it('fails the response-time check for an endpoint slower than the timeout', async () => {
    await service.close();
    service = makeService({ timeoutMs: 200 });
    const t = await target(answers.slow(1_000));
    service.handlers.saveTarget({ url: t.url, headers: [], isDefault: true });
    const [id] = ingest(deliveryInput(samples.events.delivered, Date.now()));
    const report = await service.handlers.checkIdempotency({ deliveryId: id, times: 1 });
    expect(report.sequential[0]).toMatchObject({ status: null, error: expect.stringMatching(/within the timeout/) });
    expect(report.checks[1]!.ok).toBe(false);
    expect(report.checks[1]!.detail).toMatch(/^2 of 2 sends were not answered within 0.2 s/);
    expect(report.checks[2]!.detail).toMatch(/first send already failed/);
  });
});

describe('proxy mode', () => {
  it('answers with the target status, recorded as a proxy attempt, and 504 when the target is too slow', async () => {
    await service.close();
    service = makeService({ timeoutMs: 5_000 });
    const [id] = ingest(deliveryInput(samples.events.delivered, Date.now()));
    expect(await service.proxyAnswer(id, 1_000)).toBeNull(); // no target: answer as usual

    const failing = await target(answers.status(500));
    service.handlers.saveTarget({ url: failing.url, headers: [], isDefault: true });
    expect(await service.proxyAnswer(id, 1_000)).toBe(500);
    expect(store.listForwards(id).map((a) => [a.mode, a.status])).toEqual([['proxy', 500]]);
    expect(events.some((e) => e.event === 'forward')).toBe(true);

    const slow = await target(answers.slow(3_000));
    service.handlers.saveTarget({ url: slow.url, headers: [], isDefault: true });
    const started = performance.now();
    expect(await service.proxyAnswer(id, 250)).toBe(504);
    expect(performance.now() - started).toBeLessThan(1_000);

    const ok = await target(answers.ok());
    service.handlers.saveTarget({ url: ok.url, headers: [], isDefault: true });
    expect(await proxyAnswer(store, id, 1_000)).toBe(200);
    await ok.close();
    expect(await proxyAnswer(store, id, 1_000)).toBe(502);
    expect(store.listForwards(id).map((a) => a.mode)).toEqual(['proxy', 'proxy', 'proxy', 'proxy']);
  });
});
