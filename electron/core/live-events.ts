// Live events to the UI, batched: at most one frame per interval, never one message per delivery. Under a burst
// of thousands of deliveries per second the UI gets ~10 frames/s carrying the newest rows, the touched messages
// and the status bar's numbers, and refetches its visible page itself; the ack path only appends to an array.
//
// What a frame costs the core, at ~10 frames/s: the touched messages (one keyed read each, at most
// MAX_ROWS_PER_FRAME), the store's two counters (one keyed read of a tiny table), two stat calls for the store's
// size, and the indexer's in-memory backlog and lag. Deliveries today would be a range count over today's index
// entries (tens of ms on a busy day): it is counted by the store once, then kept here as rows are stored.
import type { ApiEventBatch, ApiEventName, ApiEvents, AppStatus, LiveStatus } from '../../shared/api';
import type { DeliverySummary, MessageSummary } from '../../shared/domain';

/** most rows carried in one frame; the UI pages the rest from the store */
const MAX_ROWS_PER_FRAME = 200;

type Listener = (batch: ApiEventBatch) => void;

/** where a frame's contents come from; each is cheap enough for every frame except countToday (see above) */
export interface LiveSources {
  /** summaries of the messages with these references */
  loadMessages(refs: string[]): MessageSummary[];
  /** indexed deliveries and messages: the store's counters */
  indexedCounts(): { deliveries: number; messages: number };
  /** messages the test button made (a counter) */
  testCallbacks?(): number;
  /** response rules answering deliveries now (the rules badge) */
  rulesActive?(): number;
  /** deliveries stored and not indexed yet, and the age of the oldest: the indexer's own bookkeeping */
  indexing(): AppStatus['indexing'];
  /** bytes the store file new deliveries go to takes, WAL included (two stat calls) */
  storeBytes(): number;
  /** deliveries stored since local midnight of `now`, counted by the store: read once, and after the store changed */
  countToday(now: number): number;
  now?(): number;
}

interface Day {
  start: number;
  next: number;
  count: number;
}

export class LiveEvents {
  private listeners = new Set<Listener>();
  private queued: ApiEventBatch = [];
  private newDeliveries: DeliverySummary[] = [];
  private touchedRefs = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  /** deliveries stored today, once counted by the store; null until a frame needs it */
  private today: Day | null = null;
  private readonly now: () => number;

  constructor(
    private readonly src: LiveSources,
    private readonly intervalMs = 100,
  ) {
    this.now = src.now ?? Date.now;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** rows acknowledged (phase 1): they count in today's deliveries from now on, indexed or not */
  deliveriesStored(rows: DeliverySummary[]): void {
    const day = this.currentDay();
    if (!day) return;
    for (const r of rows) if (r.receivedAt >= day.start) day.count++;
  }

  /** rows indexed: lists can show them, so they go out in the next frame */
  deliveriesIndexed(rows: DeliverySummary[]): void {
    if (this.listeners.size === 0) return;
    for (const r of rows) {
      this.newDeliveries.push(r);
      if (r.reference) this.touchedRefs.add(r.reference);
    }
    // keep memory bounded during a burst: only the newest rows are ever sent
    if (this.newDeliveries.length > MAX_ROWS_PER_FRAME * 2) this.newDeliveries.splice(0, this.newDeliveries.length - MAX_ROWS_PER_FRAME);
    this.arm();
  }

  /** messages changed without a new delivery (their fallback grace ran out): their rows go out in the next frame */
  messagesChanged(references: string[]): void {
    if (this.listeners.size === 0 || references.length === 0) return;
    for (const r of references) this.touchedRefs.add(r);
    this.arm();
  }

  emit<K extends ApiEventName>(event: K, data: ApiEvents[K]): void {
    // new deliveries go to another file from now on: its own count of today's starts over
    if (event === 'storeDamaged') this.today = null;
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

  /** today's running count, moved to a new day at local midnight (every delivery since then was seen here) */
  private currentDay(): Day | null {
    const day = this.today;
    if (!day) return null;
    const now = this.now();
    if (now >= day.next) this.today = { ...dayAround(now), count: 0 };
    return this.today;
  }

  /** deliveries were deleted (test callbacks): today's running count is counted again */
  recount(): void {
    this.today = null;
  }

  private status(): LiveStatus {
    let day = this.currentDay();
    if (!day) {
      const now = this.now();
      day = this.today = { ...dayAround(now), count: this.src.countToday(now) };
    }
    const counts = this.src.indexedCounts();
    const indexing = this.src.indexing();
    return {
      deliveriesTotal: counts.deliveries + indexing.pending,
      deliveriesToday: day.count,
      messagesTotal: counts.messages,
      indexing,
      storeBytes: this.src.storeBytes(),
      testCallbacks: this.src.testCallbacks?.() ?? 0,
      ...(this.src.rulesActive ? { rulesActive: this.src.rulesActive() } : {}),
    };
  }

  private flush(): void {
    this.timer = null;
    const batch: ApiEventBatch = [];
    if (this.newDeliveries.length > 0 || this.touchedRefs.size > 0) {
      const rows = this.newDeliveries.splice(0).slice(-MAX_ROWS_PER_FRAME).reverse();
      const refs = [...this.touchedRefs].slice(-MAX_ROWS_PER_FRAME);
      this.touchedRefs.clear();
      let messages: MessageSummary[] = [];
      let frame: { total: number; status: LiveStatus } | null = null;
      try {
        messages = this.src.loadMessages(refs);
      } catch {
        // the UI refetches anyway; a failed read must not stop the event stream
      }
      try {
        const status = this.status();
        frame = { total: status.deliveriesTotal - status.indexing.pending, status };
      } catch {
        // the store cannot be read right now (damaged, being replaced): the next frame says it
      }
      if (frame) batch.push({ event: 'deliveries', data: { deliveries: rows, messages, ...frame } });
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

/** local midnight before `now` and the next one (not now + 24 h: days around a clock change are 23 or 25 h) */
function dayAround(now: number): { start: number; next: number } {
  const d = new Date(now);
  return {
    start: new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime(),
    next: new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime(),
  };
}
