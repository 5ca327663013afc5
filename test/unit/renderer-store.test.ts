import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Api, ApiEventBatch, AppStatus, Counts, LiveStatus } from '../../shared/api';
import type { DeliverySummary, MessageDetail, MessageSummary } from '../../shared/domain';
import { ApiError } from '../../shared/api-error';
import type { ApiClient } from '../../renderer/src/api/client';
import { createInspectorStore } from '../../renderer/src/store/inspector-store';
import { PAGE_SIZE } from '../../renderer/src/store/list-window';

function message(i: number, extra: Partial<MessageSummary> = {}): MessageSummary {
  return {
    reference: `ref-${i}`, state: 'sent', userId: `55119${i}`, campaign: 'c', lastType: 'Text', lastKind: 'sent',
    firstReceivedAt: i, lastReceivedAt: i, sentAt: i, deliveredAt: null, readAt: null, repliedAt: null, failedAt: null,
    deliveryCount: 1, eventCount: 1, duplicateCount: 0, flags: [], flagCounts: {}, anomalies: [], channels: ['RCS'], ...extra,
  };
}
function delivery(id: number, reference: string): DeliverySummary {
  return {
    id, receivedAt: id, method: 'POST', path: '/callbacks', outcome: 'stored', responseStatus: 200, responseMs: 1,
    rejectReason: null, bodySize: 10, reference, eventId: 'e', type: 'DELIVERED', kind: 'delivered', channel: 'RCS',
    direction: 'inbound', userId: null, campaign: null, timestamp: id, attempt: 1, flags: [], reasons: [], blockedAccount: null, retry: null, preview: '',
  };
}

/** A fake core: `rows` messages, newest first, with call recording and optional per-call delays. */
function fakeClient(rows: number) {
  let messages = Array.from({ length: rows }, (_, i) => message(i));
  let total = rows;
  const calls: { name: string; arg: any }[] = [];
  const listeners = new Set<(b: ApiEventBatch) => void>();
  const delays: Record<string, number> = {};
  const failQuery = new Set<string>();
  /** what the core's counters say; sent with every live frame */
  const live = { indexing: { pending: 0, lagMs: 0 } as AppStatus['indexing'], storeBytes: 1 };
  const figures = (): LiveStatus => ({
    deliveriesTotal: total + live.indexing.pending, deliveriesToday: total, messagesTotal: messages.length, indexing: live.indexing, storeBytes: live.storeBytes,
  });
  const status = (): AppStatus => ({
    version: '0', receiverUrl: 'http://127.0.0.1:1', callbackPath: '/callbacks',
    tunnel: { state: 'disabled', publicUrl: null, host: '', requestedSubdomain: null, attempt: 0, nextTryAt: null, reason: null, since: 0, downtime: [] },
    ...figures(), dataDir: '/tmp', maxBodyBytes: 1, storeFile: '/tmp/inspector.sqlite', damagedStores: [],
  });
  const wait = (name: string) => new Promise((r) => setTimeout(r, delays[name] ?? 0));
  const api = {
    getStatus: async () => {
      calls.push({ name: 'getStatus', arg: {} });
      // the answer is what the core knew when asked, however long it takes to arrive
      const s = status();
      await wait('getStatus');
      return s;
    },
    getCounts: async (arg: any) => {
      calls.push({ name: 'getCounts', arg });
      await wait('getCounts');
      if (failQuery.has(arg.query)) throw new ApiError('bad-request', `bad query: ${arg.query}`);
      return { flags: {}, states: { sent: messages.length }, anomalies: {}, campaigns: [], deliveries: total, messages: messages.length, sampled: false } as Counts;
    },
    listMessages: async (arg: any) => {
      calls.push({ name: 'listMessages', arg });
      await wait('listMessages');
      if (failQuery.has(arg.query)) throw new Error(`bad query: ${arg.query}`);
      const filtered = arg.query ? messages.filter((m) => m.reference.includes(arg.query)) : messages;
      return { rows: filtered.slice(arg.offset, arg.offset + arg.limit), total: filtered.length, totalIsExact: true, offset: arg.offset };
    },
    listDeliveries: async (arg: any) => {
      calls.push({ name: 'listDeliveries', arg });
      const all = messages.map((m, i) => delivery(total - i, m.reference));
      return { rows: all.slice(arg.offset, arg.offset + arg.limit), total: all.length, totalIsExact: true, offset: arg.offset };
    },
    getMessage: async (arg: any) => {
      calls.push({ name: 'getMessage', arg });
      const m = messages.find((x) => x.reference === arg.reference);
      return m ? ({ summary: m, events: [], eventsTotal: 0, eventIds: [], durations: { toDelivered: null, toRead: null, toReplied: null }, anomalyDetails: [] } as MessageDetail) : null;
    },
    getDelivery: async (arg: any) => {
      calls.push({ name: 'getDelivery', arg });
      await wait('getDelivery');
      return null;
    },
  } as unknown as Api;
  const client: ApiClient = {
    api,
    subscribe: (l) => (listeners.add(l), () => listeners.delete(l)),
  };
  return {
    client,
    calls,
    delays,
    live,
    failQuery,
    count: (name: string) => calls.filter((c) => c.name === name).length,
    /** the core stored `n` new messages (newest first) and emits one live batch */
    arrive(n: number, touched: MessageSummary[] = []) {
      const fresh = Array.from({ length: n }, (_, i) => message(100000 + total + i));
      messages = [...fresh.reverse(), ...messages];
      total += n;
      const batch: ApiEventBatch = [
        {
          event: 'deliveries',
          data: { deliveries: fresh.slice(0, 200).map((m, i) => delivery(total - i, m.reference)), messages: [...fresh, ...touched].slice(0, 200), total, status: figures() },
        },
      ];
      for (const l of listeners) l(batch);
    },
    update(reference: string, patch: Partial<MessageSummary>) {
      messages = messages.map((m) => (m.reference === reference ? { ...m, ...patch } : m));
      return messages.find((m) => m.reference === reference)!;
    },
  };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(0);
};

describe('inspector store', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('loads status, counts and the first page; rows are read from the paged window', async () => {
    const f = fakeClient(250);
    const store = createInspectorStore(f.client);
    const stop = store.getState().start();
    await flush();
    const s = store.getState();
    expect(s.status?.deliveriesTotal).toBe(250);
    expect(s.counts?.messages).toBe(250);
    expect(s.messages.total).toBe(250);
    expect(s.rowAt('messages', 0)?.reference).toBe('ref-0');
    expect(s.rowAt('messages', 49)?.reference).toBe('ref-49');
    // only the visible page was asked for, with the page size
    expect(f.calls.filter((c) => c.name === 'listMessages').map((c) => [c.arg.offset, c.arg.limit])).toEqual([[0, PAGE_SIZE]]);
    stop();
  });

  it('spaces live count refreshes by what they cost, and still counts the last arrivals', async () => {
    const f = fakeClient(100);
    f.delays.getCounts = 100; // a filtered count over a big store
    const store = createInspectorStore(f.client);
    const stop = store.getState().start();
    await flush();
    await vi.advanceTimersByTimeAsync(200);
    const before = f.count('getCounts');
    // a 3 s burst: a live batch every 50 ms
    for (let t = 0; t < 3000; t += 50) {
      f.arrive(10);
      await vi.advanceTimersByTimeAsync(50);
    }
    const during = f.count('getCounts') - before;
    // every 250 ms would be 12; at most a tenth of the time spent counting is every ~1 s
    expect(during).toBeGreaterThanOrEqual(2);
    expect(during).toBeLessThanOrEqual(4);
    expect(store.getState().status?.deliveriesTotal).toBe(100 + 600);
    await vi.advanceTimersByTimeAsync(2000);
    expect(store.getState().counts?.deliveries).toBe(100 + 600);
    stop();
  });

  it('sends the query to the core for lists and counts instead of filtering rows itself', async () => {
    const f = fakeClient(300);
    const store = createInspectorStore(f.client);
    store.getState().start();
    await flush();
    store.getState().setQuery('ref-12');
    await flush();
    const lm = f.calls.filter((c) => c.name === 'listMessages').at(-1)!;
    expect(lm.arg.query).toBe('ref-12');
    expect(f.calls.filter((c) => c.name === 'getCounts').at(-1)!.arg.query).toBe('ref-12');
    // ref-12, ref-120..129 match in the fake core
    expect(store.getState().messages.total).toBe(11);
    expect(store.getState().rowAt('messages', 0)?.reference).toBe('ref-12');
  });

  it('drops an answer for a query the user already replaced', async () => {
    const f = fakeClient(300);
    const store = createInspectorStore(f.client);
    store.getState().start();
    await flush();
    f.delays.listMessages = 500;
    store.getState().setQuery('ref-1');
    await vi.advanceTimersByTimeAsync(100);
    f.delays.listMessages = 0;
    store.getState().setQuery('ref-2');
    await vi.advanceTimersByTimeAsync(1000);
    expect(store.getState().query).toBe('ref-2');
    expect(store.getState().rowAt('messages', 0)?.reference).toBe('ref-2');
    expect(store.getState().messages.total).toBe(111); // ref-2, ref-20..29, ref-200..299
  });

  it('shows the core’s error for a rejected query, and no counts for it (not the previous query’s)', async () => {
    const f = fakeClient(10);
    f.failQuery.add('after:yesterday');
    const store = createInspectorStore(f.client);
    store.getState().start();
    await flush();
    expect(store.getState().counts?.messages).toBe(10);
    store.getState().setQuery('after:yesterday');
    await flush();
    expect(store.getState().queryError).toContain('bad query: after:yesterday');
    expect(store.getState().counts).toBeNull();
    store.getState().setQuery('');
    await flush();
    expect(store.getState().queryError).toBeNull();
  });

  it('keeps only the pages near the viewport while scrolling a large list', async () => {
    const f = fakeClient(100_000);
    const store = createInspectorStore(f.client);
    store.getState().start();
    await flush();
    for (let start = 0; start < 60_000; start += 1500) {
      store.getState().setVisibleRange('messages', start, start + 40);
      await flush();
    }
    const pages = Object.keys(store.getState().messages.pages).map(Number);
    expect(pages.length).toBeLessThanOrEqual(6);
    expect(pages).toContain(Math.floor(58_500 / PAGE_SIZE));
    expect(store.getState().rowAt('messages', 58_510)?.reference).toBe('ref-58510');
  });

  it('coalesces a burst of live batches into a few refreshes of the visible page', async () => {
    const f = fakeClient(50);
    const store = createInspectorStore(f.client, { throttleMs: 250 });
    store.getState().start();
    await flush();
    const before = f.count('listMessages');
    // 2,000 deliveries/s for one second, delivered as 10 batches of 200
    for (let i = 0; i < 10; i++) {
      f.arrive(200);
      await vi.advanceTimersByTimeAsync(100);
    }
    await vi.advanceTimersByTimeAsync(300);
    const refreshes = f.count('listMessages') - before;
    expect(refreshes).toBeGreaterThanOrEqual(1);
    expect(refreshes).toBeLessThanOrEqual(5);
    // the newest rows are shown at the top after the refresh
    expect(store.getState().messages.total).toBe(2050);
    expect(store.getState().rowAt('messages', 0)?.reference).toBe(`ref-${100000 + 50 + 1999}`);
  });

  it('holds rows back while paused, counts them, and shows them on request', async () => {
    const f = fakeClient(20);
    const store = createInspectorStore(f.client);
    store.getState().start();
    await flush();
    store.getState().togglePause();
    const before = f.count('listMessages');
    f.arrive(3);
    await vi.advanceTimersByTimeAsync(400);
    f.arrive(4);
    await vi.advanceTimersByTimeAsync(400);
    expect(store.getState().pendingNew).toBe(7);
    expect(f.count('listMessages')).toBe(before);
    expect(store.getState().rowAt('messages', 0)?.reference).toBe('ref-0');
    // counts and status still follow
    expect(store.getState().status?.deliveriesTotal).toBe(27);
    store.getState().togglePause();
    await flush();
    expect(store.getState().pendingNew).toBe(0);
    expect(store.getState().rowAt('messages', 0)?.reference).not.toBe('ref-0');
  });

  it('does not move rows under a user scrolled away from the top, but updates their state in place', async () => {
    const f = fakeClient(300);
    const store = createInspectorStore(f.client);
    store.getState().start();
    await flush();
    store.getState().setVisibleRange('messages', 100, 140);
    store.getState().setAtTop(false);
    await flush();
    const before = store.getState().rowAt('messages', 120)?.reference;
    const touched = f.update('ref-120', { state: 'read' });
    f.arrive(5, [touched]);
    await vi.advanceTimersByTimeAsync(400);
    expect(store.getState().rowAt('messages', 120)?.reference).toBe(before);
    expect(store.getState().rowAt('messages', 120)?.state).toBe('read');
    expect(store.getState().pendingNew).toBe(5);
    // scrolling back to the top shows the held rows
    store.getState().setAtTop(true);
    await flush();
    expect(store.getState().pendingNew).toBe(0);
    expect(store.getState().messages.total).toBe(305);
  });

  it('keeps the selection and refreshes its timeline when its message changes', async () => {
    const f = fakeClient(30);
    const store = createInspectorStore(f.client);
    store.getState().start();
    await flush();
    store.getState().selectMessage('ref-5');
    await flush();
    expect(store.getState().messageDetail?.summary.state).toBe('sent');
    const touched = f.update('ref-5', { state: 'delivered' });
    f.arrive(2, [touched]);
    await vi.advanceTimersByTimeAsync(400);
    expect(store.getState().selectedRef).toBe('ref-5');
    expect(store.getState().messageDetail?.summary.state).toBe('delivered');
    // an untouched selection is not refetched
    const n = f.count('getMessage');
    f.arrive(2);
    await vi.advanceTimersByTimeAsync(400);
    expect(f.count('getMessage')).toBe(n);
  });

  it('shows only the detail the user opened last, whichever kind an earlier slow answer was for', async () => {
    const f = fakeClient(10);
    const store = createInspectorStore(f.client);
    store.getState().start();
    await flush();
    // a delivery that takes long to answer (and is gone by then), then a message opened meanwhile
    f.delays.getDelivery = 500;
    store.getState().selectDelivery(7);
    await vi.advanceTimersByTimeAsync(50);
    store.getState().selectMessage('ref-3');
    await vi.advanceTimersByTimeAsync(1000);
    const s = store.getState();
    expect([s.selectedRef, s.selectedDeliveryId, s.messageDetail?.summary.reference, s.detailLoading]).toEqual(['ref-3', null, 'ref-3', false]);
    // the late answer neither replaced the message nor said the delivery was gone
    expect(s.error).toBeNull();
    // and a delivery that is gone, opened and waited for, says so
    f.delays.getDelivery = 0;
    store.getState().selectDelivery(8);
    await flush();
    expect(store.getState().error).toBe('Delivery #8 is no longer in the store.');
    expect(store.getState().detailLoading).toBe(false);
  });

  it('moves a keyboard cursor through the rows and opens the one under it', async () => {
    const f = fakeClient(10);
    const store = createInspectorStore(f.client);
    store.getState().start();
    await flush();
    const s = store.getState();
    expect(s.moveCursor(1)).toBe(0);
    expect(s.moveCursor(1)).toBe(1);
    expect(s.moveCursor(1)).toBe(2);
    expect(s.moveCursor(-1)).toBe(1);
    expect(store.getState().cursorKey).toBe('ref-1');
    expect(s.moveCursor(-5)).toBe(0);
    expect(s.moveCursor(50)).toBe(9);
    store.getState().openCursor();
    await flush();
    expect(store.getState().selectedRef).toBe('ref-9');
    expect(store.getState().messageDetail?.summary.reference).toBe('ref-9');
    store.getState().closeDetail();
    expect(store.getState().selectedRef).toBeNull();
  });

  it('switching to the deliveries view pages deliveries with the same query', async () => {
    const f = fakeClient(10);
    const store = createInspectorStore(f.client);
    store.getState().start();
    await flush();
    store.getState().setQuery('ref-1');
    store.getState().setView('deliveries');
    await flush();
    const ld = f.calls.filter((c) => c.name === 'listDeliveries').at(-1)!;
    expect(ld.arg.query).toBe('ref-1');
    expect(store.getState().deliveries.total).toBe(10);
  });

  it('takes the status bar numbers from live frames instead of asking the core for its status again', async () => {
    const f = fakeClient(40);
    const store = createInspectorStore(f.client);
    const stop = store.getState().start();
    await flush();
    expect(f.count('getStatus')).toBe(1);
    // a burst the indexer is behind on: the frames say by how much, and how big the store has grown
    f.live.indexing = { pending: 350, lagMs: 1800 };
    f.live.storeBytes = 9_000_000;
    for (let i = 0; i < 6; i++) {
      f.arrive(25);
      await vi.advanceTimersByTimeAsync(300);
    }
    const s = store.getState().status!;
    expect(f.count('getStatus')).toBe(1);
    expect(s).toMatchObject({
      deliveriesTotal: 40 + 150 + 350, deliveriesToday: 40 + 150, messagesTotal: 40 + 150,
      indexing: { pending: 350, lagMs: 1800 }, storeBytes: 9_000_000,
    });
    // what frames do not carry stays as the status read at start said
    expect(s.receiverUrl).toBe('http://127.0.0.1:1');
    // the lists still follow the frames (the fake's `total` counts indexed rows only)
    expect(store.getState().messages.total).toBe(190);
    stop();
  });

  it('keeps a frame’s status numbers when an older status answer arrives after it', async () => {
    const f = fakeClient(10);
    const store = createInspectorStore(f.client);
    const stop = store.getState().start();
    await flush();
    f.delays.getStatus = 500;
    const refresh = store.getState().refreshAll();
    await vi.advanceTimersByTimeAsync(100);
    f.arrive(7);
    await vi.advanceTimersByTimeAsync(100);
    expect(store.getState().status?.deliveriesTotal).toBe(17);
    await vi.advanceTimersByTimeAsync(500);
    await refresh;
    // the answer was computed before those 7 arrived: it must not take them back
    expect(store.getState().status?.deliveriesTotal).toBe(17);
    stop();
  });

  it('applies tunnel and url-change events to what the status bar and banner show', async () => {
    const f = fakeClient(1);
    const store = createInspectorStore(f.client);
    store.getState().start();
    await flush();
    store.getState().handleBatch([
      { event: 'tunnel', data: { ...store.getState().status!.tunnel, state: 'online', publicUrl: 'https://x.loca.lt' } },
      { event: 'urlChanged', data: { oldUrl: null, newUrl: 'https://x.loca.lt', reason: 'reconnected' } },
    ]);
    expect(store.getState().status?.tunnel.state).toBe('online');
    expect(store.getState().urlChanged?.newUrl).toBe('https://x.loca.lt');
  });
});
