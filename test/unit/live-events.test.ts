// Live frames carry the status bar's numbers, read from what the core keeps anyway (counters, the indexer's
// backlog, the store's size) — the store's count of today's deliveries is asked once, not per frame.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiEventBatch, ApiEvents } from '../../shared/api';
import type { DeliverySummary } from '../../shared/domain';
import { LiveEvents, type LiveSources } from '../../electron/core/live-events';

const at = (y: number, mo: number, d: number, h: number, mi = 0) => new Date(y, mo - 1, d, h, mi).getTime();

function row(id: number, receivedAt: number): DeliverySummary {
  return { id, receivedAt, reference: `ref-${id}` } as DeliverySummary;
}

function setup(startAt: number, countedToday: number) {
  let now = startAt;
  const calls: Record<string, number> = {};
  const tally = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  const state = { deliveries: 0, messages: 0, pending: 0, lagMs: 0, bytes: 8192, today: countedToday };
  const src: LiveSources = {
    loadMessages: () => (tally('loadMessages'), []),
    indexedCounts: () => (tally('indexedCounts'), { deliveries: state.deliveries, messages: state.messages }),
    indexing: () => (tally('indexing'), { pending: state.pending, lagMs: state.lagMs }),
    storeBytes: () => (tally('storeBytes'), state.bytes),
    countToday: () => (tally('countToday'), state.today),
    now: () => now,
  };
  const live = new LiveEvents(src, 100);
  const frames: ApiEvents['deliveries'][] = [];
  live.subscribe((b: ApiEventBatch) => {
    for (const e of b) if (e.event === 'deliveries') frames.push(e.data);
  });
  let nextId = 1;
  /** the core stores n deliveries now (the store's own count of today grows), indexes them, and a frame goes out */
  const arrive = async (n: number) => {
    const rows = Array.from({ length: n }, () => row(nextId++, now));
    live.deliveriesStored(rows);
    state.today += n;
    state.deliveries += n;
    state.messages += n;
    live.deliveriesIndexed(rows);
    await vi.advanceTimersByTimeAsync(100);
  };
  return { live, src, state, calls, frames, arrive, setNow: (t: number) => (now = t) };
}

describe('live frames carry the status bar numbers', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the rows of messages that changed without a new delivery (a fallback grace ran out)', async () => {
    const { live, src, frames } = setup(at(2026, 11, 28, 10), 0);
    const asked: string[][] = [];
    src.loadMessages = (refs) => (asked.push(refs), refs.map((reference) => ({ reference }) as never));
    live.messagesChanged(['ref-due']);
    await vi.advanceTimersByTimeAsync(100);
    expect(asked).toEqual([['ref-due']]);
    expect(frames.at(-1)).toMatchObject({ deliveries: [], messages: [{ reference: 'ref-due' }] });
  });

  it('from counters and the indexer, asking the store for today’s count only once', async () => {
    const t = setup(at(2026, 3, 10, 14), 120);
    t.state.deliveries = 500;
    t.state.messages = 90;
    await t.arrive(3);
    t.state.pending = 40;
    t.state.lagMs = 1500;
    t.state.bytes = 1_000_000;
    for (let i = 0; i < 20; i++) await t.arrive(5);
    expect(t.frames).toHaveLength(21);
    expect(t.frames.at(-1)).toMatchObject({
      // indexed rows (what lists show) and, for the status bar, those plus the ones still waiting for indexing
      total: 603,
      status: { deliveriesTotal: 643, deliveriesToday: 120 + 103, messagesTotal: 193, indexing: { pending: 40, lagMs: 1500 }, storeBytes: 1_000_000 },
    });
    expect(t.calls.countToday).toBe(1);
    expect(t.calls.indexedCounts).toBe(21);
  });

  it('counts today’s deliveries from midnight on without asking the store again', async () => {
    const t = setup(at(2026, 3, 10, 23, 59), 7000);
    await t.arrive(4);
    expect(t.frames.at(-1)!.status.deliveriesToday).toBe(7004);
    // stored just before midnight, counted just after: still yesterday's
    const late = row(1000, at(2026, 3, 10, 23, 59));
    t.setNow(at(2026, 3, 11, 0, 1));
    t.live.deliveriesStored([late]);
    await t.arrive(2);
    expect(t.frames.at(-1)!.status.deliveriesToday).toBe(2);
    expect(t.calls.countToday).toBe(1);
  });

  it('counts today again from the store that replaced a damaged one', async () => {
    const t = setup(at(2026, 3, 10, 9), 300);
    await t.arrive(1);
    expect(t.frames.at(-1)!.status.deliveriesToday).toBe(301);
    t.live.emit('storeDamaged', { storeFile: '/data/inspector-fresh.sqlite', damagedStores: [] });
    // the fresh file holds only what arrives from now on
    t.state.today = 0;
    await t.arrive(2);
    expect(t.frames.at(-1)!.status.deliveriesToday).toBe(2);
    expect(t.calls.countToday).toBe(2);
  });
});
