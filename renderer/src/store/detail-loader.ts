// The one loader for the open detail (a message's timeline or a single delivery). Selecting, a live change of the
// open message, a reconnect and paging its events all go through here, so an answer that arrives after the user
// moved on is dropped the same way for both kinds.
import { withMoreEvents } from '../../../shared/timeline';
import { errorMessage, type ApiClient } from '../api/client';
import type { GetState, Inspector, SetState } from './types';

/** the largest page of events the core hands out in one call */
const MAX_EVENTS_PAGE = 500;
/** events a message opens with */
const FIRST_EVENTS_PAGE = 200;

type OpenDetail = { kind: 'message'; reference: string } | { kind: 'delivery'; id: number };

/** a delivery opened (from the list or from a message's timeline) is what the pane shows, over its message */
function openDetail(s: Pick<Inspector, 'selectedRef' | 'selectedDeliveryId'>): OpenDetail | null {
  if (s.selectedDeliveryId !== null) return { kind: 'delivery', id: s.selectedDeliveryId };
  if (s.selectedRef !== null) return { kind: 'message', reference: s.selectedRef };
  return null;
}

const sameDetail = (a: OpenDetail | null, b: OpenDetail): boolean =>
  a !== null && (a.kind === 'message' ? b.kind === 'message' && a.reference === b.reference : b.kind === 'delivery' && a.id === b.id);

export interface DetailLoader {
  /** (re)loads whatever detail is open; nothing when none is */
  load(): Promise<void>;
  /** reloads the open message when live arrivals touched it (an open delivery does not change with new arrivals) */
  refreshTouched(references: Set<string>): void;
  /** the next page of the open message's timeline */
  loadMoreEvents(): Promise<void>;
  /** answers still on their way are for a detail no longer open */
  cancel(): void;
}

export function createDetailLoader(set: SetState, get: GetState, client: ApiClient): DetailLoader {
  let seq = 0;

  const fetch = async (open: OpenDetail): Promise<Partial<Inspector>> => {
    if (open.kind === 'delivery') {
      const detail = await client.api.getDelivery({ id: open.id });
      return detail ? { deliveryDetail: detail } : { deliveryDetail: null, error: `Delivery #${open.id} is no longer in the store.` };
    }
    // a live refresh keeps as many events as the user has paged in (up to the largest page)
    const current = get().messageDetail;
    const shown = current?.summary.reference === open.reference ? current.events.length : 0;
    const eventsLimit = Math.min(MAX_EVENTS_PAGE, Math.max(FIRST_EVENTS_PAGE, shown));
    const detail = await client.api.getMessage({ reference: open.reference, eventsLimit });
    if (!detail) return { messageDetail: null, error: `Message ${open.reference} is no longer in the store.` };
    // events paged in beyond what one refresh reads stay shown (the refreshed ones take their place first)
    return { messageDetail: shown > detail.events.length && current ? withMoreEvents(detail, current.events) : detail };
  };

  const load = async () => {
    const open = openDetail(get());
    if (!open) return;
    const mine = ++seq;
    try {
      const patch = await fetch(open);
      if (mine !== seq || !sameDetail(openDetail(get()), open)) return;
      set({ ...patch, detailLoading: false });
    } catch (err) {
      // an answer for a detail the user has left is not theirs to hear about
      if (mine !== seq) return;
      set({ detailLoading: false, error: errorMessage(err) });
    }
  };

  return {
    load,

    refreshTouched(references) {
      const open = openDetail(get());
      if (open?.kind === 'message' && references.has(open.reference)) void load();
    },

    async loadMoreEvents() {
      const current = get().messageDetail;
      if (!current || current.events.length >= current.eventsTotal) return;
      const reference = current.summary.reference;
      const mine = seq;
      try {
        const page = await client.api.getMessage({ reference, eventsOffset: current.events.length });
        const now = get().messageDetail;
        if (!page || mine !== seq || now?.summary.reference !== reference) return;
        // the page's frame (summary, anomalies, durations) is the newer one; the events already shown stay
        set({ messageDetail: withMoreEvents({ ...page, events: now.events }, page.events) });
      } catch (err) {
        set({ error: errorMessage(err) });
      }
    },

    cancel() {
      seq++;
    },
  };
}
