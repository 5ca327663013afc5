// A filter on a fact that many messages carry (more than the planner reads whole and sorts: ESTIMATE_CAP) walks
// the newest-first list checking the fact, since the facet index no longer orders by last activity (schema.ts
// migration 11). Through the real store: the pages, the totals and the chip counts of such filters are the ones the
// in-memory match gives, in last-activity order, also after old messages come back to life at the top, deep pages
// included; and a store written by schema 10 (facets keyed by last activity too) filters the same once migrated.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openStore } from '../../electron/core/store';
import { createContext } from '../../electron/core/store/context';
import { ESTIMATE_CAP } from '../../electron/core/store/filter-sql';
import { planMessages, queryTerms, whereOf, wholeOf } from '../../electron/core/store/filters';
import type { Store } from '../../electron/core/store/types';
import type { MessageSummary } from '../../shared/domain';
import { parseQuery } from '../../shared/query';
import { messageMatches } from '../../shared/query-match';
import { deliveryInput, generateDeliveries } from '../support/store-fixtures';
import { allMessages } from '../support/list-all';

const T = Date.UTC(2026, 0, 5, 12, 0, 0);
const NOW = T + 24 * 3600_000;
let dir: string;
let file: string;
let store: Store;
let everything: MessageSummary[];

const expected = (q: string) => {
  const parsed = parseQuery(q, NOW);
  return everything.filter((m) => messageMatches(parsed, m) === true).map((m) => m.reference);
};
const refs = (q: string, offset: number, limit: number) => store.listMessages({ query: q, offset, limit }, NOW);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-facet-walk-'));
  file = path.join(dir, 'inspector.sqlite');
  store = openStore({ file });
  const list = [...generateDeliveries({ messages: 5600, seed: 11, startAt: T })];
  // early events sent again long after: those old messages' last activity is now the newest of all
  const end = list.at(-1)!.request.receivedAt;
  for (let i = 0; i < 60; i++) list.push({ ...list[i * 5], request: { ...list[i * 5].request, receivedAt: end + 1000 * (i + 1) } });
  for (let i = 0; i < list.length; i += 2000) store.ingest(list.slice(i, i + 2000), NOW);
  everything = allMessages(store, '', NOW);
}, 120_000);

afterAll(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a fact on many messages', () => {
  // channel:RCS is on nearly every message; flag:duplicate on a few hundred (read whole and sorted)
  const QUERIES = ['channel:RCS', 'channel:RCS -flag:duplicate', 'channel:RCS flag:duplicate', 'channel:RCS state:read', 'flag:duplicate'];

  it('is common enough here to be walked, not read whole and sorted, unless other terms are checked on the way', () => {
    expect(expected('channel:RCS').length).toBeGreaterThan(ESTIMATE_CAP);
    const db = new Database(file, { readonly: true });
    try {
      const steps = (q: string) => {
        const plan = planMessages(createContext(db), queryTerms(q, NOW));
        const where = whereOf(plan);
        return (db.prepare(`EXPLAIN QUERY PLAN SELECT m.id FROM ${plan.from} WHERE ${where.sql} ORDER BY ${plan.order} LIMIT 100`).all(...where.params) as { detail: string }[])
          .map((r) => r.detail)
          .join(' | ');
      };
      // a page reads the newest-first index as far as it needs, never every message carrying the fact, then sorted
      expect(steps('channel:RCS')).toMatch(/messages_last/);
      expect(steps('channel:RCS')).not.toMatch(/TEMP B-TREE/);
      // with another term to check, one matching nothing would walk the whole list: the fact's messages are read instead
      expect(steps('channel:RCS -channel:RCS')).not.toMatch(/messages_last/);
      expect(steps('channel:RCS -channel:RCS')).toMatch(/message_facets USING PRIMARY KEY \(facet=\?\)/);
    } finally {
      db.close();
    }
  });

  it('lists in last-activity order, old messages that came back first, the first page and deep ones alike', () => {
    for (const q of QUERIES) {
      const want = expected(q);
      expect(want.length, q).toBeGreaterThan(0);
      const first = refs(q, 0, 100);
      expect(first.rows.map((m) => m.reference), q).toEqual(want.slice(0, 100));
      expect({ total: first.total, exact: first.totalIsExact }, q).toEqual({ total: want.length, exact: true });
      const deep = Math.max(0, want.length - 150);
      expect(refs(q, deep, 100).rows.map((m) => m.reference), `${q} at ${deep}`).toEqual(want.slice(deep, deep + 100));
    }
    // the messages sent again came back to the top of the walked list
    expect(refs('channel:RCS', 0, 20).rows.map((m) => m.reference)).toEqual(everything.filter((m) => m.channels.includes('RCS')).slice(0, 20).map((m) => m.reference));
  });

  it('finds and counts a time window off the newest-first index alone, in its order', () => {
    const at = new Date(everything[Math.floor(everything.length / 2)].lastReceivedAt).toISOString();
    const db = new Database(file, { readonly: true });
    try {
      for (const q of [`before:${at}`, `after:${at}`, `after:${at} before:${new Date(NOW).toISOString()}`]) {
        const plan = planMessages(createContext(db), queryTerms(q, NOW));
        const where = whereOf(plan);
        const explain = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...where.params) as { detail: string }[]).map((r) => r.detail).join(' | ');
        // before: is the first delivery, which the index holds next to the last activity (schema.ts migration 12):
        // a count reads no message row (on a cold start, a page read each)
        expect(explain(`SELECT count(*) FROM (SELECT 1 FROM ${plan.from} WHERE ${where.sql} LIMIT 10001)`), q).toMatch(/USING COVERING INDEX messages_last/);
        expect(explain(`SELECT m.id FROM ${plan.from} WHERE ${where.sql} ORDER BY ${plan.order} LIMIT 100`), q).not.toMatch(/TEMP B-TREE/);
        const want = expected(q);
        const page = refs(q, 0, 100);
        expect(page.rows.map((m) => m.reference), q).toEqual(want.slice(0, 100));
        expect(page.total, q).toBe(want.length);
      }
    } finally {
      db.close();
    }
  });

  it('narrows to a time window and counts its chips like the list', () => {
    const from = everything[Math.floor(everything.length / 3)].lastReceivedAt;
    const q = `channel:RCS after:${new Date(from).toISOString()}`;
    const want = expected(q);
    expect(want.length).toBeGreaterThan(100);
    expect(refs(q, 0, 100).rows.map((m) => m.reference)).toEqual(want.slice(0, 100));
    const counts = store.getCounts('channel:RCS state:read', NOW);
    expect(counts.messages).toBe(expected('channel:RCS state:read').length);
    const all = store.getCounts('channel:RCS', NOW);
    expect(all.messages).toBe(expected('channel:RCS').length);
    expect(all.states.read).toBe(expected('channel:RCS state:read').length);
  });
});

describe('a fact with other terms, counted', () => {
  // terms that need only the message's id (other facts, flags) are counted off the facet index alone; a term on a
  // column of the message (its user, a time window) still reads the message: both must count what the list shows
  const from = () => new Date(everything[Math.floor(everything.length / 3)].lastReceivedAt).toISOString();
  const queries = () => ['channel:RCS flag:duplicate', 'channel:RCS -flag:duplicate', 'channel:RCS state:read -channel:SMS', 'channel:RCS user:55', `channel:RCS after:${from()}`];

  it('reads no message row when the other terms need only its id', () => {
    const db = new Database(file, { readonly: true });
    try {
      const steps = (q: string) => {
        const whole = wholeOf(planMessages(createContext(db), queryTerms(q, NOW)), 'ids');
        const hit = whole.hit ?? { sql: '1', params: [] };
        return (db.prepare(`EXPLAIN QUERY PLAN SELECT ${whole.id}, ${hit.sql} FROM ${whole.from} WHERE ${whole.driver.sql} ORDER BY ${whole.order}`).all(...hit.params, ...whole.driver.params) as { detail: string }[])
          .map((r) => r.detail)
          .join(' | ');
      };
      // on a cold start every message row read is a page read: 10,000 of them were most of a 400 ms count
      expect(steps('channel:RCS flag:duplicate')).not.toMatch(/\bm\b|messages/);
      expect(steps('channel:RCS state:read -channel:SMS')).not.toMatch(/\bm\b|messages/);
      expect(steps('channel:RCS user:55')).toMatch(/SEARCH m USING INTEGER PRIMARY KEY/);
    } finally {
      db.close();
    }
  });

  it('totals, chip counts and analytics agree with the list either way', () => {
    for (const q of queries()) {
      const want = expected(q);
      expect(want.length, q).toBeGreaterThan(10);
      const page = refs(q, 0, 10);
      expect({ total: page.total, exact: page.totalIsExact }, q).toEqual({ total: want.length, exact: true });
      expect(store.getCounts(q, NOW).messages, q).toBe(want.length);
      expect(store.listMessageRefs(q).sort(), q).toEqual([...want].sort());
      expect(store.getAnalytics(q, NOW).messages, q).toBe(want.length);
    }
  });
});

describe('a store written by schema 10', () => {
  it('filters the same once its facets are migrated, and keeps indexing', () => {
    const before = Object.fromEntries(['channel:RCS', 'flag:duplicate', 'state:read'].map((q) => [q, refs(q, 0, 50).rows.map((m) => m.reference)]));
    store.close();
    const db = new Database(file);
    // the schema-10 table: facets keyed by the message's last activity too, one stale row an earlier version left
    db.exec(`
      CREATE TABLE mf10 (facet TEXT NOT NULL, last_at INTEGER NOT NULL, msg_id INTEGER NOT NULL, PRIMARY KEY (facet, last_at, msg_id)) WITHOUT ROWID;
      INSERT INTO mf10 SELECT f.facet, m.last_at, f.msg_id FROM message_facets f JOIN messages m ON m.id = f.msg_id;
      INSERT INTO mf10 SELECT facet, last_at - 1, msg_id FROM mf10 WHERE facet = 'c:RCS' LIMIT 1;
      DROP TABLE message_facets;
      ALTER TABLE mf10 RENAME TO message_facets;
      CREATE INDEX message_facets_msg ON message_facets(msg_id, facet);
      ALTER TABLE messages DROP COLUMN facets; CREATE INDEX messages_ref_nocase ON messages(reference COLLATE NOCASE);
      PRAGMA user_version = 10;
    `);
    db.close();
    store = openStore({ file });
    const cols = new Database(file, { readonly: true });
    try {
      expect(cols.prepare("SELECT group_concat(name) FROM pragma_table_info('message_facets')").pluck().get()).toBe('facet,msg_id');
      // migration 15: each message lists on its row the facets the table holds for it (what a rewrite reads), and
      // the index by message id is gone
      const listed = (sql: string) => cols.prepare(sql).pluck().get() as number;
      expect(listed("SELECT count(*) FROM messages WHERE json_array_length(facets) > 2")).toBe(listed('SELECT count(*) FROM messages'));
      expect(
        listed(`SELECT count(*) FROM messages m
          WHERE (SELECT json_group_array(facet) FROM (SELECT facet FROM message_facets WHERE msg_id = m.id ORDER BY facet))
            IS NOT (SELECT json_group_array(value) FROM (SELECT value FROM json_each(m.facets) ORDER BY value))`),
      ).toBe(0);
      expect(listed("SELECT count(*) FROM sqlite_schema WHERE name = 'message_facets_msg'")).toBe(0);
      // and the accumulators no longer repeat them (messages.ts parseAcc reads them off the list)
      expect(listed('SELECT count(*) FROM messages WHERE acc IS NOT NULL')).toBeGreaterThan(100);
      expect(listed("SELECT count(*) FROM messages WHERE acc ->> '$.facets' IS NOT NULL")).toBe(0);
    } finally {
      cols.close();
    }
    for (const [q, rows] of Object.entries(before)) expect(refs(q, 0, 50).rows.map((m) => m.reference), q).toEqual(rows);
    expect(refs('channel:RCS', 0, 1).total).toBe(expected('channel:RCS').length);
    // a new delivery after the migration lands in the facets as before
    const stored = store.ingest([...generateDeliveries({ messages: 1, seed: 99, startAt: NOW - 1000 })], NOW);
    const ref = stored.find((d) => d.reference)!.reference!;
    const channel = store.getMessage(ref, NOW)!.summary.channels[0];
    expect(refs(`channel:${channel}`, 0, 1).rows.map((m) => m.reference)).toEqual([ref]);
    // and a migrated message moves from one state to the next: its old state's facet leaves with the list read off
    // its row (a list that missed it would leave the message under both states), its accumulator's facets with it
    const ro = new Database(file, { readonly: true });
    const withAcc = ro.prepare("SELECT reference FROM messages WHERE acc IS NOT NULL AND state = 'sent' LIMIT 1").pluck().get() as string;
    ro.close();
    const sent = refs('state:sent', 0, 5000).rows.find((m) => m.reference === withAcc)!;
    expect(sent).toBeDefined();
    const read = { reference: sent.reference, event_id: 'read-after-migration', timestamp: new Date(NOW - 500).toISOString(), direction: 'inbound', channel: 'RCS', type: 'READ', message: null };
    const later = store.ingest([deliveryInput(read, NOW - 500)], NOW);
    expect(later[0].reference).toBe(sent.reference);
    expect(store.listMessageRefs('state:sent')).not.toContain(sent.reference);
    expect(store.listMessageRefs('state:read')).toContain(sent.reference);
    // its channel (from its accumulator's facets) still finds it, and every row's list still matches the facet table
    expect(store.listMessageRefs(`channel:${store.getMessage(sent.reference, NOW)!.summary.channels[0]}`)).toContain(sent.reference);
    const after = new Database(file, { readonly: true });
    try {
      expect(
        after.prepare(`SELECT count(*) FROM messages m
          WHERE (SELECT json_group_array(facet) FROM (SELECT facet FROM message_facets WHERE msg_id = m.id ORDER BY facet))
            IS NOT (SELECT json_group_array(value) FROM (SELECT value FROM json_each(m.facets) ORDER BY value))`).pluck().get(),
      ).toBe(0);
    } finally {
      after.close();
    }
  });
});
