// The live side: the core's status, the event channel, and how arrivals reach the screen. A burst of frames is
// coalesced into one refresh of the visible page per throttle period; the status bar's numbers come with each
// frame, so a live run asks the core for nothing but that page and (paced) the counts.
import type { AppStatus, ApiEventBatch, LiveStatus } from '../../../shared/api';
import { errorMessage, type ConnectionInfo } from '../api/client';
import { otherView } from './list-window';
import type { SliceCreator } from './types';

/**
 * What lists can show as of the newest frame: stored deliveries less those still waiting to be indexed. With no
 * search the tabs and the status bar both read it from the same frame, so one total is shown, never two.
 */
export function indexedTotals(status: LiveStatus): { deliveries: number; messages: number } {
  return { deliveries: status.deliveriesTotal - status.indexing.pending, messages: status.messagesTotal };
}

export interface LiveState {
  status: AppStatus | null;
  connection: ConnectionInfo;
  paused: boolean;
  /** deliveries that arrived while paused or scrolled away */
  pendingNew: number;
}

export interface LiveActions {
  start(): () => void;
  togglePause(): void;
  /** drop the held-back rows indicator and show the newest rows */
  showNew(): void;
  refreshAll(): Promise<void>;
  handleBatch(batch: ApiEventBatch): void;
}

export const createLiveSlice: SliceCreator<LiveState & LiveActions> = (set, get, deps) => {
  const { client, pager, counts, detail, throttleMs } = deps;
  let liveTimer: ReturnType<typeof setTimeout> | null = null;
  let lastLiveRun = 0;
  let touchedRefs = new Set<string>();
  /** indexed deliveries as of the last frame: a frame carries at most a few hundred rows, this says how many arrived */
  let lastIndexed: number | null = null;
  /** the newest frame's status numbers, and how many frames came: a status answer older than a frame must not undo it */
  let lastFigures: LiveStatus | null = null;
  let frames = 0;

  const loadStatus = async () => {
    const framesBefore = frames;
    try {
      const status = await client.api.getStatus({});
      // events own the running total afterwards; a status read racing an event would hide arrivals
      if (lastIndexed === null) lastIndexed = indexedTotals(status).deliveries;
      set({ status: frames !== framesBefore && lastFigures ? { ...status, ...lastFigures } : status });
    } catch (err) {
      set({ error: errorMessage(err) });
    }
  };

  const runLive = () => {
    liveTimer = null;
    lastLiveRun = Date.now();
    const s = get();
    counts.refreshLive();
    // a list hidden behind the analytics view is read again when it is shown (openAnalytics)
    if (!s.paused && s.atTop && !s.analyticsOpen) void pager.refetchVisible(s.view);
    // the hidden view is refetched when the user switches to it
    if (!s.paused) pager.reset(otherView(s.view));
    const touched = touchedRefs;
    touchedRefs = new Set();
    detail.refreshTouched(touched);
  };

  const scheduleLive = () => {
    if (liveTimer) return;
    const wait = Math.max(0, throttleMs - (Date.now() - lastLiveRun));
    liveTimer = setTimeout(runLive, wait);
  };

  deps.on('deliveries', (data) => {
    const arrived = lastIndexed === null ? data.deliveries.length : Math.max(data.deliveries.length, data.total - lastIndexed);
    lastIndexed = data.total;
    frames++;
    lastFigures = data.status;
    const status = get().status;
    if (status) set({ status: { ...status, ...data.status } });
    for (const m of data.messages) touchedRefs.add(m.reference);
    for (const d of data.deliveries) if (d.reference) touchedRefs.add(d.reference);
    const s = get();
    if (s.paused || !s.atTop) {
      set({ pendingNew: s.pendingNew + arrived });
      if (!s.paused && data.messages.length > 0) pager.patchMessages(data.messages);
    }
    scheduleLive();
  });
  deps.on('tunnel', (tunnel) => {
    const status = get().status;
    if (status) set({ status: { ...status, tunnel } });
  });
  deps.on('storeDamaged', (damage) => {
    // new deliveries now go to another file: every list and count is read again from it
    const status = get().status;
    if (status) set({ status: { ...status, ...damage } });
    lastIndexed = null;
    void get().refreshAll();
  });

  return {
    status: null,
    connection: { state: 'connecting', nextTryAt: null, attempt: 0 },
    paused: false,
    pendingNew: 0,

    start() {
      const unsub = client.subscribe((batch) => get().handleBatch(batch));
      const unsubConn = client.onConnection?.((info) => {
        const wasDown = get().connection.state === 'reconnecting';
        set({ connection: info });
        // events were lost while the socket was down: catch up once
        if (wasDown && info.state === 'open') void get().refreshAll();
      });
      void get().refreshAll();
      return () => {
        unsub();
        unsubConn?.();
        if (liveTimer) clearTimeout(liveTimer);
        liveTimer = null;
        counts.stop();
      };
    },

    togglePause() {
      const paused = !get().paused;
      set({ paused });
      if (!paused && get().atTop) get().showNew();
      if (!paused) get().resumeAnalytics();
    },

    showNew() {
      set({ pendingNew: 0 });
      void pager.refetchVisible(get().view);
      pager.reset(otherView(get().view));
    },

    async refreshAll() {
      set({ pendingNew: 0 });
      pager.reset(otherView(get().view));
      await Promise.all([loadStatus(), counts.load(), pager.refetchVisible(get().view)]);
      void detail.load();
    },

    handleBatch(batch) {
      deps.dispatch(batch);
    },
  };
};
