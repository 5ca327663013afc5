// Bulk replay of every delivery matching the current query, started from this window (one job at a time), and
// its progress as the core reports it.
import type { ApiEvents, ApiInput } from '../../../shared/api';
import { errorMessage } from '../api/client';
import type { SliceCreator } from './types';

type ReplayProgress = ApiEvents['replayProgress'];

export interface BulkState {
  /** null until the core answered with the job id */
  jobId: string | null;
  query: string;
  total: number | null;
  startedAt: number;
  progress: ReplayProgress | null;
  /** the core refused to start (no target, bad query) */
  error: string | null;
}

type BulkOptions = Omit<ApiInput<'startBulkReplay'>, 'query'>;

export interface ReplayState {
  bulk: BulkState | null;
}

export interface ReplayActions {
  /** bulk replay of every delivery matching the current query */
  startBulk(opts: BulkOptions): Promise<void>;
  cancelBulk(): Promise<void>;
  clearBulk(): void;
}

export const createReplaySlice: SliceCreator<ReplayState & ReplayActions> = (set, get, { client, on }) => {
  /** progress that arrived before startBulkReplay answered (events and answers travel separately) */
  const earlyProgress = new Map<string, ReplayProgress>();
  on('replayProgress', (p) => {
    const b = get().bulk;
    if (b && b.jobId === p.jobId) set({ bulk: { ...b, progress: p, total: p.total } });
    else if (b && b.jobId === null) earlyProgress.set(p.jobId, p);
  });

  return {
    bulk: null,

    async startBulk(opts) {
      const cur = get().bulk;
      if (cur && !cur.error && !cur.progress?.finished) return;
      const query = get().query;
      earlyProgress.clear();
      const bulk: BulkState = { jobId: null, query, total: null, startedAt: Date.now(), progress: null, error: null };
      set({ bulk });
      try {
        const job = await client.api.startBulkReplay({ ...opts, query });
        if (get().bulk !== bulk) return;
        const early = earlyProgress.get(job.jobId) ?? null;
        earlyProgress.clear();
        set({ bulk: { ...bulk, jobId: job.jobId, total: job.total, progress: early } });
      } catch (err) {
        if (get().bulk === bulk) set({ bulk: { ...bulk, error: errorMessage(err) } });
      }
    },

    async cancelBulk() {
      const b = get().bulk;
      if (!b?.jobId || b.progress?.finished) return;
      try {
        await client.api.cancelReplay({ jobId: b.jobId });
      } catch (err) {
        set({ error: errorMessage(err) });
      }
    },

    clearBulk() {
      const b = get().bulk;
      // a running job keeps its progress bar; only finished or refused ones are cleared
      if (b && (b.error || b.progress?.finished)) set({ bulk: null });
    },
  };
};
