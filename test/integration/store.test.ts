// The SQLite store against a real file: ingest of the documented lifecycles, classification across batches and
// reopen, the query language (checked against shared/query.ts's in-memory semantics), free text, paging, counts,
// the time-dependent fallback-missing anomaly, write failures that leave nothing behind, and hostile queries.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../electron/core/store';
import { StoreWriteError, type Store } from '../../electron/core/store/types';
import { ApiError } from '../../shared/api-error';
import type { DeliverySummary, MessageSummary } from '../../shared/domain';
import { parseQuery } from '../../shared/query';
import { deliveryMatches, messageMatches } from '../../shared/query-match';
import {
  deliveryInput,
  fillStore,
  generateDeliveries,
  loadSamples,
  rejectedInput,
  sampleLifecycleInputs,
} from '../support/store-fixtures';

const NOW = Date.parse('2025-11-28T23:00:00Z');
let dir: string;
let file: string;
let store: Store;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-store-'));
  file = path.join(dir, 'inspector.sqlite');
  store = openStore({ file, busyTimeoutMs: 200 });
});

afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const REFS = {
  happy: '2c7e9a41-0b6f-4d1e-8f3a-91c2d5e7b004',
  fallback: '3e8fab52-1c70-4e2f-9a4b-02d3e6f8c101',
  prepaid1: '5a01cd74-3e92-4a41-9c6d-24f5a8b0e301',
  prepaid2: '5a01cd74-3e92-4a41-9c6d-24f5a8b0e302',
};

function ingestSamples(): Record<string, DeliverySummary[]> {
  return Object.fromEntries(Object.entries(sampleLifecycleInputs()).map(([name, inputs]) => [name, store.ingest(inputs, NOW)]));
}

function allDeliveries(s: Store, query = ''): DeliverySummary[] {
  const out: DeliverySummary[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = s.listDeliveries({ query, offset, limit: 500 });
    out.push(...page.rows);
    if (page.rows.length < 500) return out;
  }
}

function allMessages(s: Store, query = '', now = NOW): MessageSummary[] {
  const out: MessageSummary[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = s.listMessages({ query, offset, limit: 500 }, now);
    out.push(...page.rows);
    if (page.rows.length < 500) return out;
  }
}

const retriesRef = () => (loadSamples().lifecycles.gateway_retries[0].body as { reference: string }).reference;

describe('ingest of the sample lifecycles', () => {
  it('gives each message its state, flags and counts', () => {
    ingestSamples();
    const byRef = new Map(allMessages(store).map((m) => [m.reference, m]));
    expect(byRef.size).toBe(5);

    const happy = byRef.get(REFS.happy)!;
    expect(happy.state).toBe('replied');
    expect(happy.flags).toEqual([]);
    expect(happy.deliveryCount).toBe(5);
    expect(happy.campaign).toBe('black_friday_2025_rcs');
    expect(happy.userId).toBe('5511999990001');

    const fallback = byRef.get(REFS.fallback)!;
    expect(fallback.state).toBe('fell-back');
    expect(fallback.flags).toEqual(['exception', 'fallback']);
    expect(fallback.channels).toEqual(['RCS', 'SMS']);
    expect(fallback.anomalies).toEqual([]);

    for (const ref of [REFS.prepaid1, REFS.prepaid2]) {
      expect(byRef.get(ref)!.state).toBe('blocked');
      expect(byRef.get(ref)!.flags).toEqual(['prepaid-blocked']);
    }

    const retries = byRef.get(retriesRef())!;
    expect(retries.state).toBe('read');
    expect(retries.deliveryCount).toBe(5);
    expect(retries.duplicateCount).toBe(2);
    expect(retries.eventCount).toBe(3);
  });

  it('numbers the attempts of a retried event and flags the repeats as exact duplicates of the first', () => {
    const out = ingestSamples().gateway_retries;
    expect(out.map((d) => [d.type, d.attempt, d.flags])).toEqual([
      ['Text', 1, []],
      ['DELIVERED', 1, []],
      ['DELIVERED', 2, ['duplicate']],
      ['DELIVERED', 3, ['duplicate']],
      ['READ', 1, []],
    ]);
    const third = store.getDelivery(out[3].id)!;
    expect(third.flagDetails).toEqual([
      expect.objectContaining({ flag: 'duplicate', kind: 'exact', of: out[1].id, previous: out[2].id, attempt: 3, gapMs: 30_040 }),
    ]);
  });

  it('classifies against earlier batches and survives a reopen', () => {
    const inputs = sampleLifecycleInputs().gateway_retries;
    store.ingest(inputs.slice(0, 3), NOW);
    store.close();
    store = openStore({ file });
    const rest = store.ingest(inputs.slice(3), NOW);
    expect(rest.map((d) => d.attempt)).toEqual([3, 1]);
    expect(rest[0].flags).toEqual(['duplicate']);
    expect(store.getMessage(retriesRef(), NOW)!.summary.duplicateCount).toBe(2);
  });

  it('tells a re-sent event with a different payload apart (semantic duplicate)', () => {
    const body = loadSamples().events.delivered;
    const [a] = store.ingest([deliveryInput(body, NOW - 20_000)], NOW);
    const [b] = store.ingest([deliveryInput({ ...body, vars: { nome: 'Outro' } }, NOW - 10_000)], NOW);
    expect(store.getDelivery(b.id)!.flagDetails).toEqual([
      expect.objectContaining({ flag: 'duplicate', kind: 'semantic', of: a.id, attempt: 2 }),
    ]);
    // key order and whitespace do not matter for an exact duplicate
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(body).reverse()), null, 2);
    const [c] = store.ingest([deliveryInput(reordered, NOW, { raw: true })], NOW);
    expect(store.getDelivery(c.id)!.flagDetails[0]).toMatchObject({ flag: 'duplicate', kind: 'exact', attempt: 3 });
  });

  it('keeps a rejected delivery as metadata and first bytes, unclassified and outside messages', () => {
    const first = '{"reference":"big-one","message":"' + 'x'.repeat(100_000);
    const [r] = store.ingest([rejectedInput(first, 5_000_000, NOW)], NOW);
    expect(r).toMatchObject({ outcome: 'rejected', responseStatus: 413, attempt: null, flags: [], bodySize: 5_000_000 });
    const detail = store.getDelivery(r.id)!;
    expect(detail.rejectReason).toBe('body larger than 1 MiB');
    expect(detail.bodyTruncated).toBe(true);
    expect(Buffer.from(detail.bodyBase64, 'base64').toString()).toBe(first.slice(0, 64 * 1024));
    expect(detail.callback).toBeNull();
    expect(store.listMessages({ query: '', offset: 0, limit: 10 }, NOW).total).toBe(0);
    expect(store.listDeliveries({ query: 'status:413', offset: 0, limit: 10 }).rows.map((d) => d.id)).toEqual([r.id]);
  });

  it('stores broken bodies as invalid deliveries with the exact bytes', () => {
    const bytes = new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x00]);
    const [d] = store.ingest([deliveryInput(bytes, NOW)], NOW);
    expect(d.flags).toEqual(['invalid']);
    const detail = store.getDelivery(d.id)!;
    expect(Buffer.from(detail.bodyBase64, 'base64')).toEqual(Buffer.from(bytes));
    expect(detail.flagDetails[0]).toMatchObject({ flag: 'invalid' });
    expect(store.getRawRequest(d.id)!.body).toEqual(bytes);
  });

  it('builds the timeline of a message from its deliveries', () => {
    ingestSamples();
    const m = store.getMessage(REFS.fallback, NOW)!;
    expect(m.events.map((e) => `${e.type}/${e.channel}`)).toEqual(['Text/RCS', 'EXCEPTION/RCS', 'Text/SMS', 'DELIVERED/SMS']);
    expect(m.events.every((e) => e.deliveries.length === 1)).toBe(true);
    expect(store.getMessage('no-such-reference', NOW)).toBeNull();
  });
});

describe('the fallback grace period', () => {
  it('turns a no-RCS exception without SMS into fallback-missing once time has passed', () => {
    const lifecycle = loadSamples().lifecycles.rcs_unsupported_sms_fallback.slice(0, 2);
    const t = Date.parse(lifecycle[1].received_at);
    store.ingest(lifecycle.map((d) => deliveryInput(d.body, Date.parse(d.received_at))), t);
    const early = store.listMessages({ query: 'anomaly:fallback-missing', offset: 0, limit: 10 }, t + 30_000);
    expect(early.total).toBe(0);
    expect(store.nextDueAt()).toBeGreaterThan(t + 30_000);
    expect(store.refreshDue(t + 30_000)).toEqual([]);
    // reads never write: the indexer rewrites the message when its grace runs out
    expect(store.refreshDue(t + 120_000)).toEqual([REFS.fallback]);
    expect(store.nextDueAt()).toBeNull();
    const late = store.listMessages({ query: 'anomaly:fallback-missing', offset: 0, limit: 10 }, t + 120_000);
    expect(late.rows.map((m) => m.reference)).toEqual([REFS.fallback]);
    expect(late.rows[0].anomalies).toContain('fallback-missing');
    expect(store.getCounts('', t + 120_000).anomalies['fallback-missing']).toBe(1);
  });
});

describe('filters', () => {
  // ~200 generated messages with every lifecycle kind, plus the samples
  beforeEach(() => {
    ingestSamples();
    fillStore(store, generateDeliveries({ messages: 200, seed: 3, startAt: Date.parse('2025-11-28T13:00:00Z') }), 97, NOW);
    store.ingest([deliveryInput('{"reference": "cut-short', Date.parse('2025-11-28T14:00:00Z'), { raw: true })], NOW);
  });

  it('agree with the shared in-memory semantics for every field, negated or not', () => {
    // a campaign seen only on a delivery without a reference (so on no message)
    store.ingest([deliveryInput({ campaign_name: 'solo_run', event_id: 'e-solo', type: 'Text', timestamp: '2025-11-28T13:30:00Z' }, Date.parse('2025-11-28T13:30:01Z'))], NOW);
    const deliveries = allDeliveries(store);
    const messages = new Map(allMessages(store).map((m) => [m.reference, m]));
    expect(deliveries.length).toBeGreaterThan(600);
    const queries = [
      'type:DELIVERED',
      'type:text',
      '-type:DELIVERED',
      'kind:reply',
      'flag:duplicate',
      '-flag:duplicate',
      'flag:invalid',
      'flag:exception flag:fallback',
      'channel:SMS',
      '-channel:RCS',
      'direction:inbound',
      'user:5511',
      'user:551199999',
      '-user:5511',
      'ref:2c7e9a41',
      'ref:2C7E9A41',
      `event:${deliveries[40].eventId!.slice(0, 6)}`,
      'campaign:boleto',
      'campaign:BLACK_FRIDAY',
      'campaign:"black friday"',
      'campaign:"Black Friday 2025 RCS"',
      '-campaign:"black friday"',
      'campaign:solo',
      '-campaign:natal',
      'status:503',
      'status:2xx',
      '-status:200',
      'method:post',
      'path:/call',
      'state:failed',
      'state:fell-back',
      '-state:read',
      'anomaly:double-delivery',
      'anomaly:read-without-delivered',
      'anomaly:out-of-order',
      'after:2025-11-28T13:10:00Z',
      'before:2025-11-28T13:10:00Z',
      'after:2025-11-28T13:05:00Z before:2025-11-28T13:20:00Z',
      'type:DELIVERED flag:duplicate -status:503',
      'kind:exception state:fell-back',
    ];
    for (const q of queries) {
      const parsed = parseQuery(q, NOW);
      expect(parsed.errors, q).toEqual([]);
      const matching = deliveries.filter((d) => deliveryMatches(parsed, d, d.reference ? messages.get(d.reference) : null));
      // a time window lists by received time (arrival order, unless the fixture, or a clock set back, says otherwise)
      if (parsed.terms.some((t) => (t.field === 'after' || t.field === 'before') && !t.negate)) {
        matching.sort((a, b) => b.receivedAt - a.receivedAt || b.id - a.id);
      }
      const expected = matching.map((d) => d.id);
      // a filter that matches nothing proves nothing: the data set covers every query but one
      if (q !== 'flag:exception flag:fallback') expect(expected.length, q).toBeGreaterThan(0);
      const got = allDeliveries(store, q).map((d) => d.id);
      expect(got, q).toEqual(expected);
      const page = store.listDeliveries({ query: q, offset: 0, limit: 5 });
      expect(page.total, q).toBe(expected.length);
      // a message's summary decides some terms alone; where it does, the store's message list agrees
      const listed = new Set(allMessages(store, q).map((m) => m.reference));
      for (const m of messages.values()) {
        const decided = messageMatches(parsed, m);
        if (decided !== null) expect(listed.has(m.reference), `${q}: ${m.reference}`).toBe(decided);
      }
    }
  });

  it('find by free text what the shared in-memory match finds, and beyond it only through the raw body', () => {
    const deliveries = allDeliveries(store);
    const messages = new Map(allMessages(store).map((m) => [m.reference, m]));
    const memory = (q: string) => {
      const parsed = parseQuery(q, NOW);
      return deliveries.filter((d) => deliveryMatches(parsed, d, d.reference ? messages.get(d.reference) : null)).map((d) => d.id);
    };
    // words of message text, previews, ids and campaigns: the same deliveries either way
    const same = [
      'Campinas',
      'campin',
      '-Campinas',
      'olá',
      'OLA',
      'creditos',
      'pedido ola',
      '"qual o prazo"',
      '"prazo o qual"',
      'liver',
      'delivered',
      'black_friday',
      '"black friday"',
      '5511999990001',
      REFS.happy.slice(0, 8),
      'upstream unavailable',
      '"not valid JSON"',
    ];
    for (const q of same) {
      expect(parseQuery(q, NOW).errors, q).toEqual([]);
      expect(allDeliveries(store, q).map((d) => d.id), q).toEqual(memory(q));
    }
    expect(memory('OLA').length).toBeGreaterThan(0);
    // the store also searches the raw body, which a summary does not hold: vars and postback values, JSON keys,
    // what a body that is not JSON holds
    for (const q of ['nome', 'session_id', 'cut-short']) {
      expect(memory(q), q).toEqual([]);
      expect(allDeliveries(store, q).length, q).toBeGreaterThan(0);
    }
  });

  it('keep a message when at least one of its deliveries matches, and drop it for a negated match', () => {
    const deliveries = allDeliveries(store);
    const messages = allMessages(store);
    const cases: [string, (d: DeliverySummary) => boolean][] = [
      ['type:EXCEPTION', (d) => d.type === 'EXCEPTION'],
      ['kind:reply', (d) => d.kind === 'reply'],
      ['flag:duplicate', (d) => d.flags.includes('duplicate')],
      ['channel:SMS', (d) => d.channel === 'SMS'],
      ['status:503', (d) => d.responseStatus === 503],
    ];
    for (const [q, pred] of cases) {
      const refs = new Set(deliveries.filter(pred).map((d) => d.reference));
      const expected = messages.filter((m) => refs.has(m.reference)).map((m) => m.reference);
      expect(expected.length, q).toBeGreaterThan(0);
      expect(allMessages(store, q).map((m) => m.reference), q).toEqual(expected);
      const negated = messages.filter((m) => !refs.has(m.reference)).map((m) => m.reference);
      expect(allMessages(store, `-${q}`).map((m) => m.reference), `-${q}`).toEqual(negated);
    }
    // message-level fields
    expect(allMessages(store, 'state:blocked').every((m) => m.state === 'blocked')).toBe(true);
    expect(allMessages(store, 'state:blocked').length).toBe(messages.filter((m) => m.state === 'blocked').length);
    expect(allMessages(store, '-state:read').length).toBe(messages.filter((m) => m.state !== 'read').length);
    expect(allMessages(store, 'user:5511999990001').map((m) => m.reference)).toEqual(
      messages.filter((m) => m.userId === '5511999990001').map((m) => m.reference),
    );
  });

  it('match a campaign by any part of its name, any case, spaces for any character', () => {
    const bf = allMessages(store, 'campaign:"black friday"');
    expect(new Set(bf.map((m) => m.campaign))).toEqual(new Set(['black_friday_2025_rcs', 'black_friday_2025_sms']));
    expect(allMessages(store, 'campaign:"Black Friday 2025 RCS"').every((m) => m.campaign === 'black_friday_2025_rcs')).toBe(true);
    expect(allMessages(store, 'campaign:nothing-like-this')).toEqual([]);
    expect(store.suggestValues('campaign', 'black')).toEqual(expect.arrayContaining(['black_friday_2025_rcs', 'black_friday_2025_sms']));
  });

  it('search free text in message text and in the raw body, with accents folded', () => {
    const inText = allMessages(store, 'Campinas').map((m) => m.reference);
    expect(inText).toContain(REFS.happy);
    // "cta_quero_oferta" is a postback value inside the raw body, never shown as message text
    const inBody = allDeliveries(store, 'cta_quero_oferta');
    expect(inBody.length).toBeGreaterThan(0);
    expect(inBody.every((d) => d.reference === REFS.happy)).toBe(true);
    // "cupom" is a vars key: raw body only
    expect(allDeliveries(store, 'cupom').some((d) => d.reference === REFS.happy)).toBe(true);
    const accented = allDeliveries(store, 'pedido ola').length;
    expect(allDeliveries(store, 'olá').length).toBeGreaterThan(0);
    expect(allDeliveries(store, 'OLA').length).toBe(allDeliveries(store, 'olá').length);
    expect(accented).toBeGreaterThan(0);
    // a phrase keeps word order; a prefix of the last word matches
    expect(allDeliveries(store, '"qual o prazo"').map((d) => d.reference)).toContain(REFS.happy);
    expect(allDeliveries(store, '"prazo o qual"')).toEqual([]);
    expect(allDeliveries(store, 'Campin').length).toBe(allDeliveries(store, 'Campinas').length);
    const all = allDeliveries(store).length;
    expect(allDeliveries(store, '-Campinas').length).toBe(all - allDeliveries(store, 'Campinas').length);
  });

  it('never fail on hostile query text', () => {
    const hostile = [
      '"',
      '""',
      '"unterminated phrase',
      'a" OR "b',
      'NEAR(a b)',
      'x AND OR NOT y',
      '* ^ : ( ) { }',
      'text:*',
      "'; DROP TABLE deliveries; --",
      "ref:'; DELETE FROM messages; --",
      'user:%',
      'user:_',
      'campaign:"(.*"',
      'campaign:[',
      '-',
      '--flag:duplicate',
      'body:x col:y deliveries_fts:z',
      '\u0000\u0001',
      '🙂 émoji',
      'x'.repeat(2000),
    ];
    const before = store.stats(NOW).deliveriesTotal;
    // an answer, or the query refused in words for the user (an unknown field, parentheses): never another failure
    const answersOrRefuses = (read: () => unknown, q: string) => {
      try {
        read();
      } catch (err) {
        expect(err, q).toBeInstanceOf(ApiError);
        expect((err as ApiError).code, q).toBe('bad-request');
      }
    };
    for (const q of hostile) {
      answersOrRefuses(() => store.listMessages({ query: q, offset: 0, limit: 10 }, NOW), q);
      answersOrRefuses(() => store.listDeliveries({ query: q, offset: 0, limit: 10 }), q);
      answersOrRefuses(() => store.getCounts(q, NOW), q);
      answersOrRefuses(() => store.listDeliveryIds(q, 'received'), q);
    }
    expect(() => store.listDeliveries({ query: 'a" OR "b', offset: 0, limit: 10 })).not.toThrow();
    expect(store.listDeliveries({ query: 'user:%', offset: 0, limit: 10 }).total).toBe(0);
    expect(store.stats(NOW).deliveriesTotal).toBe(before);
  });

  it('reject values it cannot understand instead of widening the filter', () => {
    expect(() => store.listDeliveryIds('after:someday', 'received')).toThrow(/after/);
    expect(() => store.listMessages({ query: 'flag:nonsense', offset: 0, limit: 10 }, NOW)).toThrow(/flag/);
  });
});

describe('paging and counts', () => {
  beforeEach(() => {
    fillStore(store, generateDeliveries({ messages: 300, seed: 11 }), 200, NOW);
  });

  it('pages messages by last activity without gaps or repeats', () => {
    const first = store.listMessages({ query: '', offset: 0, limit: 1 }, NOW);
    expect(first).toMatchObject({ total: 300, totalIsExact: true, offset: 0 });
    const seen: MessageSummary[] = [];
    for (let offset = 0; offset < 300; offset += 70) seen.push(...store.listMessages({ query: '', offset, limit: 70 }, NOW).rows);
    expect(seen).toHaveLength(300);
    expect(new Set(seen.map((m) => m.reference)).size).toBe(300);
    for (let i = 1; i < seen.length; i++) expect(seen[i - 1].lastReceivedAt).toBeGreaterThanOrEqual(seen[i].lastReceivedAt);
    const filtered = store.listMessages({ query: 'flag:duplicate', offset: 10, limit: 10 }, NOW);
    expect(filtered.offset).toBe(10);
    expect(filtered.rows).toEqual(allMessages(store, 'flag:duplicate').slice(10, 20));
  });

  it('lists deliveries newest first', () => {
    const rows = allDeliveries(store);
    expect(rows.map((d) => d.id)).toEqual([...rows.map((d) => d.id)].sort((a, b) => b - a));
  });

  it('counts flags over deliveries and states, anomalies and campaigns over messages, scoped by the query', () => {
    const deliveries = allDeliveries(store);
    const messages = allMessages(store);
    const counts = store.getCounts('', NOW);
    expect(counts.deliveries).toBe(deliveries.length);
    expect(counts.messages).toBe(300);
    expect(counts.flags.duplicate).toBe(deliveries.filter((d) => d.flags.includes('duplicate')).length);
    expect(counts.flags.fallback).toBe(deliveries.filter((d) => d.flags.includes('fallback')).length);
    expect(counts.states.failed).toBe(messages.filter((m) => m.state === 'failed').length);
    expect(counts.anomalies['fallback-missing']).toBe(messages.filter((m) => m.anomalies.includes('fallback-missing')).length);
    expect(counts.anomalies['fallback-missing']).toBeGreaterThan(0);
    const boleto = messages.filter((m) => m.campaign === 'boleto_lembrete');
    expect(counts.campaigns.find((c) => c.campaign === 'boleto_lembrete')!.count).toBe(boleto.length);

    const scoped = store.getCounts('campaign:boleto', NOW);
    expect(scoped.messages).toBe(boleto.length);
    expect(scoped.campaigns).toEqual([{ campaign: 'boleto_lembrete', count: boleto.length }]);
    expect(scoped.states.read ?? 0).toBe(boleto.filter((m) => m.state === 'read').length);
    const boletoDeliveries = deliveries.filter((d) => d.campaign === 'boleto_lembrete');
    expect(scoped.deliveries).toBe(boletoDeliveries.length);
    expect(scoped.flags.duplicate ?? 0).toBe(boletoDeliveries.filter((d) => d.flags.includes('duplicate')).length);
  });

  it('reports a capped total as inexact when counting everything would be slow', () => {
    const capped = openStore({ file, countCap: 50 });
    try {
      const page = capped.listDeliveries({ query: 'type:delivered -channel:SMS', offset: 0, limit: 10 });
      expect(page.totalIsExact).toBe(false);
      expect(page.total).toBe(50);
      expect(capped.listDeliveries({ query: '', offset: 0, limit: 10 }).totalIsExact).toBe(true);
    } finally {
      capped.close();
    }
  });

  it('stops counting a rare combination early and says the total is a lower bound, exact once the end is reached', () => {
    const q = 'type:delivered channel:SMS';
    const all = allDeliveries(store, q);
    expect(all.length).toBeGreaterThan(5);
    // either term alone has more rows than the count may examine (cap + 1): the combination cannot be counted whole
    const cap = all.length + 1;
    expect(Math.min(allDeliveries(store, 'type:delivered').length, allDeliveries(store, 'channel:SMS').length)).toBeGreaterThan(cap + 1);
    const small = openStore({ file, countCap: cap, scanCap: 0 });
    try {
      const first = small.listDeliveries({ query: q, offset: 0, limit: 5 });
      expect(first.totalIsExact).toBe(false);
      expect(first.total).toBeLessThan(all.length);
      expect(first.total).toBeGreaterThanOrEqual(5);
      // the page that reaches the end knows the exact total
      expect(small.listDeliveries({ query: q, offset: 0, limit: 500 })).toMatchObject({ total: all.length, totalIsExact: true });
      // with room to examine every row the same total is exact from the first page
      expect(store.listDeliveries({ query: q, offset: 0, limit: 2 })).toMatchObject({ total: all.length, totalIsExact: true });
      const counts = small.getCounts(q, NOW);
      expect(counts.sampled).toBe(true);
      expect(counts.deliveries).toBeLessThan(all.length);
      expect(store.getCounts(q, NOW)).toMatchObject({ sampled: false, deliveries: all.length });
    } finally {
      small.close();
    }
  });

  it('keeps everything across a reopen', () => {
    const before = { m: allMessages(store), c: store.getCounts('', NOW), s: store.stats(NOW) };
    store.close();
    store = openStore({ file });
    expect(allMessages(store)).toEqual(before.m);
    expect(store.getCounts('', NOW)).toEqual(before.c);
    expect(store.stats(NOW).deliveriesTotal).toBe(before.s.deliveriesTotal);
  });
});

describe('time windows', () => {
  const at = (iso: string) => Date.parse(iso);
  const sent = (ref: string, iso: string, type = 'SENT') => deliveryInput({ reference: ref, event_id: `${ref}-${type}`, type, timestamp: iso, user_id: '5511999990000' }, at(iso));

  it('find a message that began before the window and lasted longer than any other, also after a reopen', () => {
    // short-lived messages every minute, and one whose read receipt comes two days after it was sent
    const inputs = Array.from({ length: 120 }, (_, i) => sent(`short-${i}`, new Date(at('2025-11-28T10:00:00Z') + i * 60_000).toISOString()));
    store.ingest(inputs, NOW);
    store.ingest([sent('long', '2025-11-28T10:30:30Z')], NOW);
    store.ingest([sent('long', '2025-11-30T10:00:00Z', 'READ')], NOW);
    const before = (s: Store) => allMessages(s, 'before:2025-11-28T10:31:00Z').map((m) => m.reference);
    const window = (s: Store) => allMessages(s, 'after:2025-11-28T10:20:00Z before:2025-11-28T10:31:00Z').map((m) => m.reference);
    expect(before(store)).toContain('long');
    expect(before(store)).toHaveLength(32);
    expect(window(store)).toEqual(['long', ...Array.from({ length: 11 }, (_, i) => `short-${30 - i}`)]);
    expect(allMessages(store, '-before:2025-11-28T10:31:00Z')).toHaveLength(89);
    store.close();
    store = openStore({ file });
    expect(window(store)).toContain('long');
  });

  it('list the deliveries of a window newest first with an exact total', () => {
    store.ingest(Array.from({ length: 50 }, (_, i) => sent(`m-${i}`, new Date(at('2025-11-28T10:00:00Z') + i * 60_000).toISOString())), NOW);
    const page = store.listDeliveries({ query: 'after:2025-11-28T10:10:00Z before:2025-11-28T10:20:00Z', offset: 0, limit: 5 });
    expect(page.rows.map((d) => d.reference)).toEqual(['m-19', 'm-18', 'm-17', 'm-16', 'm-15']);
    expect(page).toMatchObject({ total: 10, totalIsExact: true });
  });

  it('count spans from stores written before the bound existed (migration)', () => {
    store.ingest([sent('long', '2025-11-28T10:00:00Z'), sent('long', '2025-11-29T10:00:00Z', 'READ')], NOW);
    store.close();
    const db = new Database(file);
    // the shape of a schema-2 store: no span bound, pending rows listed in pending_index
    db.exec("DELETE FROM counters WHERE key = 'span:max'; DROP TABLE inbox; ALTER TABLE messages DROP COLUMN acc; ALTER TABLE messages DROP COLUMN facets; CREATE INDEX message_facets_msg ON message_facets(msg_id, facet); CREATE INDEX messages_ref_nocase ON messages(reference COLLATE NOCASE); DROP INDEX deliveries_msg_canon; CREATE TABLE pending_index (id INTEGER PRIMARY KEY); PRAGMA user_version = 2");
    db.close();
    store = openStore({ file });
    expect(allMessages(store, 'before:2025-11-28T11:00:00Z').map((m) => m.reference)).toEqual(['long']);
  });
});

describe('write failures', () => {
  it('gives up on indexing at once while another connection holds the lock, so the acknowledgement path gets it first', () => {
    const waiting = openStore({ file, busyTimeoutMs: 5000 });
    try {
      waiting.ingestRaw(sampleLifecycleInputs().happy_path_with_click);
      const other = new Database(file);
      other.exec('BEGIN EXCLUSIVE');
      const started = Date.now();
      try {
        expect(() => waiting.indexPending(100, NOW)).toThrow(StoreWriteError);
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      // a background write does not hold the event loop for the 5 s an acknowledged commit may wait
      expect(Date.now() - started).toBeLessThan(1000);
      // nothing was lost: the rows are still pending and index once the lock is gone
      expect(waiting.pendingCount()).toBeGreaterThan(0);
      expect(waiting.indexPending(100, NOW).length).toBeGreaterThan(0);
    } finally {
      waiting.close();
    }
  });

  it('throws StoreWriteError when another process holds the lock, and writes nothing of the batch', () => {
    ingestSamples();
    const before = { counts: store.getCounts('', NOW), ids: store.listDeliveryIds('', 'received') };
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    try {
      const batch = sampleLifecycleInputs().happy_path_with_click.map((d) => ({
        ...d,
        request: { ...d.request, receivedAt: d.request.receivedAt + 3_600_000 },
      }));
      let error: unknown;
      try {
        store.ingest(batch, NOW);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(StoreWriteError);
      expect((error as StoreWriteError).reason).toMatch(/locked/);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(store.getCounts('', NOW)).toEqual(before.counts);
    expect(store.listDeliveryIds('', 'received')).toEqual(before.ids);
    // and the store carries on once the lock is gone
    const retry = store.ingest(sampleLifecycleInputs().prepaid_blocked, NOW);
    // the same two callbacks were stored before the failed batch: now they are repeats
    expect(retry.map((d) => d.flags)).toEqual([
      ['duplicate', 'prepaid-blocked'],
      ['duplicate', 'prepaid-blocked'],
    ]);
  });

  it('throws StoreWriteError "disk full" when the store reaches its size limit, keeping what was committed', () => {
    store.close();
    store = openStore({ file, maxSizeBytes: 600 * 1024 });
    const committed = store.ingest(sampleLifecycleInputs().happy_path_with_click, NOW);
    const big = [...generateDeliveries({ messages: 2000, seed: 5 })];
    let error: unknown;
    try {
      store.ingest(big, NOW);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StoreWriteError);
    expect((error as StoreWriteError).reason).toBe('disk full');
    expect(store.listDeliveryIds('', 'received')).toEqual(committed.map((d) => d.id));
    expect(store.getCounts('', NOW)).toMatchObject({ deliveries: 5, messages: 1 });
  });
});

describe('two-phase ingest (acknowledge after phase 1, index after)', () => {
  const retries = () => sampleLifecycleInputs().gateway_retries;

  it('classifies raw-stored deliveries exactly as a one-step ingest does', () => {
    const raw = store.ingestRaw(retries());
    // phase 1 records the request only: the body's fields and the repeats are known once indexed
    expect(raw.map((d) => [d.type, d.attempt, d.flags])).toEqual(Array.from({ length: 5 }, () => [null, null, []]));
    expect(raw.map((d) => d.id)).toEqual([1, 2, 3, 4, 5]);
    expect(store.pendingCount()).toBe(5);
    // small slices: classification must carry across them; a slice out of time stops after one row
    const first = store.indexPending(500, NOW, 0);
    expect(first).toHaveLength(1);
    expect(store.pendingCount()).toBe(4);
    const indexed = [...first, ...store.indexPending(1, NOW), ...store.indexPending(2, NOW), ...store.indexPending(2, NOW)];
    expect(store.indexPending(2, NOW)).toEqual([]);
    expect(store.pendingCount()).toBe(0);
    expect(indexed.map((d) => d.id)).toEqual(raw.map((d) => d.id));
    expect(indexed.map((d) => [d.type, d.attempt, d.flags])).toEqual([
      ['Text', 1, []],
      ['DELIVERED', 1, []],
      ['DELIVERED', 2, ['duplicate']],
      ['DELIVERED', 3, ['duplicate']],
      ['READ', 1, []],
    ]);

    const other = openStore({ file: path.join(dir, 'one-step.sqlite') });
    try {
      const oneStep = other.ingest(retries(), NOW);
      expect(indexed.map(({ id: _, ...d }) => d)).toEqual(oneStep.map(({ id: _, ...d }) => d));
      expect(store.getMessage(retriesRef(), NOW)).toEqual(other.getMessage(retriesRef(), NOW));
      expect(store.getCounts('', NOW)).toEqual(other.getCounts('', NOW));
      expect(allDeliveries(store, 'flag:duplicate')).toHaveLength(2);
      // and the full text knows the indexed rows
      expect(allDeliveries(store, retriesRef())).toHaveLength(5);
    } finally {
      other.close();
    }
  });

  it('flags a body that is not a JSON object in phase 1, so the receiver can answer for it before indexing', () => {
    const [d] = store.ingestRaw([deliveryInput('{"reference": 5', NOW, { raw: true })]);
    expect(d!.flags).toEqual(['invalid']);
    // a JSON object with wrong fields is found invalid by indexing, with its reasons
    const [e] = store.ingestRaw([deliveryInput('{"reference": 5}', NOW, { raw: true })]);
    expect(e!.flags).toEqual([]);
    store.indexPending(10, NOW);
    expect(store.getDelivery(e!.id)!.flags).toContain('invalid');
  });

  it('never gives an id twice, also once the inbox is empty', () => {
    const first = store.ingestRaw(retries().slice(0, 2));
    store.indexPending(10, NOW);
    expect(store.pendingCount()).toBe(0);
    const next = store.ingestRaw(retries().slice(2, 3));
    expect(next[0]!.id).toBe(first[1]!.id + 1);
    store.close();
    store = openStore({ file });
    store.indexPending(10, NOW);
    const after = store.ingest(retries().slice(3), NOW);
    expect(after.map((d) => d.id)).toEqual([next[0]!.id + 1, next[0]!.id + 2]);
    expect(allDeliveries(store).map((d) => d.id).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
  });

  it('shows and counts a pending delivery everywhere a user can reach it by id, lists it once indexed', () => {
    const [d] = store.ingestRaw(retries().slice(0, 1));
    expect(store.stats(NOW).deliveriesTotal).toBe(1);
    expect(store.getDelivery(d!.id)).toMatchObject({ reference: retriesRef(), type: 'Text', kind: 'sent' });
    // lists and their totals hold indexed deliveries: the live view adds a row when it is indexed
    expect(store.listDeliveries({ query: '', offset: 0, limit: 10 })).toMatchObject({ rows: [], total: 0 });
    expect(store.indexedCounts()).toEqual({ deliveries: 0, messages: 0 });
    // answered before it was indexed: the indexer hands the time to the slice that indexes the row
    store.indexSlice({ maxRows: 10, budgetMs: Infinity, tailMsPerRow: 0, responseMs: new Map([[d!.id, 7]]), now: NOW });
    expect(store.listDeliveries({ query: '', offset: 0, limit: 10 })).toMatchObject({ rows: [{ id: d!.id, responseMs: 7 }], total: 1 });
    expect(store.indexedCounts()).toEqual({ deliveries: 1, messages: 1 });
    expect(store.stats(NOW).deliveriesTotal).toBe(1);
  });

  it('exports every delivery exactly once while indexing moves rows out of the inbox between pages', () => {
    const inputs = Array.from({ length: 1500 }, (_, i) => deliveryInput({ reference: `exp-${i}`, type: 'DELIVERED' }, NOW));
    store.ingestRaw(inputs);
    const it = store.iterateDeliveries();
    const ids: number[] = [];
    for (let i = 0; i < 500; i++) ids.push(it.next().value!.id);
    // indexing runs between two pages of the export (as it does while the app keeps working)
    while (store.indexPending(500, NOW).length > 0 && store.pendingCount() > 700);
    for (let r = it.next(); !r.done; r = it.next()) ids.push(r.value.id);
    expect(ids).toEqual(Array.from({ length: 1500 }, (_, i) => i + 1));
  });

  it('keeps the response time of a delivery still in the inbox across a close', () => {
    const [d] = store.ingestRaw(retries().slice(0, 1));
    store.parkResponseTimes([{ id: d!.id, ms: 9 }]);
    store.close();
    store = openStore({ file });
    store.indexPending(10, NOW);
    expect(store.getDelivery(d!.id)!.responseMs).toBe(9);
  });

  it('moves what an older version left pending into the inbox on upgrade, and indexes it the new way', () => {
    const inputs = retries();
    store.ingest(inputs.slice(0, 2), NOW);
    store.close();
    // a schema-3 store with three deliveries acknowledged and never indexed: rows with the request and the
    // body's columns, listed in pending_index, counted in 'deliveries'
    const db = new Database(file);
    db.exec('DROP TABLE inbox; ALTER TABLE messages DROP COLUMN acc; ALTER TABLE messages DROP COLUMN facets; CREATE INDEX message_facets_msg ON message_facets(msg_id, facet); CREATE INDEX messages_ref_nocase ON messages(reference COLLATE NOCASE); DROP INDEX deliveries_msg_canon; CREATE TABLE pending_index (id INTEGER PRIMARY KEY); PRAGMA user_version = 3');
    const insert = db.prepare(
      `INSERT INTO deliveries (id, received_at, method, path, query, headers, remote_address, body_size, body_truncated,
         outcome, response_status, reject_reason, reference, kind, flags_mask, flags, preview)
       VALUES (?, ?, 'POST', '/cb', '', ?, '127.0.0.1', ?, 0, 'stored', 200, NULL, ?, 'receipt', 0, '[]', '')`,
    );
    for (const [i, input] of inputs.slice(2).entries()) {
      const id = 3 + i;
      const body = Buffer.from(input.request.body);
      insert.run(id, input.request.receivedAt, JSON.stringify(input.request.headers), body.length, retriesRef());
      db.prepare('INSERT INTO bodies (id, body) VALUES (?, ?)').run(id, body);
      db.prepare('INSERT INTO pending_index (id) VALUES (?)').run(id);
    }
    db.exec("UPDATE counters SET n = n + 3 WHERE key = 'deliveries'");
    db.close();

    store = openStore({ file });
    expect(store.pendingCount()).toBe(3);
    expect(store.stats(NOW).deliveriesTotal).toBe(5);
    expect(allDeliveries(store).map((d) => d.id)).toEqual([2, 1]);
    const indexed = store.indexPending(500, NOW);
    expect(indexed.map((d) => [d.id, d.attempt, d.flags])).toEqual([
      [3, 2, ['duplicate']],
      [4, 3, ['duplicate']],
      [5, 1, []],
    ]);
    expect(store.stats(NOW).deliveriesTotal).toBe(5);
    expect(store.getMessage(retriesRef(), NOW)!.summary).toMatchObject({ deliveryCount: 5, duplicateCount: 2 });
    expect([...store.iterateDeliveries()].map((e) => Buffer.from(e.request.bodyBase64, 'base64'))).toEqual(
      inputs.map((i) => Buffer.from(i.request.body)),
    );
  });

  it('shows a pending delivery in full and exports it before it is indexed', () => {
    const [d] = store.ingestRaw(retries().slice(0, 1));
    const detail = store.getDelivery(d!.id)!;
    expect(detail.callback?.reference).toBe(retriesRef());
    // columns phase 2 fills in are shown from the body meanwhile
    expect(detail.eventId).toBe(detail.callback?.eventId);
    expect(detail.eventId).toBeTruthy();
    expect(detail.userId).toBe(detail.callback?.userId);
    expect(detail.bodyText).toBe(Buffer.from(retries()[0]!.request.body).toString('utf8'));
    expect(store.getRawRequest(d!.id)?.body).toEqual(new Uint8Array(retries()[0]!.request.body));
    expect([...store.iterateDeliveries()].map((e) => e.id)).toEqual([d!.id]);
    expect(store.stats(NOW).deliveriesTotal).toBe(1);
  });

  it('indexes after a reopen what a crash left pending, with the same result', () => {
    const inputs = retries();
    store.ingest(inputs.slice(0, 2), NOW);
    const raw = store.ingestRaw(inputs.slice(2));
    // no phase 2 in this process: as if it died right after acknowledging
    store.close();
    store = openStore({ file });
    expect(store.pendingCount()).toBe(3);
    expect(allMessages(store)[0]!.deliveryCount).toBe(2);
    const indexed = store.indexPending(500, NOW);
    expect(indexed.map((d) => d.id)).toEqual(raw.map((d) => d.id));
    expect(indexed.map((d) => [d.attempt, d.flags])).toEqual([
      [2, ['duplicate']],
      [3, ['duplicate']],
      [1, []],
    ]);
    expect(store.getMessage(retriesRef(), NOW)!.summary.duplicateCount).toBe(2);
    expect(store.pendingCount()).toBe(0);
  });

  it('leaves nothing behind when phase 1 cannot write', () => {
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    try {
      expect(() => store.ingestRaw(retries())).toThrow(StoreWriteError);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(store.pendingCount()).toBe(0);
    expect(store.indexPending(10, NOW)).toEqual([]);
    expect(store.stats(NOW).deliveriesTotal).toBe(0);
  });
});
