// "Simulate a campaign" from the UI: a small generated campaign sent into the inspector's own receiver, so a new
// user sees a realistic inspector within seconds and without a gateway. The call returns at once; the end of the
// run is told as a notice. One run at a time: a second click while one runs would only double the traffic.
import { ApiError } from '../../../shared/api-error';
import { DEFAULT_CALLBACK_PATH } from '../../../shared/constants';
import { generateCampaign } from './generate';
import { sendCampaign } from './send';

export interface LocalSimulator {
  start(o: { messages: number; speed: number; seed?: number }): { messages: number; deliveries: number; seed: number; url: string };
  /** stops a run in flight (its callbacks already stored stay) */
  close(): Promise<void>;
}

const CONCURRENCY = 8;

export function createLocalSimulator(deps: { receiverUrl: () => string; notify: (code: string, message: string) => void }): LocalSimulator {
  let running: { controller: AbortController; done: Promise<void> } | null = null;
  let closed = false;
  return {
    start(o) {
      if (closed) throw new ApiError('unavailable', 'the app is shutting down');
      if (running) throw new ApiError('bad-request', 'a simulated campaign is already being sent; wait for it to finish');
      const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31);
      const url = `${deps.receiverUrl().replace(/\/$/, '')}${DEFAULT_CALLBACK_PATH}`;
      const { deliveries } = generateCampaign({ messages: o.messages, seed, startMs: Date.now(), speed: o.speed });
      const controller = new AbortController();
      const done = sendCampaign({ to: url, deliveries, speed: o.speed, concurrency: CONCURRENCY, signal: controller.signal }).then(
        ({ progress, cancelled }) => {
          if (cancelled) return;
          const failed = progress.failed > 0 ? `; ${progress.failed} were not answered 200 (see their answers in the list)` : '';
          // a rule failing attempts makes the simulator retry as the gateway would: more deliveries than callbacks
          const n = (k: number) => k.toLocaleString('en-US');
          const retries = progress.retries > 0 ? `, ${n(progress.attempts)} deliveries (${n(progress.retries)} ${progress.retries === 1 ? 'retry' : 'retries'} after our non-200 or missing answers)` : '';
          deps.notify(
            'simulate-done',
            `Simulated campaign sent: ${n(o.messages)} messages, ${n(progress.done)} callbacks${retries} (seed ${seed})${failed}. Its deliveries are marked "simulated".`,
          );
        },
        (err: unknown) => deps.notify('simulate-failed', `The simulated campaign stopped: ${err instanceof Error ? err.message : String(err)}`),
      );
      const run = { controller, done: done.finally(() => (running = running === run ? null : running)) };
      running = run;
      return { messages: o.messages, deliveries: deliveries.length, seed, url };
    },
    async close() {
      closed = true;
      const r = running;
      if (!r) return;
      r.controller.abort(new Error('the app is shutting down'));
      await r.done;
    },
  };
}
