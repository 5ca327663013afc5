// Live events to the UI, batched: at most one frame per interval, never one message per delivery. Under a burst
// of thousands of deliveries per second the UI gets ~10 frames/s carrying the newest rows and the touched messages,
// and refetches its visible page itself; the ack path only appends to an array.
import type { ApiEventBatch, ApiEventName, ApiEvents } from '../../shared/api';
import type { DeliverySummary, MessageSummary } from '../../shared/domain';

/** most rows carried in one frame; the UI pages the rest from the store */
export const MAX_ROWS_PER_FRAME = 200;

export type Listener = (batch: ApiEventBatch) => void;

export class LiveEvents {
  private listeners = new Set<Listener>();
  private queued: ApiEventBatch = [];
  private newDeliveries: DeliverySummary[] = [];
  private touchedRefs = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private newTotal = 0;

  constructor(
    private readonly loadMessages: (refs: string[]) => MessageSummary[],
    private readonly totalDeliveries: () => number,
    private readonly intervalMs = 100,
  ) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  deliveriesCommitted(rows: DeliverySummary[]): void {
    if (this.listeners.size === 0) return;
    this.newTotal += rows.length;
    for (const r of rows) {
      this.newDeliveries.push(r);
      if (r.reference) this.touchedRefs.add(r.reference);
    }
    // keep memory bounded during a burst: only the newest rows are ever sent
    if (this.newDeliveries.length > MAX_ROWS_PER_FRAME * 2) this.newDeliveries.splice(0, this.newDeliveries.length - MAX_ROWS_PER_FRAME);
    this.arm();
  }

  emit<K extends ApiEventName>(event: K, data: ApiEvents[K]): void {
    if (this.listeners.size === 0) return;
    this.queued.push({ event, data } as ApiEventBatch[number]);
    this.arm();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }

  private flush(): void {
    this.timer = null;
    const batch: ApiEventBatch = [];
    if (this.newDeliveries.length > 0) {
      const rows = this.newDeliveries.splice(0).slice(-MAX_ROWS_PER_FRAME).reverse();
      const refs = [...this.touchedRefs].slice(-MAX_ROWS_PER_FRAME);
      this.touchedRefs.clear();
      let messages: MessageSummary[] = [];
      try {
        messages = this.loadMessages(refs);
      } catch {
        // the UI refetches anyway; a failed read must not stop the event stream
      }
      batch.push({ event: 'deliveries', data: { deliveries: rows, messages, total: this.totalDeliveries() } });
      this.newTotal = 0;
    }
    batch.push(...this.queued.splice(0));
    if (batch.length === 0) return;
    for (const l of this.listeners) {
      try {
        l(batch);
      } catch {
        // one broken subscriber must not starve the others
      }
    }
  }
}
