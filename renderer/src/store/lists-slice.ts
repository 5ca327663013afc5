// The two lists (messages, deliveries), the query they share, the viewport they page for, and the chips' counts.
import type { Counts } from '../../../shared/api';
import type { DeliverySummary, MessageSummary } from '../../../shared/domain';
import { emptyWindow, indexOfRow, rowAtIndex, type ListWindow, type RowOf, type View } from './list-window';
import type { SliceCreator } from './types';

export interface ListsState {
  view: View;
  query: string;
  queryError: string | null;
  messages: ListWindow<MessageSummary>;
  deliveries: ListWindow<DeliverySummary>;
  visible: Record<View, [number, number]>;
  /** the list is scrolled to the top, so streaming rows in does not move what the user looks at */
  atTop: boolean;
  counts: Counts | null;
}

export interface ListsActions {
  setView(view: View): void;
  setQuery(query: string): void;
  setVisibleRange(view: View, start: number, end: number): void;
  setAtTop(atTop: boolean): void;
  rowAt<V extends View>(view: V, index: number): RowOf<V> | undefined;
  indexOfKey(view: View, key: string): number;
}

export const createListsSlice: SliceCreator<ListsState & ListsActions> = (set, get, { pager, counts }) => ({
  view: 'messages',
  query: '',
  queryError: null,
  messages: emptyWindow(),
  deliveries: emptyWindow(),
  visible: { messages: [0, 50], deliveries: [0, 50] },
  atTop: true,
  counts: null,

  setView(view) {
    if (get().view === view) return;
    set({ view, cursorKey: null, pendingNew: 0, atTop: true });
    if (!get()[view].loaded) pager.reset(view);
    pager.ensureVisible(view);
  },

  setQuery(query) {
    if (query === get().query) return;
    set({ query, queryError: null, cursorKey: null, pendingNew: 0 });
    pager.reset('messages');
    pager.reset('deliveries');
    pager.ensureVisible(get().view);
    void counts.load();
  },

  setVisibleRange(view, start, end) {
    const [s0, e0] = get().visible[view];
    if (s0 !== start || e0 !== end) set({ visible: { ...get().visible, [view]: [start, end] } });
    pager.ensureVisible(view);
  },

  setAtTop(atTop) {
    if (get().atTop === atTop) return;
    set({ atTop });
    // back at the top with rows held back: show them now
    if (atTop && !get().paused && get().pendingNew > 0) get().showNew();
  },

  rowAt<V extends View>(view: V, index: number) {
    return rowAtIndex(get()[view] as ListWindow<RowOf<V>>, index);
  },

  indexOfKey(view, key) {
    return indexOfRow(view, get()[view], key);
  },
});
