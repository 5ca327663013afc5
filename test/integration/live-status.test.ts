// A real core: the status bar numbers each live frame carries are the ones getStatus would give at that moment,
// so the UI can show them without asking again.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvents } from '../../shared/api';
import { createCore, type Core } from '../../electron/core/app-core';
import { loadSamples } from '../support/store-fixtures';
import { tempDir } from '../support/serve';

let core: Core;
let dir: string;
const frames: ApiEvents['deliveries'][] = [];

async function post(body: unknown): Promise<number> {
  const res = await fetch(`${core.receiverUrl}/callbacks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

describe('live frames and the status agree', () => {
  beforeAll(async () => {
    dir = tempDir('rci-live-status-');
    core = await createCore({ dataDir: dir, receiverPort: 0, tunnel: { enabled: false }, version: 'test' });
    core.subscribe((batch) => {
      for (const e of batch) if (e.event === 'deliveries') frames.push(e.data);
    });
  });

  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('carries totals, today, messages, indexing and size as getStatus reports them', async () => {
    const base = loadSamples().events.outbound_text;
    const statuses: number[] = [];
    // three rounds: 5 new messages, then 5 repeats of the same callbacks (no new message), then 3 more
    for (const [from, n] of [[0, 5], [0, 5], [5, 3]] as const) {
      const round = await Promise.all(Array.from({ length: n }, (_, i) => post({ ...base, reference: `live-${from + i}`, event_id: `ev-${from + i}` })));
      statuses.push(...round);
      const total = statuses.length;
      const until = Date.now() + 20_000;
      while (frames.at(-1)?.total !== total && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      const frame = frames.at(-1)!;
      const status = await core.handlers.getStatus({});
      expect(frame.total).toBe(total);
      expect(frame.status).toEqual({
        deliveriesTotal: status.deliveriesTotal,
        deliveriesToday: status.deliveriesToday,
        messagesTotal: status.messagesTotal,
        indexing: status.indexing,
        storeBytes: frame.status.storeBytes,
        testCallbacks: status.testCallbacks,
        rulesActive: status.rulesActive,
      });
      expect([frame.status.deliveriesTotal, frame.status.messagesTotal]).toEqual([total, from + n]);
      expect(frame.status.storeBytes).toBeGreaterThan(0);
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
  });
});
