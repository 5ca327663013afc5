// Counts for the chips and, under a search, the tabs' totals (with no search the tabs read the live status frame,
// as the status bar does, so the two never show different totals). Live count refreshes are spaced by what they
// cost: a filtered count over a big store can take ~100 ms of the core's time, and during a burst it would otherwise
// run every throttle period.
import { ApiError } from '../../../shared/api-error';
import type { ApiClient } from '../api/client';
import type { GetState, SetState } from './types';

/** live count refreshes take at most about 1/COUNTS_SHARE of the time (see refreshLive) */
const COUNTS_SHARE = 10;
/** ... but chips never lag the list by more than this */
const COUNTS_MAX_SPACING_MS = 2000;

export interface CountsPacer {
  /** counts for the current query, now (a newer call wins over an older answer) */
  load(): Promise<void>;
  /** counts after live arrivals: at most one in flight, and at most ~1/COUNTS_SHARE of the time spent on them */
  refreshLive(): void;
  stop(): void;
}

export function createCountsPacer(set: SetState, get: GetState, client: ApiClient, throttleMs: number): CountsPacer {
  let seq = 0;
  let busy = false;
  let costMs = 0;
  let lastAt = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const load = async () => {
    const mine = ++seq;
    const query = get().query;
    const started = Date.now();
    busy = true;
    try {
      const counts = await client.api.getCounts({ query });
      if (mine === seq) set({ counts });
    } catch (err) {
      // the list call reports a bad query; its counts are none, not the last query's figures under the new query.
      // Any other failure (the core briefly away) keeps the last figures.
      if (mine === seq && err instanceof ApiError && err.code === 'bad-request') set({ counts: null });
    } finally {
      if (mine === seq) busy = false;
      costMs = Date.now() - started;
      lastAt = Date.now();
    }
  };

  const refreshLive = () => {
    if (timer) return;
    const spacing = Math.min(COUNTS_MAX_SPACING_MS, Math.max(throttleMs, costMs * COUNTS_SHARE));
    const wait = busy ? throttleMs : lastAt + spacing - Date.now();
    if (wait > 0) {
      // the last change still gets counted once the wait is over
      timer = setTimeout(() => {
        timer = null;
        refreshLive();
      }, wait);
      return;
    }
    void load();
  };

  return {
    load,
    refreshLive,
    stop() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
