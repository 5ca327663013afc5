// The store tells a byte-identical retry from one that is only equal as JSON (keys reordered, other spacing), so the
// UI can say "same JSON, different bytes" instead of "the same payload".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../electron/core/store';
import type { Store } from '../../electron/core/store/types';
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
    // as schema 13 left it: the hashes indexed by event key, the facets indexed by message and not listed on its row,
    // references indexed for case too
    const db = new Database(file);
    db.exec(`DROP INDEX deliveries_msg_canon;
      CREATE INDEX deliveries_event_canon ON deliveries(event_key, canon_hash) WHERE canon_hash IS NOT NULL;
      ALTER TABLE messages DROP COLUMN facets; CREATE INDEX message_facets_msg ON message_facets(msg_id, facet);
      CREATE INDEX messages_ref_nocase ON messages(reference COLLATE NOCASE);
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

  /** n distinct serialisations of one JSON object of the same length: its keys in other orders */
  function reordered(body: Record<string, unknown>, n: number): string[] {
    const keys = Object.keys(body);
    const out = new Set<string>([JSON.stringify(body)]);
    let seed = 7;
    while (out.size <= n) {
      const k = [...keys];
      for (let i = k.length - 1; i > 0; i--) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        const j = seed % (i + 1);
        [k[i], k[j]] = [k[j]!, k[i]!];
      }
      out.add(JSON.stringify(Object.fromEntries(k.map((key) => [key, body[key]]))));
    }
    return [...out].slice(1);
  }

  it('compares a repeat\'s bytes with the newest 100 of the same JSON only, and says so when the identical one is older', () => {
    const body = loadSamples().events.delivered;
    const original = JSON.stringify(body);
    const others = reordered(body, 100);
    expect(new Set(others.map((o) => o.length))).toEqual(new Set([original.length]));
    const [first] = store.ingest([deliveryInput(original, NOW - 200_000, { raw: true })], NOW);
    store.ingest(others.map((o, i) => deliveryInput(o, NOW - 100_000 + i, { raw: true })), NOW);
    // byte for byte the first one, which is the 101st newest now: not compared, so not called "formatted differently"
    const [late] = store.ingest([deliveryInput(original, NOW, { raw: true })], NOW);
    const detail = store.getDelivery(late.id)!.flagDetails[0]!;
    expect(detail).toMatchObject({ flag: 'duplicate', kind: 'exact', of: first.id, attempt: 102 });
    expect(detail).not.toHaveProperty('sameBytes');
    expect(explainFlag(detail)).toMatch(/^Attempt 102: the same JSON as delivery #\d+ was delivered again/);
    // one of the newest is found
    const [recent] = store.ingest([deliveryInput(others[99]!, NOW + 1, { raw: true })], NOW);
    expect(store.getDelivery(recent.id)!.flagDetails[0]).toMatchObject({ flag: 'duplicate', kind: 'exact', sameBytes: true, attempt: 103 });
  });

  it('compares only earlier bodies of the same size: copies padded to other sizes are stepped over', () => {
    const body = loadSamples().events.delivered;
    const original = JSON.stringify(body);
    const [first] = store.ingest([deliveryInput(original, NOW - 200_000, { raw: true })], NOW);
    // the same JSON padded with whitespace to ~100 KB, 98 times
    const padded = (n: number) => original.replace('{', `{${' '.repeat(100_000 + n)}`);
    store.ingest(Array.from({ length: 98 }, (_, i) => deliveryInput(padded(i), NOW - 100_000 + i, { raw: true })), NOW);
    // nothing of its size among the 99 earlier ones, all looked at: "formatted differently" is known for sure
    const [other] = store.ingest([deliveryInput(original.replace('{', '{ '), NOW - 1, { raw: true })], NOW);
    expect(store.getDelivery(other.id)!.flagDetails[0]).toMatchObject({ flag: 'duplicate', kind: 'exact', sameBytes: false });
    // the identical first one is the 100th newest: found, its padded followers stepped over
    const [same] = store.ingest([deliveryInput(original, NOW, { raw: true })], NOW);
    expect(store.getDelivery(same.id)!.flagDetails[0]).toMatchObject({ flag: 'duplicate', kind: 'exact', sameBytes: true, of: first.id, attempt: 101 });
  });

  it('compares big repeats with fewer of the newest, about 4 MiB of bodies in all', () => {
    const body = { ...loadSamples().events.delivered, pad: 'x'.repeat(200_000) };
    const original = JSON.stringify(body);
    // 4 MiB / ~200 KB: the newest 20 are looked at
    const others = reordered(body, 20);
    store.ingest([deliveryInput(original, NOW - 200_000, { raw: true })], NOW);
    store.ingest(others.map((o, i) => deliveryInput(o, NOW - 100_000 + i, { raw: true })), NOW);
    // the first is the 21st newest now: not compared
    const [late] = store.ingest([deliveryInput(original, NOW, { raw: true })], NOW);
    expect(store.getDelivery(late.id)!.flagDetails[0]).not.toHaveProperty('sameBytes');
    const [recent] = store.ingest([deliveryInput(others[19]!, NOW + 1, { raw: true })], NOW);
    expect(store.getDelivery(recent.id)!.flagDetails[0]).toMatchObject({ flag: 'duplicate', kind: 'exact', sameBytes: true });
  });

  it('judges the attempts left after a deletion as if the deleted ones had never come, bytes compared within the same bounds', () => {
    const body = loadSamples().events.delivered;
    const original = JSON.stringify(body);
    const others = reordered(body, 120);
    // 150 attempts of one event: the original, then reordered copies, with the original again now and then, and
    // copies padded to other sizes (stepped over when comparing)
    const padded = (n: number) => original.replace('{', `{${' '.repeat(n)}`);
    const sent = Array.from({ length: 150 }, (_, i) => (i % 37 === 0 ? original : i % 5 === 0 ? padded(i % 3) : others[i % others.length]!));
    const inputs = sent.map((b, i) => deliveryInput(b, NOW - 1_000_000 + i * 1000, { raw: true }));
    const ids = store.ingest(inputs, NOW).map((d) => d.id);
    store.deletion.slice(ids.slice(0, 3), false, NOW);

    const fresh = openStore({ file: path.join(dir, 'fresh.sqlite') });
    try {
      const freshIds = fresh.ingest(inputs.slice(3), NOW).map((d) => d.id);
      // ids differ between the stores: compare what the flags say, with ids mapped by position
      const position = (list: number[]) => new Map(list.map((id, i) => [id, i]));
      const [here, there] = [position(ids.slice(3)), position(freshIds)];
      const judged = (s: Store, list: number[], at: Map<number, number>) =>
        list.map((id) => {
          const d = s.getDelivery(id)!;
          const dup = d.flagDetails.find((f) => f.flag === 'duplicate') as Record<string, unknown> | undefined;
          return dup ? { attempt: dup.attempt, kind: dup.kind, sameBytes: dup.sameBytes, of: at.get(dup.of as number), previous: at.get(dup.previous as number) } : null;
        });
      const left = judged(store, ids.slice(3), here);
      expect(left).toEqual(judged(fresh, freshIds, there));
      // the bounds showed: identical repeats found, and ones whose identical attempt was too far back not compared
      expect(left.filter((j) => j?.sameBytes === true).length).toBeGreaterThan(0);
      expect(left.filter((j) => j !== null && j.sameBytes === undefined).length).toBeGreaterThan(0);
    } finally {
      fresh.close();
    }
  });
});
