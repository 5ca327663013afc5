// A windowed list over the store's paged rows: only the visible rows are in the DOM, only nearby pages in memory.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, type ReactNode } from 'react';
import { listLength, type View } from '../store/list-window';
import { useInspector, useInspectorStore } from '../store/context';

const ROW_HEIGHT = 30;

interface Props<T> {
  view: View;
  /** the grid's accessible name */
  label: string;
  header: ReactNode;
  className: string;
  renderRow: (row: T | undefined, index: number) => ReactNode;
  /** bumps when the keyboard moves, so the cursor row is scrolled into view */
  scrollToIndex: { index: number; seq: number } | null;
  empty: ReactNode;
}

export function VirtualList<T>({ view, label, header, className, renderRow, scrollToIndex, empty }: Props<T>) {
  const store = useInspectorStore();
  const total = useInspector((s) => s[view].total);
  const loaded = useInspector((s) => s[view].loaded);
  // a capped total grows as the user scrolls into the extra page offered past it
  const count = useInspector((s) => listLength(s[view]));
  // re-render when pages change (rows come from the store by index)
  useInspector((s) => s[view].pages);
  const parentRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;

  useEffect(() => {
    store.getState().setVisibleRange(view, first, Math.max(last, first + 40));
  }, [store, view, first, last, total]);

  useLayoutEffect(() => {
    if (scrollToIndex && scrollToIndex.index >= 0) virtualizer.scrollToIndex(scrollToIndex.index, { align: 'auto' });
  }, [scrollToIndex, virtualizer]);

  const onScroll = () => {
    const el = parentRef.current;
    if (el) store.getState().setAtTop(el.scrollTop < ROW_HEIGHT);
  };

  return (
    <div className={`vlist ${className}`} role="grid" aria-label={label}>
      <div className="vlist-header">{header}</div>
      <div className="vlist-scroll" ref={parentRef} onScroll={onScroll} data-testid={`${view}-scroll`}>
        {loaded && total === 0 ? (
          <div className="vlist-empty">{empty}</div>
        ) : (
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((vi) => (
              <div
                key={vi.key}
                className="vrow-wrap"
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${vi.start}px)` }}
              >
                {renderRow(store.getState().rowAt(view, vi.index) as T | undefined, vi.index)}
              </div>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}
