// The simulator sends as the gateway does: the documented retry ladder on any non-200 (speed-scaled, at most 10
// retries), a timeout per attempt, a message's callbacks in order; and what it sends through the inspector's own
// receiver classifies exactly as its ground truth says.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/app-core';
import { dispatch } from '../../electron/core/api-dispatch';
import { generateCampaign, SIMULATED_HEADER, type SimMix } from '../../electron/core/simulate/generate';
import { sendCampaign } from '../../electron/core/simulate/send';
import { FALLBACK_GRACE_MS, RETRY_SCHEDULE_MS } from '../../shared/constants';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

/** A 127.0.0.1 endpoint answering each request with `answer(n)`, n = how many times it has seen that body. */
async function endpoint(answer: (n: number) => number | 'hang'): Promise<{ url: string; seen: { body: string; at: number }[] }> {
  const seen: { body: string; at: number }[] = [];
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ body, at: performance.now() });
      const n = (counts.get(body) ?? 0) + 1;
      counts.set(body, n);
      const a = answer(n);
      if (a === 'hang') return;
      res.writeHead(a, { 'content-type': 'text/plain' }).end(a === 200 ? 'ok' : 'unavailable');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callbacks`, seen };
}

const only = (k: keyof SimMix): Partial<SimMix> => ({
  sent: 0, delivered: 0, read: 0, replied: 0, clicked: 0, noRcsFallback: 0, noRcsNoFallback: 0, auth: 0,
  error502: 0, error503: 0, prepaidCustomer: 0, prepaidAccount: 0, duplicateBlocked: 0, [k]: 1,
});

describe('simulator sending as the gateway', () => {
  it('retries a callback answered 503 on the documented ladder, speed-scaled, until the 200', async () => {
    const target = await endpoint((n) => (n <= 2 ? 503 : 200));
    const { deliveries } = generateCampaign({ messages: 1, seed: 9, mix: only('delivered') });
    expect(deliveries).toHaveLength(2); // the echo and DELIVERED
    const speed = 100;
    const { results, progress } = await sendCampaign({ to: target.url, deliveries, speed, concurrency: 4 });
    for (const r of results) {
      expect(r.attempts.map((a) => [a.attempt, a.status])).toEqual([[1, 503], [2, 503], [3, 200]]);
      expect(r.ok).toBe(true);
      const [a1, a2, a3] = r.attempts;
      expect(a2!.startedMs - a1!.startedMs).toBeGreaterThanOrEqual(RETRY_SCHEDULE_MS[0] / speed);
      expect(a3!.startedMs - a2!.startedMs).toBeGreaterThanOrEqual(RETRY_SCHEDULE_MS[1] / speed);
    }
    expect(progress).toMatchObject({ done: 2, ok: 2, failed: 0, attempts: 6, retries: 4 });
    // what the endpoint saw: each body three times, the echo's first attempt before DELIVERED's
    const arrivals = (body: string) => target.seen.filter((s) => s.body === body).map((s) => s.at);
    const [echo, delivered] = deliveries.map((d) => arrivals(d.body));
    expect(echo).toHaveLength(3);
    expect(delivered).toHaveLength(3);
    expect(echo![0]!).toBeLessThan(delivered![0]!);
    expect(echo![1]! - echo![0]!).toBeGreaterThanOrEqual(RETRY_SCHEDULE_MS[0] / speed - 1);
    expect(echo![2]! - echo![1]!).toBeGreaterThanOrEqual(RETRY_SCHEDULE_MS[1] / speed - 1);
  });

  it('gives up after 10 retries, and counts a timeout as a failed attempt', async () => {
    const failing = await endpoint(() => 500);
    const { deliveries } = generateCampaign({ messages: 1, seed: 2, mix: only('prepaidCustomer') });
    const { results } = await sendCampaign({ to: failing.url, deliveries, speed: 100_000, concurrency: 1 });
    expect(results[0]!.attempts.map((a) => a.status)).toEqual(Array(11).fill(500));
    expect(results[0]!.ok).toBe(false);
    expect(failing.seen).toHaveLength(11);

    const slow = await endpoint((n) => (n === 1 ? 'hang' : 200));
    const r = await sendCampaign({ to: slow.url, deliveries, speed: 1000, concurrency: 1, timeoutMs: 300 });
    expect(r.results[0]!.attempts.map((a) => a.status)).toEqual([null, 200]);
    expect(r.results[0]!.attempts[0]!.error).toMatch(/within the timeout/);
  });

  it("classifies as generated when sent through the inspector's own receiver, marked as simulated", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-sim-send-'));
    const core: Core = await createCore({ dataDir: dir, receiverPort: 0, tunnel: { enabled: false }, version: 'test' });
    closers.push(async () => {
      await core.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const { deliveries, truth } = generateCampaign({ messages: 300, seed: 21, startMs: Date.now(), speed: 5000 });
    const { progress } = await sendCampaign({ to: `${core.receiverUrl}/callbacks`, deliveries, speed: 5000, concurrency: 8 });
    expect(progress).toMatchObject({ done: deliveries.length, ok: deliveries.length, retries: 0 });
    const until = Date.now() + 20_000;
    while ((await core.handlers.getStatus({})).indexing.pending > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const settled = Date.now() + FALLBACK_GRACE_MS + 1000;
    const seen = new Map([...core.store.iterateMessages(settled)].map((m) => [m.reference, m]));
    const wrong = truth.filter((t) => {
      const m = seen.get(t.reference);
      return JSON.stringify(m && [m.state, m.flags, m.anomalies, m.deliveryCount]) !== JSON.stringify([t.state, t.flags, t.anomalies, t.deliveries]);
    });
    expect(wrong).toEqual([]);
    const first = core.store.getDelivery(1)!;
    expect(first.headers.find(([k]) => k.toLowerCase() === SIMULATED_HEADER.toLowerCase())?.[1]).toBe('1');
  });

  it("the control API's simulate call answers at once, fills the store, says when it is done, and runs one campaign at a time", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-sim-api-'));
    const core: Core = await createCore({ dataDir: dir, receiverPort: 0, tunnel: { enabled: false }, version: 'test' });
    closers.push(async () => {
      await core.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const notices: string[] = [];
    core.subscribe((batch) => batch.forEach((e) => e.event === 'warning' && notices.push(e.data.code)));
    const started = (await dispatch(core.handlers, 'simulate', { messages: 20, speed: 2000, seed: 3 })) as { messages: number; deliveries: number; url: string };
    expect(started).toMatchObject({ messages: 20, seed: 3, url: `${core.receiverUrl}/callbacks` });
    await expect(dispatch(core.handlers, 'simulate', {})).rejects.toThrow(/already being sent/);
    await expect(dispatch(core.handlers, 'simulate', { messages: 0 })).rejects.toThrow(/messages/);
    const until = Date.now() + 20_000;
    while (!notices.includes('simulate-done') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(notices).toContain('simulate-done');
    expect(core.store.stats().deliveriesTotal).toBe(started.deliveries);
    // the run is over: another may start
    await dispatch(core.handlers, 'simulate', { messages: 1, speed: 2000 });
  });
});
