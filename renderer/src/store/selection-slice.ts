// What the user points at: the keyboard cursor in the list, the open message or delivery, and its detail.
import type { DeliveryDetail, DeliverySummary, ForwardAttempt, MessageDetail, MessageSummary } from '../../../shared/domain';
import { rowKey, type ListWindow } from './list-window';
import type { SliceCreator } from './types';

export interface SelectionState {
  /** keyboard cursor: the key (reference or delivery id) of the highlighted row */
  cursorKey: string | null;
  selectedRef: string | null;
  messageDetail: MessageDetail | null;
  selectedDeliveryId: number | null;
  deliveryDetail: DeliveryDetail | null;
  detailLoading: boolean;
}

export interface SelectionActions {
  moveCursor(delta: number): number | null;
  openCursor(): void;
  selectMessage(reference: string | null): void;
  selectDelivery(id: number | null): void;
  closeDetail(): void;
  /** the next page of the open message's timeline (a message can have thousands of events) */
  loadMoreEvents(): Promise<void>;
  /** replay attempts from a call's answer or a live event, merged into the open delivery (by attempt id) */
  mergeForwards(deliveryId: number, attempts: ForwardAttempt[]): void;
}

export const createSelectionSlice: SliceCreator<SelectionState & SelectionActions> = (set, get, deps) => {
  const { detail } = deps;
  deps.on('forward', (f) => get().mergeForwards(f.deliveryId, [f.attempt]));

  return {
    cursorKey: null,
    selectedRef: null,
    messageDetail: null,
    selectedDeliveryId: null,
    deliveryDetail: null,
    detailLoading: false,

    moveCursor(delta) {
      const s = get();
      const w = s[s.view] as ListWindow<MessageSummary | DeliverySummary>;
      if (w.total === 0) return null;
      let idx = s.cursorKey === null ? -1 : s.indexOfKey(s.view, s.cursorKey);
      if (idx < 0) idx = delta > 0 ? -1 : s.visible[s.view][0] + 1;
      const next = Math.min(Math.max(0, idx + delta), w.total - 1);
      const row = s.rowAt(s.view, next);
      if (row) set({ cursorKey: rowKey(s.view, row) });
      return next;
    },

    openCursor() {
      const s = get();
      if (s.cursorKey === null) return;
      if (s.view === 'messages') s.selectMessage(s.cursorKey);
      else s.selectDelivery(Number(s.cursorKey));
    },

    selectMessage(reference) {
      set({
        selectedRef: reference,
        messageDetail: null,
        selectedDeliveryId: null,
        deliveryDetail: null,
        detailLoading: reference !== null,
      });
      if (reference === null) return detail.cancel();
      if (get().view === 'messages') set({ cursorKey: reference });
      void detail.load();
    },

    selectDelivery(id) {
      set({ selectedDeliveryId: id, deliveryDetail: null, detailLoading: id !== null });
      if (id === null) {
        // back to the message the delivery was opened from; its timeline is kept unless it never arrived
        if (get().selectedRef !== null && !get().messageDetail) void detail.load();
        return;
      }
      if (get().view === 'deliveries') set({ cursorKey: String(id) });
      void detail.load();
    },

    loadMoreEvents: () => detail.loadMoreEvents(),

    closeDetail() {
      detail.cancel();
      set({ selectedRef: null, messageDetail: null, selectedDeliveryId: null, deliveryDetail: null, detailLoading: false });
    },

    mergeForwards(deliveryId, attempts) {
      const d = get().deliveryDetail;
      if (!d || d.id !== deliveryId || attempts.length === 0) return;
      const byId = new Map(d.forwards.map((f) => [f.id, f]));
      for (const a of attempts) byId.set(a.id, a);
      set({ deliveryDetail: { ...d, forwards: [...byId.values()].sort((a, b) => a.id - b.id) } });
    },
  };
};
