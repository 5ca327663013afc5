// The analytics view's report of the current query. A report reads every matching message (up to about a second
// on a big store), so live arrivals refresh it paced like the counts: at most one request in flight, spaced by
// what the last one cost, and none while the view is hidden behind a list (it is read again when shown). The list
// hidden behind this view is not refetched on arrivals either, only once when it is shown again.
import type { Report } from '../../../shared/analytics';
import { ApiError } from '../../../shared/api-error';
import { errorMessage } from '../api/client';
import type { Drill } from '../lib/drill';
import type { SliceCreator } from './types';

/** live refreshes take at most about 1/ANALYTICS_SHARE of the time... */
const ANALYTICS_SHARE = 10;
/** ...are never closer together than this... */
const ANALYTICS_MIN_SPACING_MS = 1000;
/** ...and the view never lags the arrivals by more than this */
const ANALYTICS_MAX_SPACING_MS = 15_000;

interface AnalyticsView {
  report: Report | null;
  /** the query `report` is of */
  query: string | null;
  /** a request is in flight */
  loading: boolean;
  error: string | null;
  /** callbacks arrived since the report was read */
  stale: boolean;
}

export interface AnalyticsState {
  /** the analytics view is shown instead of the lists */
  analyticsOpen: boolean;
  analytics: AnalyticsView;
}

export interface AnalyticsActions {
  openAnalytics(open: boolean): void;
  /** the report of the current query, now (or right after the request in flight) */
  loadAnalytics(): void;
  /** shows the list rows behind a figure: the view and query of a drill */
  drill(d: Drill): void;
  /** live updates resumed: the figures are read again if callbacks came while paused */
  resumeAnalytics(): void;
}

export const createAnalyticsSlice: SliceCreator<AnalyticsState & AnalyticsActions> = (set, get, deps) => {
  const { client, throttleMs } = deps;
  let busy = false;
  /** the query of the request in flight */
  let asked: string | null = null;
  /** what to do once the request in flight has answered */
  let next: 'now' | 'live' | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let costMs = 0;
  let lastAt = 0;
  /** arrivals held back by "Pause live": an answer asked before the last of them does not make the view current */
  let held = 0;

  const patch = (p: Partial<AnalyticsView>) => set({ analytics: { ...get().analytics, ...p } });
  const clearTimer = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };

  const run = async () => {
    clearTimer();
    busy = true;
    const query = get().query;
    asked = query;
    const started = Date.now();
    const heldAtAsk = held;
    patch({ loading: true });
    try {
      const report = await client.api.getAnalytics({ query });
      // an answer for a query the user already replaced is dropped: the next request is queued behind this one
      if (get().query === query) patch({ report, query, error: null, stale: held !== heldAtAsk });
    } catch (err) {
      if (get().query === query) {
        const message = errorMessage(err);
        // a query the core rejects is the user's to fix: shown under the search box, as the lists do
        if (err instanceof ApiError && err.code === 'bad-request') set({ queryError: message });
        patch({ report: null, query, error: message, stale: held !== heldAtAsk });
      }
    } finally {
      busy = false;
      costMs = Date.now() - started;
      lastAt = Date.now();
      patch({ loading: false });
      const then = next;
      next = null;
      if (then) request(then);
    }
  };

  const request = (how: 'now' | 'live') => {
    // "Pause live" holds the figures still as it holds the lists: arrivals only mark them out of date, and resuming
    // reads them once (resumeAnalytics)
    if (!get().analyticsOpen || (how === 'live' && get().paused)) {
      if (how === 'live' && timer) clearTimer();
      held++;
      patch({ stale: true });
      return;
    }
    if (busy) {
      // the answer on its way is already the one asked for now
      if (how === 'now' && asked === get().query) return;
      if (next !== 'now') next = how;
      return;
    }
    if (how === 'now') return void run();
    if (timer) return;
    const spacing = Math.min(ANALYTICS_MAX_SPACING_MS, Math.max(throttleMs, ANALYTICS_MIN_SPACING_MS, costMs * ANALYTICS_SHARE));
    const wait = lastAt + spacing - Date.now();
    if (wait <= 0) return void run();
    timer = setTimeout(() => {
      timer = null;
      request('live');
    }, wait);
  };

  /** callbacks arrived while the list was hidden behind this view */
  let listBehind = false;
  deps.on('deliveries', () => {
    if (get().analyticsOpen) listBehind = true;
    request('live');
  });
  // new deliveries now go to another file: its figures are read again
  deps.on('storeDamaged', () => request('now'));

  return {
    analyticsOpen: false,
    analytics: { report: null, query: null, loading: false, error: null, stale: false },

    openAnalytics(open) {
      if (get().analyticsOpen === open) return;
      set({ analyticsOpen: open });
      if (!open) {
        clearTimer();
        if (listBehind && !get().paused) void deps.pager.refetchVisible(get().view);
        listBehind = false;
        return;
      }
      const a = get().analytics;
      if (a.report === null || a.stale || a.query !== get().query) request('now');
    },

    loadAnalytics() {
      request('now');
    },

    resumeAnalytics() {
      // the user asked for current figures: read at once, not after the live spacing
      if (get().analyticsOpen && get().analytics.stale) request('now');
    },

    drill(d) {
      clearTimer();
      const behind = listBehind && d.query === get().query && d.view === get().view && !get().paused;
      listBehind = false;
      set({ analyticsOpen: false });
      // a new query reads its list afresh; the same one is read again if callbacks came while it was hidden
      get().setQuery(d.query);
      get().setView(d.view);
      if (behind) void deps.pager.refetchVisible(get().view);
    },
  };
};
