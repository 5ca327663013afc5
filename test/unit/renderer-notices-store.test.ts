// The store behind the URL-changed banner, warning toasts, bulk replay progress, live replay attempts and capped
// list totals, driven by a fake core that answers like the real one (capped counts, events on their own channel).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Api, ApiEventBatch, AppStatus, ApiEvents } from '../../shared/api';
import type { DeliveryDetail, ForwardAttempt, MessageSummary } from '../../shared/domain';
import type { ApiClient } from '../../renderer/src/api/client';
import { createInspectorStore } from '../../renderer/src/store/inspector-store';
import { listLength, PAGE_SIZE } from '../../renderer/src/store/list-window';

const CAP = 10_000;

function message(i: number): MessageSummary {
  return {
    reference: `ref-${i}`, state: 'sent', userId: null, campaign: null, lastType: 'Text', lastKind: 'sent',
    firstReceivedAt: i, lastReceivedAt: i, sentAt: i, deliveredAt: null, readAt: null, repliedAt: null, failedAt: null,
    deliveryCount: 1, eventCount: 1, duplicateCount: 0, flags: [], flagCounts: {}, anomalies: [], channels: ['RCS'],
  };
}

function attempt(id: number, deliveryId: number, status: number | null): ForwardAttempt {
  return {
    id, deliveryId, targetUrl: 'http://127.0.0.1:3000/cb', mode: 'replay', startedAt: id, attempt: id, requestHeaders: [],
    requestBodySize: 10, status, responseHeaders: [], responseExcerpt: '', durationMs: 5, error: status === null ? 'ECONNRESET' : null,
  };
}

/** `rows` messages behind a core that stops counting at CAP, the way electron/core/store/queries.ts does */
function fakeCore(rows: number) {
  const listeners = new Set<(b: ApiEventBatch) => void>();
  const calls: { name: string; arg: any }[] = [];
  let bulkAnswer: (() => void) | null = null;
  const status: AppStatus = {
    version: '0', receiverUrl: 'http://127.0.0.1:1', callbackPath: '/callbacks',
    tunnel: { state: 'online', publicUrl: 'https://a.loca.lt', host: '', requestedSubdomain: null, attempt: 0, nextTryAt: null, reason: null, since: 0, downtime: [] },
    deliveriesTotal: rows, deliveriesToday: rows, messagesTotal: rows, indexing: { pending: 0, lagMs: 0 }, storeBytes: 1, dataDir: '/tmp', maxBodyBytes: 1,
    storeFile: '/tmp/inspector.sqlite', damagedStores: [],
  };
  const detail = { id: 7, forwards: [attempt(1, 7, 500)] } as unknown as DeliveryDetail;
  const api = {
    getStatus: async () => status,
    getCounts: async () => ({ flags: {}, states: {}, anomalies: {}, campaigns: [], deliveries: Math.min(rows, CAP), messages: Math.min(rows, CAP) }),
    listMessages: async (arg: any) => {
      calls.push({ name: 'listMessages', arg });
      const n = Math.max(0, Math.min(arg.limit, rows - arg.offset));
      const page = Array.from({ length: n }, (_, i) => message(arg.offset + i));
      const exact = rows <= CAP || (n > 0 && n < arg.limit);
      return { rows: page, total: exact ? (rows <= CAP ? rows : arg.offset + n) : Math.max(CAP, arg.offset + n), totalIsExact: exact, offset: arg.offset };
    },
    listDeliveries: async (arg: any) => ({ rows: [], total: 0, totalIsExact: true, offset: arg.offset }),
    getDelivery: async () => detail,
    getMessage: async () => null,
    startBulkReplay: async (arg: any) => {
      calls.push({ name: 'startBulkReplay', arg });
      if (arg.targetId === 99) throw new Error('target 99 does not exist');
      // the first progress event overtakes the answer, as it can over a separate WebSocket
      emit([{ event: 'replayProgress', data: { jobId: 'job-1', done: 1, total: 3, ok: 1, failed: 0, attempts: 1, retries: 0, finished: false, cancelled: false } }]);
      await new Promise<void>((r) => (bulkAnswer = r));
      return { jobId: 'job-1', total: 3 };
    },
    cancelReplay: async (arg: any) => (calls.push({ name: 'cancelReplay', arg }), { ok: true }),
  } as unknown as Api;
  const emit = (b: ApiEventBatch) => listeners.forEach((l) => l(b));
  const client: ApiClient = { api, subscribe: (l) => (listeners.add(l), () => listeners.delete(l)) };
  return { client, calls, emit, answerBulk: () => bulkAnswer?.(), status };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(0);
};
const progress = (p: Partial<ApiEvents['replayProgress']>): ApiEventBatch => [
  { event: 'replayProgress', data: { jobId: 'job-1', done: 0, total: 3, ok: 0, failed: 0, attempts: 0, retries: 0, finished: false, cancelled: false, ...p } },
];

describe('inspector store: notices, replay and capped totals', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('keeps the URL change until dismissed, even when the tunnel reconnects again', async () => {
    const f = fakeCore(1);
    const store = createInspectorStore(f.client);
    store.getState().start();
    await flush();
    f.emit([{ event: 'urlChanged', data: { oldUrl: 'https://a.loca.lt', newUrl: 'https://b.loca.lt', reason: 'the tunnel reconnected with a new subdomain' } }]);
    f.emit([{ event: 'tunnel', data: { ...f.status.tunnel, publicUrl: 'https://b.loca.lt' } }]);
    expect(store.getState().urlChanged).toEqual({ oldUrl: 'https://a.loca.lt', newUrl: 'https://b.loca.lt', reason: 'the tunnel reconnected with a new subdomain' });
    expect(store.getState().status?.tunnel.publicUrl).toBe('https://b.loca.lt');
    store.getState().dismissUrlChanged();
    expect(store.getState().urlChanged).toBeNull();
  });

  it('turns core warnings into toasts: a repeat bumps its count, dismissing removes only that one', async () => {
    const f = fakeCore(1);
    const store = createInspectorStore(f.client);
    store.getState().start();
    await flush();
    const warn = (code: string, message: string) => f.emit([{ event: 'warning', data: { code, message, at: 1 } }]);
    warn('forward-failed', 'Forward to http://127.0.0.1:3000 failed: ECONNREFUSED');
    warn('forward-failed', 'Forward to http://127.0.0.1:3000 failed: ECONNREFUSED');
    warn('subdomain-taken', 'The subdomain my-inspector is taken; the server gave another');
    const toasts = store.getState().toasts;
    expect(toasts.map((t) => [t.code, t.repeats, t.tone])).toEqual([['forward-failed', 2, 'warn'], ['subdomain-taken', 1, 'warn']]);
    store.getState().dismissToast(toasts[0].id);
    expect(store.getState().toasts.map((t) => t.code)).toEqual(['subdomain-taken']);
  });

  it('runs a bulk replay of the current query: early progress kept, finish and cancel reported', async () => {
    const f = fakeCore(1);
    const store = createInspectorStore(f.client);
    store.getState().start();
    await flush();
    store.getState().setQuery('flag:duplicate');
    const started = store.getState().startBulk({ targetId: 1, order: 'timestamp', concurrency: 2 });
    await flush();
    expect(store.getState().bulk?.jobId).toBeNull();
    f.answerBulk();
    await started;
    expect(f.calls.find((c) => c.name === 'startBulkReplay')!.arg).toEqual({ targetId: 1, order: 'timestamp', concurrency: 2, query: 'flag:duplicate' });
    // the progress that arrived before the job id is not lost
    expect(store.getState().bulk).toMatchObject({ jobId: 'job-1', total: 3, progress: { done: 1, ok: 1 } });
    // another job's events (another window) do not move this bar
    f.emit([{ event: 'replayProgress', data: { jobId: 'other', done: 9, total: 9, ok: 9, failed: 0, attempts: 9, retries: 0, finished: true, cancelled: false } }]);
    expect(store.getState().bulk?.progress?.done).toBe(1);
    await store.getState().cancelBulk();
    expect(f.calls.find((c) => c.name === 'cancelReplay')!.arg).toEqual({ jobId: 'job-1' });
    f.emit(progress({ done: 2, ok: 1, failed: 1, finished: true, cancelled: true }));
    expect(store.getState().bulk?.progress).toMatchObject({ done: 2, failed: 1, finished: true, cancelled: true });
    store.getState().clearBulk();
    expect(store.getState().bulk).toBeNull();
  });

  it('shows the core’s refusal to start a bulk replay, and a running job cannot be cleared', async () => {
    const f = fakeCore(1);
    const store = createInspectorStore(f.client);
    store.getState().start();
    await flush();
    await store.getState().startBulk({ targetId: 99 });
    expect(store.getState().bulk?.error).toBe('target 99 does not exist');
    const started = store.getState().startBulk({ targetId: 1 });
    await flush();
    f.answerBulk();
    await started;
    store.getState().clearBulk();
    expect(store.getState().bulk?.jobId).toBe('job-1');
  });

  it('merges replay attempts from answers and live forward events into the open delivery, once each', async () => {
    const f = fakeCore(1);
    const store = createInspectorStore(f.client);
    store.getState().start();
    store.getState().selectDelivery(7);
    await flush();
    f.emit([{ event: 'forward', data: { deliveryId: 7, attempt: attempt(2, 7, 200) } }]);
    f.emit([{ event: 'forward', data: { deliveryId: 8, attempt: attempt(3, 8, 200) } }]);
    store.getState().mergeForwards(7, [attempt(2, 7, 200), attempt(4, 7, null)]);
    expect(store.getState().deliveryDetail?.forwards.map((a) => [a.id, a.status])).toEqual([[1, 500], [2, 200], [4, null]]);
  });

  it('lets a capped list grow as the user scrolls past the cap, and ends it at the last page', async () => {
    const f = fakeCore(10_250);
    const store = createInspectorStore(f.client);
    store.getState().start();
    await flush();
    let w = store.getState().messages;
    expect([w.total, w.totalIsExact]).toEqual([CAP, false]);
    // one page more than the capped total is offered, so the list can be scrolled there
    expect(listLength(w)).toBe(CAP + PAGE_SIZE);
    store.getState().setVisibleRange('messages', 9_980, 10_040);
    await flush();
    w = store.getState().messages;
    expect([w.total, w.totalIsExact]).toEqual([10_100, false]);
    expect(store.getState().rowAt('messages', 10_050)?.reference).toBe('ref-10050');
    // a live refresh of page 0 answers the cap again: what we learned stays
    store.getState().setVisibleRange('messages', 0, 40);
    await store.getState().refreshAll();
    expect(store.getState().messages.total).toBe(10_100);
    store.getState().setVisibleRange('messages', 10_150, 10_240);
    await flush();
    // the list re-reports its range when the total grows (VirtualList's effect), which reaches the last page
    store.getState().setVisibleRange('messages', 10_150, 10_240);
    await flush();
    w = store.getState().messages;
    expect([w.total, w.totalIsExact]).toEqual([10_250, true]);
    expect(listLength(w)).toBe(10_250);
  });
});
