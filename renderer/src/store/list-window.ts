// A list as the UI holds it: a total and the pages near the viewport, never the whole store. Pure helpers shared
// by the lists slice, the pager and the list components.
import type { DeliverySummary, MessageSummary } from '../../../shared/domain';

export type View = 'messages' | 'deliveries';
export type RowOf<V extends View> = V extends 'messages' ? MessageSummary : DeliverySummary;

export const PAGE_SIZE = 100;

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

export const emptyWindow = <T>(generation = 0): ListWindow<T> => ({
  total: 0,
  totalIsExact: true,
  pages: {},
  loaded: false,
  generation,
});

export const otherView = (view: View): View => (view === 'messages' ? 'deliveries' : 'messages');

export const rowKey = (view: View, row: MessageSummary | DeliverySummary): string =>
  view === 'messages' ? (row as MessageSummary).reference : String((row as DeliverySummary).id);

/** rows the list shows: past a capped (inexact) total, one more page is offered so scrolling can reach it */
export const listLength = (w: Pick<ListWindow<unknown>, 'total' | 'totalIsExact' | 'loaded'>): number =>
  w.total + (w.loaded && !w.totalIsExact ? PAGE_SIZE : 0);

/**
 * The core stops counting at a cap and says so (totalIsExact=false, total = the cap or as far as it paged).
 * What we learned from deeper pages stays, a short page ends the list, and an exact answer replaces all guesses.
 */
export function mergeTotal(
  cur: ListWindow<unknown>,
  res: { total: number; totalIsExact: boolean; rows: unknown[] },
  offset: number,
): { total: number; totalIsExact: boolean } {
  if (res.totalIsExact) return { total: res.total, totalIsExact: true };
  if (offset > 0 && res.rows.length < PAGE_SIZE) return { total: offset + res.rows.length, totalIsExact: true };
  const known = cur.loaded && !cur.totalIsExact ? cur.total : 0;
  return { total: Math.max(known, res.total), totalIsExact: false };
}

/** the pages a visible row range [start, end] falls on */
export function pagesFor([start, end]: [number, number]): number[] {
  const first = Math.floor(Math.max(0, start) / PAGE_SIZE);
  const last = Math.floor(Math.max(0, end) / PAGE_SIZE);
  const out: number[] = [];
  for (let p = first; p <= last; p++) out.push(p);
  return out;
}

/** the pages whose index passes `keep`, or null when every page passes (nothing to drop) */
export function keepPages<T>(pages: Record<number, T[]>, keep: (page: number) => boolean): Record<number, T[]> | null {
  const kept: Record<number, T[]> = {};
  let dropped = false;
  for (const k of Object.keys(pages)) {
    const p = Number(k);
    if (keep(p)) kept[p] = pages[p];
    else dropped = true;
  }
  return dropped ? kept : null;
}

export function rowAtIndex<V extends View>(w: ListWindow<RowOf<V>>, index: number): RowOf<V> | undefined {
  return w.pages[Math.floor(index / PAGE_SIZE)]?.[index % PAGE_SIZE];
}

export function indexOfRow(view: View, w: ListWindow<MessageSummary | DeliverySummary>, key: string): number {
  for (const [k, rows] of Object.entries(w.pages)) {
    const i = rows.findIndex((r) => rowKey(view, r) === key);
    if (i >= 0) return Number(k) * PAGE_SIZE + i;
  }
  return -1;
}
