// The store tells a byte-identical retry from one that is only equal as JSON (keys reordered, other spacing), so the
// UI can say "same JSON, different bytes" instead of "the same payload".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../electron/core/store';
import type { Store } from '../../electron/core/store/types';
import { sameBytesLookback } from '../../shared/classify';
import { explainFlag } from '../../shared/explain';
import { deliveryInput, loadSamples } from '../support/store-fixtures';

const NOW = Date.parse('2025-11-28T23:00:00Z');
let dir: string;
let file: string;
let store: Store;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-dupbytes-'));
  file = path.join(dir, 'inspector.sqlite');
  store = openStore({ file, busyTimeoutMs: 200 });
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('exact duplicates: same bytes or same JSON', () => {
  it('a retry with reordered keys is "same JSON, different bytes"; an identical retry is byte for byte the same', () => {
    const body = loadSamples().events.delivered;
    const original = JSON.stringify(body);
    const [a] = store.ingest([deliveryInput(original, NOW - 40_000, { raw: true })], NOW);
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(body).reverse()));
    const [b] = store.ingest([deliveryInput(reordered, NOW - 30_000, { raw: true })], NOW);
    const [c] = store.ingest([deliveryInput(original, NOW, { raw: true })], NOW);

    const second = store.getDelivery(b.id)!.flagDetails[0]!;
    expect(second).toMatchObject({ flag: 'duplicate', kind: 'exact', of: a.id, sameBytes: false });
    expect(explainFlag(second)).toMatch(/same JSON, different bytes/);

    const third = store.getDelivery(c.id)!.flagDetails[0]!;
    expect(third).toMatchObject({ flag: 'duplicate', kind: 'exact', sameBytes: true });
    expect(explainFlag(third)).toMatch(/byte for byte the same payload/);
  });

  it('finds the repeats of events stored before an upgrade (store migration 14 re-keys the payload hashes by message)', () => {
    const body = loadSamples().events.delivered;
    const original = JSON.stringify(body);
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(body).reverse()));
    const [a] = store.ingest([deliveryInput(original, NOW - 40_000, { raw: true })], NOW);
    const [b] = store.ingest([deliveryInput(reordered, NOW - 30_000, { raw: true })], NOW);
    store.close();
    // as schema 13 left it: the hashes indexed by event key
    const db = new Database(file);
    db.exec(`DROP INDEX deliveries_msg_canon;
      CREATE INDEX deliveries_event_canon ON deliveries(event_key, canon_hash) WHERE canon_hash IS NOT NULL;
      PRAGMA user_version = 13`);
    db.close();

    store = openStore({ file, busyTimeoutMs: 200 });
    const indexes = new Database(file, { readonly: true });
    const names = (indexes.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'deliveries_%canon'").pluck().all() as string[]);
    indexes.close();
    expect(names).toEqual(['deliveries_msg_canon']);
    const [c] = store.ingest([deliveryInput(original, NOW, { raw: true })], NOW);
    const [d] = store.ingest([deliveryInput(JSON.stringify({ ...body, type: 'READ' }), NOW + 1, { raw: true })], NOW);
    expect(store.getDelivery(c.id)!.flagDetails[0]).toMatchObject({ flag: 'duplicate', kind: 'exact', of: a.id, previous: b.id, attempt: 3, sameBytes: true });
    // another event of the same message is no repeat
    expect(store.getDelivery(d.id)!.flagDetails.filter((f) => f.flag === 'duplicate')).toEqual([]);
  });

  it('compares a repeat\'s bytes with the newest 100 of the same JSON only, so varying bytes cannot make each repeat read them all', () => {
    const body = loadSamples().events.delivered;
    const original = JSON.stringify(body);
    // the same JSON with other spacing each time: every one "same JSON, different bytes"
    const spaced = (n: number) => JSON.stringify(body, null, 1).replace('{', `{${' '.repeat(n)}`);
    store.ingest([deliveryInput(original, NOW - 200_000, { raw: true })], NOW);
    store.ingest(Array.from({ length: 100 }, (_, i) => deliveryInput(spaced(i + 1), NOW - 100_000 + i, { raw: true })), NOW);
    // byte for byte the first one, which is 101st newest now: not compared
    const [late] = store.ingest([deliveryInput(original, NOW, { raw: true })], NOW);
    expect(store.getDelivery(late.id)!.flagDetails[0]).toMatchObject({ flag: 'duplicate', kind: 'exact', sameBytes: false, attempt: 102 });
    // one of the newest is found
    const [recent] = store.ingest([deliveryInput(spaced(100), NOW + 1, { raw: true })], NOW);
    expect(store.getDelivery(recent.id)!.flagDetails[0]).toMatchObject({ flag: 'duplicate', kind: 'exact', sameBytes: true, attempt: 103 });
  });

  it('compares big repeats with fewer of the newest, about 4 MiB of bodies in all', () => {
    const body = { ...loadSamples().events.delivered, pad: 'x'.repeat(200_000) };
    const original = JSON.stringify(body);
    const spaced = (n: number) => original.replace('{', `{${' '.repeat(n)}`);
    const lookback = sameBytesLookback(Buffer.byteLength(original));
    expect(lookback).toBe(20);
    store.ingest([deliveryInput(original, NOW - 200_000, { raw: true })], NOW);
    store.ingest(Array.from({ length: lookback }, (_, i) => deliveryInput(spaced(i + 1), NOW - 100_000 + i, { raw: true })), NOW);
    // the first is the 21st newest of this JSON now: not compared
    const [late] = store.ingest([deliveryInput(original, NOW, { raw: true })], NOW);
    expect(store.getDelivery(late.id)!.flagDetails[0]).toMatchObject({ flag: 'duplicate', kind: 'exact', sameBytes: false });
    const [recent] = store.ingest([deliveryInput(spaced(lookback), NOW + 1, { raw: true })], NOW);
    expect(store.getDelivery(recent.id)!.flagDetails[0]).toMatchObject({ flag: 'duplicate', kind: 'exact', sameBytes: true });
  });
});
