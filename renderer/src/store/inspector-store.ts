// The inspector's state: paged list windows, selection, live-update coalescing. Built from an ApiClient so tests
// drive it with a fake. Filtering is the core's job: the query string goes into every list/count call unchanged,
// and only pages near the viewport are kept, so memory does not grow with the store.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AppStatus, ApiEventBatch, ApiInput, Counts, ApiEvents, Settings, Target } from '../../../shared/api';
import type { DeliveryDetail, DeliverySummary, ForwardAttempt, MessageDetail, MessageSummary } from '../../../shared/domain';
import { errorMessage, type ApiClient, type ConnectionInfo } from '../api/client';
import { withMoreEvents } from '../../../shared/timeline';

export type View = 'messages' | 'deliveries';
export const PAGE_SIZE = 100;
/** pages kept on either side of the visible window; everything further away is dropped */
const KEEP_PAGES_AROUND = 2;

export interface ListWindow<T> {
  total: number;
  totalIsExact: boolean;
  /** page index -> rows; only pages near the viewport */
  pages: Record<number, T[]>;
  /** true once the first answer for the current query arrived */
  loaded: boolean;
  /** bumped whenever cached pages become invalid (query change, refresh) */
  generation: number;
}

/** a transient notice in the corner: core warnings, confirmations */
export interface Toast {
  id: number;
  tone: 'warn' | 'info' | 'good' | 'bad';
  message: string;
  at: number;
  /** the core's warning code, so a repeated warning bumps `repeats` instead of stacking */
  code: string | null;
  repeats: number;
}

export type ReplayProgress = ApiEvents['replayProgress'];

/** the bulk replay the user started from this window (one at a time) */
export interface BulkState {
  /** null until the core answered with the job id */
  jobId: string | null;
  query: string;
  total: number | null;
  startedAt: number;
  progress: ReplayProgress | null;
  /** the core refused to start (no target, bad query) */
  error: string | null;
}

export type BulkOptions = Omit<ApiInput<'startBulkReplay'>, 'query'>;

export interface InspectorState {
  view: View;
  query: string;
  queryError: string | null;
  messages: ListWindow<MessageSummary>;
  deliveries: ListWindow<DeliverySummary>;
  visible: Record<View, [number, number]>;
  /** the list is scrolled to the top, so streaming rows in does not move what the user looks at */
  atTop: boolean;
  counts: Counts | null;
  status: AppStatus | null;
  connection: ConnectionInfo;
  paused: boolean;
  /** deliveries that arrived while paused or scrolled away */
  pendingNew: number;
  /** keyboard cursor: the key (reference or delivery id) of the highlighted row */
  cursorKey: string | null;
  selectedRef: string | null;
  messageDetail: MessageDetail | null;
  selectedDeliveryId: number | null;
  deliveryDetail: DeliveryDetail | null;
  detailLoading: boolean;
  error: string | null;
  urlChanged: ApiEvents['urlChanged'] | null;
  /** the damaged store files the user closed the banner for (it comes back when another one is found) */
  storeDamageDismissed: string | null;
  toasts: Toast[];
  bulk: BulkState | null;
  /** replay targets and settings, shared by the settings panel, the replay tab and bulk replay; null until loaded */
  targets: Target[] | null;
  settings: Settings | null;
  /** which overlay is open: settings (with targets) or the bulk replay dialog */
  dialog: 'settings' | 'bulk' | null;
}

export interface InspectorActions {
  start(): () => void;
  setView(view: View): void;
  setQuery(query: string): void;
  setVisibleRange(view: View, start: number, end: number): void;
  setAtTop(atTop: boolean): void;
  togglePause(): void;
  /** drop the held-back rows indicator and show the newest rows */
  showNew(): void;
  moveCursor(delta: number): number | null;
  openCursor(): void;
  selectMessage(reference: string | null): void;
  selectDelivery(id: number | null): void;
  closeDetail(): void;
  /** the next page of the open message's timeline (a message can have thousands of events) */
  loadMoreEvents(): Promise<void>;
  refreshAll(): Promise<void>;
  handleBatch(batch: ApiEventBatch): void;
  dismissError(): void;
  reportError(message: string): void;
  dismissUrlChanged(): void;
  dismissStoreDamaged(): void;
  pushToast(t: { tone: Toast['tone']; message: string; code?: string | null }): void;
  dismissToast(id: number): void;
  /** replay attempts from a call's answer or a live event, merged into the open delivery (by attempt id) */
  mergeForwards(deliveryId: number, attempts: ForwardAttempt[]): void;
  /** bulk replay of every delivery matching the current query */
  startBulk(opts: BulkOptions): Promise<void>;
  cancelBulk(): Promise<void>;
  clearBulk(): void;
  openDialog(dialog: InspectorState['dialog']): void;
  loadTargets(): Promise<void>;
  /** throws the core's message when it refuses (bad URL, forbidden header) so the form can show it */
  saveTarget(t: ApiInput<'saveTarget'>): Promise<Target>;
  deleteTarget(id: number): Promise<void>;
  loadSettings(): Promise<void>;
  /** throws the core's message when it refuses (bad host, taken subdomain) */
  updateSettings(patch: ApiInput<'updateSettings'>): Promise<Settings>;
  reconnectTunnel(): Promise<void>;
  rowAt<V extends View>(view: V, index: number): RowOf<V> | undefined;
  indexOfKey(view: View, key: string): number;
}

export type RowOf<V extends View> = V extends 'messages' ? MessageSummary : DeliverySummary;
export type InspectorStore = StoreApi<InspectorState & InspectorActions>;

export interface StoreOptions {
  /** live refreshes of the visible page happen at most this often */
  throttleMs?: number;
}

const emptyWindow = <T>(generation = 0): ListWindow<T> => ({
  total: 0,
  totalIsExact: true,
  pages: {},
  loaded: false,
  generation,
});

export const rowKey = (view: View, row: MessageSummary | DeliverySummary): string =>
  view === 'messages' ? (row as MessageSummary).reference : String((row as DeliverySummary).id);

/** rows the list shows: past a capped (inexact) total, one more page is offered so scrolling can reach it */
export const listLength = (w: Pick<ListWindow<unknown>, 'total' | 'totalIsExact' | 'loaded'>): number =>
  w.total + (w.loaded && !w.totalIsExact ? PAGE_SIZE : 0);

/**
 * The core stops counting at a cap and says so (totalIsExact=false, total = the cap or as far as it paged).
 * What we learned from deeper pages stays, a short page ends the list, and an exact answer replaces all guesses.
 */
function mergeTotal(
  cur: ListWindow<unknown>,
  res: { total: number; totalIsExact: boolean; rows: unknown[] },
  offset: number,
): { total: number; totalIsExact: boolean } {
  if (res.totalIsExact) return { total: res.total, totalIsExact: true };
  if (offset > 0 && res.rows.length < PAGE_SIZE) return { total: offset + res.rows.length, totalIsExact: true };
  const known = cur.loaded && !cur.totalIsExact ? cur.total : 0;
  return { total: Math.max(known, res.total), totalIsExact: false };
}

/** live count refreshes take at most about 1/COUNTS_SHARE of the time (see refreshCountsLive) */
const COUNTS_SHARE = 10;
/** ... but chips never lag the list by more than this */
const COUNTS_MAX_SPACING_MS = 2000;

export function createInspectorStore(client: ApiClient, opts: StoreOptions = {}): InspectorStore {
  const throttleMs = opts.throttleMs ?? 250;
  let liveTimer: ReturnType<typeof setTimeout> | null = null;
  let lastLiveRun = 0;
  let touchedRefs = new Set<string>();
  let lastKnownTotal: number | null = null;
  /** page fetches in flight, by view:generation:page, so scrolling does not repeat requests */
  const inFlight = new Set<string>();
  let detailSeq = 0;
  let countsSeq = 0;
  // live count refreshes are spaced by what they cost: a filtered count over a big store can take ~100 ms of the
  // core's time, and during a burst it would otherwise run every throttle period
  let countsBusy = false;
  let countsCostMs = 0;
  let lastCountsAt = 0;
  let countsTimer: ReturnType<typeof setTimeout> | null = null;

  const store = createStore<InspectorState & InspectorActions>()((set, get) => {
    const fail = (err: unknown) => set({ error: errorMessage(err) });

    const fetchPage = async (view: View, page: number, generation: number): Promise<void> => {
      const key = `${view}:${generation}:${page}`;
      if (inFlight.has(key)) return;
      inFlight.add(key);
      const query = get().query;
      try {
        const args = { query, offset: page * PAGE_SIZE, limit: PAGE_SIZE };
        const res =
          view === 'messages' ? await client.api.listMessages(args) : await client.api.listDeliveries(args);
        const cur = get()[view];
        if (cur.generation !== generation || get().query !== query) return;
        const { total, totalIsExact } = mergeTotal(cur, res, args.offset);
        set({
          [view]: {
            ...cur,
            total,
            totalIsExact,
            loaded: true,
            pages: { ...cur.pages, [page]: res.rows },
          },
          queryError: null,
        } as Partial<InspectorState>);
      } catch (err) {
        if (get()[view].generation !== generation) return;
        // a query the core rejects is the user's to fix, so it is shown under the search box
        set({ queryError: errorMessage(err), [view]: { ...get()[view], loaded: true } } as Partial<InspectorState>);
      } finally {
        inFlight.delete(key);
      }
    };

    const neededPages = (view: View): number[] => {
      const [start, end] = get().visible[view];
      const first = Math.floor(Math.max(0, start) / PAGE_SIZE);
      const last = Math.floor(Math.max(0, end) / PAGE_SIZE);
      const out: number[] = [];
      for (let p = first; p <= last; p++) out.push(p);
      return out;
    };

    const evictFar = (view: View) => {
      const need = neededPages(view);
      const lo = need[0] - KEEP_PAGES_AROUND;
      const hi = need[need.length - 1] + KEEP_PAGES_AROUND;
      const w = get()[view];
      const keep: Record<number, never[]> = {};
      let dropped = false;
      for (const k of Object.keys(w.pages)) {
        const p = Number(k);
        if (p >= lo && p <= hi) (keep as Record<number, unknown>)[p] = w.pages[p];
        else dropped = true;
      }
      if (dropped) set({ [view]: { ...w, pages: keep } } as Partial<InspectorState>);
    };

    const ensureVisible = (view: View) => {
      const w = get()[view];
      for (const p of neededPages(view)) {
        if (!w.pages[p] && (p === 0 || p * PAGE_SIZE < listLength(w) || !w.loaded)) void fetchPage(view, p, w.generation);
      }
      evictFar(view);
    };

    /** refetch the visible pages in place: old rows stay on screen until the new ones arrive */
    const refetchVisible = async (view: View) => {
      const w = get()[view];
      const generation = w.generation + 1;
      set({ [view]: { ...w, generation } } as Partial<InspectorState>);
      await Promise.all(neededPages(view).map((p) => fetchPage(view, p, generation)));
      // pages off-screen now belong to an older ordering
      const cur = get()[view];
      if (cur.generation !== generation) return;
      const need = new Set(neededPages(view));
      const pages: Record<number, never[]> = {};
      for (const k of Object.keys(cur.pages)) if (need.has(Number(k))) (pages as Record<number, unknown>)[Number(k)] = cur.pages[Number(k)];
      set({ [view]: { ...cur, pages } } as Partial<InspectorState>);
    };

    const resetView = (view: View) => {
      set({ [view]: emptyWindow(get()[view].generation + 1) } as Partial<InspectorState>);
    };

    const loadCounts = async () => {
      const seq = ++countsSeq;
      const query = get().query;
      const started = Date.now();
      countsBusy = true;
      try {
        const counts = await client.api.getCounts({ query });
        if (seq === countsSeq) set({ counts });
      } catch {
        // the list call reports a bad query; counts just keep their last value
      } finally {
        if (seq === countsSeq) countsBusy = false;
        countsCostMs = Date.now() - started;
        lastCountsAt = Date.now();
      }
    };

    /** Counts for live updates: at most one in flight, and at most ~1/COUNTS_SHARE of the time spent on them. */
    const refreshCountsLive = () => {
      if (countsTimer) return;
      const spacing = Math.min(COUNTS_MAX_SPACING_MS, Math.max(throttleMs, countsCostMs * COUNTS_SHARE));
      const wait = countsBusy ? throttleMs : lastCountsAt + spacing - Date.now();
      if (wait > 0) {
        // the last change still gets counted once the wait is over
        countsTimer = setTimeout(() => {
          countsTimer = null;
          refreshCountsLive();
        }, wait);
        return;
      }
      void loadCounts();
    };

    const loadStatus = async () => {
      try {
        const status = await client.api.getStatus({});
        // events own the running total afterwards; a status read racing an event would hide arrivals
        if (lastKnownTotal === null) lastKnownTotal = status.deliveriesTotal;
        set({ status });
      } catch (err) {
        fail(err);
      }
    };

    /** a live refresh keeps as many events as the user has paged in (up to the largest page) */
    const loadMessageDetail = async (reference: string) => {
      const seq = ++detailSeq;
      const shown = get().messageDetail?.summary.reference === reference ? (get().messageDetail?.events.length ?? 0) : 0;
      try {
        const detail = await client.api.getMessage({ reference, eventsLimit: Math.min(500, Math.max(200, shown)) });
        if (seq !== detailSeq || get().selectedRef !== reference) return;
        set({ messageDetail: detail, detailLoading: false });
        if (!detail) set({ error: `Message ${reference} is no longer in the store.` });
      } catch (err) {
        if (seq === detailSeq) set({ detailLoading: false });
        fail(err);
      }
    };

    const loadDeliveryDetail = async (id: number) => {
      const seq = ++detailSeq;
      try {
        const detail = await client.api.getDelivery({ id });
        if (seq !== detailSeq || get().selectedDeliveryId !== id) return;
        set({ deliveryDetail: detail, detailLoading: false });
        if (!detail) set({ error: `Delivery #${id} is no longer in the store.` });
      } catch (err) {
        if (seq === detailSeq) set({ detailLoading: false });
        fail(err);
      }
    };

    const runLive = () => {
      liveTimer = null;
      lastLiveRun = Date.now();
      const s = get();
      void loadStatus();
      refreshCountsLive();
      const other: View = s.view === 'messages' ? 'deliveries' : 'messages';
      if (!s.paused && s.atTop) void refetchVisible(s.view);
      // the hidden view is refetched when the user switches to it
      if (!s.paused) resetView(other);
      const touched = touchedRefs;
      touchedRefs = new Set();
      if (s.selectedRef && touched.has(s.selectedRef) && !s.selectedDeliveryId) void loadMessageDetail(s.selectedRef);
    };

    const scheduleLive = () => {
      if (liveTimer) return;
      const wait = Math.max(0, throttleMs - (Date.now() - lastLiveRun));
      liveTimer = setTimeout(runLive, wait);
    };

    const onDeliveries = (data: ApiEvents['deliveries']) => {
      // a frame carries at most a few hundred rows; the total says how many really arrived
      const arrived = lastKnownTotal === null ? data.deliveries.length : Math.max(data.deliveries.length, data.total - lastKnownTotal);
      lastKnownTotal = data.total;
      for (const m of data.messages) touchedRefs.add(m.reference);
      for (const d of data.deliveries) if (d.reference) touchedRefs.add(d.reference);
      const s = get();
      if (s.paused || !s.atTop) {
        set({ pendingNew: s.pendingNew + arrived });
        if (!s.paused && data.messages.length > 0) patchMessages(data.messages);
      }
      scheduleLive();
    };

    /** rows already on screen take their new state without moving */
    const patchMessages = (fresh: MessageSummary[]) => {
      const byRef = new Map(fresh.map((m) => [m.reference, m]));
      const w = get().messages;
      let changed = false;
      const pages: Record<number, MessageSummary[]> = {};
      for (const [k, rows] of Object.entries(w.pages)) {
        pages[Number(k)] = rows.map((r) => {
          const n = byRef.get(r.reference);
          if (n) changed = true;
          return n ?? r;
        });
      }
      if (changed) set({ messages: { ...w, pages } });
    };

    let toastSeq = 0;
    /** progress that arrived before startBulkReplay answered (events and answers travel separately) */
    const earlyProgress = new Map<string, ReplayProgress>();

    return {
      view: 'messages',
      query: '',
      queryError: null,
      messages: emptyWindow(),
      deliveries: emptyWindow(),
      visible: { messages: [0, 50], deliveries: [0, 50] },
      atTop: true,
      counts: null,
      status: null,
      connection: { state: 'connecting', nextTryAt: null, attempt: 0 },
      paused: false,
      pendingNew: 0,
      cursorKey: null,
      selectedRef: null,
      messageDetail: null,
      selectedDeliveryId: null,
      deliveryDetail: null,
      detailLoading: false,
      error: null,
      urlChanged: null,
      storeDamageDismissed: null,
      toasts: [],
      bulk: null,
      targets: null,
      settings: null,
      dialog: null,

      start() {
        const unsub = client.subscribe((batch) => get().handleBatch(batch));
        const unsubConn = client.onConnection?.((info) => {
          const wasDown = get().connection.state === 'reconnecting';
          set({ connection: info });
          // events were lost while the socket was down: catch up once
          if (wasDown && info.state === 'open') void get().refreshAll();
        });
        void get().refreshAll();
        return () => {
          unsub();
          unsubConn?.();
          if (liveTimer) clearTimeout(liveTimer);
          liveTimer = null;
          if (countsTimer) clearTimeout(countsTimer);
          countsTimer = null;
        };
      },

      setView(view) {
        if (get().view === view) return;
        set({ view, cursorKey: null, pendingNew: 0, atTop: true });
        if (!get()[view].loaded) resetView(view);
        ensureVisible(view);
      },

      setQuery(query) {
        if (query === get().query) return;
        set({ query, queryError: null, cursorKey: null, pendingNew: 0 });
        resetView('messages');
        resetView('deliveries');
        ensureVisible(get().view);
        void loadCounts();
      },

      setVisibleRange(view, start, end) {
        const [s0, e0] = get().visible[view];
        if (s0 !== start || e0 !== end) set({ visible: { ...get().visible, [view]: [start, end] } });
        ensureVisible(view);
      },

      setAtTop(atTop) {
        if (get().atTop === atTop) return;
        set({ atTop });
        // back at the top with rows held back: show them now
        if (atTop && !get().paused && get().pendingNew > 0) get().showNew();
      },

      togglePause() {
        const paused = !get().paused;
        set({ paused });
        if (!paused && get().atTop) get().showNew();
      },

      showNew() {
        set({ pendingNew: 0 });
        void refetchVisible(get().view);
        resetView(get().view === 'messages' ? 'deliveries' : 'messages');
      },

      moveCursor(delta) {
        const s = get();
        const w = s[s.view] as ListWindow<MessageSummary | DeliverySummary>;
        if (w.total === 0) return null;
        let idx = s.cursorKey === null ? -1 : get().indexOfKey(s.view, s.cursorKey);
        if (idx < 0) idx = delta > 0 ? -1 : s.visible[s.view][0] + 1;
        const next = Math.min(Math.max(0, idx + delta), w.total - 1);
        const row = get().rowAt(s.view, next);
        if (row) set({ cursorKey: rowKey(s.view, row) });
        return next;
      },

      openCursor() {
        const s = get();
        if (s.cursorKey === null) return;
        if (s.view === 'messages') get().selectMessage(s.cursorKey);
        else get().selectDelivery(Number(s.cursorKey));
      },

      selectMessage(reference) {
        set({
          selectedRef: reference,
          messageDetail: null,
          selectedDeliveryId: null,
          deliveryDetail: null,
          detailLoading: reference !== null,
        });
        if (reference !== null) {
          if (get().view === 'messages') set({ cursorKey: reference });
          void loadMessageDetail(reference);
        }
      },

      selectDelivery(id) {
        set({ selectedDeliveryId: id, deliveryDetail: null, detailLoading: id !== null });
        if (id === null) {
          const ref = get().selectedRef;
          if (ref && !get().messageDetail) void loadMessageDetail(ref);
          return;
        }
        if (get().view === 'deliveries') set({ cursorKey: String(id) });
        void loadDeliveryDetail(id);
      },

      async loadMoreEvents() {
        const current = get().messageDetail;
        if (!current || current.events.length >= current.eventsTotal) return;
        const reference = current.summary.reference;
        const seq = detailSeq;
        try {
          const page = await client.api.getMessage({ reference, eventsOffset: current.events.length });
          const now = get().messageDetail;
          if (!page || seq !== detailSeq || now?.summary.reference !== reference) return;
          set({ messageDetail: withMoreEvents({ ...now, summary: page.summary, eventsTotal: page.eventsTotal }, page.events) });
        } catch (err) {
          fail(err);
        }
      },

      closeDetail() {
        detailSeq++;
        set({ selectedRef: null, messageDetail: null, selectedDeliveryId: null, deliveryDetail: null, detailLoading: false });
      },

      async refreshAll() {
        set({ pendingNew: 0 });
        const other: View = get().view === 'messages' ? 'deliveries' : 'messages';
        resetView(other);
        await Promise.all([loadStatus(), loadCounts(), refetchVisible(get().view)]);
        const s = get();
        if (s.selectedDeliveryId) void loadDeliveryDetail(s.selectedDeliveryId);
        else if (s.selectedRef) void loadMessageDetail(s.selectedRef);
      },

      handleBatch(batch) {
        for (const item of batch) {
          switch (item.event) {
            case 'deliveries':
              onDeliveries(item.data);
              break;
            case 'tunnel': {
              const status = get().status;
              if (status) set({ status: { ...status, tunnel: item.data } });
              break;
            }
            case 'urlChanged':
              set({ urlChanged: item.data });
              break;
            case 'storeDamaged': {
              // new deliveries now go to another file: every list and count is read again from it
              const status = get().status;
              if (status) set({ status: { ...status, ...item.data } });
              void get().refreshAll();
              break;
            }
            case 'warning':
              get().pushToast({ tone: 'warn', message: item.data.message, code: item.data.code });
              break;
            case 'replayProgress': {
              const b = get().bulk;
              if (b && b.jobId === item.data.jobId) set({ bulk: { ...b, progress: item.data, total: item.data.total } });
              else if (b && b.jobId === null) earlyProgress.set(item.data.jobId, item.data);
              break;
            }
            case 'forward':
              get().mergeForwards(item.data.deliveryId, [item.data.attempt]);
              break;
          }
        }
      },

      dismissError() {
        set({ error: null });
      },
      reportError(message) {
        set({ error: message });
      },
      dismissUrlChanged() {
        set({ urlChanged: null });
      },
      dismissStoreDamaged() {
        set({ storeDamageDismissed: damagedKey(get().status) });
      },
      pushToast({ tone, message, code = null }) {
        const toasts = get().toasts;
        const same = code !== null ? toasts.find((t) => t.code === code && t.message === message) : undefined;
        if (same) {
          set({ toasts: toasts.map((t) => (t === same ? { ...t, at: Date.now(), repeats: t.repeats + 1 } : t)) });
          return;
        }
        set({ toasts: [...toasts, { id: ++toastSeq, tone, message, code, at: Date.now(), repeats: 1 }].slice(-4) });
      },
      dismissToast(id) {
        set({ toasts: get().toasts.filter((t) => t.id !== id) });
      },
      mergeForwards(deliveryId, attempts) {
        const d = get().deliveryDetail;
        if (!d || d.id !== deliveryId || attempts.length === 0) return;
        const byId = new Map(d.forwards.map((f) => [f.id, f]));
        for (const a of attempts) byId.set(a.id, a);
        set({ deliveryDetail: { ...d, forwards: [...byId.values()].sort((a, b) => a.id - b.id) } });
      },
      async startBulk(opts) {
        const cur = get().bulk;
        if (cur && !cur.error && !cur.progress?.finished) return;
        const query = get().query;
        earlyProgress.clear();
        const bulk: BulkState = { jobId: null, query, total: null, startedAt: Date.now(), progress: null, error: null };
        set({ bulk });
        try {
          const job = await client.api.startBulkReplay({ ...opts, query });
          if (get().bulk !== bulk) return;
          const early = earlyProgress.get(job.jobId) ?? null;
          earlyProgress.clear();
          set({ bulk: { ...bulk, jobId: job.jobId, total: job.total, progress: early } });
        } catch (err) {
          if (get().bulk === bulk) set({ bulk: { ...bulk, error: errorMessage(err) } });
        }
      },
      async cancelBulk() {
        const b = get().bulk;
        if (!b?.jobId || b.progress?.finished) return;
        try {
          await client.api.cancelReplay({ jobId: b.jobId });
        } catch (err) {
          fail(err);
        }
      },
      openDialog(dialog) {
        set({ dialog });
      },
      async loadTargets() {
        try {
          set({ targets: await client.api.listTargets({}) });
        } catch (err) {
          fail(err);
        }
      },
      async saveTarget(t) {
        const saved = await client.api.saveTarget(t);
        // making one target the default un-defaults the others in the core; the list is re-read to match
        set({ targets: await client.api.listTargets({}).catch(() => [...(get().targets ?? []).filter((x) => x.id !== saved.id), saved]) });
        return saved;
      },
      async deleteTarget(id) {
        await client.api.deleteTarget({ id });
        set({ targets: await client.api.listTargets({}).catch(() => (get().targets ?? []).filter((x) => x.id !== id)) });
      },
      async loadSettings() {
        try {
          set({ settings: await client.api.getSettings({}) });
        } catch (err) {
          fail(err);
        }
      },
      async updateSettings(patch) {
        const settings = await client.api.updateSettings(patch);
        set({ settings });
        return settings;
      },
      async reconnectTunnel() {
        try {
          const tunnel = await client.api.reconnectTunnel({});
          const status = get().status;
          if (status) set({ status: { ...status, tunnel } });
        } catch (err) {
          fail(err);
        }
      },
      clearBulk() {
        const b = get().bulk;
        // a running job keeps its progress bar; only finished or refused ones are cleared
        if (b && (b.error || b.progress?.finished)) set({ bulk: null });
      },

      rowAt(view, index) {
        const w = get()[view] as ListWindow<MessageSummary | DeliverySummary>;
        const page = w.pages[Math.floor(index / PAGE_SIZE)];
        return page?.[index % PAGE_SIZE] as never;
      },

      indexOfKey(view, key) {
        const w = get()[view] as ListWindow<MessageSummary | DeliverySummary>;
        for (const [k, rows] of Object.entries(w.pages)) {
          const i = rows.findIndex((r) => rowKey(view, r) === key);
          if (i >= 0) return Number(k) * PAGE_SIZE + i;
        }
        return -1;
      },
    };
  });
  return store;
}

/** which damaged files a banner is about: dismissing it holds until this changes */
export function damagedKey(status: AppStatus | null): string {
  return (status?.damagedStores ?? []).map((d) => d.file).join('\n');
}
