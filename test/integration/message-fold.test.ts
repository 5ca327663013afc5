// Messages are kept as a fold of their deliveries (shared/message-acc.ts): what the store shows for a message must
// equal what the whole message says when built in memory, whatever batches and slices indexing used, and a
// message with thousands of deliveries must stay cheap to index and to open.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../electron/core/store';
import type { Store } from '../../electron/core/store/types';
import { parseDeliveryBody } from '../../shared/callback';
import { buildMessage, type LifecycleDelivery } from '../../shared/lifecycle';
import { deliveryInput, generateDeliveries } from '../support/store-fixtures';
import { cb, at } from '../unit/feed';
import type { IngestInput } from '../../electron/core/store/types';

let dir: string;
let store: Store;
const file = () => path.join(dir, 'inspector.sqlite');

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-fold-'));
  store = openStore({ file: file() });
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The message as buildMessage sees it, from the deliveries the store classified (bodies parsed again). */
function inMemory(reference: string, now: number) {
  const db = new Database(file(), { readonly: true });
  const rows = db
    .prepare(
      `SELECT d.id FROM deliveries d JOIN messages m ON m.id = d.msg_id WHERE m.reference = ? ORDER BY d.id`,
    )
    .all(reference) as { id: number }[];
  db.close();
  const ds: LifecycleDelivery[] = rows.map(({ id }) => {
    const d = store.getDelivery(id)!;
    const parse = parseDeliveryBody(Buffer.from(d.bodyBase64, 'base64'), 'application/json');
    return { summary: d, callback: parse.callback!, flags: d.flagDetails };
  });
  return buildMessage(reference, ds, now);
}

function references(): string[] {
  const db = new Database(file(), { readonly: true });
  const refs = db.prepare('SELECT reference FROM messages ORDER BY id').pluck().all() as string[];
  db.close();
  return refs;
}

describe('message fold', () => {
  it('gives every message the summary and anomalies of the whole message, indexed in slices of any size', () => {
    const inputs = [...generateDeliveries({ messages: 400, seed: 7, spacingMs: 2_000 })];
    // phase 1 in uneven batches, phase 2 in uneven slices: a message's deliveries are folded across many slices
    let i = 0;
    let n = 1;
    while (i < inputs.length) {
      store.ingestRaw(inputs.slice(i, i + n));
      i += n;
      n = (n % 7) + 1;
      store.indexPending(n * 3, inputs[Math.min(i, inputs.length - 1)]!.request.receivedAt);
    }
    while (store.indexPending(50).length > 0);
    const now = inputs[inputs.length - 1]!.request.receivedAt + 3_600_000;
    const refs = references();
    expect(refs.length).toBeGreaterThan(300);
    const states = new Set<string>();
    const anomalies = new Set<string>();
    for (const ref of refs) {
      const stored = store.getMessage(ref, now)!;
      const whole = inMemory(ref, now);
      expect(stored.summary).toEqual(whole.summary);
      expect(stored.anomalyDetails).toEqual(whole.anomalyDetails);
      expect(stored.events.map((e) => e.key)).toEqual(whole.events.map((e) => e.key));
      states.add(stored.summary.state);
      for (const a of stored.summary.anomalies) anomalies.add(a);
    }
    // the comparison covered the interesting cases, not only happy paths
    expect(states.size).toBeGreaterThanOrEqual(5);
    expect(anomalies.size).toBeGreaterThanOrEqual(3);
  });

  it('folds a message from its deliveries when its row predates the fold (older store)', () => {
    const t = Date.parse(at(0));
    store.ingest([
      deliveryInput(cb({ type: 'Text', timestamp: at(0) }), t),
      deliveryInput(cb({ type: 'READ', timestamp: at(5), message: null }), t + 5_000),
      deliveryInput(cb({ type: 'DELIVERED', timestamp: at(2), message: null }), t + 6_000),
    ]);
    const before = store.getMessage('ref-1', t + 10_000)!;
    store.close();
    const db = new Database(file());
    db.exec('UPDATE messages SET acc = NULL');
    db.close();
    store = openStore({ file: file() });
    expect(store.getMessage('ref-1', t + 10_000)).toEqual(before);
    // and the next delivery continues from the full fold
    store.ingest([deliveryInput(cb({ type: 'TEXT', event_id: 'ev-2', direction: 'inbound', timestamp: at(9) }), t + 9_000)], t + 10_000);
    const after = store.getMessage('ref-1', t + 10_000)!;
    expect(after.summary.state).toBe('replied');
    expect(after.summary.deliveryCount).toBe(4);
    expect(after.summary.anomalies).toEqual(['out-of-order']);
  });

  it('keeps a burst of new messages small and folds each one on from its first delivery, slice by slice, through an export too', () => {
    const t = Date.parse(at(0));
    // each a new message with one delivery, in slices of its own: ref-text a sent text, ref-norcs a no-RCS
    // exception alone (its fallback grace runs), ref-reply an inbound reply
    const first = [
      deliveryInput(cb({ reference: 'ref-text', event_id: 'a', timestamp: at(0) }), t),
      deliveryInput(cb({ reference: 'ref-norcs', event_id: 'b', type: 'EXCEPTION', direction: 'inbound', timestamp: at(1),
        message: 'Request failed with status code 403: Device does not support RCS' }), t + 1_000),
      deliveryInput(cb({ reference: 'ref-reply', event_id: 'c', type: 'TEXT', direction: 'inbound', timestamp: at(2) }), t + 2_000),
    ];
    for (const d of first) {
      store.ingestRaw([d]);
      store.indexPending(10, t + 3_000);
    }
    // a burst's new messages take about a third of the room: a message with one delivery keeps no fold on its row
    const db = new Database(file(), { readonly: true });
    const bytes = db.prepare('SELECT max(length(summary) + coalesce(length(acc), 0)) FROM messages').pluck().get() as number;
    db.close();
    expect(bytes).toBeLessThan(700);
    for (const ref of ['ref-text', 'ref-norcs', 'ref-reply']) {
      const stored = store.getMessage(ref, t + 3_000)!;
      expect(stored.summary).toEqual(inMemory(ref, t + 3_000).summary);
      expect(stored.summary.deliveryCount).toBe(1);
    }
    expect(store.listMessages({ query: 'state:replied', offset: 0, limit: 10 }, t + 3_000).rows.map((r) => r.reference)).toEqual(['ref-reply']);

    // later deliveries, each in a slice of its own, continue from the one before
    for (const [k, d] of [
      deliveryInput(cb({ reference: 'ref-text', event_id: 'a', type: 'DELIVERED', message: null, timestamp: at(5) }), t + 5_000),
      deliveryInput(cb({ reference: 'ref-text', event_id: 'a', type: 'DELIVERED', message: null, timestamp: at(5) }), t + 6_000),
      deliveryInput(cb({ reference: 'ref-text', event_id: 'a', type: 'READ', message: null, timestamp: at(4) }), t + 7_000),
    ].entries()) {
      store.ingestRaw([d]);
      store.indexPending(10, t + 8_000 + k);
    }
    const text = store.getMessage('ref-text', t + 10_000)!;
    expect(text.summary).toEqual(inMemory('ref-text', t + 10_000).summary);
    expect(text.anomalyDetails).toEqual(inMemory('ref-text', t + 10_000).anomalyDetails);
    expect(text.summary).toMatchObject({ state: 'read', deliveryCount: 4, duplicateCount: 1 });
    expect(text.summary.anomalies).toContain('out-of-order');

    // the lone exception's grace runs out: the indexer rewrites it from its one delivery
    const late = t + 600_000;
    expect(store.refreshDue(late)).toEqual(['ref-norcs']);
    const norcs = store.listMessages({ query: 'anomaly:fallback-missing', offset: 0, limit: 10 }, late);
    expect(norcs.rows.map((r) => r.reference)).toEqual(['ref-norcs']);
    expect(store.getMessage('ref-norcs', late)!.summary).toEqual(inMemory('ref-norcs', late).summary);

    // an export folds the one-delivery messages of each page from one read: the same messages
    const exported = new Map([...store.iterateMessages(late)].map((m) => [m.reference, m]));
    expect([...exported.keys()].sort()).toEqual(['ref-norcs', 'ref-reply', 'ref-text']);
    for (const ref of exported.keys()) {
      const whole = inMemory(ref, late);
      expect(exported.get(ref)).toMatchObject(whole.summary);
      expect(exported.get(ref)!.anomalyDetails).toEqual(whole.anomalyDetails);
    }
  });

  it('opens a message with thousands of events and retries one page at a time, with the true totals', () => {
    const t = Date.parse(at(0));
    const batch: IngestInput[] = [deliveryInput(cb({ type: 'Text', timestamp: at(0) }), t)];
    // 1,500 replies with their own event ids, and one event retried 600 times
    for (let k = 0; k < 1_500; k++) {
      batch.push(deliveryInput(cb({ type: 'TEXT', direction: 'inbound', event_id: `r-${k}`, timestamp: at(10 + k) }), t + 10_000 + k));
    }
    for (let k = 0; k < 600; k++) batch.push(deliveryInput(cb({ type: 'DELIVERED', message: null, timestamp: at(1) }), t + 20_000 + k));
    for (let k = 0; k < batch.length; k += 250) store.ingest(batch.slice(k, k + 250), t + 30_000);

    const first = store.getMessage('ref-1', t + 30_000)!;
    expect(first.summary.deliveryCount).toBe(2_101);
    expect(first.summary.eventCount).toBe(1_502);
    expect(first.summary.duplicateCount).toBe(599);
    expect(first.summary.state).toBe('replied');
    expect(first.eventsTotal).toBe(1_502);
    expect(first.events).toHaveLength(200);
    expect(first.events[0]!.type).toBe('Text');
    const delivered = first.events[1]!;
    expect(delivered.type).toBe('DELIVERED');
    expect(delivered.deliveryTotal).toBe(600);
    // the first and the latest attempts, not all 600
    expect(delivered.deliveries.length).toBe(40);
    expect(delivered.deliveries[0]!.attempt).toBe(1);
    expect(delivered.deliveries.at(-1)!.attempt).toBe(600);

    const pages = [first.events];
    for (let offset = 200; offset < first.eventsTotal; offset += 200) {
      pages.push(store.getMessage('ref-1', t + 30_000, { offset, limit: 200 })!.events);
    }
    const keys = pages.flat().map((e) => e.key);
    expect(keys).toHaveLength(1_502);
    expect(new Set(keys).size).toBe(1_502);
    // pages continue in timestamp order
    const stamps = pages.flat().map((e) => e.timestamp!);
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
  });

  it('keeps a message row bounded when every delivery brings a new type and campaign', () => {
    const t = Date.parse(at(0));
    const batch: IngestInput[] = [];
    for (let k = 0; k < 300; k++) {
      batch.push(deliveryInput(cb({ type: `Type${k}`, campaign_name: `camp-${k}`, event_id: `e-${k}`, user_id: `55119${k}` }), t + k));
    }
    store.ingest(batch, t + 1_000);
    const db = new Database(file(), { readonly: true });
    const row = db.prepare("SELECT length(acc) AS acc, length(summary) AS summary FROM messages WHERE reference = 'ref-1'").get() as {
      acc: number;
      summary: number;
    };
    const facets = db.prepare('SELECT count(*) FROM message_facets').pluck().get() as number;
    db.close();
    expect(row.acc).toBeLessThan(20_000);
    expect(facets).toBeLessThanOrEqual(7 * 16 + 10);
    const m = store.getMessage('ref-1', t + 1_000)!;
    expect(m.summary.anomalies).toContain('field-drift');
    expect(m.anomalyDetails.find((a) => a.anomaly === 'field-drift')!.detail).toContain('→ …');
    // the first types are still found by a filter on them, and a flood of types pushes out no other field
    expect(store.listMessages({ query: 'type:type3', offset: 0, limit: 10 }).rows.map((r) => r.reference)).toEqual(['ref-1']);
    store.ingest([deliveryInput(cb({ type: 'DELIVERED', channel: 'SMS', event_id: 'late', message: null }), t + 2_000)], t + 3_000);
    expect(store.listMessages({ query: 'channel:SMS kind:delivered', offset: 0, limit: 10 }).rows.map((r) => r.reference)).toEqual(['ref-1']);
  });
});
