// Endpoint testing end to end over real HTTP on 127.0.0.1: the simulator (sending as the gateway) against the
// inspector's own receiver. A "first N attempts" response rule must make the simulator walk exactly the documented
// retry ladder, and the store and the ladder must tell the same story; an answer lost on the way back (a proxy
// holding our 200 past the sender's timeout) must show as a retry after 200, and only there.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/app-core';
import { dispatch } from '../../electron/core/api-dispatch';
import { generateCampaign, type SimDelivery, type SimMix } from '../../electron/core/simulate/generate';
import { sendCampaign } from '../../electron/core/simulate/send';
import { RETRY_SCHEDULE_MS } from '../../shared/constants';
import type { DeliveryDetail, DeliverySummary } from '../../shared/domain';
import { buildLadder, causeLabel, type AnswerRule } from '../../shared/retry-ladder';
import { tempDir } from '../support/serve';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function start(): Promise<Core> {
  const core = await createCore({ dataDir: tempDir(), receiverPort: 0, tunnel: { enabled: false }, version: 'test' });
  closers.push(() => core.close());
  return core;
}

/** lifecycles without the outcomes the gateway never retries differently; every event is sent once as generated */
const MIX: Partial<SimMix> = {
  sent: 0, delivered: 1, read: 1, replied: 1, clicked: 1, noRcsFallback: 1, noRcsNoFallback: 0, auth: 0,
  error502: 0, error503: 0, prepaidCustomer: 0, prepaidAccount: 0, duplicateBlocked: 0,
};

async function until<T>(what: () => T | Promise<T>, ok: (v: T) => boolean, label: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** every delivery through the API's list call, page after page */
async function list(c: Core, query: string): Promise<DeliverySummary[]> {
  const out: DeliverySummary[] = [];
  for (let offset = 0; ; offset += 200) {
    const page = (await dispatch(c.handlers, 'listDeliveries', { query, offset, limit: 200 })) as { rows: DeliverySummary[] };
    out.push(...page.rows);
    if (page.rows.length < 200) return out;
  }
}

const detail = async (c: Core, id: number) => (await dispatch(c.handlers, 'getDelivery', { id })) as DeliveryDetail;

/** the ladder as the detail pane builds it, from the delivery detail's attempts */
function ladderOf(d: DeliveryDetail) {
  return buildLadder(
    d.attempts!.map((a) => ({
      id: a.id,
      attempt: a.attempt,
      receivedAt: a.receivedAt,
      answer: { status: a.responseStatus, ms: a.responseMs, answeredBy: (a as { answeredBy?: AnswerRule | null }).answeredBy ?? null },
      previousAnswer: a.previousAnswer,
    })),
  );
}

/** deliveries by the body the simulator sent, in arrival order */
function byBody(all: DeliveryDetail[]): Map<string, DeliveryDetail[]> {
  const m = new Map<string, DeliveryDetail[]>();
  for (const d of [...all].sort((a, b) => a.id - b.id)) m.set(d.bodyText, [...(m.get(d.bodyText) ?? []), d]);
  return m;
}

/**
 * A TCP proxy to `upstream` that holds the answer bytes (never the request) of the first request carrying one of
 * `held` bodies for `holdMs`: the receiver answers at once and records a quick 200, the sender sees nothing in time.
 */
async function answerHoldingProxy(upstream: string, held: Set<string>, holdMs: number): Promise<{ url: string; heldCount: () => number }> {
  const target = new URL(upstream);
  const seen = new Set<string>();
  let heldCount = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const up = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(up);
    client.once('close', () => sockets.delete(client));
    up.once('close', () => sockets.delete(up));
    const request: Buffer[] = [];
    client.on('data', (b: Buffer) => {
      request.push(b);
      up.write(b);
    });
    client.on('error', () => {});
    up.on('error', () => client.destroy());
    // the receiver answers only once it has the whole request: its first answer byte decides
    let hold: boolean | null = null;
    const pending: Buffer[] = [];
    up.on('data', (b: Buffer) => {
      if (hold === null) {
        const text = Buffer.concat(request).toString('utf8');
        const body = [...held].find((h) => text.endsWith(h));
        hold = body !== undefined && !seen.has(body);
        if (body !== undefined) seen.add(body);
        if (hold) {
          heldCount++;
          // the sender has long given up by then: the late bytes go nowhere, as a lost answer does
          setTimeout(() => {
            if (!client.destroyed) client.end(Buffer.concat(pending));
          }, holdMs);
        }
      }
      if (hold) pending.push(b);
      else client.write(b);
    });
    up.on('end', () => {
      if (!hold) client.end();
    });
    // a sender that gave up leaves the receiver's side alone: it has answered, and its socket ends by itself
    client.on('close', () => {
      if (!hold) up.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callbacks`, heldCount: () => heldCount };
}

describe('endpoint testing end to end', () => {
  it('a "fail first 2" rule makes the simulator walk the documented ladder: 503, 503, 200, each named in the store and the ladder', async () => {
    const c = await start();
    await dispatch(c.handlers, 'setRules', { rules: [{ name: 'fail first 2', action: { kind: 'status', status: 503 }, firstAttempts: 2 }] });
    const speed = 200; // the 10 s / 30 s gaps become 50 / 150 ms
    const { deliveries } = generateCampaign({ messages: 6, seed: 5, mix: MIX, startMs: Date.now(), speed });
    expect(new Set(deliveries.map((d) => d.eventKey)).size).toBe(deliveries.length);
    const { results, progress } = await sendCampaign({ to: `${c.receiverUrl}/callbacks`, deliveries, speed, concurrency: 4 });

    // the simulator saw the rule's answers, then the 200, on the schedule scaled by the speed-up
    for (const r of results) expect(r.attempts.map((a) => [a.attempt, a.status])).toEqual([[1, 503], [2, 503], [3, 200]]);
    expect(progress).toMatchObject({ done: deliveries.length, ok: deliveries.length, failed: 0, retries: 2 * deliveries.length });

    const stored = await until(
      async () => Promise.all((await list(c, '')).map((d) => detail(c, d.id))),
      (ds) => ds.length === 3 * deliveries.length && ds.every((d) => d.responseMs !== null),
      'every attempt stored with its answer time',
    );
    const events = byBody(stored);
    expect(events.size).toBe(deliveries.length);
    for (const r of results) {
      const attempts = events.get(r.delivery.body)!;
      expect(attempts.map((d) => [d.attempt, d.responseStatus, d.answeredBy?.rule ?? null])).toEqual([
        [1, 503, 'fail first 2'],
        [2, 503, 'fail first 2'],
        [3, 200, null],
      ]);
      expect(attempts[0]!.answeredBy).toEqual({ rule: 'fail first 2', action: 'status', status: 503, delayMs: null });
      // lower bounds only: a busy machine makes gaps longer, never shorter (1 ms for rounding to whole ms)
      const arrived = attempts.map((d) => d.receivedAt);
      const sent = r.attempts.map((a) => a.startedMs);
      for (const at of [arrived, sent]) {
        expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(RETRY_SCHEDULE_MS[0]! / speed - 1);
        expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(RETRY_SCHEDULE_MS[1]! / speed - 1);
      }

      // the ladder, from the delivery detail API, blames the rule for both retries
      const ladder = ladderOf(await detail(c, attempts[2]!.id));
      expect(ladder.map((s) => s.attempt)).toEqual([1, 2, 3]);
      expect(ladder[0]!.retry).toBeNull();
      for (const s of ladder.slice(1)) {
        expect(s.retry!.cause).toEqual({ kind: 'non-200', status: 503, rule: 'fail first 2', action: 'status', reason: null });
        expect(causeLabel(s.retry!.cause)).toBe("our non-200 (503) (rule 'fail first 2')");
      }
    }
    // a rule's 503 is not a retry after 200
    expect(await list(c, 'retry:after-200')).toEqual([]);
  }, 60_000);

  it('an answer held past the simulator\'s timeout: the receiver answered 200 quickly, the retry is a "retry after 200", and only those', async () => {
    const c = await start();
    const speed = 200;
    const timeoutMs = 2_000; // per attempt; the receiver answers in milliseconds, so only held answers miss it
    const holdMs = timeoutMs + 1_500;
    const { deliveries } = generateCampaign({ messages: 6, seed: 5, mix: MIX, startMs: Date.now(), speed });
    // three events of three different messages lose their first answer
    const chosen: SimDelivery[] = [];
    for (const d of deliveries) if (/\|delivered\|/.test(d.eventKey) && !chosen.some((x) => x.reference === d.reference) && chosen.length < 3) chosen.push(d);
    expect(chosen).toHaveLength(3);
    const held = new Set(chosen.map((d) => d.body));
    const proxy = await answerHoldingProxy(c.receiverUrl, held, holdMs);

    const { results } = await sendCampaign({ to: proxy.url, deliveries, speed, concurrency: 4, timeoutMs });
    expect(proxy.heldCount()).toBe(3);
    // the sender saw a timeout and retried the held ones, and only those
    for (const r of results) {
      if (held.has(r.delivery.body)) {
        expect(r.attempts.map((a) => a.status)).toEqual([null, 200]);
        expect(r.attempts[0]!.error).toMatch(/within the timeout/);
      } else expect(r.attempts.map((a) => a.status)).toEqual([200]);
    }

    // the store has every attempt, each answered 200 quickly by the receiver
    const stored = await until(
      async () => Promise.all((await list(c, '')).map((d) => detail(c, d.id))),
      (ds) => ds.length === deliveries.length + 3 && ds.every((d) => d.responseMs !== null),
      'every attempt stored with its answer time',
    );
    const events = byBody(stored);
    const retries = chosen.map((d) => events.get(d.body)!);
    for (const attempts of retries) {
      expect(attempts.map((d) => [d.attempt, d.responseStatus])).toEqual([[1, 200], [2, 200]]);
      expect(attempts[0]!.responseMs!).toBeLessThan(timeoutMs);
    }

    // the flag users filter on finds exactly the retries of the held answers
    const expected = retries.map((a) => a[1]!.id).sort((a, b) => a - b);
    expect((await list(c, 'retry:after-200')).map((d) => d.id).sort((a, b) => a - b)).toEqual(expected);
    const page = (await dispatch(c.handlers, 'listDeliveries', { query: 'retry:after-200', offset: 0, limit: 50 })) as { total: number };
    expect(page.total).toBe(3);

    // and the ladder names the cause
    for (const attempts of retries) {
      const ladder = ladderOf(await detail(c, attempts[1]!.id));
      expect(ladder.map((s) => s.attempt)).toEqual([1, 2]);
      expect(ladder[1]!.retry!.cause).toMatchObject({ kind: 'after-200' });
      expect(causeLabel(ladder[1]!.retry!.cause)).toBe('retry after 200');
    }
  }, 60_000);
});
