// What a deletion takes (a selection, what a filter matches, everything, what retention prunes) and giving the
// space back. The rows go in small slices (delete-rows.ts), each its own short transaction, run by the core's
// deletion queue (electron/core/retention.ts): the receiver's group commit shares the write lock, so no slice may
// hold it long.
import { CounterDeltas, withoutOwnSync, withShortBusyWait, type StoreContext } from './context';
import { toStoreWriteError } from './errors';
import { afterRetiring, removeDeliveries, retireIds, type Removed } from './delete-rows';
import { clearPins, PINNED_DELIVERY } from './marks';
import { listDeliveryIds, listMessageRefs, type QueryLimits } from './queries';

export type DeleteScope =
  | { kind: 'deliveries'; ids: number[] }
  | { kind: 'messages'; references: string[] }
  | { kind: 'filter'; list: 'deliveries' | 'messages'; query: string }
  | { kind: 'all' };

export interface DeletePreview {
  /** deliveries that would go */
  deliveries: number;
  /** messages they belong to (each left with fewer deliveries, or gone) */
  messages: number;
  /** deliveries in the scope kept because they or their message are pinned */
  pinned: number;
}

export interface DeletionStore {
  /** the delivery ids a scope holds (pinned ones too: slices keep those), grouped by message */
  idsOf(scope: DeleteScope, now?: number): number[];
  preview(scope: DeleteScope, keepPinned: boolean, now?: number): DeletePreview;
  /** one slice: these deliveries (at most a few hundred) in one short transaction */
  slice(ids: readonly number[], keepPinned: boolean, now?: number): Removed;
  /** every pin removed (Clear all with "clear pins") */
  clearPins(): void;
  /** retention: unpinned deliveries received before `before`, oldest first */
  receivedBefore(before: number, limit: number): number[];
  /** retention by size: the oldest unpinned deliveries */
  oldest(limit: number): number[];
  /** bytes the store's rows take (free pages not counted: the file may be larger) */
  usedBytes(): number;
  freePages(): number;
  autoVacuum(): 'none' | 'full' | 'incremental';
  /** gives up to `pages` free pages back to the file system (incremental vacuum); the free pages left */
  reclaim(pages: number): number;
  /**
   * A store made before stores were created incremental (auto_vacuum NONE) cannot give pages back one step at a
   * time; when what it holds is small (after Clear all) it is rebuilt as one, in one short VACUUM. Whether it was.
   */
  makeIncremental(maxBytes: number): boolean;
}

const AUTO_VACUUM = ['none', 'full', 'incremental'] as const;

export function deletionStore(ctx: StoreContext, limits: QueryLimits, refuseIfSealed: () => void): DeletionStore {
  const pragma = (name: string) => ctx.db.pragma(name, { simple: true }) as number;
  const byMessage = (ids: number[]): number[] => {
    // a message's deliveries in one slice where possible: it is folded again once, not once per slice
    const msg = ctx.stmt('SELECT msg_id FROM deliveries WHERE id = ?', 'pluck');
    const keyed = ids.map((id) => [(msg.get(id) as number | null | undefined) ?? 0, id] as const);
    return keyed.sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, id]) => id);
  };
  const idsOfMessages = (refs: Iterable<string>): number[] => {
    const stmt = ctx.stmt('SELECT d.id FROM messages m JOIN deliveries d ON d.msg_id = m.id WHERE m.reference = ? ORDER BY d.id', 'pluck');
    const out: number[] = [];
    for (const ref of new Set(refs)) out.push(...(stmt.all(ref) as number[]));
    return out;
  };
  const idsOf = (scope: DeleteScope, now = Date.now()): number[] => {
    switch (scope.kind) {
      case 'deliveries':
        return byMessage([...new Set(scope.ids)]);
      case 'messages':
        return idsOfMessages(scope.references);
      case 'filter':
        return scope.list === 'deliveries'
          ? byMessage(listDeliveryIds(ctx, scope.query, 'received', limits, now))
          : idsOfMessages(listMessageRefs(ctx, scope.query, now));
      case 'all':
        return ctx
          .stmt('SELECT id FROM (SELECT id, coalesce(msg_id, 0) m FROM deliveries UNION ALL SELECT id, 0 FROM inbox) ORDER BY m, id', 'pluck')
          .all() as number[];
    }
  };
  return {
    idsOf,
    preview(scope, keepPinned, now = Date.now()) {
      const ids = idsOf(scope, now);
      const read = ctx.stmt(`SELECT d.msg_id, ${keepPinned ? PINNED_DELIVERY : '0'} AS pinned FROM deliveries d WHERE d.id = ?`, 'raw');
      const inboxPinned = ctx.stmt("SELECT 1 FROM marks x WHERE x.kind = 'd' AND x.key = ? AND x.pinned = 1", 'pluck');
      const messages = new Set<number>();
      let deliveries = 0;
      let pinned = 0;
      for (const id of ids) {
        const r = read.get(id) as [number | null, number] | undefined;
        const isPinned = r ? r[1] === 1 : keepPinned && inboxPinned.get(id) !== undefined;
        if (isPinned) pinned++;
        else {
          deliveries++;
          if (r?.[0] != null) messages.add(r[0]);
        }
      }
      return { deliveries, messages: messages.size, pinned };
    },
    slice(ids, keepPinned, now = Date.now()) {
      refuseIfSealed();
      // no fsync of its own, as answer times (index.ts): a deletion lost to a power cut is asked again, while an fsync
      // per slice made deleting cost milliseconds a row; the next delivery's commit makes it durable
      try {
        // a background write: it waits for the lock briefly and gives way, the acknowledgement path never does
        const result = withoutOwnSync(ctx, () =>
          withShortBusyWait(ctx, () =>
            ctx.db
              .transaction(() => {
                const counters = new CounterDeltas();
                const removed = removeDeliveries(ctx, ids, now, keepPinned, counters);
                counters.flush(ctx);
                return { removed, floor: retireIds(ctx, removed.maxId) };
              })
              .immediate(),
          ),
        );
        afterRetiring(ctx, result.floor);
        return result.removed;
      } catch (err) {
        throw toStoreWriteError(err);
      }
    },
    clearPins() {
      refuseIfSealed();
      ctx.db.transaction(() => clearPins(ctx)).immediate();
    },
    receivedBefore(before, limit) {
      return ctx
        .stmt(`SELECT d.id FROM deliveries d INDEXED BY deliveries_received WHERE d.received_at < ? AND NOT ${PINNED_DELIVERY}
          ORDER BY d.received_at LIMIT ?`, 'pluck')
        .all(before, limit) as number[];
    },
    oldest(limit) {
      return ctx.stmt(`SELECT d.id FROM deliveries d WHERE NOT ${PINNED_DELIVERY} ORDER BY d.id LIMIT ?`, 'pluck').all(limit) as number[];
    },
    usedBytes: () => (pragma('page_count') - pragma('freelist_count')) * pragma('page_size'),
    freePages: () => pragma('freelist_count'),
    autoVacuum: () => AUTO_VACUUM[pragma('auto_vacuum')] ?? 'none',
    reclaim(pages) {
      refuseIfSealed();
      withShortBusyWait(ctx, () => ctx.db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(pages))})`));
      return pragma('freelist_count');
    },
    makeIncremental(maxBytes) {
      refuseIfSealed();
      if (AUTO_VACUUM[pragma('auto_vacuum')] === 'incremental') return false;
      if ((pragma('page_count') - pragma('freelist_count')) * pragma('page_size') > maxBytes) return false;
      withShortBusyWait(ctx, () => {
        ctx.db.pragma('auto_vacuum = INCREMENTAL');
        ctx.db.exec('VACUUM');
      });
      return true;
    },
  };
}
