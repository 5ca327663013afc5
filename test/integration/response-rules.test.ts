// Response rules against the real receiver over real HTTP: a rule changes only the answer (500, 503, a delay, a
// closed connection, a request held until the sender gives up), every delivery is stored all the same, and the
// delivery records the answer given and the rule that gave it.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/app-core';
import { dispatch } from '../../electron/core/api-dispatch';
import { createIngest } from '../../electron/core/ingest-pipeline';
import { startReceiver } from '../../electron/core/receiver';
import { ResponseRulesEngine } from '../../electron/core/response-rules';
import { openStore } from '../../electron/core/store';
import { PROBE_HEADER, PROBE_PATH } from '../../shared/constants';
import type { DeliveryDetail } from '../../shared/domain';
import type { ResponseRulesInput } from '../../shared/response-rules';
import { causeLabel, describeAnswer, retryCause } from '../../shared/retry-ladder';
import { loadSamples, tempDir } from '../support/serve';
import { allDeliveries } from '../support/list-all';

const samples = loadSamples();
const delivered = samples.events.delivered!;
const read = samples.events.read!;
const sms = samples.events.sms_fallback_delivered!;
const text = samples.events.outbound_text!;

let core: Core | null = null;
afterEach(async () => {
  await core?.close();
  core = null;
});

async function start(dataDir = tempDir()): Promise<Core> {
  core = await createCore({ dataDir, receiverPort: 0, tunnel: { enabled: false }, version: 'test' });
  return core;
}

/** One POST; `status: null` when the connection ended without an answer or the client gave up. */
function post(url: string, body: unknown, timeoutMs?: number): Promise<{ status: number | null; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve) => {
    const req = http.request(`${url}/callbacks`, { method: 'POST', headers: { 'content-type': 'application/json' }, agent: false }, (res) => {
      let t = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (t += d));
      res.on('end', () => resolve({ status: res.statusCode ?? null, headers: res.headers, text: t }));
    });
    req.on('error', () => resolve({ status: null, headers: {}, text: '' }));
    // the gateway's own way of giving up: it stops waiting and hangs up
    if (timeoutMs !== undefined) req.setTimeout(timeoutMs, () => req.destroy());
    req.end(JSON.stringify(body));
  });
}

async function until<T>(what: () => T | Promise<T>, ok: (v: T) => boolean, label: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await what();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${label}`);
}

function deliveries(c: Core, query = ''): DeliveryDetail[] {
  return allDeliveries(c.store, query).map((r) => c.store.getDelivery(r.id)!).sort((a, b) => a.id - b.id);
}

/** through the API's validation, as the UI and scripts call it */
const setRules = (c: Core, input: ResponseRulesInput) => dispatch(c.handlers, 'setRules', input);

const withEvent = (body: Record<string, unknown>, eventId: string) => ({ ...body, event_id: eventId });

describe('response rules', () => {
  it('change the answer but never the storage: 500, closed and hung deliveries are all stored, with the answer and the rule recorded', async () => {
    const c = await start();
    const rules: ResponseRulesInput = {
      rules: [
        // in order: the SMS fallback's DELIVERED is dropped by the first rule, never reaches the second
        { id: 'd', name: 'drop sms', match: { channel: 'sms' }, action: { kind: 'close' } },
        { id: 'f', name: 'fail delivered', match: { type: 'delivered' }, action: { kind: 'status', status: 500, body: 'nope', headers: { 'Retry-After': '30' } } },
        { id: 'h', name: 'hold read', match: { type: 'READ', userId: '+55 11 99999-0001' }, action: { kind: 'hang' } },
      ],
    };
    await setRules(c, rules);
    expect((await c.handlers.getStatus({})).rulesActive).toBe(3);

    const a = await post(c.receiverUrl, delivered);
    expect([a.status, a.text, a.headers['retry-after']]).toEqual([500, 'nope', '30']);
    expect((await post(c.receiverUrl, sms)).status).toBeNull();
    // held until the sender gives up
    expect((await post(c.receiverUrl, read, 500)).status).toBeNull();
    expect((await post(c.receiverUrl, text)).status).toBe(200);

    const all = await until(() => deliveries(c), (d) => d.length === 4 && d.every((x) => x.type === 'Text' || x.answeredBy !== null), 'four indexed deliveries with their answers');
    const byType = Object.fromEntries(all.filter((d) => d.channel === 'RCS').map((d) => [d.type, d]));
    expect(byType.DELIVERED!.reference).toBe(delivered.reference);
    expect(byType.DELIVERED!.bodyText).toBe(JSON.stringify(delivered));
    expect(byType.DELIVERED!.answeredBy).toEqual({ rule: 'fail delivered', action: 'status', status: 500, delayMs: null });
    expect(byType.DELIVERED!.responseStatus).toBe(500);
    expect(byType.DELIVERED!.channel).toBe('RCS');
    const smsRow = all.find((d) => d.channel === 'SMS')!;
    expect(smsRow.answeredBy).toEqual({ rule: 'drop sms', action: 'close', status: null, delayMs: null });
    expect(byType.READ!.answeredBy).toEqual({ rule: 'hold read', action: 'hang', status: null, delayMs: null });
    // nothing was answered: status 0, as for a sender that hung up
    expect([smsRow.responseStatus, byType.READ!.responseStatus]).toEqual([0, 0]);
    expect(byType.Text!.answeredBy).toBeNull();
    expect(byType.Text!.responseStatus).toBe(200);
    // the lists' status: search follows what was answered
    expect(deliveries(c, 'status:500').map((d) => d.id)).toEqual([byType.DELIVERED!.id]);

    // the timeline carries the same answer per delivery
    const m = await c.handlers.getMessage({ reference: delivered.reference as string, eventsOffset: 0, eventsLimit: 200 });
    const inTimeline = m!.events.flatMap((e) => e.deliveries).find((d) => d.id === byType.DELIVERED!.id)!;
    expect(inTimeline.answeredBy).toEqual(byType.DELIVERED!.answeredBy);
  });

  it('"first N attempts" answers 503 to attempts 1..N of each event and 200 after', async () => {
    const c = await start();
    await setRules(c, { rules: [{ name: 'fail first 2', action: { kind: 'status', status: 503 }, firstAttempts: 2 }] });
    const got: (number | null)[] = [];
    for (let i = 0; i < 4; i++) got.push((await post(c.receiverUrl, delivered)).status);
    // another event of the same message counts from 1 on its own
    for (let i = 0; i < 3; i++) got.push((await post(c.receiverUrl, read)).status);
    expect(got).toEqual([503, 503, 200, 200, 503, 503, 200]);

    const all = await until(() => deliveries(c), (d) => d.length === 7 && d.filter((x) => x.answeredBy).length === 4, 'seven deliveries');
    expect(all.map((d) => [d.type, d.attempt, d.responseStatus, d.answeredBy?.rule ?? null])).toEqual([
      ['DELIVERED', 1, 503, 'fail first 2'],
      ['DELIVERED', 2, 503, 'fail first 2'],
      ['DELIVERED', 3, 200, null],
      ['DELIVERED', 4, 200, null],
      ['READ', 1, 503, 'fail first 2'],
      ['READ', 2, 503, 'fail first 2'],
      ['READ', 3, 200, null],
    ]);
  });

  it('"first N attempts" counts afresh once the event\'s deliveries are deleted (Clear all)', async () => {
    const c = await start();
    await setRules(c, { rules: [{ name: 'fail first 2', action: { kind: 'status', status: 503 }, firstAttempts: 2 }] });
    const got: (number | null)[] = [];
    for (let i = 0; i < 3; i++) got.push((await post(c.receiverUrl, delivered)).status);
    await until(() => deliveries(c), (d) => d.length === 3, 'three deliveries');
    await dispatch(c.handlers, 'deleteData', { scope: { kind: 'all' } });
    await until(() => deliveries(c), (d) => d.length === 0, 'everything deleted');
    // the same event again: the store holds none of it, so this is its first attempt
    for (let i = 0; i < 3; i++) got.push((await post(c.receiverUrl, delivered)).status);
    expect(got).toEqual([503, 503, 200, 503, 503, 200]);
  });

  it('counts attempts of events stored before a restart, and matches on attempt numbers', async () => {
    const dir = tempDir();
    let c = await start(dir);
    await post(c.receiverUrl, delivered);
    await until(() => deliveries(c), (d) => d.length === 1 && d[0]!.attempt === 1, 'the first attempt indexed');
    await c.close();
    c = await start(dir);
    await setRules(c, { rules: [{ name: 'third and later', match: { attempt: { min: 3 } }, action: { kind: 'status', status: 429 } }] });
    expect((await post(c.receiverUrl, delivered)).status).toBe(200); // attempt 2
    expect((await post(c.receiverUrl, delivered)).status).toBe(429); // attempt 3
  });

  it('"percent" picks the same deliveries on every run with the same seed', async () => {
    const events = Array.from({ length: 40 }, (_, i) => withEvent(delivered, `evt-${i}`));
    const run = async (seed: number) => {
      const c = await start();
      await setRules(c, { seed, rules: [{ name: 'half', action: { kind: 'status', status: 500 }, percent: 50 }] });
      const out: (number | null)[] = [];
      for (const e of events) out.push((await post(c.receiverUrl, e)).status);
      await c.close();
      core = null;
      return out;
    };
    const first = await run(7);
    expect(first).toContain(500);
    expect(first).toContain(200);
    expect(await run(7)).toEqual(first);
    expect(await run(8)).not.toEqual(first);
  });

  it('delays the answer, then answers with the rule status; the answer time includes the delay', async () => {
    const c = await start();
    await setRules(c, { rules: [{ name: 'slow', action: { kind: 'delay', ms: 400, status: 202 } }] });
    expect((await post(c.receiverUrl, delivered)).status).toBe(202);
    const [d] = await until(() => deliveries(c), (x) => x.length === 1 && x[0]!.answeredBy !== null && x[0]!.responseMs > 0, 'the delayed delivery');
    expect(d!.answeredBy).toEqual({ rule: 'slow', action: 'delay', status: 202, delayMs: 400 });
    expect(d!.responseMs).toBeGreaterThanOrEqual(400);
  });

  it('a delayed answer the sender gave up on is recorded as no answer (status 0), not as the rule\'s status', async () => {
    const c = await start();
    await setRules(c, { rules: [{ name: 'past timeout', action: { kind: 'delay', ms: 5000, status: 200 } }] });
    // the sender stops waiting long before the delay is over
    expect((await post(c.receiverUrl, delivered, 300)).status).toBeNull();
    const [d] = await until(() => deliveries(c), (x) => x.length === 1 && x[0]!.answeredBy?.status === null, 'the delivery recorded as unanswered');
    expect(d!.answeredBy).toEqual({ rule: 'past timeout', action: 'delay', status: null, delayMs: 5000 });
    expect(d!.responseStatus).toBe(0);
    expect(deliveries(c, 'status:200')).toEqual([]);
    // the retry ladder says why the gateway retried: nothing came back from us
    const cause = retryCause({ status: d!.responseStatus, ms: d!.responseMs, answeredBy: d!.answeredBy });
    expect(causeLabel(cause)).toBe("no answer from us (rule 'past timeout')");
    expect(describeAnswer({ status: d!.responseStatus, ms: d!.responseMs, answeredBy: d!.answeredBy })).toMatch(/^gave no answer/);
  });

  it('"all off" and disabled rules leave the usual 200; rules are kept across restarts and apply to the next delivery', async () => {
    const dir = tempDir();
    let c = await start(dir);
    expect(await c.handlers.getRules({})).toEqual({ enabled: true, seed: 0, rules: [] });
    expect((await c.handlers.getStatus({})).rulesActive).toBe(0);
    await setRules(c, { enabled: false, rules: [{ id: 'x', name: 'fail', action: { kind: 'status', status: 500 } }] });
    expect((await c.handlers.getStatus({})).rulesActive).toBe(0);
    expect((await post(c.receiverUrl, delivered)).status).toBe(200);
    await c.close();
    c = await start(dir);
    const kept = await c.handlers.getRules({});
    expect(kept.enabled).toBe(false);
    expect(kept.rules.map((r) => r.name)).toEqual(['fail']);
    await setRules(c, { ...kept, enabled: true });
    expect((await post(c.receiverUrl, read)).status).toBe(500);
    await setRules(c, { ...kept, enabled: true, rules: [{ ...kept.rules[0]!, enabled: false }] });
    expect((await post(c.receiverUrl, read)).status).toBe(200);
  });

  it('a request held by a "hang" rule is let go when the app stops', async () => {
    const c = await start();
    await setRules(c, { rules: [{ name: 'hold', action: { kind: 'hang' } }] });
    const pending = post(c.receiverUrl, delivered);
    await until(() => c.store.pendingCount() + c.store.indexedCounts().deliveries, (n) => n === 1, 'the held delivery stored');
    await c.close();
    core = null;
    expect((await pending).status).toBeNull();
  });
});

describe('response rules at the receiver', () => {
  it('never apply to the tunnel health probe, nor to a refused delivery', async () => {
    const store = openStore({ file: `${tempDir()}/s.sqlite` });
    const ingest = createIngest(store);
    const engine = new ResponseRulesEngine({ priorAttempts: () => 0 });
    engine.set({ enabled: true, seed: 0, rules: [{ id: 'a', name: 'all 500', enabled: true, match: {}, action: { kind: 'status', status: 500 } }] });
    const receiver = await startReceiver({ committer: ingest, port: 0, maxBodyBytes: 1000, probeToken: 'tok', rules: engine.hook(() => {}) });
    try {
      const probe = await fetch(`${receiver.url}${PROBE_PATH}`, { headers: { [PROBE_HEADER]: 'tok' } });
      expect(probe.status).toBe(200);
      const tooBig = await fetch(`${receiver.url}/callbacks`, { method: 'POST', body: 'x'.repeat(5000) });
      expect(tooBig.status).toBe(413);
      expect((await post(receiver.url, delivered)).status).toBe(500);
    } finally {
      await receiver.close();
      await ingest.close();
      store.close();
    }
  });

  it('an answer Node cannot send (a header outside Latin-1, from rules saved before values were checked) is never "not stored": the connection closes, the delivery is stored as unanswered', async () => {
    const store = openStore({ file: `${tempDir()}/s.sqlite` });
    const ingest = createIngest(store);
    const engine = new ResponseRulesEngine({ priorAttempts: () => 0 });
    // set directly: the schema refuses this value now
    const bad = { id: 'a', name: 'fail', enabled: true, match: {}, action: { kind: 'status' as const, status: 503, headers: { 'X-Why': 'fail → retry' } } };
    engine.set({ enabled: true, seed: 0, rules: [bad] });
    const warnings: string[] = [];
    const receiver = await startReceiver({
      committer: ingest,
      port: 0,
      maxBodyBytes: 100_000,
      rules: engine.hook((row) => store.setRuleAnswers([row])),
      onWarning: (code) => warnings.push(code),
    });
    try {
      for (const body of [delivered, read]) {
        const r = await post(receiver.url, body);
        expect(r.status).toBeNull();
        expect(r.text).not.toContain('not stored');
      }
      await until(() => store.getDelivery(2)?.answeredBy?.status, (s) => s === null, 'the second delivery recorded as unanswered');
      for (const id of [1, 2]) {
        const d = store.getDelivery(id)!;
        expect([d.responseStatus, d.answeredBy]).toEqual([0, { rule: 'fail', action: 'status', status: null, delayMs: null }]);
      }
      expect(warnings).toEqual(['rule-answer-failed', 'rule-answer-failed']);
    } finally {
      await receiver.close();
      await ingest.close();
      store.close();
    }
  });
});
