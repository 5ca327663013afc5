// The analytics view's share of the store: when the report is read. A report reads every matching message, so it is
// read only while the view is shown, one request at a time, and during a burst spaced by what it costs.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Report } from '../../shared/analytics';
import type { Api, ApiEventBatch, AppStatus } from '../../shared/api';
import { ApiError } from '../../shared/api-error';
import type { ApiClient } from '../../renderer/src/api/client';
import { createInspectorStore } from '../../renderer/src/store/inspector-store';

function fakeCore() {
  let total = 10;
  const asked: string[] = [];
  let listReads = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const delays = { getAnalytics: 0 };
  const listeners = new Set<(b: ApiEventBatch) => void>();
  const status = (): AppStatus =>
    ({
      version: '0', receiverUrl: 'http://127.0.0.1:1', callbackPath: '/callbacks', dataDir: '/tmp', maxBodyBytes: 1, storeFile: '/tmp/s', damagedStores: [],
      tunnel: { state: 'disabled', publicUrl: null, host: '', requestedSubdomain: null, attempt: 0, nextTryAt: null, reason: null, since: 0, downtime: [] },
      deliveriesTotal: total, deliveriesToday: total, messagesTotal: total, indexing: { pending: 0, lagMs: 0 }, storeBytes: 1,
    }) as AppStatus;
  const reject = (query: string) => {
    if (query.includes('bogus')) throw new ApiError('bad-request', 'query: unknown state "bogus" (one of: sent, …)');
  };
  const api = {
    getStatus: async () => status(),
    getCounts: async () => ({ flags: {}, states: {}, anomalies: {}, campaigns: [], deliveries: total, messages: total, sampled: false }),
    listMessages: async (a: { offset: number; query: string }) => (listReads++, reject(a.query), { rows: [], total: 0, totalIsExact: true, offset: a.offset }),
    listDeliveries: async (a: { offset: number }) => ({ rows: [], total: 0, totalIsExact: true, offset: a.offset }),
    getAnalytics: async ({ query }: { query: string }) => {
      asked.push(query);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // what the core knew when asked, however long the answer takes
      const messages = total;
      await new Promise((r) => setTimeout(r, delays.getAnalytics));
      inFlight--;
      reject(query);
      return { messages } as Report;
    },
  } as unknown as Api;
  const client: ApiClient = { api, subscribe: (l) => (listeners.add(l), () => listeners.delete(l)) };
  return {
    client,
    asked,
    delays,
    maxInFlight: () => maxInFlight,
    listReads: () => listReads,
    /** `n` callbacks indexed: one live frame */
    arrive(n: number) {
      total += n;
      const live = { deliveriesTotal: total, deliveriesToday: total, messagesTotal: total, indexing: { pending: 0, lagMs: 0 }, storeBytes: 1 };
      for (const l of listeners) l([{ event: 'deliveries', data: { deliveries: [], messages: [], total, status: live } }]);
    },
  };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(0);
};

describe('analytics in the store', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reads no report while the view is hidden behind a list, and one when it is shown after arrivals', async () => {
    const f = fakeCore();
    const store = createInspectorStore(f.client);
    const stop = store.getState().start();
    await flush();
    for (let i = 0; i < 20; i++) (f.arrive(5), await vi.advanceTimersByTimeAsync(300));
    expect(f.asked).toEqual([]);
    store.getState().openAnalytics(true);
    await flush();
    expect(f.asked).toEqual(['']);
    expect(store.getState().analytics.report?.messages).toBe(110);
    // hidden again: arrivals only mark it out of date, and showing it reads it again
    store.getState().openAnalytics(false);
    f.arrive(1);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(f.asked).toHaveLength(1);
    expect(store.getState().analytics.stale).toBe(true);
    store.getState().openAnalytics(true);
    await flush();
    expect(f.asked).toHaveLength(2);
    expect(store.getState().analytics.report?.messages).toBe(111);
    stop();
  });

  it('reads no live refresh while live updates are paused, says it is out of date, and reads it once on resume', async () => {
    const f = fakeCore();
    const store = createInspectorStore(f.client);
    const stop = store.getState().start();
    await flush();
    store.getState().openAnalytics(true);
    await flush();
    expect(f.asked).toHaveLength(1);
    store.getState().togglePause();
    for (let i = 0; i < 10; i++) (f.arrive(3), await vi.advanceTimersByTimeAsync(2000));
    expect(f.asked).toHaveLength(1);
    expect(store.getState().analytics.stale).toBe(true);
    store.getState().togglePause();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(f.asked).toHaveLength(2);
    expect(store.getState().analytics).toMatchObject({ stale: false, report: { messages: 40 } });
    stop();
  });

  it('stays out of date when callbacks arrive, paused, while a report is on its way, and reads them on resume', async () => {
    const f = fakeCore();
    f.delays.getAnalytics = 3000;
    const store = createInspectorStore(f.client);
    const stop = store.getState().start();
    await flush();
    store.getState().openAnalytics(true);
    await vi.advanceTimersByTimeAsync(500);
    // paused while the first report is being read; a callback arrives before it answers
    store.getState().togglePause();
    f.arrive(1);
    await vi.advanceTimersByTimeAsync(5000);
    // the answer counted what the core knew when asked: the arrival is still not in it
    expect(store.getState().analytics).toMatchObject({ stale: true, report: { messages: 10 } });
    store.getState().togglePause();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(store.getState().analytics).toMatchObject({ stale: false, report: { messages: 11 } });
    stop();
  });

  it('keeps one request in flight: a query typed meanwhile is read once the answer is in, the older answer is not shown', async () => {
    const f = fakeCore();
    f.delays.getAnalytics = 1000;
    const store = createInspectorStore(f.client);
    const stop = store.getState().start();
    await flush();
    store.getState().openAnalytics(true);
    await flush();
    store.getState().setQuery('state:read');
    store.getState().loadAnalytics();
    store.getState().setQuery('state:failed');
    store.getState().loadAnalytics();
    for (let i = 0; i < 10; i++) f.arrive(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(f.asked).toEqual(['']);
    expect(store.getState().analytics.report).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    // the answer for '' came after the query changed: dropped, and the current query asked for at once
    expect(store.getState().analytics.report).toBeNull();
    expect(f.asked).toEqual(['', 'state:failed']);
    await vi.advanceTimersByTimeAsync(1000);
    await flush();
    expect(store.getState().analytics).toMatchObject({ query: 'state:failed', report: { messages: 20 } });
    expect(f.maxInFlight()).toBe(1);
    stop();
  });

  it('spaces live refreshes by what a report costs, and still reads the last arrivals', async () => {
    const f = fakeCore();
    f.delays.getAnalytics = 600; // a report over a big store
    const store = createInspectorStore(f.client);
    const stop = store.getState().start();
    await flush();
    store.getState().openAnalytics(true);
    await vi.advanceTimersByTimeAsync(700);
    const before = f.asked.length;
    // a 12 s burst: a live frame every 50 ms
    for (let t = 0; t < 12_000; t += 50) (f.arrive(2), await vi.advanceTimersByTimeAsync(50));
    const during = f.asked.length - before;
    // a refresh per 250 ms throttle would be 48; a tenth of the time spent on reports is one per ~6 s
    expect(during).toBeGreaterThanOrEqual(1);
    expect(during).toBeLessThanOrEqual(3);
    expect(f.maxInFlight()).toBe(1);
    await vi.advanceTimersByTimeAsync(16_000);
    expect(store.getState().analytics.report?.messages).toBe(10 + 2 * 240);
    stop();
  });

  it('shows a query the core rejects under the search box, as the lists do', async () => {
    const f = fakeCore();
    f.delays.getAnalytics = 100;
    const store = createInspectorStore(f.client);
    const stop = store.getState().start();
    await flush();
    store.getState().openAnalytics(true);
    store.getState().setQuery('state:bogus');
    store.getState().loadAnalytics();
    await flush();
    // the list said so first; a good query clears it, and the report of a bad one says it again
    expect(store.getState().queryError).toBe('query: unknown state "bogus" (one of: sent, …)');
    store.setState({ queryError: null });
    await vi.advanceTimersByTimeAsync(200);
    expect(store.getState().queryError).toBe('query: unknown state "bogus" (one of: sent, …)');
    expect(store.getState().analytics).toMatchObject({ report: null, error: 'query: unknown state "bogus" (one of: sent, …)' });
    stop();
  });

  it('does not refetch the list hidden behind the view on arrivals, and reads it once when the list is shown again', async () => {
    const f = fakeCore();
    const store = createInspectorStore(f.client);
    const stop = store.getState().start();
    await flush();
    store.getState().openAnalytics(true);
    await flush();
    const before = f.listReads();
    for (let i = 0; i < 20; i++) (f.arrive(1), await vi.advanceTimersByTimeAsync(300));
    expect(f.listReads()).toBe(before);
    store.getState().openAnalytics(false);
    await flush();
    expect(f.listReads()).toBe(before + 1);
    // shown again with nothing new: no read
    store.getState().openAnalytics(true);
    store.getState().openAnalytics(false);
    await flush();
    expect(f.listReads()).toBe(before + 1);
    stop();
  });

  it('opens the list behind a figure: its view and query, with the analytics view closed', async () => {
    const f = fakeCore();
    const store = createInspectorStore(f.client);
    const stop = store.getState().start();
    await flush();
    store.getState().openAnalytics(true);
    store.getState().drill({ view: 'deliveries', query: 'ref:a flag:duplicate' });
    expect(store.getState()).toMatchObject({ analyticsOpen: false, view: 'deliveries', query: 'ref:a flag:duplicate' });
    stop();
  });
});
