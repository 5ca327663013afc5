// Deleting (a selection, a filter, Clear all) and retention's pruning, through the deletion queue the core runs: what
// is asked goes and nothing else, pinned rows stay, messages are folded again from the deliveries they keep (the same
// as a store that never held the deleted ones), counters and analytics agree with the rows, the file gives its space
// back, and the work is done in small transactions with the loop free between them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../electron/core/store';
import type { IngestInput, Store } from '../../electron/core/store/types';
import { createDeletionQueue, MAX_SLICE_ROWS, PRUNE_MAX_SLICE_ROWS, type SliceReport } from '../../electron/core/retention';
import { createDataService } from '../../electron/core/retention-api';
import { dispatch } from '../../electron/core/api-dispatch';
import type { ApiHandlers } from '../../shared/api';
import { deliveryInput, fillStore, generateDeliveries } from '../support/store-fixtures';
import { allDeliveries, allMessages } from '../support/list-all';
import type { DeliverySummary, FlagDetail } from '../../shared/domain';

const T = Date.parse('2025-11-20T12:00:00Z');
const NOW = Date.parse('2025-11-29T12:00:00Z');
const DAY = 86_400_000;
let dir: string;
const open: Store[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-delete-'));
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function storeOf(name: string, inputs: IngestInput[]): Store {
  const s = openStore({ file: path.join(dir, `${name}.sqlite`) });
  open.push(s);
  fillStore(s, inputs, 97, NOW);
  return s;
}

/**
 * what a user sees of a store: both lists, the chips' counts, the status bar's totals and the analytics, and the
 * detail of each repeat (which attempt, of what, how long after the one before). `inputOf` names a delivery by the
 * generated input it came from, so two stores with other ids compare.
 */
function view(s: Store, inputOf: (id: number) => number = (id) => id - 1) {
  const everything = 'after:2000-01-01';
  const summed = s.getAnalytics('', NOW);
  // the summaries kept by writes equal the figures read from the rows themselves
  expect(summed).toEqual(s.getAnalytics(everything, NOW));
  const db = new Database(s.file, { readonly: true });
  try {
    const below = db.prepare(`SELECT count(*) FROM (SELECT n FROM an_messages UNION ALL SELECT n FROM an_values UNION ALL
      SELECT n FROM an_series UNION ALL SELECT n FROM an_attempts UNION ALL SELECT n FROM an_counts UNION ALL SELECT n FROM counters) WHERE n < 0`).pluck().get();
    expect(below).toBe(0);
  } finally {
    db.close();
  }
  const counts = s.getCounts('', NOW);
  expect(counts).toEqual(s.getCounts(everything, NOW));
  const stats = s.stats(NOW);
  return {
    messages: allMessages(s, '', NOW).map(({ reference, state, flags, anomalies, deliveryCount, eventCount, duplicateCount, sentAt, deliveredAt, readAt, repliedAt }) =>
      ({ reference, state, flags, anomalies, deliveryCount, eventCount, duplicateCount, sentAt, deliveredAt, readAt, repliedAt })),
    deliveries: allDeliveries(s, '').map((d) => `${d.receivedAt}|${d.eventId}|${d.type}|${d.flags.join(',')}|${d.attempt}`),
    repeats: allDeliveries(s, 'flag:duplicate').map((d) => {
      const { of, previous, ...rest } = s.getDelivery(d.id)!.flagDetails.find((f) => f.flag === 'duplicate') as DuplicateDetail;
      return { input: inputOf(d.id), of: inputOf(of), previous: inputOf(previous), ...rest };
    }),
    retriesChip: allDeliveries(s, 'retry:off-schedule').length,
    counts: { ...counts, campaigns: [...counts.campaigns].sort((a, b) => a.campaign.localeCompare(b.campaign)) },
    totals: [stats.deliveriesTotal, stats.messagesTotal],
    analytics: { ...summed, replies: undefined },
  };
}

/** the inputs a store still holds: filled in order into a new store, input i became delivery i + 1 */
const keptOf = (s: Store, inputs: IngestInput[]) => {
  const ids = new Set(allDeliveries(s, '').map((d) => d.id));
  return inputs.filter((_, i) => ids.has(i + 1));
};

/** A store filled with only what `s` kept of `inputs` must look the same as `s`, repeats' details included. */
function expectSameAsNeverStored(s: Store, inputs: IngestInput[]): void {
  const kept = [...allDeliveries(s, '').map((d) => d.id)].sort((a, b) => a - b).map((id) => id - 1);
  const truth = storeOf('truth', kept.map((i) => inputs[i]!));
  const got = view(s);
  const want = view(truth, (id) => kept[id - 1]!);
  for (const k of Object.keys(want) as (keyof typeof want)[]) expect(got[k], k).toEqual(want[k]);
}

type DuplicateDetail = Extract<FlagDetail, { flag: 'duplicate' }>;

/** the deliveries of events the gateway sent more than once, by event, in receipt order */
function retriedEvents(s: Store): DeliverySummary[][] {
  const byEvent = new Map<string, DeliverySummary[]>();
  for (const d of [...allDeliveries(s, '')].reverse()) {
    const k = `${d.reference}|${d.eventId}|${d.type}|${d.channel}`;
    byEvent.set(k, [...(byEvent.get(k) ?? []), d]);
  }
  return [...byEvent.values()].filter((l) => l.length > 1 && l.slice(1).every((d) => d.flags.includes('duplicate')));
}

const generated = () => [...generateDeliveries({ messages: 400, seed: 7, startAt: T, spacingMs: 20 * 60_000 })];

describe('deleting', () => {
  it('by filter leaves the store as if the deleted deliveries had never come, pins and their messages kept', async () => {
    const all = generated();
    const s = storeOf('all', all);
    const queue = createDeletionQueue({ store: () => s });
    const campaign = 'natal_2025_rcs';
    // a pinned message of that campaign keeps every delivery; a pinned delivery stays on its own
    const pinnedRef = allMessages(s, `campaign:${campaign}`, NOW)[0]!.reference;
    const pinnedDelivery = allDeliveries(s, `campaign:${campaign}`).find((d) => d.reference !== pinnedRef)!;
    s.setMark('message', pinnedRef, { pinned: true, note: 'keep: disputed' });
    s.setMark('delivery', pinnedDelivery.id, { pinned: true });
    const preview = queue.preview({ kind: 'filter', list: 'messages', query: `campaign:${campaign}` }, true);
    const matching = allDeliveries(s, `campaign:${campaign}`).length;
    expect(preview.pinned).toBeGreaterThan(1);
    expect(preview.deliveries).toBe(matching - preview.pinned);

    const result = await queue.delete({ kind: 'filter', list: 'messages', query: `campaign:${campaign}` }, { keepPinned: true });
    expect(result.deliveries).toBe(preview.deliveries);

    expect(allDeliveries(s, `campaign:${campaign}`).every((d) => d.reference === pinnedRef || d.id === pinnedDelivery.id)).toBe(true);
    const truth = storeOf('truth', keptOf(s, all));
    const got = view(s);
    const want = view(truth);
    expect(got.deliveries).toEqual(want.deliveries);
    expect(got.messages).toEqual(want.messages);
    expect(got.counts).toEqual(want.counts);
    expect(got.totals).toEqual(want.totals);
    expect(got.analytics).toEqual(want.analytics);
    expect(s.getMark('message', pinnedRef)).toEqual({ pinned: true, note: 'keep: disputed' });
  });

  it('a selection of deliveries, part of their messages: each message is folded again from what it keeps', async () => {
    const all = generated();
    const s = storeOf('all', all);
    const queue = createDeletionQueue({ store: () => s });
    // every READ and every reply: messages lose their later steps, none disappears
    const ids = allDeliveries(s, 'kind:read,reply').map((d) => d.id);
    expect(ids.length).toBeGreaterThan(100);
    s.setMark('delivery', ids[0]!, { note: 'a note on a deleted delivery goes with it' });
    // the report of every message keeps a tally of replies: it must forget the deleted ones
    expect(s.getAnalytics('', NOW).replies.texts.length).toBeGreaterThan(0);
    const result = await queue.delete({ kind: 'deliveries', ids }, { keepPinned: true });
    expect(result.deliveries).toBe(ids.length);
    expect(allDeliveries(s, 'kind:read,reply')).toEqual([]);
    const truth = storeOf('truth', keptOf(s, all));
    const got = view(s);
    const want = view(truth);
    expect(got.messages).toEqual(want.messages);
    expect(got.counts).toEqual(want.counts);
    expect(got.totals).toEqual(want.totals);
    expect(got.analytics).toEqual(want.analytics);
    expect(allDeliveries(s, 'note:"a note"')).toEqual([]);
    // no new delivery takes a deleted one's id
    const [next] = s.ingest([deliveryInput({ reference: 'after-delete', event_id: 'x', type: 'DELIVERED', timestamp: new Date(NOW).toISOString() }, NOW)], NOW);
    expect(next!.id).toBeGreaterThan(Math.max(...ids));
  });

  it('the first attempts of retried callbacks: the next attempt is the first, the ones after it repeat it', async () => {
    const all = generated();
    const s = storeOf('all', all);
    const retried = retriedEvents(s);
    expect(retried.filter((l) => l.length > 2).length).toBeGreaterThan(5);
    const firsts = retried.map((l) => l[0]!.id);
    await createDeletionQueue({ store: () => s }).delete({ kind: 'deliveries', ids: firsts }, { keepPinned: true });
    // an event retried once is a single delivery now, nothing repeats it
    const once = retried.find((l) => l.length === 2)![1]!;
    expect(s.getDelivery(once.id)).toMatchObject({ attempt: 1, flags: expect.not.arrayContaining(['duplicate']) });
    expectSameAsNeverStored(s, all);
  });

  it('middle attempts of retried callbacks: a later attempt repeats the one before what was deleted', async () => {
    const all = generated();
    const s = storeOf('all', all);
    const retried = retriedEvents(s).filter((l) => l.length > 2);
    expect(retried.length).toBeGreaterThan(5);
    await createDeletionQueue({ store: () => s }).delete({ kind: 'deliveries', ids: retried.map((l) => l[1]!.id) }, { keepPinned: true });
    const [first, , third] = retried[0]!;
    expect(s.getDelivery(third!.id)!.flagDetails.find((f) => f.flag === 'duplicate')).toMatchObject({ attempt: 2, of: first!.id, previous: first!.id });
    expectSameAsNeverStored(s, all);
  });

  it('Clear all keeps pinned messages and deliveries unless pins are cleared too; the file gives its space back', async () => {
    const s = storeOf('all', generated());
    const queue = createDeletionQueue({ store: () => s });
    expect(s.deletion.autoVacuum()).toBe('incremental');
    const [m] = allMessages(s, 'state:read', NOW);
    const lone = allDeliveries(s, `-ref:${m!.reference}`)[5]!;
    s.setMark('message', m!.reference, { pinned: true });
    s.setMark('delivery', lone.id, { pinned: true, note: 'evidence' });
    const checkpoint = () => new Database(s.file).pragma('wal_checkpoint(TRUNCATE)');
    checkpoint();
    const before = fs.statSync(s.file).size;

    await queue.delete({ kind: 'all' }, { keepPinned: true });
    const kept = allDeliveries(s, '');
    expect(kept.length).toBe(m!.deliveryCount + 1);
    expect(allMessages(s, '', NOW).map((x) => x.reference).sort()).toEqual([m!.reference, lone.reference].sort());
    expect(s.indexedCounts()).toEqual({ deliveries: m!.deliveryCount + 1, messages: 2 });
    expect(allDeliveries(s, 'pinned:yes').map((d) => d.id)).toEqual([lone.id]);
    expect(s.deletion.freePages()).toBe(0);
    checkpoint();
    expect(fs.statSync(s.file).size).toBeLessThan(before / 3);
    view(s);

    await queue.delete({ kind: 'all' }, { keepPinned: true, clearPins: true });
    expect(s.indexedCounts()).toEqual({ deliveries: 0, messages: 0 });
    expect(s.stats(NOW).deliveriesTotal).toBe(0);
    expect(s.getCounts('', NOW).campaigns).toEqual([]);
    view(s);
  });

  it('an old store (auto_vacuum none) is made incremental by Clear all, when what it keeps is small', async () => {
    const file = path.join(dir, 'old.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE early (x)');
    db.close();
    const s = openStore({ file });
    open.push(s);
    fillStore(s, generated(), 97, NOW);
    expect(s.deletion.autoVacuum()).toBe('none');
    await createDeletionQueue({ store: () => s }).delete({ kind: 'all' }, { keepPinned: true });
    expect(s.deletion.autoVacuum()).toBe('incremental');
    expect(s.deletion.freePages()).toBe(0);
  });

  it('works in transactions of at most a few dozen rows and leaves the loop free between them', async () => {
    const s = storeOf('all', [...generateDeliveries({ messages: 600, seed: 3, startAt: T })]);
    const slices: (SliceReport & { tick: number; acks: number })[] = [];
    let tick = 0;
    let acks = 0;
    let stop = false;
    // the receiver's part: a turn of the loop, and now and then a durable write on the acknowledgement path
    const spin = () => {
      if (stop) return;
      tick++;
      if (tick % 50 === 0) {
        s.ingestRaw([deliveryInput({ reference: `live-${tick}`, event_id: `e${tick}`, type: 'DELIVERED', timestamp: new Date(NOW).toISOString() }, NOW)]);
        acks++;
      }
      setImmediate(spin);
    };
    spin();
    const queue = createDeletionQueue({ store: () => s, onSlice: (r) => slices.push({ ...r, tick, acks }) });
    const result = await queue.delete({ kind: 'filter', list: 'deliveries', query: 'after:2000-01-01' }, { keepPinned: true });
    stop = true;
    expect(result.deliveries).toBeGreaterThan(1500);
    expect(slices.length).toBe(result.slices);
    for (const sl of slices) expect(sl.rows).toBeLessThanOrEqual(MAX_SLICE_ROWS);
    // between any two slices the loop turned, and acknowledgements were written while the deletion ran
    for (let i = 1; i < slices.length; i++) expect(slices[i]!.tick, `slice ${i}`).toBeGreaterThan(slices[i - 1]!.tick);
    expect(slices.at(-1)!.acks).toBeGreaterThan(slices[0]!.acks);
  });
});

describe('retention', () => {
  it('prunes what is older than N days, keeping pinned deliveries and every delivery of a pinned message', async () => {
    const s = storeOf('all', [...generateDeliveries({ messages: 400, seed: 9, startAt: NOW - 8 * DAY, spacingMs: 30 * 60_000 })]);
    const cutoff = NOW - 3 * DAY;
    const old = allDeliveries(s, '').filter((d) => d.receivedAt < cutoff);
    const recentBefore = allDeliveries(s, '').length - old.length;
    expect(old.length).toBeGreaterThan(500);
    expect(recentBefore).toBeGreaterThan(300);
    const oldRef = old.find((d) => d.reference)!.reference!;
    const pinnedId = old.find((d) => d.reference !== oldRef)!.id;
    s.setMark('message', oldRef, { pinned: true });
    s.setMark('delivery', pinnedId, { pinned: true });
    const queue = createDeletionQueue({ store: () => s });
    const r = await queue.prune({ maxDays: 3, maxGb: null }, NOW);
    const left = allDeliveries(s, '');
    expect(left.filter((d) => d.receivedAt < cutoff).every((d) => d.reference === oldRef || d.id === pinnedId)).toBe(true);
    expect(left.some((d) => d.id === pinnedId)).toBe(true);
    const recent = allDeliveries(s, '').filter((d) => d.receivedAt >= cutoff).length;
    expect(r.deliveries).toBe(old.length - old.filter((d) => d.reference === oldRef || d.id === pinnedId).length);
    expect(recent).toBe(recentBefore);
    view(s);
  });

  it('prunes in transactions of a delivery or two, the loop turning between them (retention is never urgent)', async () => {
    const s = storeOf('all', [...generateDeliveries({ messages: 100, seed: 5, startAt: NOW - 8 * DAY, spacingMs: 2 * 60 * 60_000 })]);
    const slices: (SliceReport & { tick: number })[] = [];
    let tick = 0;
    let stop = false;
    const spin = () => {
      if (stop) return;
      tick++;
      setImmediate(spin);
    };
    spin();
    const r = await createDeletionQueue({ store: () => s, onSlice: (x) => slices.push({ ...x, tick }) }).prune({ maxDays: 3, maxGb: null }, NOW);
    stop = true;
    expect(r.deliveries).toBeGreaterThan(100);
    expect(slices.reduce((n, x) => n + x.deleted, 0)).toBe(r.deliveries);
    for (const sl of slices) expect(sl.rows).toBeLessThanOrEqual(PRUNE_MAX_SLICE_ROWS);
    for (let i = 1; i < slices.length; i++) expect(slices[i]!.tick, `slice ${i}`).toBeGreaterThan(slices[i - 1]!.tick);
  });

  it('a cutoff between the attempts of a retried callback leaves the later ones as if the earlier had never come', async () => {
    const all = generated();
    const s = storeOf('all', all);
    // cut between the first and second attempt of an event retried three times or more
    const [first, second] = retriedEvents(s).find((l) => l.length > 2)!;
    const cutoff = first!.receivedAt + 1;
    expect(second!.receivedAt).toBeGreaterThan(cutoff);
    const r = await createDeletionQueue({ store: () => s }).prune({ maxDays: 1, maxGb: null }, cutoff + DAY);
    expect(r.deliveries).toBeGreaterThan(0);
    expect(s.getDelivery(second!.id)).toMatchObject({ attempt: 1, flags: expect.not.arrayContaining(['duplicate']) });
    expectSameAsNeverStored(s, all);
  });

  it('prunes the oldest until the rows fit the size limit', async () => {
    const s = storeOf('all', generated());
    const queue = createDeletionQueue({ store: () => s });
    const used = s.deletion.usedBytes();
    const limitGb = used / 2 / 1024 ** 3;
    const oldest = allDeliveries(s, '').at(-1)!;
    const newest = allDeliveries(s, '')[0]!;
    const r = await queue.prune({ maxDays: null, maxGb: limitGb }, NOW);
    expect(r.deliveries).toBeGreaterThan(0);
    expect(s.deletion.usedBytes()).toBeLessThanOrEqual(limitGb * 1024 ** 3);
    const ids = new Set(allDeliveries(s, '').map((d) => d.id));
    expect(ids.has(oldest.id)).toBe(false);
    expect(ids.has(newest.id)).toBe(true);
    view(s);
  });

  it('is set through the API by days or by size alone; null turns one off, one left out stays as it was', async () => {
    const s = storeOf('empty', []);
    const service = createDataService({ store: () => s, onChanged: () => {} });
    const call = (name: string, arg: unknown) => dispatch(service.handlers as ApiHandlers, name, arg);
    try {
      expect(await call('setRetention', { maxDays: 30 })).toEqual({ maxDays: 30, maxGb: null });
      expect(await call('setRetention', { maxGb: 2 })).toEqual({ maxDays: 30, maxGb: 2 });
      expect(await call('getRetention', {})).toEqual({ maxDays: 30, maxGb: 2 });
      expect(await call('setRetention', { maxDays: null })).toEqual({ maxDays: null, maxGb: 2 });
      expect(await call('getRetention', {})).toEqual({ maxDays: null, maxGb: 2 });
      await expect(call('setRetention', { maxGb: 0 })).rejects.toThrow(/maxGb/);
      expect(await call('getRetention', {})).toEqual({ maxDays: null, maxGb: 2 });
    } finally {
      await service.close();
    }
  });
});
