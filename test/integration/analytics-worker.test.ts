// A real core answering the gateway while an analytics report is computed: the report runs on a worker thread's
// own connection (electron/core/analytics-runner.ts), so acknowledgements keep coming back while it reads.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, DB_FILE_NAME, type Core } from '../../electron/core/app-core';
import { openStore } from '../../electron/core/store';
import { fillStore, generateDeliveries, loadSamples } from '../support/store-fixtures';
import { tempDir } from '../support/serve';

let core: Core;
let dir: string;
const T = Date.UTC(2026, 0, 5, 12);
/** matches every message, and is answered by reading them all rather than from the summaries */
const EVERY_MESSAGE_READ = 'after:2000-01-01';

async function post(body: unknown): Promise<number> {
  const res = await fetch(`${core.receiverUrl}/callbacks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

describe('analytics off the event loop', () => {
  beforeAll(async () => {
    dir = tempDir('rci-analytics-worker-');
    const store = openStore({ file: path.join(dir, DB_FILE_NAME) });
    fillStore(store, generateDeliveries({ messages: 6000, seed: 3, startAt: T }), 2000, T + 24 * 3600_000);
    store.close();
    core = await createCore({ dataDir: dir, receiverPort: 0, tunnel: { enabled: false }, version: 'test' });
  }, 120_000);

  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('acknowledges callbacks while a report is being computed, and the report sees what was indexed', { timeout: 120_000 }, async () => {
    const base = loadSamples().events.outbound_text;
    const callback = (i: number) => ({ ...base, reference: `probe-${i}`, event_id: `probe-ev-${i}`, campaign_name: 'worker_probe' });
    let reported = false;
    const report = Promise.resolve(core.handlers.getAnalytics({ query: EVERY_MESSAGE_READ })).finally(() => (reported = true));
    // one callback after another until the report is back: each answered while it was still being computed
    const answeredMeanwhile: number[] = [];
    let posted = 0;
    while (!reported) {
      const status = await post(callback(posted++));
      if (!reported) answeredMeanwhile.push(status);
    }
    const r = await report;
    expect(r.messages).toBeGreaterThanOrEqual(5900);
    expect(answeredMeanwhile.length).toBeGreaterThanOrEqual(3);
    expect(answeredMeanwhile.every((s) => s === 200)).toBe(true);

    // the worker reads the same file: once indexed, the callbacks above are in the next report
    const until = Date.now() + 30_000;
    while ((await core.handlers.getStatus({})).indexing.pending > 0 && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
    const probe = await core.handlers.getAnalytics({ query: 'campaign:worker_probe' });
    expect(probe.messages).toBe(posted);
    expect(probe.byCampaign.map((c) => c.campaign)).toEqual(['worker_probe']);
  });

  it('a query that does not parse gets the same error from the worker as from the lists', async () => {
    let listError = '';
    try {
      await core.handlers.listMessages({ query: 'since:soon', offset: 0, limit: 10 });
    } catch (err) {
      listError = (err as Error).message;
    }
    expect(listError).toMatch(/query:/);
    await expect(Promise.resolve(core.handlers.getAnalytics({ query: 'since:soon' }))).rejects.toMatchObject({ name: 'ApiError', code: 'bad-request', message: listError });
  });
});
