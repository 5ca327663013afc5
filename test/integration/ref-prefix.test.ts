// `ref:` ignores case (ASCII letters, as it always has). Since schema 16 references have one index, the unique one,
// and a prefix is read as ranges of it, one per spelling stored references have (store/ref-prefix.ts). Through the
// real store: lists, totals, delivery lists and suggestions find every reference whatever case it was sent in,
// also when spellings are too many to walk to the end, and a store of schema 15 loses the old index on upgrade.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../electron/core/store';
import { createContext } from '../../electron/core/store/context';
import { planMessages, queryTerms, whereOf } from '../../electron/core/store/filters';
import type { Store } from '../../electron/core/store/types';
import { deliveryInput } from '../support/store-fixtures';
import { allDeliveries, allMessages } from '../support/list-all';

const NOW = Date.parse('2025-11-28T23:00:00Z');
let dir: string;
let file: string;
let store: Store;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-ref-prefix-'));
  file = path.join(dir, 'inspector.sqlite');
  store = openStore({ file });
});

afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const sent = (reference: string, i: number) =>
  deliveryInput(
    { reference, event_id: `ev-${i}`, timestamp: new Date(NOW - 60_000 + i).toISOString(), direction: 'outbound', channel: 'RCS', type: 'Text', message: { contentType: 'text', text: 'oi' } },
    NOW - 60_000 + i,
  );

function ingest(refs: string[]): void {
  store.ingest(refs.map((r, i) => sent(r, i)), NOW);
}

/** what `ref:` means: the reference starts with the text, ASCII letters in either case */
const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const expected = (refs: string[], prefix: string) => refs.filter((r) => fold(r).startsWith(fold(prefix))).sort();
const listed = (query: string) => allMessages(store, query, NOW).map((m) => m.reference).sort();

describe('ref: prefixes, case aside', () => {
  const refs = ['Order-ABC-1', 'order-abc-2', 'ORDER-abc-3', 'order-xyz-4', 'Other-5', 'pedido-ção-6', '42-Order-7', 'ord'];

  it('lists, counts and filters deliveries by every spelling of the prefix', () => {
    ingest(refs);
    for (const prefix of ['order-abc', 'ORDER-ABC-', 'oRdEr', 'Ord', 'o', 'order-xyz-4', '42-o', 'pedido-ç', 'order-abc-9', 'zzz', 'ORDE', 'ord']) {
      const want = expected(refs, prefix);
      expect(listed(`ref:${prefix}`), prefix).toEqual(want);
      expect(store.listMessages({ query: `ref:${prefix}`, offset: 0, limit: 2 }, NOW).total, prefix).toBe(want.length);
      expect(allDeliveries(store, `ref:${prefix}`).map((d) => d.reference).sort(), prefix).toEqual(want);
      expect(listed(`-ref:${prefix}`), prefix).toEqual(refs.filter((r) => !want.includes(r)).sort());
    }
  });

  it('suggests references in every case, in the order case aside', () => {
    ingest(refs);
    expect(store.suggestValues('ref', 'order-a')).toEqual(['Order-ABC-1', 'order-abc-2', 'ORDER-abc-3']);
    expect(store.suggestValues('ref', 'ORD')).toEqual(['ord', 'Order-ABC-1', 'order-abc-2', 'ORDER-abc-3', 'order-xyz-4']);
    expect(store.suggestValues('ref', 'nothing')).toEqual([]);
  });

  it('still finds them when references spell the prefix in more ways than ranges are read for', () => {
    // all 128 spellings of "abcdefg": the walk stops at the 64 of "abcdef", whose ranges the check narrows down
    const many = Array.from({ length: 128 }, (_, n) => [...'abcdefg'].map((c, i) => ((n >> i) & 1 ? c.toUpperCase() : c)).join('') + `-${n}`);
    ingest([...many, 'abcdeX-1', 'abcdefX-2', 'ABCDEFh-3', 'other']);
    expect(listed('ref:ABCDEFG')).toEqual([...many].sort());
    expect(listed('ref:abcde')).toEqual([...many, 'abcdeX-1', 'abcdefX-2', 'ABCDEFh-3'].sort());
    expect(listed('ref:abcdefh')).toEqual(['ABCDEFh-3']);
    expect(allDeliveries(store, 'ref:abcdefg').length).toBe(128);
    expect(store.suggestValues('ref', 'abcdefg')).toHaveLength(20);
    expect(store.suggestValues('ref', 'ABCDEFH')).toEqual(['ABCDEFh-3']);
    // still ranges of the unique index, not a read of every message (a match among old messages took 10 s cold)
    const ro = new Database(file, { readonly: true });
    try {
      const plan = planMessages(createContext(ro), queryTerms('ref:abcdefg', NOW));
      const where = whereOf(plan);
      const steps = (ro.prepare(`EXPLAIN QUERY PLAN SELECT m.id FROM ${plan.from} WHERE ${where.sql} ORDER BY ${plan.order} LIMIT 100`).all(...where.params) as { detail: string }[])
        .map((r) => r.detail)
        .join(' | ');
      expect(steps.match(/INDEX sqlite_autoindex_messages_1 \(reference>\? AND reference<\?\)/g)).toHaveLength(64);
    } finally {
      ro.close();
    }
  });

  it('matches a prefix longer than the walk on every letter, in lists and suggestions', () => {
    // the walk reads spellings of the first 24 letters; the letters past them are checked on the rows
    const head = 'abcdefghijklmnopqrstuvwxyz';
    const long = [`${head}-one`, `${head.toUpperCase()}-ONE-2`, `${head}-two`, `${head.slice(0, 24)}ZZ-one`];
    ingest(long);
    for (const prefix of [`${head}-one`, `${head.toUpperCase()}-O`, `${head}-t`, head.slice(0, 25), `${head.slice(0, 24)}zz`]) {
      const want = expected(long, prefix);
      expect(listed(`ref:${prefix}`), prefix).toEqual(want);
      expect(allDeliveries(store, `ref:${prefix}`).map((d) => d.reference).sort(), prefix).toEqual(want);
      expect([...store.suggestValues('ref', prefix)].sort(), prefix).toEqual(want);
    }
  });

  it('reads the unique index, and a store of schema 15 drops the index it kept for case', () => {
    ingest(refs);
    store.close();
    const db = new Database(file);
    db.exec('CREATE INDEX messages_ref_nocase ON messages(reference COLLATE NOCASE); PRAGMA user_version = 15');
    db.close();
    store = openStore({ file });
    const ro = new Database(file, { readonly: true });
    try {
      expect(ro.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'messages_ref_nocase'").pluck().get()).toBe(0);
      // a page of `ref:` reads one range of the unique index per spelling stored, never every message
      const plan = planMessages(createContext(ro), queryTerms('ref:order-a', NOW));
      const where = whereOf(plan);
      const steps = (ro.prepare(`EXPLAIN QUERY PLAN SELECT m.id FROM ${plan.from} WHERE ${where.sql} ORDER BY ${plan.order} LIMIT 100`).all(...where.params) as { detail: string }[])
        .map((r) => r.detail)
        .join(' | ');
      expect(steps).toMatch(/MULTI-INDEX OR/);
      expect(steps.match(/INDEX sqlite_autoindex_messages_1 \(reference>\? AND reference<\?\)/g)).toHaveLength(3);
      expect(steps).not.toMatch(/SCAN m\b/);
    } finally {
      ro.close();
    }
    expect(listed('ref:ORDER-ABC')).toEqual(expected(refs, 'ORDER-ABC'));
  });
});
