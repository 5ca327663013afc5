// `retry:after-200` through the real store: a repeat whose previous attempt we answered 200 within 10 s. The store's
// SQL and the shared in-memory match (over the rows the lists give) pick the same deliveries and messages, and the
// judgement follows the previous attempt's answer time when it is written, after the repeat was indexed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../electron/core/store';
import type { Store } from '../../electron/core/store/types';
import type { DeliverySummary } from '../../shared/domain';
import { parseQuery } from '../../shared/query';
import { deliveryMatches } from '../../shared/query-match';
import { allDeliveries, allMessages } from '../support/list-all';
import { deliveryInput, fillStore, generateDeliveries } from '../support/store-fixtures';

const NOW = Date.parse('2025-11-28T23:00:00Z');
const T = Date.parse('2025-11-28T20:00:00Z');
let dir: string;
let store: Store;

const delivered = (reference: string) => ({
  reference,
  campaign_name: 'retries',
  event_id: `ev-${reference}`,
  direction: 'inbound',
  user_id: '5511987650009',
  timestamp: new Date(T).toISOString(),
  channel: 'RCS',
  type: 'DELIVERED',
});

/** posts the attempts of one event, each answered as given (ms null: its time never written), 10 s apart */
function attempts(reference: string, answers: { status?: number; ms: number | null }[], offsetMs: number): DeliverySummary[] {
  const out: DeliverySummary[] = [];
  answers.forEach((a, i) => {
    const [row] = store.ingest([deliveryInput(delivered(reference), T + offsetMs + i * 10_000, { responseStatus: a.status ?? 200 })], NOW);
    if (a.ms !== null) store.setResponseTimes([{ id: row!.id, ms: a.ms }]);
    out.push(row!);
  });
  return out;
}

let rows: Record<string, DeliverySummary[]>;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-after200-'));
  store = openStore({ file: path.join(dir, 'inspector.sqlite'), busyTimeoutMs: 200 });
  fillStore(store, generateDeliveries({ messages: 150, seed: 11, startAt: Date.parse('2025-11-28T13:00:00Z') }), 97, NOW);
  // the generated deliveries get answer times of every kind: fast, slow, none
  const gen = allDeliveries(store, '');
  store.setResponseTimes(gen.filter((d) => d.id % 3 !== 0).map((d) => ({ id: d.id, ms: d.id % 5 === 0 ? 12_000 : 20 + (d.id % 90) })));
  rows = {
    fast: attempts('r-fast', [{ ms: 40 }, { ms: 30 }], 0),
    slow: attempts('r-slow', [{ ms: 12_000 }, { ms: 25 }], 100_000),
    failed: attempts('r-503', [{ status: 503, ms: 4 }, { ms: 25 }], 200_000),
    untimed: attempts('r-untimed', [{ ms: null }, { ms: 25 }], 300_000),
    mixed: attempts('r-mixed', [{ ms: 35 }, { ms: 11_000 }, { ms: 20 }], 400_000),
  };
});

afterAll(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const ids = (ds: DeliverySummary[]) => ds.map((d) => d.id);

describe('retry:after-200', () => {
  it('lists the repeats whose previous attempt we answered 200 within 10 s, and no other', () => {
    const got = new Set(ids(allDeliveries(store, 'retry:after-200')));
    expect(got.has(rows.fast[1]!.id)).toBe(true);
    expect(got.has(rows.mixed[1]!.id)).toBe(true);
    for (const d of [rows.fast[0]!, rows.slow[1]!, rows.failed[1]!, rows.untimed[1]!, rows.mixed[2]!]) expect(got.has(d.id), `#${d.id}`).toBe(false);
    // the rows say what we answered the attempt before
    const listed = allDeliveries(store, 'ref:r-mixed');
    expect(listed.map((d) => d.previousAnswer)).toEqual([{ status: 200, ms: 11_000 }, { status: 200, ms: 35 }, null]);
  });

  it('agrees with the in-memory match, alone, negated, combined and in OR, for deliveries and messages', () => {
    const all = allDeliveries(store, '');
    const messages = new Map(allMessages(store, '', NOW).map((m) => [m.reference, m]));
    for (const q of ['retry:after-200', '-retry:after-200', 'retry:after-200 type:DELIVERED', 'retry:after-200 OR retry:off-schedule', 'flag:duplicate -retry:after-200', 'retry:after-200,on-schedule']) {
      const parsed = parseQuery(q, NOW);
      expect(parsed.errors, q).toEqual([]);
      const expected = all.filter((d) => deliveryMatches(parsed, d, d.reference ? messages.get(d.reference) : null)).map((d) => d.id);
      expect(expected.length, q).toBeGreaterThan(0);
      expect(ids(allDeliveries(store, q)), q).toEqual(expected);
      expect(store.listDeliveries({ query: q, offset: 0, limit: 5 }).total, q).toBe(expected.length);
    }
    // a message matches when any of its deliveries does; negated, when none does
    const hits = new Set(all.filter((d) => deliveryMatches(parseQuery('retry:after-200'), d)).map((d) => d.reference));
    expect(new Set(allMessages(store, 'retry:after-200', NOW).map((m) => m.reference))).toEqual(hits);
    expect(allMessages(store, '-retry:after-200', NOW).map((m) => m.reference).filter((r) => hits.has(r))).toEqual([]);
    // the generated repeats follow 503s, as the gateway's retries of a failing endpoint do
    expect(hits).toEqual(new Set(['r-fast', 'r-mixed']));
  });

  it('is judged when read: an answer time written after the repeat was indexed counts', () => {
    const repeat = rows.untimed[1]!;
    expect(ids(allDeliveries(store, 'retry:after-200 ref:r-untimed'))).toEqual([]);
    store.setResponseTimes([{ id: rows.untimed[0]!.id, ms: 60 }]);
    expect(ids(allDeliveries(store, 'retry:after-200 ref:r-untimed'))).toEqual([repeat.id]);
    expect(store.getDelivery(repeat.id)!.previousAnswer).toEqual({ status: 200, ms: 60 });
    // the live row of a repeat carries the answer known when it was indexed
    expect(rows.fast[1]!.previousAnswer).toEqual({ status: 200, ms: 40 });
    expect(rows.fast[0]!.previousAnswer).toBeUndefined();
  });

  it("gives a delivery's detail the attempts of its event, for its retry ladder", () => {
    const d = store.getDelivery(rows.mixed[1]!.id)!;
    expect(ids(d.attempts!)).toEqual(ids(rows.mixed));
    expect(d.attempts!.map((a) => a.previousAnswer)).toEqual([null, { status: 200, ms: 35 }, { status: 200, ms: 11_000 }]);
    // with the response rule that answered an attempt, so the ladder can name it
    store.setRuleAnswers([{ id: rows.failed[0]!.id, rule: 'fail first 1', action: 'status', status: 503, delayMs: null }]);
    const failed = store.getDelivery(rows.failed[1]!.id)!;
    expect(failed.attempts!.map((a) => a.answeredBy?.rule ?? null)).toEqual(['fail first 1', null]);
    expect(failed.previousAnswer).toEqual({ status: 503, ms: 4 });
  });

  it('is offered by the query language and refused misspelt', () => {
    expect(parseQuery('retry:After-200').terms[0]).toMatchObject({ field: 'retry', value: 'after-200' });
    expect(parseQuery('retry:after200').errors[0]).toMatch(/unknown retry "after200" \(one of: on-schedule, off-schedule, after-200\)/);
  });
});
