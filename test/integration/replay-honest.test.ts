// The replay panel shows what happened, no more and no less: the headers recorded with an attempt are exactly the
// ones the target received (Connection included), a replay sent as the gateway would is recorded as such, a bulk
// replay counts its retries, and the idempotency check claims only what it saw from outside.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiEventName, ApiEvents, Settings } from '../../shared/api';
import { createReplayService, type ReplayService } from '../../electron/core/replay';
import { openStore } from '../../electron/core/store';
import type { Store } from '../../electron/core/store/types';
import { deliveryInput, loadSamples } from '../support/store-fixtures';
import { answers, failFirst, startTarget, type TargetServer } from '../support/targets';

const samples = loadSamples();
const settings: Settings = { tunnel: { enabled: false, host: 'http://127.0.0.1:1', subdomain: null }, notifications: false, proxyMode: false, forwardLive: false };
let dir: string;
let store: Store;
let service: ReplayService;
let events: { event: ApiEventName; data: unknown }[];
let targets: TargetServer[];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-replay-honest-'));
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
  service.handlers.saveTarget({ url: t.url, headers: [['X-Team', 'qa']], isDefault: true });
  return t;
}
const ingestOne = (i = 0) =>
  store.ingest([deliveryInput({ ...samples.events.delivered, reference: `honest-${i}`, event_id: `ev-${i}` }, Date.now())])[0]!.id;

describe('replay shows what was sent', () => {
  it('records exactly the headers the target received, names, order and values, Connection included', async () => {
    const t = await target();
    const id = ingestOne();
    const [a] = await service.handlers.replayDelivery({ deliveryId: id, headerOverrides: [], asGateway: false, speed: 1 });
    expect(t.received).toHaveLength(1);
    expect(a!.requestHeaders).toEqual(t.received[0]!.headers);
    expect(a!.requestHeaders.map(([n]) => n.toLowerCase())).toContain('connection');
  });

  it('records a replay sent as the gateway would as such, every retry of it too; a plain replay stays "replay"', async () => {
    await target(failFirst(2));
    const id = ingestOne();
    const attempts = await service.handlers.replayDelivery({ deliveryId: id, headerOverrides: [], asGateway: true, speed: 100_000 });
    expect(attempts.map((a) => [a.mode, a.status])).toEqual([
      ['replay-as-gateway', 500],
      ['replay-as-gateway', 500],
      ['replay-as-gateway', 200],
    ]);
    const [plain] = await service.handlers.replayDelivery({ deliveryId: id, headerOverrides: [], asGateway: false, speed: 1 });
    expect(plain!.mode).toBe('replay');
  });

  it('a bulk replay as the gateway counts every attempt and the retries among them', async () => {
    await target(failFirst(3));
    for (let i = 0; i < 2; i++) ingestOne(i);
    const job = await service.handlers.startBulkReplay({ query: '', order: 'received', concurrency: 1, asGateway: true, speed: 100_000 });
    const until = Date.now() + 20_000;
    let last: ApiEvents['replayProgress'] | undefined;
    while (!(last = events.map((e) => e.data as ApiEvents['replayProgress']).filter((p) => p.jobId === job.jobId).at(-1))?.finished) {
      if (Date.now() > until) throw new Error(`bulk replay did not finish: ${JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // the first delivery fails 3 times before its 200, the second gets it at once
    expect(last).toMatchObject({ done: 2, ok: 2, failed: 0, attempts: 5, retries: 3 });
    for (const a of store.listForwards(1)) expect(a.mode).toBe('replay-as-gateway');
  });

  it('the idempotency check says duplicates were answered 200, not that the endpoint is idempotent', async () => {
    await target(answers.ok());
    const id = ingestOne();
    const report = await service.handlers.checkIdempotency({ deliveryId: id, times: 2 });
    const texts = report.checks.map((c) => `${c.requirement}: ${c.detail}`);
    expect(report.checks.every((c) => c.ok)).toBe(true);
    expect(texts.join('\n')).not.toMatch(/Must handle duplicate messages \(idempotency\)/);
    expect(texts[2]).toMatch(/^Duplicates are accepted with 200: all 3 duplicates were answered 200 .*cannot be seen from here/);
  });
});
