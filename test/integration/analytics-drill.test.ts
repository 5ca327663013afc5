// From an analytics figure to its list, through the real store: the query fields that read a delivery's flag
// details, attempt number and answer time (reason, account, retry, attempt, answer) give in SQL what the shared
// in-memory match gives, and every figure the view makes clickable lists exactly as many messages or deliveries as
// the report counts, on a generated store whose mix holds every case.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openStore } from '../../electron/core/store';
import { createContext } from '../../electron/core/store/context';
import { driverOf, planDeliveries, planMessages, queryTerms } from '../../electron/core/store/filters';
import type { IngestInput, Store } from '../../electron/core/store/types';
import type { Funnel, Report } from '../../shared/analytics';
import type { DeliverySummary, MessageSummary } from '../../shared/domain';
import { parseQuery, type QueryTerm } from '../../shared/query';
import { deliveryMatches, messageMatches } from '../../shared/query-match';
import {
  accountTerm,
  attemptTerm,
  campaignTerm,
  FELL_BACK_TERMS,
  funnelTerm,
  nthAttempts,
  OFF_SCHEDULE_TERM,
  reasonTerm,
  SLOW_ANSWER_TERMS,
  withTerms,
} from '../../renderer/src/lib/drill';
import { deliveryInput, generateDeliveries } from '../support/store-fixtures';
import { allDeliveries, allMessages } from '../support/list-all';

const T = Date.UTC(2026, 0, 5, 12, 0, 0);
const NOW = T + 24 * 3600_000;
let dir: string;
let store: Store;

/** failures the generator never sends: auth and other exceptions, an error and an account block naming nothing */
function rareFailures(at: number): IngestInput[] {
  const cb = (ref: string, type: string, message: string, i: number) =>
    deliveryInput(
      { reference: ref, campaign_name: 'rare_cases', event_id: `${ref}-e`, user_id: '5511900000000', timestamp: new Date(at + i).toISOString(), direction: 'inbound', channel: 'RCS', type, message },
      at + i + 100,
    );
  return [
    cb('rare-auth', 'EXCEPTION', 'Request failed with status code 401: invalid token', 0),
    cb('rare-other', 'EXCEPTION', 'Request failed with status code 500: Internal Server Error', 1),
    cb('rare-nocode', 'ERROR', 'upstream unavailable', 2),
    cb('rare-account', 'PREPAID_BLOCKED', 'Limite de créditos da conta atingido', 3),
    cb('rare-scope', 'PREPAID_BLOCKED', 'Limite atingido', 4),
  ];
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-drill-'));
  store = openStore({ file: path.join(dir, 'inspector.sqlite') });
  const list = [...generateDeliveries({ messages: 1500, seed: 7, startAt: T })];
  // the gateway re-sends some early events long after: retries that fit no slot of its schedule
  const end = list.at(-1)!.request.receivedAt;
  for (let i = 0; i < 40; i++) list.push({ ...list[i * 7], request: { ...list[i * 7].request, receivedAt: end + 1000 * (i + 1) } });
  list.push(...rareFailures(end + 60_000));
  // and deliveries with no message (not JSON) took long to answer too: they are in no report
  list.push(deliveryInput('{"reference": "broken', end + 70_000, { raw: true }));
  const stored = store.ingest(list, NOW);
  store.setResponseTimes(stored.map((d, i) => ({ id: d.id, ms: i === stored.length - 1 ? 12_000 : (i * 7919) % 12_500 })));
});

afterAll(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const deliveriesOf = (q: string) => allDeliveries(store, q);
const messagesOf = (q: string) => allMessages(store, q, NOW);
const totalOf = (view: 'messages' | 'deliveries', q: string) => {
  const page = view === 'messages' ? store.listMessages({ query: q, offset: 0, limit: 50 }, NOW) : store.listDeliveries({ query: q, offset: 0, limit: 50 });
  expect(page.totalIsExact, q).toBe(true);
  return page.total;
};

describe('reason, account, retry, attempt and answer: SQL and memory agree', () => {
  const queries = [
    'reason:auth',
    'reason:rcs-unsupported',
    'reason:other',
    'reason:502',
    'reason:503',
    'reason:unknown',
    'reason:customer',
    'reason:account',
    'account:unknown',
    'retry:off-schedule',
    'retry:on-schedule',
    'attempt:1',
    'attempt:2',
    'attempt:3+',
    'answer:>10s',
    'answer:>1s',
    'answer:>1.5s',
    'answer:>500ms',
    'answer:<100ms',
    '-reason:503 flag:error',
    'reason:503 OR retry:off-schedule',
    'reason:customer,account',
    'attempt:2 -retry:on-schedule',
    'answer:>10s attempt:1+',
    'kind:sent,delivered,read,reply',
  ];

  let deliveries: DeliverySummary[];
  let messages: Map<string, MessageSummary>;
  beforeAll(() => {
    deliveries = deliveriesOf('');
    messages = new Map(messagesOf('').map((m) => [m.reference, m]));
  });

  /** a message matches a term when it does by its summary or, for a delivery-level term, by any of its deliveries */
  function messageHolds(t: QueryTerm, m: MessageSummary, its: DeliverySummary[]): boolean {
    const positive = { ...t, negate: false };
    const bySummary = messageMatches({ terms: [positive], errors: [] }, m);
    const hit = bySummary ?? its.some((d) => deliveryMatches({ terms: [positive], errors: [] }, d, m));
    return hit !== t.negate;
  }

  it('lists the deliveries the in-memory match finds, and the messages with at least one of them', () => {
    const byRef = new Map<string, DeliverySummary[]>();
    for (const d of deliveries) if (d.reference) byRef.set(d.reference, [...(byRef.get(d.reference) ?? []), d]);
    const account = deliveries.find((d) => d.blockedAccount !== null && d.blockedAccount !== 'unknown')!.blockedAccount!;
    for (const q of [...queries, accountTerm(account)]) {
      const parsed = parseQuery(q, NOW);
      expect(parsed.errors, q).toEqual([]);
      const expected = deliveries.filter((d) => deliveryMatches(parsed, d, d.reference ? messages.get(d.reference) : null)).map((d) => d.id);
      expect(expected.length, q).toBeGreaterThan(0);
      expect(deliveriesOf(q).map((d) => d.id), q).toEqual(expected);
      expect(store.listDeliveries({ query: q, offset: 0, limit: 5 }).total, q).toBe(expected.length);
      const expectedRefs = [...messages.values()]
        .filter((m) => parsed.terms.every((t) => messageHolds(t, m, byRef.get(m.reference) ?? [])))
        .map((m) => m.reference)
        .sort();
      expect(messagesOf(q).map((m) => m.reference).sort(), q).toEqual(expectedRefs);
    }
  });

  it('reads them off an index: a flag’s deliveries, a message’s recorded failure reasons, never a scan of the list', () => {
    const db = new Database(path.join(dir, 'inspector.sqlite'), { readonly: true });
    try {
      const ctx = createContext(db);
      const steps = (plan: ReturnType<typeof planMessages>) => {
        const where = driverOf(plan);
        return (db.prepare(`EXPLAIN QUERY PLAN SELECT 1 FROM ${plan.from} WHERE ${where.sql}`).all(...where.params) as { detail: string }[]).map((r) => r.detail).join(' | ');
      };
      for (const q of ['reason:auth', 'reason:503', 'account:unknown', 'retry:off-schedule', 'attempt:3', 'reason:customer,account']) {
        const d = steps(planDeliveries(ctx, queryTerms(q, NOW)));
        expect(d, q).toMatch(/SEARCH x USING PRIMARY KEY \(flag=\?\)/);
        expect(d, q).not.toMatch(/SCAN d\b/);
        const m = steps(planMessages(ctx, queryTerms(q, NOW)));
        expect(m, q).toMatch(q.startsWith('reason') || q.startsWith('account') ? /SEARCH r USING PRIMARY KEY \(reason=\?\)/ : /SEARCH (f|message_facets) USING PRIMARY KEY \(facet=\?\)/);
        expect(m, q).not.toMatch(/SCAN m\b/);
      }
    } finally {
      db.close();
    }
  });

  it('answer: reads the slow answers off their own index, and a bound it cannot read never counts every delivery', () => {
    const db = new Database(path.join(dir, 'inspector.sqlite'), { readonly: true });
    try {
      const ctx = createContext(db);
      const steps = (plan: ReturnType<typeof planMessages>, total = false) => {
        const where = total ? { sql: plan.where.map((w) => w.sql).join(' AND ') || '1', params: plan.where.flatMap((w) => w.params) } : driverOf(plan);
        return (db.prepare(`EXPLAIN QUERY PLAN SELECT 1 FROM ${plan.from} WHERE ${where.sql}`).all(...where.params) as { detail: string }[]).map((r) => r.detail).join(' | ');
      };
      for (const q of ['answer:>10s', 'answer:>1s', 'answer:>2.5s attempt:1+']) {
        const d = steps(planDeliveries(ctx, queryTerms(q, NOW)));
        expect(d, q).toMatch(/SEARCH d USING (COVERING )?INDEX deliveries_slow_answer \(response_ms>\?\)/);
        const m = steps(planMessages(ctx, queryTerms(q, NOW)));
        expect(m, q).toMatch(/USING INDEX deliveries_slow_answer/);
        expect(m, q).not.toMatch(/SCAN (d|m)\b/);
      }
      // below a second most answers qualify: read newest first with the check per message, never a pass over deliveries
      // just to plan (the total is then bounded by the scan cap, as for any unindexed term)
      const seen: string[] = [];
      const spy = (sql: string) => (seen.push(sql), sql);
      const counting = { ...ctx, stmt: ((sql: string, mode?: 'pluck' | 'raw') => ctx.stmt(spy(sql), mode as never)) as typeof ctx.stmt };
      for (const q of ['answer:>500ms', 'answer:<100ms']) {
        const plan = planMessages(counting, queryTerms(q, NOW));
        expect(plan.driver, q).toBeNull();
        expect(plan.exactTotal, q).toBeNull();
        expect(steps(plan, true), q).toMatch(/SCAN m USING (COVERING )?INDEX messages_last/);
      }
      expect(seen.filter((s) => /NOT INDEXED/.test(s))).toEqual([]);
      const page = store.listMessages({ query: 'answer:>500ms', offset: 0, limit: 5 }, NOW);
      expect(page.rows.length).toBe(5);
    } finally {
      db.close();
    }
  });

  it('finds the failures the generator never sends, by their own words', () => {
    const refs = (q: string) => messagesOf(q).map((m) => m.reference);
    expect(refs('reason:auth campaign:rare')).toEqual(['rare-auth']);
    expect(refs('reason:other campaign:rare')).toEqual(['rare-other']);
    expect(refs('reason:unknown')).toEqual(['rare-nocode']);
    expect(refs('account:unknown')).toEqual(['rare-account']);
    // a block that names no scope is a prepaid block, but neither a customer nor an account one
    expect(refs('flag:prepaid-blocked campaign:rare -reason:customer -reason:account')).toEqual(['rare-scope']);
  });
});

describe('retries counted as indexing went', () => {
  it('a store with no off-schedule retry lists none, and its on-schedule one, without reading every repeat', () => {
    const small = openStore({ file: path.join(dir, 'small.sqlite') });
    try {
      const delivered = (rx: number) =>
        deliveryInput({ reference: 's1', event_id: 's1-e', user_id: '5511900000001', timestamp: new Date(T).toISOString(), direction: 'inbound', channel: 'RCS', type: 'DELIVERED', message: null }, T + rx);
      small.ingest([delivered(100), delivered(10_300)], NOW);
      const total = (view: 'messages' | 'deliveries', q: string) =>
        view === 'messages' ? small.listMessages({ query: q, offset: 0, limit: 5 }, NOW) : small.listDeliveries({ query: q, offset: 0, limit: 5 });
      for (const view of ['messages', 'deliveries'] as const) {
        expect(total(view, 'retry:off-schedule'), view).toMatchObject({ rows: [], total: 0, totalIsExact: true });
        expect(total(view, 'retry:on-schedule').total, view).toBe(1);
      }
      // a later repeat that fits no slot: now there is one
      small.ingest([delivered(10_500)], NOW);
      for (const view of ['messages', 'deliveries'] as const) expect(total(view, 'retry:off-schedule').total, view).toBe(1);
    } finally {
      small.close();
    }
  });
});

describe('each clickable figure lists exactly what it counts', () => {
  const messagesFigures = (r: Report): [string, number, string[]][] => [
    ...(Object.keys(r.funnel) as (keyof Funnel)[]).map((k): [string, number, string[]] => [`funnel ${k}`, r.funnel[k], [funnelTerm(k)]]),
    ...Object.entries(r.failures.exception).map(([k, n]): [string, number, string[]] => [`exception ${k}`, n, [reasonTerm(k)]]),
    ...Object.entries(r.failures.error).map(([k, n]): [string, number, string[]] => [`error ${k}`, n, [reasonTerm(k)]]),
    ['prepaid customer', r.failures.prepaidBlocked.customer, [reasonTerm('customer')]],
    ['prepaid account', r.failures.prepaidBlocked.account, [reasonTerm('account')]],
    ...Object.entries(r.failures.prepaidBlocked.accounts).map(([id, n]): [string, number, string[]] => [`account ${id}`, n, [accountTerm(id)]]),
    ['fell back', r.fallback.fellBack, FELL_BACK_TERMS],
  ];
  const deliveriesFigures = (r: Report): [string, number, string[]][] => [
    ['callbacks retried', r.retries.eventsRetried, [attemptTerm(2)]],
    ...nthAttempts(r.retries.attempts).map(({ n, deliveries }): [string, number, string[]] => [`attempt ${n}`, deliveries, [attemptTerm(n)]]),
    ['off-schedule retries', r.retries.offSchedule, [OFF_SCHEDULE_TERM]],
    ['answers over 10 s', r.retries.answerMs.overTimeout, SLOW_ANSWER_TERMS],
  ];

  it('of every message and of one campaign, the list total equals the figure', () => {
    const everything = store.getAnalytics('', NOW);
    const campaign = everything.byCampaign.find((c) => c.campaign !== null && campaignTerm(c.campaign, everything.byCampaign.map((x) => x.campaign)) !== null)!.campaign!;
    for (const base of ['', campaignTerm(campaign, everything.byCampaign.map((x) => x.campaign))!]) {
      const r = store.getAnalytics(base, NOW);
      // the mix holds every kind of figure, so none of these is checked against an empty list only
      expect(r.failures.exception.auth + r.retries.offSchedule * r.retries.answerMs.overTimeout * r.fallback.fellBack, base).toBeGreaterThan(0);
      expect(Object.keys(r.retries.attempts).length, base).toBeGreaterThan(2);
      for (const [what, n, terms] of messagesFigures(r)) expect(totalOf('messages', withTerms(base, terms)), `${base} ${what}`).toBe(n);
      for (const [what, n, terms] of deliveriesFigures(r)) expect(totalOf('deliveries', withTerms(base, terms)), `${base} ${what}`).toBe(n);
    }
    // deliveries of no message are in no report: the slow one among them is left out by attempt:1+
    expect(totalOf('deliveries', 'answer:>10s')).toBeGreaterThan(everything.retries.answerMs.overTimeout);
  });

  it('the Nth attempts add up to the callbacks delivered N times or more', () => {
    expect(nthAttempts({ '1': 5, '2': 3, '4': 1 })).toEqual([
      { n: 1, deliveries: 9, exactly: 5 },
      { n: 2, deliveries: 4, exactly: 3 },
      { n: 3, deliveries: 1, exactly: 0 },
      { n: 4, deliveries: 1, exactly: 1 },
    ]);
  });
});
