// The gateway simulator's own ground truth against what the inspector makes of its output: thousands of seeded
// messages stored and indexed like received callbacks, then every message's state, flags and anomalies compared
// (issue 15 "done when"). A difference means the simulator or the classification is wrong.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../electron/core/store';
import type { IngestInput, Store } from '../../electron/core/store/types';
import { generateCampaign, resolveMix, SIMULATED_HEADER, type SimDelivery } from '../../electron/core/simulate/generate';
import { parseDeliveryBody } from '../../shared/callback';
import { eventKeyOf } from '../../shared/callback-fields';
import { FALLBACK_GRACE_MS } from '../../shared/constants';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-sim-'));
  store = openStore({ file: path.join(dir, 'inspector.sqlite') });
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const START = Date.UTC(2026, 11, 3, 12, 0, 0);

function input(d: SimDelivery, receivedAt: number): IngestInput {
  const body = Buffer.from(d.body, 'utf8');
  return {
    request: {
      method: 'POST',
      path: '/callbacks',
      query: '',
      headers: [['Host', '127.0.0.1'], ...Object.entries(d.headers), ['Content-Length', String(body.length)]],
      body,
      bodySize: body.length,
      remoteAddress: '127.0.0.1',
      receivedAt,
    },
    outcome: 'stored',
    responseStatus: 200,
    rejectReason: null,
    bodyTruncated: false,
  };
}

describe('simulated campaign', () => {
  it.each([1, 60, 5000])('classifies in the inspector exactly as generated, message by message (2,000 messages, seeded, speed %d)', (speed) => {
    const { deliveries, truth } = generateCampaign({ messages: 2000, seed: 15, startMs: START, speed });
    const arrival = (d: SimDelivery) => START + Math.round(d.atMs / speed);
    for (let i = 0; i < deliveries.length; i += 250) {
      store.ingest(deliveries.slice(i, i + 250).map((d) => input(d, arrival(d))));
    }
    // sped up, a callback is still never stamped later than it arrives
    const late = deliveries.filter((d) => parseDeliveryBody(Buffer.from(d.body), 'application/json').callback!.timestamp! > arrival(d));
    expect(late).toEqual([]);
    const last = arrival(deliveries[deliveries.length - 1]!);
    const settled = last + FALLBACK_GRACE_MS + 1000;
    const seen = new Map([...store.iterateMessages(settled)].map((m) => [m.reference, m]));
    expect(seen.size).toBe(truth.length);
    const wrong: string[] = [];
    for (const t of truth) {
      const m = seen.get(t.reference);
      const got = m && { state: m.state, flags: m.flags, anomalies: m.anomalies, deliveries: m.deliveryCount };
      const want = { state: t.state, flags: t.flags, anomalies: t.anomalies, deliveries: t.deliveries };
      if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${t.reference}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    // every outcome of the mix occurred, so the comparison covered each of them
    expect(new Set(truth.map((t) => t.state))).toEqual(new Set(['sent', 'delivered', 'read', 'replied', 'failed', 'fell-back', 'blocked']));
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = generateCampaign({ messages: 300, seed: 1 });
    const b = generateCampaign({ messages: 300, seed: 1 });
    const c = generateCampaign({ messages: 300, seed: 2 });
    expect(b).toEqual(a);
    expect(c.deliveries.map((d) => d.body)).not.toEqual(a.deliveries.map((d) => d.body));
  });

  it('covers every documented type and the field variance real gateways show', () => {
    const { deliveries } = generateCampaign({ messages: 3000, seed: 3 });
    const bodies = deliveries.map((d) => JSON.parse(d.body) as Record<string, unknown>);
    const parsed = deliveries.map((d) => parseDeliveryBody(Buffer.from(d.body), 'application/json'));
    // spec-conformant: nothing the parser finds wrong, and the event key the simulator names is the inspector's
    expect(parsed.filter((p) => p.problems.length > 0)).toEqual([]);
    expect(parsed.map((p) => eventKeyOf(p.callback!))).toEqual(deliveries.map((d) => d.eventKey));
    const types = new Set(parsed.map((p) => p.callback!.type));
    for (const t of ['Text', 'Image', 'Video', 'RichCard', 'Carousel', 'DELIVERED', 'READ', 'suggestionResponse', 'TEXT', 'IMAGE', 'VIDEO', 'LOCATION', 'EXCEPTION', 'ERROR', 'PREPAID_BLOCKED']) {
      expect(types, t).toContain(t);
    }
    const texts = new Set(parsed.map((p) => p.callback!.text));
    for (const code of [401, 403, 404, 502, 503]) expect([...texts].some((t) => t.includes(`status code ${code}`)), String(code)).toBe(true);
    expect([...texts].some((t) => t.startsWith('Limite de créditos do cliente'))).toBe(true);
    expect([...texts].some((t) => /^Limite de créditos da conta atingido acc_\w+$/.test(t))).toBe(true);
    expect(bodies.some((b) => b.status === 'bloqueado por duplicidade')).toBe(true);
    // casing, missing session_id, string or object message, timestamps with and without milliseconds or an offset
    expect(bodies.some((b) => b.type === 'delivered')).toBe(true);
    expect(bodies.some((b) => !('session_id' in b))).toBe(true);
    expect(bodies.some((b) => b.session_id === null)).toBe(true);
    expect(bodies.some((b) => b.type === 'EXCEPTION' && typeof b.message === 'string')).toBe(true);
    expect(bodies.some((b) => /^exception$/i.test(String(b.type)) && typeof b.message === 'object' && b.message !== null)).toBe(true);
    expect(bodies.some((b) => /T\d\d:\d\d:\d\dZ$/.test(String(b.timestamp)))).toBe(true);
    expect(bodies.some((b) => String(b.timestamp).endsWith('-03:00'))).toBe(true);
    // replies and clicks carry event ids of their own; the status callbacks share the echo's
    const clickRef = bodies.find((b) => b.type === 'suggestionResponse')!.reference;
    const clicked = bodies.filter((b) => b.reference === clickRef);
    expect(new Set(clicked.map((b) => b.event_id)).size).toBe(2);
    expect(deliveries.every((d) => d.headers[SIMULATED_HEADER] === '1')).toBe(true);
  });

  it('takes a partial mix and refuses a wrong one', () => {
    const { truth } = generateCampaign({ messages: 200, seed: 4, mix: { read: 1, delivered: 0, sent: 0, replied: 0, clicked: 0, noRcsFallback: 0, noRcsNoFallback: 0, auth: 0, error502: 0, error503: 0, prepaidCustomer: 0, prepaidAccount: 0, duplicateBlocked: 0 } });
    expect(new Set(truth.map((t) => t.state))).toEqual(new Set(['read']));
    expect(() => resolveMix({ bogus: 1 } as never)).toThrow(/unknown outcome "bogus"/);
    expect(() => resolveMix({ read: -1 })).toThrow(/0 or more/);
  });
});
