// Paging of the two lists: only pages near the viewport are fetched and kept, so memory does not grow with the
// store. Filtering is the core's job: the query string goes into every list call unchanged.
import type { MessageSummary } from '../../../shared/domain';
import { errorMessage, type ApiClient } from '../api/client';
import { emptyWindow, keepPages, listLength, mergeTotal, pagesFor, PAGE_SIZE, type View } from './list-window';
import type { GetState, InspectorState, SetState } from './types';

/** pages kept on either side of the visible window; everything further away is dropped */
const KEEP_PAGES_AROUND = 2;

export interface ListPager {
  /** fetches the visible pages that are missing and drops the far ones */
  ensureVisible(view: View): void;
  /** refetches the visible pages in place: old rows stay on screen until the new ones arrive */
  refetchVisible(view: View): Promise<void>;
  /** forgets every page of a view (it is fetched again when shown) */
  reset(view: View): void;
  /** rows already on screen take their new state without moving */
  patchMessages(fresh: MessageSummary[]): void;
}

export function createListPager(set: SetState, get: GetState, client: ApiClient): ListPager {
  /** page fetches in flight, by view:generation:page, so scrolling does not repeat requests */
  const inFlight = new Set<string>();
  const setWindow = (view: View, w: InspectorState[View]) => set({ [view]: w } as Partial<InspectorState>);
  const neededPages = (view: View) => pagesFor(get().visible[view]);

  const fetchPage = async (view: View, page: number, generation: number): Promise<void> => {
    const key = `${view}:${generation}:${page}`;
    if (inFlight.has(key)) return;
    inFlight.add(key);
    const query = get().query;
    try {
      const args = { query, offset: page * PAGE_SIZE, limit: PAGE_SIZE };
      const res = view === 'messages' ? await client.api.listMessages(args) : await client.api.listDeliveries(args);
      const cur = get()[view];
      if (cur.generation !== generation || get().query !== query) return;
      const { total, totalIsExact } = mergeTotal(cur, res, args.offset);
      set({
        [view]: { ...cur, total, totalIsExact, loaded: true, pages: { ...cur.pages, [page]: res.rows } },
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

  const evictFar = (view: View) => {
    const need = neededPages(view);
    const lo = need[0] - KEEP_PAGES_AROUND;
    const hi = need[need.length - 1] + KEEP_PAGES_AROUND;
    const w = get()[view];
    const pages = keepPages(w.pages as Record<number, unknown[]>, (p) => p >= lo && p <= hi);
    if (pages) setWindow(view, { ...w, pages } as InspectorState[View]);
  };

  return {
    ensureVisible(view) {
      const w = get()[view];
      for (const p of neededPages(view)) {
        if (!w.pages[p] && (p === 0 || p * PAGE_SIZE < listLength(w) || !w.loaded)) void fetchPage(view, p, w.generation);
      }
      evictFar(view);
    },

    async refetchVisible(view) {
      const w = get()[view];
      const generation = w.generation + 1;
      setWindow(view, { ...w, generation } as InspectorState[View]);
      await Promise.all(neededPages(view).map((p) => fetchPage(view, p, generation)));
      // pages off-screen now belong to an older ordering
      const cur = get()[view];
      if (cur.generation !== generation) return;
      const need = new Set(neededPages(view));
      const pages = keepPages(cur.pages as Record<number, unknown[]>, (p) => need.has(p));
      if (pages) setWindow(view, { ...cur, pages } as InspectorState[View]);
    },

    reset(view) {
      setWindow(view, emptyWindow<never>(get()[view].generation + 1));
    },

    patchMessages(fresh) {
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
    },
  };
}
