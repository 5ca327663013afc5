// Every row a list query gives, page after page: what a test compares with the in-memory matcher or a figure.
import type { DeliverySummary, MessageSummary } from '../../shared/domain';
import type { Store } from '../../electron/core/store/types';

const PAGE = 500;

function all<T>(list: (offset: number) => { rows: T[] }): T[] {
  const out: T[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const rows = list(offset).rows;
    out.push(...rows);
    if (rows.length < PAGE) return out;
  }
}

export const allDeliveries = (store: Store, query: string): DeliverySummary[] =>
  all((offset) => store.listDeliveries({ query, offset, limit: PAGE }));

export const allMessages = (store: Store, query: string, now: number): MessageSummary[] =>
  all((offset) => store.listMessages({ query, offset, limit: PAGE }, now));
