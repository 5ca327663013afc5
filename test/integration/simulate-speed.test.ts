// Simulated retries are judged at the simulator's speed-up: it says it in X-RCI-Simulated-Speed, the store keeps it
// on the repeat's duplicate detail, so the list's `retry:` search, the analytics' off-schedule count and the ladder
// agree that a "fail first 2" rule's retries came on the documented schedule. The notice at the end of a run counts
// the retries apart from the callbacks. Lists mark simulated rows (migration 10), which carry no headers.
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/app-core';
import { dispatch } from '../../electron/core/api-dispatch';
import { generateCampaign, type SimMix } from '../../electron/core/simulate/generate';
import { sendCampaign } from '../../electron/core/simulate/send';
import type { Report } from '../../shared/analytics';
import { SIMULATED_SPEED_HEADER } from '../../shared/constants';
import type { DeliveryDetail, DeliverySummary, MessageSummary } from '../../shared/domain';
import { parseQuery } from '../../shared/query';
import { deliveryMatches } from '../../shared/query-match';
import { buildLadder, explainGap } from '../../shared/retry-ladder';
import { tempDir } from '../support/serve';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function start(): Promise<Core> {
  const core = await createCore({ dataDir: tempDir(), receiverPort: 0, tunnel: { enabled: false }, version: 'test' });
  closers.push(() => core.close());
  await dispatch(core.handlers, 'setRules', { rules: [{ name: 'fail first 2', action: { kind: 'status', status: 503 }, firstAttempts: 2 }] });
  return core;
}

/** every event sent once as generated (no duplicates of the gateway's own): each repeat is the rule's doing */
const MIX: Partial<SimMix> = {
  sent: 0, delivered: 1, read: 1, replied: 1, clicked: 1, noRcsFallback: 1, noRcsNoFallback: 0, auth: 0,
  error502: 0, error503: 0, prepaidCustomer: 0, prepaidAccount: 0, duplicateBlocked: 0,
};

async function list(c: Core, query: string): Promise<DeliverySummary[]> {
  return ((await dispatch(c.handlers, 'listDeliveries', { query, offset: 0, limit: 500 })) as { rows: DeliverySummary[] }).rows;
}

async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, label: string): Promise<T> {
  const end = Date.now() + 30_000;
  for (;;) {
    const v = await what();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('simulated retries at 60× speed', () => {
  it('are on schedule in the list search, the analytics and the ladder, which says the speed-up', async () => {
    const c = await start();
    const speed = 60;
    const { deliveries } = generateCampaign({ messages: 2, seed: 5, mix: MIX, startMs: Date.now(), speed });
    const { progress } = await sendCampaign({ to: `${c.receiverUrl}/callbacks`, deliveries, speed, concurrency: 4 });
    expect(progress.retries).toBe(2 * deliveries.length);
    const rows = await until(() => list(c, ''), (r) => r.length === 3 * deliveries.length, 'every attempt indexed');

    const first = (await dispatch(c.handlers, 'getDelivery', { id: rows[0]!.id })) as DeliveryDetail;
    expect(first.headers.find(([k]) => k === SIMULATED_SPEED_HEADER)?.[1]).toBe('60');
    expect(await list(c, 'retry:off-schedule')).toEqual([]);
    expect(await list(c, 'retry:on-schedule')).toHaveLength(2 * deliveries.length);
    const report = (await dispatch(c.handlers, 'getAnalytics', { query: '' })) as Report;
    expect(report.retries.offSchedule).toBe(0);

    const last = (await dispatch(c.handlers, 'getDelivery', { id: rows.find((r) => r.attempt === 3)!.id })) as DeliveryDetail;
    // every simulated row is marked in the list (the lists read no headers); a gateway delivery is not
    expect(rows.every((r) => r.simulated === true)).toBe(true);
    await fetch(`${c.receiverUrl}/callbacks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deliveries[0]!.body.replace(/"event_id":"[^"]+"/, '"event_id":"from-gateway"') });
    const after = await until(() => list(c, ''), (r) => r.length === rows.length + 1, 'the gateway delivery indexed');
    expect(after[0]!.simulated).toBeUndefined();
    // searchable, the same in the store and in memory (live rows)
    expect((await list(c, 'source:simulated')).map((r) => r.id)).toEqual(rows.map((r) => r.id));
    expect((await list(c, '-source:simulated')).map((r) => r.id)).toEqual([after[0]!.id]);
    const parsed = parseQuery('source:simulated');
    expect(after.map((r) => deliveryMatches(parsed, r))).toEqual(after.map((r) => r.simulated === true));
    const messages = ((await dispatch(c.handlers, 'listMessages', { query: 'source:simulated', offset: 0, limit: 50 })) as { rows: unknown[] }).rows;
    expect(messages).toHaveLength(2);

    // the message list marks a message with a simulated delivery; a gateway-only message is not marked
    await fetch(`${c.receiverUrl}/callbacks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deliveries[0]!.body.split(deliveries[0]!.reference).join('gateway-only-ref') });
    const all = await until(
      async () => ((await dispatch(c.handlers, 'listMessages', { query: '', offset: 0, limit: 50 })) as { rows: MessageSummary[] }).rows,
      (r) => r.length === 3,
      'the gateway message indexed',
    );
    expect(all.map((m) => [m.reference === 'gateway-only-ref', m.simulated ?? false])).toEqual(all.map((m) => (m.reference === 'gateway-only-ref' ? [true, false] : [false, true])));

    const ladder = buildLadder(last.attempts!.map((a) => ({ id: a.id, attempt: a.attempt, receivedAt: a.receivedAt, answer: { status: a.responseStatus, ms: a.responseMs }, speed: a.simSpeed })));
    for (const s of ladder.slice(1)) {
      expect(s.retry!.verdict).toBe('on-schedule');
      expect(explainGap(s.retry!, s.gatewayAttempt)).toMatch(/on schedule .*simulated at 60× speed/);
    }
  }, 60_000);

  it("the end-of-run notice counts callbacks, deliveries and the retries our rule's answers caused", async () => {
    const c = await start();
    const notices: { code: string; message: string }[] = [];
    c.subscribe((batch) => batch.forEach((e) => e.event === 'warning' && notices.push(e.data as { code: string; message: string })));
    const started = (await dispatch(c.handlers, 'simulate', { messages: 3, speed: 2000, seed: 3 })) as { deliveries: number };
    const done = await until(async () => notices.find((n) => n.code === 'simulate-done'), (n) => n !== undefined, 'the notice');
    const n = started.deliveries;
    expect(done!.message).toContain(`${n} callbacks, ${3 * n} deliveries (${2 * n} retries after our non-200`);
  }, 60_000);
});
