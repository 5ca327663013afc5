// Forgiving search through the real store: phone numbers however typed and OR give the rows the shared in-memory
// match (shared/query-match.ts, used for live rows and the stand-in core) gives, and a number still reads the user
// index instead of scanning.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../electron/core/store';
import { createContext } from '../../electron/core/store/context';
import { driverOf, planDeliveries, planMessages, queryTerms } from '../../electron/core/store/filters';
import type { Store } from '../../electron/core/store/types';
import type { DeliverySummary, MessageSummary } from '../../shared/domain';
import { parseQuery } from '../../shared/query';
import { deliveryMatches, messageMatches } from '../../shared/query-match';
import { deliveryInput, fillStore, generateDeliveries, sampleLifecycleInputs } from '../support/store-fixtures';
import { allDeliveries, allMessages } from '../support/list-all';

const NOW = Date.parse('2025-11-28T23:00:00Z');
const T = Date.parse('2025-11-28T15:00:00Z');
const USER = '5511987650001';
let dir: string;
let store: Store;

/** a user's message: sent, delivered, read; and a number in some other user's message text */
function phoneDeliveries() {
  const out = [];
  const msg = (reference: string, user: string, type: string, i: number, text?: string) =>
    deliveryInput(
      {
        reference,
        campaign_name: 'cobranca_dez',
        event_id: `ev-${reference}-${i}`,
        direction: type === 'Text' ? 'outbound' : 'inbound',
        user_id: user,
        timestamp: new Date(T + i * 1000).toISOString(),
        channel: 'RCS',
        type,
        ...(text ? { message: { contentType: 'text', text } } : {}),
      },
      T + i * 1000 + 200,
    );
  let i = 0;
  for (const ref of ['ph-a', 'ph-b']) for (const type of ['Text', 'DELIVERED', 'READ']) out.push(msg(ref, USER, type, i++));
  // area code 55 (Rio Grande do Sul): typed without the country code it starts with 55 too
  for (const type of ['Text', 'DELIVERED']) out.push(msg('ph-rs', '5555991234567', type, i++));
  out.push(msg('ph-text', '5521977770009', 'Text', i++, 'Cliente pediu retorno no (11) 98765-0001 amanhã'));
  return out;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-search-'));
  store = openStore({ file: path.join(dir, 'inspector.sqlite'), busyTimeoutMs: 200 });
  for (const inputs of Object.values(sampleLifecycleInputs())) store.ingest(inputs, NOW);
  fillStore(store, generateDeliveries({ messages: 150, seed: 5, startAt: Date.parse('2025-11-28T13:00:00Z') }), 97, NOW);
  store.ingest(phoneDeliveries(), NOW);
  // pins and notes (store/marks.ts): pinned: and note: judge a row's own mark
  for (const id of [3, 10, 50]) store.setMark('delivery', id, { pinned: true });
  store.setMark('delivery', 10, { note: 'Cliente pediu para LIGAR amanhã' });
  store.setMark('delivery', 20, { note: 'ligar de novo' });
  store.setMark('message', 'ph-a', { pinned: true });
  store.setMark('message', 'ph-b', { note: 'Ligar depois das 18h' });
});

afterAll(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const deliveriesOf = (q: string) => allDeliveries(store, q);
const messagesOf = (q: string) => allMessages(store, q, NOW);

describe('search that forgives, in SQL and in memory alike', () => {
  const queries = [
    'user:5511987650001',
    'user:11987650001',
    'user:+55 11 98765-0001',
    'user:(11) 98765-0001',
    'user:(11) 9876',
    '-user:(11) 98765-0001',
    'user:55 99123-4567',
    'user:+55 55 99123-4567',
    'user:11987650001,5521988880003',
    '11987650001',
    '+55 11 98765-0001',
    '(11) 98765-0001',
    '5511987650001 type:READ',
    'type:READ OR type:DELIVERED',
    'type:read,delivered',
    '-type:READ,DELIVERED',
    'type:READ,DELIVERED user:(11) 98765-0001',
    'state:failed,blocked',
    'flag:duplicate OR state:failed',
    'campinas OR cobranca_dez',
    'type:READ OR flag:duplicate user:5521',
    'channel:SMS OR user:(11) 98765-0001',
    'campaign:boleto,natal',
    'after:2025-11-28T15:00:00Z OR before:2025-11-28T13:05:00Z',
    'pinned:yes',
    'pinned:no',
    '-pinned:yes type:READ',
    'note:ligar',
    'note:"LIGAR am"',
    'pinned:yes OR note:ligar',
    'pinned:yes,no user:5511987650001',
  ];

  it('lists the deliveries and messages the in-memory match finds, for every query', () => {
    const deliveries = deliveriesOf('');
    const messages = new Map(messagesOf('').map((m) => [m.reference, m]));
    for (const q of queries) {
      const parsed = parseQuery(q, NOW);
      expect(parsed.errors, q).toEqual([]);
      const expected = deliveries.filter((d) => deliveryMatches(parsed, d, d.reference ? messages.get(d.reference) : null)).map((d) => d.id);
      expect(expected.length, q).toBeGreaterThan(0);
      expect(deliveriesOf(q).map((d) => d.id), q).toEqual(expected);
      expect(store.listDeliveries({ query: q, offset: 0, limit: 5 }).total, q).toBe(expected.length);
      const listed = new Set(messagesOf(q).map((m) => m.reference));
      let decided = 0;
      for (const m of messages.values()) {
        const hit = messageMatches(parsed, m);
        if (hit !== null) decided++, expect(listed.has(m.reference), `${q}: ${m.reference}`).toBe(hit);
      }
      expect(decided + listed.size, q).toBeGreaterThan(0);
    }
  });

  it('finds one user however the number is typed, and the text that quotes it as free text', () => {
    const refs = (rows: (DeliverySummary | MessageSummary)[]) => [...new Set(rows.map((r) => r.reference))].sort();
    for (const typed of ['11987650001', '+55 11 98765-0001', '(11) 98765-0001', '+55 (11) 98765-0001', '5511987650001']) {
      expect(refs(deliveriesOf(`user:${typed}`)), typed).toEqual(['ph-a', 'ph-b']);
      expect(refs(messagesOf(`user:${typed}`)), typed).toEqual(['ph-a', 'ph-b']);
      expect(refs(messagesOf(typed)).filter((r) => r !== 'ph-text'), typed).toEqual(['ph-a', 'ph-b']);
    }
    // as free text a number is also words: spelled as the message text spells it, it finds that text too
    expect(refs(messagesOf('(11) 98765-0001'))).toEqual(['ph-a', 'ph-b', 'ph-text']);
    expect(refs(messagesOf('user:55 99123-4567'))).toEqual(['ph-rs']);
    expect(messagesOf('type:READ,DELIVERED user:(11) 98765-0001').map((m) => m.reference).sort()).toEqual(['ph-a', 'ph-b']);
  });

  it('a number reads the user index (a range per stored form), never a scan of the list', () => {
    const db = new Database(path.join(dir, 'inspector.sqlite'), { readonly: true });
    try {
      const ctx = createContext(db);
      for (const q of ['user:(11) 98765-0001', 'user:11987650001', '(11) 98765-0001']) {
        for (const plan of [planDeliveries(ctx, queryTerms(q, NOW)), planMessages(ctx, queryTerms(q, NOW))]) {
          const where = driverOf(plan);
          const steps = (db.prepare(`EXPLAIN QUERY PLAN SELECT 1 FROM ${plan.from} WHERE ${where.sql}`).all(...where.params) as { detail: string }[]).map((r) => r.detail);
          expect(steps.join(' | '), q).toMatch(/(deliveries|messages)_user/);
          expect(steps.filter((s) => /^SCAN (d|m)\b/.test(s)), `${q}: ${steps.join(' | ')}`).toEqual([]);
        }
      }
    } finally {
      db.close();
    }
  });

  it('offers the stored number for one typed without the country code', () => {
    expect(store.suggestValues('user', '1198765')).toEqual([USER]);
    expect(store.suggestValues('user', '(11)98765-00')).toEqual([USER]);
    expect(store.suggestValues('user', '+55 11 98765')).toEqual([USER]);
    expect(store.suggestValues('user', '+1198765')).toEqual([]);
  });

  it('refuses what it cannot read, naming the closest field', () => {
    expect(() => store.listDeliveries({ query: 'typ:READ', offset: 0, limit: 5 })).toThrow('unknown field typ — did you mean type?');
    expect(() => store.listMessages({ query: '(type:READ OR type:DELIVERED)', offset: 0, limit: 5 }, NOW)).toThrow('parentheses are not supported');
  });
});
