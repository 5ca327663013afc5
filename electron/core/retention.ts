// Deleting in the background: a selection, what a filter matches, Clear all, and retention's pruning, one job at a
// time, in slices of at most MAX_SLICE_ROWS deliveries, each its own short transaction (store/delete-scope.ts), with
// a pause after each so the receiver's group commit, which needs the same write lock, never waits behind a long
// deletion: acknowledgements come first. Afterwards the freed pages go back to the file system a few at a time.
import type { Store } from './store/types';
import type { DeletePreview, DeleteScope } from './store/delete-scope';
import type { RetentionPolicy } from '../../shared/retention';

/** the most deliveries one transaction deletes (each reads its body to take it out of the full-text index) */
export const MAX_SLICE_ROWS = 100;
/** How a deletion shares the loop: a slice aims at budgetMs (slower ones make the next smaller), then pauses. */
interface Pace {
  budgetMs: number;
  /** the pause after a slice, in slice lengths */
  pausePerSlice: number;
  minRows: number;
  maxRows: number;
  startRows: number;
}
/** what the user asked for, waiting on it: bigger slices, at most a third of the loop */
const USER_PACE: Pace = { budgetMs: 3, pausePerSlice: 2, minRows: 5, maxRows: MAX_SLICE_ROWS, startRows: MAX_SLICE_ROWS / 4 };
/**
 * Retention is never urgent: slices of a delivery or two (about a millisecond, shorter than the acknowledgement's
 * own commit, so one arriving meanwhile waits no longer than it would behind another request), a sixth of the loop.
 */
export const PRUNE_MAX_SLICE_ROWS = 2;
const BACKGROUND_PACE: Pace = { budgetMs: 1.5, pausePerSlice: 5, minRows: 1, maxRows: PRUNE_MAX_SLICE_ROWS, startRows: PRUNE_MAX_SLICE_ROWS };
/** the pause after a reclaiming step, in step lengths */
const PAUSE_PER_SLICE = 2;
/** pages given back per step (512 KB of 4 KB pages) */
const RECLAIM_PAGES = 128;
/** a store of auto_vacuum NONE is rebuilt as incremental when what it holds is at most this (a VACUUM of ~100 ms) */
const REBUILD_MAX_BYTES = 16 * 1024 * 1024;
/** how often retention looks for what to prune */
const PRUNE_EVERY_MS = 10 * 60_000;
const DAY_MS = 86_400_000;
const GB = 1024 ** 3;

export interface DeleteResult extends DeletePreview {
  /** slices (transactions) it took */
  slices: number;
}

export interface SliceReport {
  rows: number;
  deleted: number;
  ms: number;
}

export interface DeletionQueueOptions {
  store: () => Store;
  /** after each committed slice (tests watch the slices' sizes and that the loop ran between them) */
  onSlice?: (s: SliceReport) => void;
  /** the lists and counts changed: tell the UI (live.recount) */
  onChanged?: () => void;
  log?: (entry: Record<string, unknown>) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createDeletionQueue(o: DeletionQueueOptions) {
  let tail: Promise<unknown> = Promise.resolve();
  let closed = false;
  /** jobs run one after another: two would only take turns at the same lock */
  const queued = <T>(job: () => Promise<T>): Promise<T> => {
    const run = tail.then(job, job);
    tail = run.catch(() => {});
    return run;
  };

  async function deleteIds(ids: readonly number[], keepPinned: boolean, pace: Pace): Promise<DeleteResult> {
    const out: DeleteResult = { deliveries: 0, messages: 0, pinned: 0, slices: 0 };
    let size = pace.startRows;
    let since = Date.now();
    for (let i = 0; i < ids.length && !closed; ) {
      const part = ids.slice(i, i + Math.round(size));
      const started = performance.now();
      let removed;
      try {
        removed = o.store().deletion.slice(part, keepPinned);
      } catch (err) {
        // the lock was busy past the short wait a background write allows: the receiver goes first, try again
        o.log?.({ event: 'warning', code: 'delete-slice-retry', message: err instanceof Error ? err.message : String(err) });
        await sleep(100);
        continue;
      }
      const ms = performance.now() - started;
      i += part.length;
      out.deliveries += removed.deliveries;
      out.messages += removed.messages;
      out.pinned += removed.pinned;
      out.slices++;
      o.onSlice?.({ rows: part.length, deleted: removed.deliveries, ms });
      size = Math.min(pace.maxRows, Math.max(pace.minRows, (size * pace.budgetMs) / Math.max(ms, 0.25)));
      if (Date.now() - since > 1000) {
        o.onChanged?.();
        since = Date.now();
      }
      await sleep(Math.max(1, Math.round(ms * pace.pausePerSlice)));
    }
    if (out.deliveries > 0) o.onChanged?.();
    return out;
  }

  /** gives freed pages back a few at a time; a store that cannot (made before) is rebuilt once when small */
  async function reclaim(mayRebuild: boolean): Promise<void> {
    const d = o.store().deletion;
    if (d.autoVacuum() !== 'incremental') {
      if (!mayRebuild) return;
      try {
        if (d.makeIncremental(REBUILD_MAX_BYTES)) o.log?.({ event: 'storeCompacted' });
      } catch (err) {
        o.log?.({ event: 'warning', code: 'compact-failed', message: err instanceof Error ? err.message : String(err) });
      }
      return;
    }
    while (!closed && d.freePages() > 0) {
      const started = performance.now();
      try {
        d.reclaim(RECLAIM_PAGES);
      } catch {
        await sleep(100);
        continue;
      }
      await sleep(Math.max(1, Math.round((performance.now() - started) * PAUSE_PER_SLICE)));
    }
  }

  return {
    /** how many a deletion would take (the confirmation's count) */
    preview: (scope: DeleteScope, keepPinned: boolean): DeletePreview => o.store().deletion.preview(scope, keepPinned),
    /** deletes in slices; with clearPins (Clear all) the pins go first, so nothing is kept */
    delete: (scope: DeleteScope, opts: { keepPinned: boolean; clearPins?: boolean }): Promise<DeleteResult> =>
      queued(async () => {
        if (opts.clearPins) o.store().deletion.clearPins();
        const result = await deleteIds(o.store().deletion.idsOf(scope), opts.keepPinned && !opts.clearPins, USER_PACE);
        if (result.deliveries > 0) await reclaim(scope.kind === 'all');
        return result;
      }),
    /** retention: what is older than the policy's days, then the oldest until the rows fit its size; pins stay */
    prune: (policy: RetentionPolicy, now = Date.now()): Promise<{ deliveries: number }> =>
      queued(async () => {
        let deliveries = 0;
        const d = () => o.store().deletion;
        const batch = async (ids: number[]) => {
          if (ids.length === 0) return 0;
          const r = await deleteIds(ids, true, BACKGROUND_PACE);
          deliveries += r.deliveries;
          return r.deliveries;
        };
        if (policy.maxDays !== null) {
          while (!closed && (await batch(d().receivedBefore(now - policy.maxDays * DAY_MS, 1000))) > 0);
        }
        if (policy.maxGb !== null) {
          while (!closed && d().usedBytes() > policy.maxGb * GB && (await batch(d().oldest(1000))) > 0);
        }
        if (deliveries > 0) {
          o.log?.({ event: 'pruned', deliveries });
          await reclaim(false);
        }
        return { deliveries };
      }),
    close(): Promise<unknown> {
      closed = true;
      return tail;
    },
  };
}

export type DeletionQueue = ReturnType<typeof createDeletionQueue>;

/** Runs retention's pruning now (soon after start), every PRUNE_EVERY_MS, and when the policy changes. */
export function startRetention(queue: DeletionQueue, policy: () => RetentionPolicy, everyMs = PRUNE_EVERY_MS) {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const run = () => {
    timer = null;
    if (stopped) return;
    const p = policy();
    const next = () => {
      if (!stopped) (timer = setTimeout(run, everyMs)).unref();
    };
    if (p.maxDays === null && p.maxGb === null) return next();
    queue.prune(p).then(next, next);
  };
  (timer = setTimeout(run, 5_000)).unref();
  return {
    /** the policy changed: prune now */
    kick() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(run, 0);
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
