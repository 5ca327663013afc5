// The first-run screen's test callback is a real delivery (it proves the path from the receiver to disk), and the
// user can delete it: afterwards lists, counts, search, analytics and the status bar are exactly as if it had never
// been sent, and no later delivery takes its id.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiEventBatch } from '../../shared/api';
import { createCore, type Core } from '../../electron/core/app-core';
import Database from 'better-sqlite3';
import { createContext } from '../../electron/core/store/context';
import { counterKey } from '../../shared/facet-keys';
import { ingestRaw } from '../../electron/core/store/inbox';
import { migrate } from '../../electron/core/store/schema';
import { deliveryInput, loadSamples } from '../support/store-fixtures';

const samples = loadSamples();
let dir: string;
let core: Core;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-test-callbacks-'));
  core = await createCore({ dataDir: dir, receiverPort: 0, tunnel: { enabled: false }, version: 'test' });
});
afterEach(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function post(body: unknown): Promise<number> {
  const res = await fetch(`${core.receiverUrl}/callbacks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await res.json()) as { id: number };
  expect(res.status).toBe(200);
  return answer.id;
}
async function indexed(): Promise<void> {
  const until = Date.now() + 10_000;
  while ((await core.handlers.getStatus({})).indexing.pending > 0) {
    if (Date.now() > until) throw new Error('indexing did not catch up');
    await new Promise((r) => setTimeout(r, 10));
  }
}
/** everything a user sees that a stored delivery counts in */
async function view(now: number) {
  const h = core.handlers;
  const status = await h.getStatus({});
  return {
    totals: [status.deliveriesTotal, status.deliveriesToday, status.messagesTotal, status.testCallbacks ?? 0],
    counts: await h.getCounts({ query: '' }),
    messages: (await h.listMessages({ query: '', offset: 0, limit: 100 })).rows.map((m) => m.reference),
    deliveries: (await h.listDeliveries({ query: '', offset: 0, limit: 100 })).rows.map((d) => d.id),
    search: (await h.listDeliveries({ query: '"Test callback"', offset: 0, limit: 100 })).rows.map((d) => d.id),
    analytics: core.store.getAnalytics('', now),
  };
}

describe('test callbacks', () => {
  it('are counted until deleted; deleting leaves every list, count and figure as if none had been sent', async () => {
    for (const [i, e] of [samples.events.outbound_text, samples.events.delivered, samples.events.read].entries()) {
      await post({ ...e, event_id: `ev-${i}` });
    }
    await indexed();
    const now = Date.now();
    const before = await view(now);
    expect(before.totals[3]).toBe(0);

    const frames: ApiEventBatch = [];
    const unsubscribe = core.subscribe((b) => frames.push(...b));
    const sent = await core.handlers.sendTestCallback({ via: 'local' });
    expect(sent.status).toBe(200);
    await indexed();
    const withTest = await view(now);
    expect(withTest.totals).toEqual([before.totals[0] + 1, before.totals[1] + 1, before.totals[2] + 1, 1]);
    expect(withTest.search).toEqual([sent.deliveryId]);
    // the live frames tell the UI too, so it can offer the delete as soon as the test arrives
    await expect.poll(() => frames.filter((f) => f.event === 'deliveries').at(-1)?.data.status.testCallbacks).toBe(1);
    unsubscribe();

    expect(await core.handlers.deleteTestCallbacks({})).toEqual({ messages: 1, deliveries: 1 });
    expect(await view(now)).toEqual(before);
    expect(await core.handlers.getDelivery({ id: sent.deliveryId! })).toBeNull();
    expect(await core.handlers.deleteTestCallbacks({})).toEqual({ messages: 0, deliveries: 0 });

    // a new delivery never takes the deleted one's id
    const next = await post({ ...samples.events.read, event_id: 'ev-after' });
    expect(next).toBeGreaterThan(sent.deliveryId!);
    await indexed();
    expect((await core.handlers.getStatus({})).testCallbacks).toBe(0);
  });

  it('keeps a test-campaign message that also holds a delivery the test button did not make', async () => {
    const sent = await core.handlers.sendTestCallback({ via: 'local' });
    await indexed();
    const ref = (await core.handlers.getDelivery({ id: sent.deliveryId! }))!.reference!;
    await post({ ...samples.events.delivered, reference: ref, campaign_name: 'black-friday', event_id: 'other' });
    await indexed();
    expect(await core.handlers.deleteTestCallbacks({})).toEqual({ messages: 0, deliveries: 0 });
    expect((await core.handlers.listMessages({ query: '', offset: 0, limit: 10 })).rows.map((m) => m.reference)).toEqual([ref]);
  });
});

describe('the ids deleted test callbacks leave behind', () => {
  it('are never taken again, and the acknowledgement path does not read their floor each time', () => {
    const db = new Database(path.join(dir, 'floor.sqlite'));
    try {
      migrate(db);
      // an earlier session deleted test callbacks up to id 100
      db.prepare('INSERT INTO counters (key, n) VALUES (?, 100)').run(counterKey('retired-ids'));
      const ctx = createContext(db);
      const prepared = ctx.stmt.bind(ctx);
      const used: string[] = [];
      ctx.stmt = (sql, mode) => (used.push(sql), prepared(sql, mode));
      const at = Date.now();
      expect(ingestRaw(ctx, [deliveryInput({ ...samples.events.read, event_id: 'f-1' }, at)]).map((d) => d.id)).toEqual([101]);
      used.length = 0;
      expect(ingestRaw(ctx, [deliveryInput({ ...samples.events.read, event_id: 'f-2' }, at + 1)]).map((d) => d.id)).toEqual([102]);
      expect(used.filter((sql) => /counters/.test(sql))).toEqual([]);
    } finally {
      db.close();
    }
  });
});
