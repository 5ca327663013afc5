// The control API's `conform` and `listConformRuns`: the battery against a saved replay target, one run at a
// time (two would measure each other), each run saved for comparison.
import { setMaxListeners } from 'node:events';
import type { ApiHandlers } from '../../../shared/api';
import { ApiError } from '../../../shared/api-error';
import type { Store } from '../store/types';
import { conformCampaign } from './campaign';
import { runConformance } from './run';
import { listRuns, saveRun } from './runs';

export function createConformService(o: { store: () => Store }): {
  handlers: Pick<ApiHandlers, 'conform' | 'listConformRuns'>;
  close(): void;
} {
  let running: AbortController | null = null;
  return {
    handlers: {
      conform: async (a) => {
        if (running) throw new ApiError('unavailable', 'a conformance run is already in progress; wait for its report');
        const targets = o.store().listTargets();
        const target = a.targetId === undefined ? targets.find((t) => t.isDefault) : targets.find((t) => t.id === a.targetId);
        if (!target) {
          throw a.targetId === undefined
            ? new ApiError('bad-request', 'no target saved: add the URL of your endpoint as a target first')
            : new ApiError('not-found', `target ${a.targetId} does not exist`);
        }
        const seed = a.seed ?? Math.floor(Math.random() * 1_000_000);
        running = new AbortController();
        // every probe in flight listens for the cancel: the burst alone has 20
        setMaxListeners(0, running.signal);
        try {
          const report = await runConformance({ url: target.url, headers: target.headers, seed, campaign: conformCampaign(seed), signal: running.signal });
          return saveRun(o.store(), report);
        } finally {
          running = null;
        }
      },
      listConformRuns: () => listRuns(o.store()),
    },
    close: () => running?.abort(new Error('the app is shutting down')),
  };
}
