// The analytics report against a store whose true figures are known: every message below is written out with the
// callbacks the gateway sends for it, and the expected numbers are worked out from those inputs, not from the store.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../electron/core/store';
import { recoverStore } from '../../electron/core/store/recover';
import type { IngestInput, Store } from '../../electron/core/store/types';
import { HISTOGRAM_BOUNDS_MS, type Histogram, type LatencyFigures, type Percentiles, type Report, type TimeSeries } from '../../shared/analytics';
import { EVENT_KINDS, type EventKind } from '../../shared/domain';
import { deliveryInput, generateDeliveries } from '../support/store-fixtures';
import { runCli } from '../support/serve';

const T = Date.UTC(2026, 0, 5, 12, 0, 0);
/** long after every message: no-RCS exceptions without SMS have turned into fallback-missing */
const LATER = T + 3 * 3600_000;

interface Cb {
  ref: string;
  campaign: string;
  type: string;
  /** event timestamp and received time, as offsets from T */
  ts: number;
  rx: number;
  channel?: string;
  message?: unknown;
  eventId?: string;
  status?: string;
  responseStatus?: number;
  /** how long our endpoint took to answer (default: a few ms) */
  answerMs?: number;
}

const sent = (ref: string, campaign: string, ts: number, rx: number, more: Partial<Cb> = {}): Cb => ({
  ref, campaign, type: 'Text', ts, rx, message: { contentType: 'text', text: 'Olá, sua oferta chegou' }, ...more,
});
const ev = (ref: string, campaign: string, type: string, ts: number, rx: number, more: Partial<Cb> = {}): Cb => ({
  ref, campaign, type, ts, rx, message: null, ...more,
});

const click = (text: string | undefined, postbackData: string) => ({
  contentType: 'suggestionResponse',
  suggestionResponse: { type: 'REPLY', ...(text === undefined ? {} : { text }), postbackData },
});

const CALLBACKS: Cb[] = [
  // A1: read and answered
  sent('a1', 'promo_a', 0, 200),
  ev('a1', 'promo_a', 'DELIVERED', 2000, 2300),
  ev('a1', 'promo_a', 'READ', 10_000, 10_100),
  ev('a1', 'promo_a', 'TEXT', 15_000, 15_500, { eventId: 'a1-reply', message: { contentType: 'text', text: 'Sim' } }),
  // ...then tapped two suggestions, the first delivered twice (a retry is one answer), the second without a text,
  // and typed the same word again (one message: counted once)
  ev('a1', 'promo_a', 'suggestionResponse', 16_000, 16_100, { eventId: 'a1-tap', message: click('Quero a oferta', 'cta_quero') }),
  ev('a1', 'promo_a', 'suggestionResponse', 16_000, 26_300, { eventId: 'a1-tap', message: click('Quero a oferta', 'cta_quero') }),
  ev('a1', 'promo_a', 'suggestionResponse', 17_000, 17_100, { eventId: 'a1-tap2', message: click(undefined, 'cta_depois') }),
  ev('a1', 'promo_a', 'TEXT', 18_000, 18_200, { eventId: 'a1-reply2', message: { contentType: 'text', text: 'Sim' } }),
  // A2: our endpoint answered 503 twice: the DELIVERED came three times
  sent('a2', 'promo_a', 1000, 1100),
  ev('a2', 'promo_a', 'DELIVERED', 4000, 4400, { responseStatus: 503, answerMs: 10_400 }),
  ev('a2', 'promo_a', 'DELIVERED', 4000, 14_500, { responseStatus: 503, answerMs: 2_500 }),
  ev('a2', 'promo_a', 'DELIVERED', 4000, 45_000),
  // A3: READ arrives before DELIVERED, and READ twice
  sent('a3', 'promo_a', 2000, 2100),
  ev('a3', 'promo_a', 'READ', 9000, 9050),
  ev('a3', 'promo_a', 'DELIVERED', 5000, 9100),
  ev('a3', 'promo_a', 'READ', 9000, 9200),
  // A4: no RCS (403), fell back to SMS
  sent('a4', 'promo_a', 3000, 3100),
  ev('a4', 'promo_a', 'EXCEPTION', 3600, 3700, { message: 'Request failed with status code 403: Device does not support RCS' }),
  sent('a4', 'promo_a', 4100, 4200, { channel: 'SMS' }),
  ev('a4', 'promo_a', 'DELIVERED', 9100, 9300, { channel: 'SMS' }),
  // A5: no RCS (404) and no SMS ever
  sent('a5', 'promo_a', 4000, 4100),
  ev('a5', 'promo_a', 'EXCEPTION', 4500, 4600, { message: 'Request failed with status code 404: Not Found' }),
  // A6: another exception
  sent('a6', 'promo_a', 11_000, 11_100),
  ev('a6', 'promo_a', 'EXCEPTION', 11_500, 11_600, { message: 'Request failed with status code 500: Internal Server Error' }),
  // B1: auth exception
  sent('b1', 'promo_b', 5000, 5100),
  // the gateway's clock runs ahead: received 1.3 s before its own timestamp (a negative callback delay)
  ev('b1', 'promo_b', 'EXCEPTION', 5200, 3900, { message: 'Request failed with status code 401: invalid token' }),
  // B2, B3: upstream errors; B3's error delivered twice
  sent('b2', 'promo_b', 6000, 6100),
  ev('b2', 'promo_b', 'ERROR', 6400, 6500, { message: 'Request failed with status code 502: upstream unavailable' }),
  sent('b3', 'promo_b', 7000, 7100),
  ev('b3', 'promo_b', 'ERROR', 7400, 7500, { message: 'Request failed with status code 503: upstream unavailable', responseStatus: 503 }),
  ev('b3', 'promo_b', 'ERROR', 7400, 17_600, { message: 'Request failed with status code 503: upstream unavailable' }),
  // B4-B6: prepaid blocks, one customer, two of account acc123
  ev('b4', 'promo_b', 'PREPAID_BLOCKED', 8000, 8100, { message: 'Limite de créditos do cliente atingido' }),
  ev('b5', 'promo_b', 'PREPAID_BLOCKED', 8500, 8600, { message: 'Limite de créditos da conta atingido acc123' }),
  ev('b6', 'promo_b', 'PREPAID_BLOCKED', 8700, 8750, { message: 'Limite de créditos da conta atingido acc123' }),
  // B7: duplicate block
  sent('b7', 'promo_b', 9000, 9100, { status: 'bloqueado por duplicidade' }),
  // B8: delivered by RCS and then by SMS too
  sent('b8', 'promo_b', 10_000, 10_100),
  ev('b8', 'promo_b', 'DELIVERED', 12_000, 12_100),
  sent('b8', 'promo_b', 14_000, 14_100, { channel: 'SMS' }),
  ev('b8', 'promo_b', 'DELIVERED', 20_000, 20_100, { channel: 'SMS' }),
  // C1: two hours later, in its own campaign
  sent('c1', 'later_c', 7200_000, 7200_300),
  ev('c1', 'later_c', 'DELIVERED', 7201_500, 7201_700),
];

function input(c: Cb): IngestInput {
  const inbound = c.type !== 'Text';
  const body: Record<string, unknown> = {
    reference: c.ref,
    campaign_name: c.campaign,
    event_id: c.eventId ?? `${c.ref}-event`,
    session_id: null,
    user_id: '5511999990000',
    timestamp: new Date(T + c.ts).toISOString(),
    direction: inbound ? 'inbound' : 'outbound',
    channel: c.channel ?? 'RCS',
    type: c.type,
    message: c.message,
  };
  if (c.status) body.status = c.status;
  return deliveryInput(body, T + c.rx, { responseStatus: c.responseStatus ?? 200 });
}

const inReceiptOrder = () => [...CALLBACKS].sort((a, b) => a.rx - b.rx);
const answerMsOf = (c: Cb) => c.answerMs ?? 3 + (c.rx % 40);

/** Stores the callbacks as the receiver would, with the time each answer took. */
function fill(s: Store): void {
  const cbs = inReceiptOrder();
  const list = cbs.map(input);
  // a body that is not JSON: no message, so in no report
  list.push(deliveryInput('{"reference": "broken', T + 30_000, { raw: true }));
  const stored = s.ingest(list, LATER);
  s.setResponseTimes(cbs.map((c, i) => ({ id: stored[i].id, ms: answerMsOf(c) })));
}

/** Fixed-bound histogram counts, worked out value by value. */
function histogram(values: number[]): Histogram {
  const boundsMs = [...HISTOGRAM_BOUNDS_MS];
  const counts = boundsMs.map((b, i) => values.filter((v) => v <= b && (i === 0 || v > boundsMs[i - 1])).length);
  counts.push(values.filter((v) => v > boundsMs.at(-1)!).length);
  return { boundsMs, counts };
}

function latency(values: number[]): LatencyFigures {
  return { ...nearestRank(values), histogram: histogram(values) };
}

const of = (refs: string[]) => inReceiptOrder().filter((c) => refs.includes(c.ref));
const eventKey = (c: Cb) => `${c.ref}|${c.eventId ?? `${c.ref}-event`}|${c.type.toLowerCase()}|${c.channel ?? 'RCS'}`;

/** The deliveries that repeat an event already received (the gateway's retries), in receipt order. */
function repeats(refs: string[]): Cb[] {
  const seen = new Set<string>();
  return of(refs).filter((c) => seen.has(eventKey(c)) || (seen.add(eventKey(c)), false));
}

function answers(refs: string[]): Report['retries']['answerMs'] {
  const ms = of(refs).map(answerMsOf);
  return { ...nearestRank(ms), overTimeout: ms.filter((v) => v > 10_000).length };
}

const KIND_OF_TYPE: Record<string, EventKind> = {
  Text: 'sent', DELIVERED: 'delivered', READ: 'read', TEXT: 'reply', suggestionResponse: 'reply',
  EXCEPTION: 'exception', ERROR: 'error', PREPAID_BLOCKED: 'prepaid-blocked',
};

/** Deliveries per minute from the minute of the first to that of the last. */
function perMinute(refs: string[]): TimeSeries {
  const cbs = of(refs);
  const repeated = new Set(repeats(refs));
  const first = Math.floor((T + cbs[0].rx) / 60_000);
  const last = Math.floor((T + cbs.at(-1)!.rx) / 60_000);
  const t = Array.from({ length: last - first + 1 }, (_, i) => (first + i) * 60_000);
  const byKind = Object.fromEntries(EVENT_KINDS.map((k) => [k, t.map(() => 0)])) as Record<EventKind, number[]>;
  const rep = t.map(() => 0);
  for (const c of cbs) {
    const i = Math.floor((T + c.rx) / 60_000) - first;
    if (repeated.has(c)) rep[i]++;
    else byKind[c.status ? 'duplicate-blocked' : KIND_OF_TYPE[c.type]][i]++;
  }
  return { bucketMs: 60_000, t, byKind, repeats: rep };
}

function windowOf(refs: string[]): Report['window'] {
  const rx = of(refs).map((c) => T + c.rx);
  return { from: Math.min(...rx), to: Math.max(...rx) };
}

/** Nearest rank over the values, worked out independently of the store. */
function nearestRank(values: number[]): Percentiles {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return { p50: null, p90: null, p99: null, n: 0 };
  const at = (p: number) => v[Math.max(1, Math.ceil((p / 100) * v.length)) - 1];
  return { p50: at(50), p90: at(90), p99: at(99), n: v.length };
}

function delays(refs: string[]): number[] {
  return CALLBACKS.filter((c) => refs.includes(c.ref)).map((c) => c.rx - c.ts);
}

function attempts(refs: string[]): Record<string, number> {
  const per = new Map<string, number>();
  for (const c of CALLBACKS.filter((c) => refs.includes(c.ref))) {
    const key = `${c.ref}|${c.eventId ?? ''}|${c.type}|${c.channel ?? 'RCS'}`;
    per.set(key, (per.get(key) ?? 0) + 1);
  }
  const out: Record<string, number> = {};
  for (const n of per.values()) out[n] = (out[n] ?? 0) + 1;
  return out;
}

const A = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];
const B = ['b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'b8'];
const ALL = [...A, ...B, 'c1'];

// a4 counts as delivered: its SMS fallback was
const PROMO_A = { campaign: 'promo_a', funnel: { sent: 6, delivered: 4, read: 2, replied: 1 }, states: { delivered: 1, read: 1, replied: 1, failed: 2, 'fell-back': 1 } };
// a blocked message (prepaid or duplicate) was never sent
const PROMO_B = { campaign: 'promo_b', funnel: { sent: 4, delivered: 1, read: 0, replied: 0 }, states: { delivered: 1, failed: 3, blocked: 4 } };
const LATER_C = { campaign: 'later_c', funnel: { sent: 1, delivered: 1, read: 0, replied: 0 }, states: { delivered: 1 } };

// a1 tapped two suggestions (one without a text, one delivered twice) and typed "Sim" twice
const REPLIES: Report['replies'] = {
  suggestions: [{ value: 'Quero a oferta', n: 1 }, { value: 'cta_depois', n: 1 }],
  postbacks: [{ value: 'cta_depois', n: 1 }, { value: 'cta_quero', n: 1 }],
  texts: [{ value: 'Sim', n: 1 }],
};

const EXPECTED: Report = {
  messages: 15,
  funnel: { sent: 11, delivered: 6, read: 2, replied: 1 },
  states: { delivered: 3, read: 1, replied: 1, failed: 5, 'fell-back': 1, blocked: 4 },
  byCampaign: [PROMO_B, PROMO_A, LATER_C],
  failures: {
    exception: { auth: 1, 'rcs-unsupported': 2, other: 1 },
    error: { '502': 1, '503': 1 },
    prepaidBlocked: { customer: 1, account: 2, accounts: { acc123: 2 } },
    duplicateBlocked: 1,
  },
  fallback: { fellBack: 1, fallbackMissing: 1, doubleDelivery: 1 },
  latencyMs: {
    // a1, a2, a3, a4 (its SMS DELIVERED), b8, c1
    sentToDelivered: latency([2000, 3000, 3000, 6100, 2000, 1500]),
    deliveredToRead: latency([8000, 4000]),
    readToReply: latency([5000]),
    callbackDelay: latency(delays(ALL)),
  },
  // repeats: a2's DELIVERED 10.1 s and 30.5 s after the one before (the 10 s and 30 s slots), b3's ERROR 10.1 s
  // and a1's tap 10.2 s after (fit); a3's READ 150 ms after (fits no slot)
  retries: { eventsRetried: 4, attempts: attempts(ALL), offSchedule: 1, answerMs: answers(ALL) },
  replies: REPLIES,
  overTime: perMinute(ALL),
  window: windowOf(ALL),
};

let dir: string;
let store: Store;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-analytics-'));
  store = openStore({ file: path.join(dir, 'inspector.sqlite') });
  fill(store);
});

afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('analytics report', () => {
  it('every figure of the whole store equals the truth worked out from the callbacks', () => {
    expect(store.getAnalytics('', LATER)).toEqual(EXPECTED);
  });

  it('campaign: scopes every figure to that campaign\'s messages and their deliveries', () => {
    expect(store.getAnalytics('campaign:promo_a', LATER)).toEqual({
      messages: 6,
      funnel: PROMO_A.funnel,
      states: PROMO_A.states,
      byCampaign: [PROMO_A],
      failures: {
        exception: { auth: 0, 'rcs-unsupported': 2, other: 1 },
        error: {},
        prepaidBlocked: { customer: 0, account: 0, accounts: {} },
        duplicateBlocked: 0,
      },
      fallback: { fellBack: 1, fallbackMissing: 1, doubleDelivery: 0 },
      latencyMs: {
        sentToDelivered: latency([2000, 3000, 3000, 6100]),
        deliveredToRead: latency([8000, 4000]),
        readToReply: latency([5000]),
        callbackDelay: latency(delays(A)),
      },
      retries: { eventsRetried: 3, attempts: attempts(A), offSchedule: 1, answerMs: answers(A) },
      replies: REPLIES,
      overTime: perMinute(A),
      window: windowOf(A),
    } satisfies Report);
  });

  it('since: keeps the messages active in the window', () => {
    const r = store.getAnalytics('since:1h', T + 7200_000 + 600_000);
    expect(r.messages).toBe(1);
    expect(r.byCampaign).toEqual([LATER_C]);
    expect(r.latencyMs.sentToDelivered).toEqual(latency([1500]));
    expect(r.latencyMs.callbackDelay).toEqual(latency(delays(['c1'])));
    expect(r.retries).toEqual({ eventsRetried: 0, attempts: { '1': 2 }, offSchedule: 0, answerMs: answers(['c1']) });
    expect(r.overTime).toEqual(perMinute(['c1']));
    expect(r.window).toEqual(windowOf(['c1']));
    expect(r.replies).toEqual({ suggestions: [], postbacks: [], texts: [] });
  });

  it('an empty window gives zeros and no percentiles', () => {
    const r = store.getAnalytics('since:1h', LATER + 24 * 3600_000);
    const none = { p50: null, p90: null, p99: null, n: 0 };
    const noLatency = { ...none, histogram: histogram([]) };
    expect(r).toEqual({
      messages: 0,
      funnel: { sent: 0, delivered: 0, read: 0, replied: 0 },
      states: {},
      byCampaign: [],
      failures: {
        exception: { auth: 0, 'rcs-unsupported': 0, other: 0 },
        error: {},
        prepaidBlocked: { customer: 0, account: 0, accounts: {} },
        duplicateBlocked: 0,
      },
      fallback: { fellBack: 0, fallbackMissing: 0, doubleDelivery: 0 },
      latencyMs: { sentToDelivered: noLatency, deliveredToRead: noLatency, readToReply: noLatency, callbackDelay: noLatency },
      retries: { eventsRetried: 0, attempts: {}, offSchedule: 0, answerMs: { ...none, overTimeout: 0 } },
      replies: { suggestions: [], postbacks: [], texts: [] },
      overTime: { bucketMs: 60_000, t: [], byKind: Object.fromEntries(EVENT_KINDS.map((k) => [k, []])), repeats: [] },
      window: { from: null, to: null },
    });
  });

  it('a store without a message gives the same empty report, read from its summaries', () => {
    const empty = openStore({ file: path.join(dir, 'empty.sqlite') });
    try {
      expect(empty.getAnalytics('', LATER)).toEqual(store.getAnalytics('since:1h', LATER + 24 * 3600_000));
    } finally {
      empty.close();
    }
  });

  it('a query that does not parse gets the lists\' error', () => {
    expect(() => store.listMessages({ query: 'since:soon', offset: 0, limit: 10 })).toThrow(/query:/);
    let listError = '';
    try {
      store.listMessages({ query: 'since:soon', offset: 0, limit: 10 });
    } catch (err) {
      listError = (err as Error).message;
    }
    expect(() => store.getAnalytics('since:soon')).toThrow(listError);
  });
});

/** The figures of a generated mix, worked out from the bodies the generator wrote (not from the store). */
function generatedTruth(list: IngestInput[], answerMs: number[]) {
  const byRef = new Map<string, { body: Record<string, unknown>; rx: number }[]>();
  const kept: { body: Record<string, unknown>; rx: number; ms: number }[] = [];
  list.forEach((d, i) => {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(new TextDecoder().decode(d.request.body));
    } catch {
      return; // a broken body belongs to no message
    }
    const ref = body.reference as string;
    if (!byRef.has(ref)) byRef.set(ref, []);
    byRef.get(ref)!.push({ body, rx: d.request.receivedAt });
    kept.push({ body, rx: d.request.receivedAt, ms: answerMs[i] });
  });
  const count = (pred: (cbs: { body: Record<string, unknown>; rx: number }[]) => boolean) => [...byRef.values()].filter(pred).length;
  const has = (cbs: { body: Record<string, unknown> }[], type: string, channel?: string) =>
    cbs.some((c) => c.body.type === type && (channel === undefined || c.body.channel === channel));
  const text = (c: { body: Record<string, unknown> }) => String(c.body.message);
  const accounts: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const perEvent = new Map<string, number>();
  const delay: number[] = [];
  const toDelivered: number[] = [];
  for (const cbs of byRef.values()) {
    // per message: a callback delivered twice is one reason
    for (const id of new Set(cbs.filter((c) => c.body.type === 'PREPAID_BLOCKED' && /da conta/.test(text(c))).map((c) => text(c).split(' ').at(-1)!))) {
      accounts[id] = (accounts[id] ?? 0) + 1;
    }
    for (const code of new Set(cbs.filter((c) => c.body.type === 'ERROR').map((c) => /status code (\d+)/.exec(text(c))![1]))) {
      errors[code] = (errors[code] ?? 0) + 1;
    }
    for (const c of cbs) {
      const key = [c.body.reference, c.body.event_id, c.body.type, c.body.channel].join('|');
      perEvent.set(key, (perEvent.get(key) ?? 0) + 1);
      const ts = Date.parse(String(c.body.timestamp));
      if (!Number.isNaN(ts)) delay.push(c.rx - ts);
    }
    const first = (type: string) => Math.min(...cbs.filter((c) => c.body.type === type && !c.body.status).map((c) => Date.parse(String(c.body.timestamp))));
    const gap = first('DELIVERED') - first('Text');
    if (Number.isFinite(gap)) toDelivered.push(gap);
  }
  const attempts: Record<string, number> = {};
  for (const n of perEvent.values()) attempts[n] = (attempts[n] ?? 0) + 1;
  const exception = count((cbs) => has(cbs, 'EXCEPTION'));

  // every delivery in receipt order: is it a repeat of an event, and did its gap fit the documented slot
  const lastRx = new Map<string, { rx: number; attempt: number }>();
  const schedule = [10_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000];
  let offSchedule = 0;
  const repeat = kept.map((c) => {
    const key = [c.body.reference, c.body.event_id, String(c.body.type).toLowerCase(), c.body.channel].join('|');
    const prev = lastRx.get(key);
    lastRx.set(key, { rx: c.rx, attempt: (prev?.attempt ?? 0) + 1 });
    if (!prev) return false;
    const slot = schedule[prev.attempt - 1];
    const slack = Math.max(2_000, slot * 0.1);
    const gap = c.rx - prev.rx;
    if (!(gap >= slot - slack && gap <= slot + 10_000 + slack)) offSchedule++;
    return true;
  });

  const from = Math.min(...kept.map((c) => c.rx));
  const to = Math.max(...kept.map((c) => c.rx));
  const bucketMs = [60_000, 300_000, 3_600_000, 86_400_000].find((b) => Math.floor(to / b) - Math.floor(from / b) < 200)!;
  const first = Math.floor(from / bucketMs);
  const t = Array.from({ length: Math.floor(to / bucketMs) - first + 1 }, (_, i) => (first + i) * bucketMs);
  const byKind = Object.fromEntries(EVENT_KINDS.map((k) => [k, t.map(() => 0)])) as Record<EventKind, number[]>;
  const repeats = t.map(() => 0);
  const texts = new Map<string, Set<string>>();
  kept.forEach((c, i) => {
    const b = Math.floor(c.rx / bucketMs) - first;
    if (repeat[i]) return void repeats[b]++;
    const type = String(c.body.type);
    byKind[c.body.status !== undefined ? 'duplicate-blocked' : type === 'Text' ? 'sent' : KIND_OF_TYPE[type]][b]++;
    if (type === 'TEXT') {
      const text = (c.body.message as { text: string }).text;
      if (!texts.has(text)) texts.set(text, new Set());
      texts.get(text)!.add(String(c.body.reference));
    }
  });
  const ms = kept.map((c) => c.ms);
  return {
    messages: byRef.size,
    funnel: {
      // an echo whose timestamp cannot be read still says the message was sent
      sent: count((cbs) => cbs.some((c) => c.body.type === 'Text' && !c.body.status)),
      delivered: count((cbs) => has(cbs, 'DELIVERED') || has(cbs, 'READ') || has(cbs, 'TEXT')),
      read: count((cbs) => has(cbs, 'READ') || has(cbs, 'TEXT')),
      replied: count((cbs) => has(cbs, 'TEXT')),
    },
    failures: {
      // the generator's exceptions are all 403 (no RCS)
      exception: { auth: 0, 'rcs-unsupported': exception, other: 0 },
      error: errors,
      prepaidBlocked: {
        customer: count((cbs) => cbs.some((c) => c.body.type === 'PREPAID_BLOCKED' && /do cliente/.test(text(c)))),
        account: count((cbs) => cbs.some((c) => c.body.type === 'PREPAID_BLOCKED' && /da conta/.test(text(c)))),
        accounts,
      },
      duplicateBlocked: count((cbs) => cbs.some((c) => c.body.status !== undefined)),
    },
    fallback: {
      fellBack: count((cbs) => has(cbs, 'EXCEPTION') && has(cbs, 'Text', 'SMS')),
      fallbackMissing: count((cbs) => has(cbs, 'EXCEPTION') && !has(cbs, 'Text', 'SMS')),
      doubleDelivery: count((cbs) => has(cbs, 'DELIVERED', 'RCS') && has(cbs, 'DELIVERED', 'SMS')),
    },
    sentToDelivered: latency(toDelivered),
    callbackDelay: latency(delay),
    retries: {
      eventsRetried: Object.entries(attempts).filter(([a]) => Number(a) > 1).reduce((n, [, e]) => n + e, 0),
      attempts,
      offSchedule,
      answerMs: { ...nearestRank(ms), overTimeout: ms.filter((v) => v > 10_000).length },
    },
    replies: {
      suggestions: [],
      postbacks: [],
      texts: [...texts].map(([value, refs]) => ({ value, n: refs.size })).sort((a, b) => b.n - a.n || (a.value < b.value ? -1 : 1)).slice(0, 10),
    },
    overTime: { bucketMs, t, byKind, repeats },
    window: { from, to },
  };
}

describe('analytics of a generated mix', () => {
  it('equals the truth worked out from the generated callbacks (retries, duplicates, fallbacks, blocks, broken bodies)', () => {
    const list = [...generateDeliveries({ messages: 1500, seed: 7, startAt: T })];
    // the gateway re-sends some early events long after: retries that fit no slot of its schedule
    const end = list.at(-1)!.request.receivedAt;
    for (let i = 0; i < 40; i++) list.push({ ...list[i * 7], request: { ...list[i * 7].request, receivedAt: end + 1000 * (i + 1) } });
    // some answers took longer than the gateway waits
    const answerMs = list.map((_, i) => (i * 7919) % 12_500);
    const gen = openStore({ file: path.join(dir, 'generated.sqlite') });
    try {
      const stored = gen.ingest(list, T + 24 * 3600_000);
      gen.setResponseTimes(stored.map((d, i) => ({ id: d.id, ms: answerMs[i] })));
      const truth = generatedTruth(list, answerMs);
      const r = gen.getAnalytics('', T + 24 * 3600_000);
      expect({
        messages: r.messages,
        funnel: r.funnel,
        failures: r.failures,
        fallback: r.fallback,
        sentToDelivered: r.latencyMs.sentToDelivered,
        callbackDelay: r.latencyMs.callbackDelay,
        retries: r.retries,
        replies: r.replies,
        overTime: r.overTime,
        window: r.window,
      }).toEqual(truth);
      expect(truth.retries.offSchedule).toBeGreaterThan(0);
      expect(truth.retries.answerMs.overTimeout).toBeGreaterThan(0);
      expect(truth.replies.texts.length).toBeGreaterThan(3);
      expect(truth.overTime.repeats.some((n) => n > 0)).toBe(true);
      // the mix holds every case the report counts
      expect(truth.retries.attempts['4']).toBeGreaterThan(0);
      expect(Object.keys(truth.failures.prepaidBlocked.accounts).length).toBeGreaterThan(0);
      expect(truth.fallback.fellBack * truth.fallback.fallbackMissing * truth.fallback.doubleDelivery * truth.failures.duplicateBlocked).toBeGreaterThan(0);
    } finally {
      gen.close();
    }
  });
});

describe('the report of every message', () => {
  it('read from the summaries every write keeps, equals the figures read from the messages and deliveries themselves', () => {
    const file = path.join(dir, 'summaries.sqlite');
    let gen = openStore({ file });
    const all = [...generateDeliveries({ messages: 1200, seed: 11, startAt: T })];
    const end = all.at(-1)!.request.receivedAt;
    // a few events re-sent long after, some replies typed as a bare string and some taps, so every summary moves
    for (let i = 0; i < 30; i++) all.push({ ...all[i * 11], request: { ...all[i * 11].request, receivedAt: end + 500 * (i + 1) } });
    const replyBody = (ref: string, i: number, message: unknown) =>
      ({ reference: ref, campaign_name: 'extra', event_id: `x${i}`, user_id: '5511900000000', timestamp: new Date(end + 60_000 + i).toISOString(), direction: 'inbound', channel: 'RCS', type: i % 2 ? 'suggestionResponse' : 'TEXT', message });
    for (let i = 0; i < 12; i++) {
      const message = i % 2 ? click(i % 4 === 1 ? 'Sim' : undefined, `pb${i % 3}`) : 'Quero';
      all.push(deliveryInput(replyBody(`extra-${i % 5}`, i, message), end + 60_000 + i * 10));
    }
    const everything = 'after:2000-01-01';
    /** the summaries' report, checked against the one read from the rows */
    const summed = (store: Store, at: number) => {
      const scanned = store.getAnalytics(everything, at);
      expect(store.getAnalytics('', at)).toEqual(scanned);
      // a count taken away twice, or never added, goes below zero where the report does not look
      const db = new Database(store.file, { readonly: true });
      try {
        const below = db.prepare(`SELECT count(*) FROM (SELECT n FROM an_messages UNION ALL SELECT n FROM an_values UNION ALL
          SELECT n FROM an_series UNION ALL SELECT n FROM an_attempts UNION ALL SELECT n FROM an_counts) WHERE n < 0`).pluck().get();
        expect(below).toBe(0);
      } finally {
        db.close();
      }
      return scanned;
    };
    try {
      // indexed in small batches: messages change state many times, answer times come later and change
      let now = T;
      const ids: number[] = [];
      const half = Math.floor(all.length / 2 / 37) * 37;
      for (let i = 0; i < all.length; i += 37) {
        if (i === half) {
          summed(gen, now);
          // messages written before they kept their fold (store migration 5) are rebuilt from their deliveries
          gen.close();
          const db = new Database(file);
          expect(db.prepare('UPDATE messages SET acc = NULL WHERE id % 3 = 0').run().changes).toBeGreaterThan(100);
          db.close();
          gen = openStore({ file });
        }
        const batch = all.slice(i, i + 37);
        now = Math.max(now, batch.at(-1)!.request.receivedAt);
        ids.push(...gen.ingest(batch, now).map((d) => d.id));
        gen.setResponseTimes(ids.slice(-50).map((id) => ({ id, ms: (id * 7919 + i) % 12_500 })));
        gen.refreshDue(now);
        // a report now and then: the reply tally it keeps must take in what comes after
        if (i % (37 * 20) === 0) gen.getAnalytics('', now);
      }
      // a DELIVERED timestamped before the one already indexed: the message's gaps change, not only appear
      const at = now + 60_000;
      const cb = (ref: string, type: string, ts: number, eventId: string, campaign = 'late', message: unknown = null) => deliveryInput(
        { reference: ref, campaign_name: campaign, event_id: eventId, user_id: '5511900000001', timestamp: new Date(at + ts).toISOString(), direction: type === 'Text' ? 'outbound' : 'inbound', channel: 'RCS', type, message: type === 'Text' ? { contentType: 'text', text: 'Oi' } : message },
        at + 20_000,
      );
      for (let i = 0; i < 4; i++) {
        gen.ingest([cb(`late-${i}`, 'Text', 0, 'e1'), cb(`late-${i}`, 'DELIVERED', 9000 + i, 'e1'), cb(`late-${i}`, 'READ', 15_000, 'e1')], at + 20_000);
        gen.ingest([cb(`late-${i}`, 'DELIVERED', 4000 + i, 'e2')], at + 20_000);
      }
      now = at + 20_000;
      const later = now + 24 * 3600_000;
      // test callbacks, retried, failed and answered late, then deleted: the summaries lose exactly what they gained
      const failed = 'Request failed with status code 503: upstream unavailable';
      const tests = gen.ingest(
        [0, 1, 2].flatMap((i) => [
          cb(`test-${i}`, 'Text', 0, 't1', 'rci_test_callback'),
          cb(`test-${i}`, 'Text', 0, 't1', 'rci_test_callback'),
          i === 1 ? cb(`test-${i}`, 'ERROR', 300, 't3', 'rci_test_callback', failed) : cb(`test-${i}`, 'DELIVERED', 700 + i, 't2', 'rci_test_callback'),
        ]),
        now,
      );
      gen.setResponseTimes(tests.map((d, i) => ({ id: d.id, ms: 20_000 + i })));
      const withTests = summed(gen, now);
      expect(gen.deleteTestCallbacks()).toEqual({ messages: 3, deliveries: 9 });
      expect(summed(gen, now)).not.toEqual(withTests);

      gen.refreshDue(later);
      const scanned = summed(gen, later);
      expect(scanned.messages).toBeGreaterThan(1000);
      expect(scanned.replies.suggestions.length * scanned.replies.postbacks.length * scanned.replies.texts.length).toBeGreaterThan(0);

      // recovered into a new store: every delivery indexed again, page by page
      gen.close();
      const out = path.join(dir, 'recovered');
      expect(recoverStore({ source: file, outDir: out }).deliveries).toBeGreaterThan(3000);
      const recovered = openStore({ file: path.join(out, 'inspector.sqlite') });
      try {
        expect(summed(recovered, later)).toEqual(scanned);
      } finally {
        recovered.close();
      }

      // a store written before the summaries existed gets them from what it holds
      const db = new Database(file);
      db.exec(`DROP TABLE an_messages; DROP TABLE an_values; DROP TABLE an_series; DROP TABLE an_attempts;
        DROP TABLE an_counts; DROP TABLE an_reasons; ALTER TABLE messages DROP COLUMN facets; CREATE INDEX messages_ref_nocase ON messages(reference COLLATE NOCASE); PRAGMA user_version = 5`);
      db.close();
      gen = openStore({ file });
      expect(gen.getAnalytics('', later)).toEqual(scanned);
    } finally {
      gen.close();
    }
  });
});

describe('cli report', () => {
  it('--format json prints the same report; --format md prints tables that paste into a ticket', { timeout: 60_000 }, async () => {
    // the CLI reads the file on its own: what was ingested must be in it, not only in this connection's cache
    store.close();
    const json = await runCli(['report', '--data-dir', dir, '--format', 'json', '--filter', 'campaign:promo_a']);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as Report;
    expect(report.messages).toBe(6);
    expect(report.byCampaign).toEqual([PROMO_A]);
    expect(report.failures.exception).toEqual({ auth: 0, 'rcs-unsupported': 2, other: 1 });
    expect(report.latencyMs.callbackDelay).toEqual(latency(delays(A)));
    expect(report.overTime).toEqual(perMinute(A));
    expect(report.replies).toEqual(REPLIES);

    const md = await runCli(['report', '--data-dir', dir, '--format', 'md']);
    expect(md.code, md.stderr).toBe(0);
    const lines = md.stdout.split('\n');
    expect(lines[0]).toBe('# Callback report: 15 all messages');
    // the campaign table: header, alignment row, one row per campaign and the total, every row with 10 cells
    const start = lines.indexOf('| Campaign | Messages | Sent | Delivered | Read | Replied | Failed | Blocked | Fell back | Pending |');
    expect(start).toBeGreaterThan(0);
    expect(lines[start + 1]).toMatch(/^\| --- \|( ---: \|){9}$/);
    expect(lines.slice(start + 2, start + 6)).toEqual([
      '| promo_b | 8 | 4 | 1 (25.0%) | 0 (0.0%) | 0 (0.0%) | 3 | 4 | 0 | 0 |',
      '| promo_a | 6 | 6 | 4 (66.7%) | 2 (33.3%) | 1 (16.7%) | 2 | 0 | 1 | 0 |',
      '| later_c | 1 | 1 | 1 (100.0%) | 0 (0.0%) | 0 (0.0%) | 0 | 0 | 0 | 0 |',
      '| Total | 15 | 11 | 6 (54.5%) | 2 (18.2%) | 1 (9.1%) | 5 | 4 | 1 | 0 |',
    ]);
    expect(md.stdout).toContain('| Error 503 | 1 |');
    expect(md.stdout).toContain('| Prepaid blocked: account acc123 | 2 |');
    expect(md.stdout).toContain('| No-RCS exceptions that fell back to SMS | 1 (50.0%) |');
    // a3's READ came again 150 ms later; one of a2's answers took 10.4 s
    expect(md.stdout).toContain('| Retries off the documented schedule | 1 |');
    expect(md.stdout).toContain(`| Answers slower than the gateway's 10 s | 1 (${(100 / of(ALL).length).toFixed(1)}%) |`);
    expect(md.stdout).toContain('## Top suggestion responses\n\n| Value | Messages |\n| --- | ---: |\n| Quero a oferta | 1 |\n| cta_depois | 1 |');
    expect(md.stdout).toContain('## Top reply texts\n\n| Value | Messages |\n| --- | ---: |\n| Sim | 1 |');
    expect(md.stdout).toContain(`## Deliveries from ${new Date(windowOf(ALL).from!).toISOString().slice(0, 16).replace('T', ' ')}Z`);
  });

  it('a filter that does not parse exits 2 with the parser\'s message', { timeout: 60_000 }, async () => {
    store.close();
    const out = await runCli(['report', '--data-dir', dir, '--filter', 'since:soon', '--format', 'json']);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^error: query: .*"soon" is not a time/);
  });
});
