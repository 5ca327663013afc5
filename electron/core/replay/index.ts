// Replay and forward: stored deliveries sent to the user's own endpoint, once, as the gateway would (with its
// timeout and retry schedule), in bulk, live as they arrive, or as an idempotency check; every attempt stored.
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { ApiEventName, ApiEvents, ApiHandlers, Settings, Target } from '../../../shared/api';
import { DEFAULT_REPLAY_CONCURRENCY, GATEWAY_TIMEOUT_MS } from '../../../shared/constants';
import type { DeliverySummary } from '../../../shared/domain';
import { ApiError } from '../../../shared/api-error';
import type { Store } from '../store/types';
import { deliver, type SendContext } from './attempts';
import { BulkJob, type BulkSummary, type ReplayFailure, type ReplayProgress } from './bulk';
import { curlCommand } from './curl';
import { LiveForwarder, proxyAnswerWith } from './forward';
import { createAgents } from './http-send';
import { checkIdempotency } from './idempotency';
import { editedBody, parseTargetUrl, unsendableReason, validateOverrides } from './request';

export { proxyAnswer } from './forward';
export type { BulkSummary, ReplayFailure, ReplayProgress } from './bulk';

type ReplayHandlerName =
  | 'listTargets'
  | 'saveTarget'
  | 'deleteTarget'
  | 'replayDelivery'
  | 'startBulkReplay'
  | 'cancelReplay'
  | 'checkIdempotency'
  | 'listForwards'
  | 'copyAsCurl';

export interface ReplayService {
  handlers: Pick<ApiHandlers, ReplayHandlerName>;
  /** after each committed batch; returns at once, the sends happen later */
  deliveriesCommitted(rows: DeliverySummary[]): void;
  /** Proxy mode, for the receiver: the status to answer the gateway with, or null to answer as usual. */
  proxyAnswer(deliveryId: number, timeoutMs: number): Promise<number | null>;
  /** cancels jobs, lets in-flight sends finish for a short while, then aborts them */
  close(): Promise<void>;
}

export interface ReplayServiceDeps {
  store: Store;
  emit: <K extends ApiEventName>(event: K, data: ApiEvents[K]) => void;
  getSettings: () => Settings;
  /** per-attempt timeout; the gateway's 10 s unless a test needs it shorter */
  timeoutMs?: number;
  progressIntervalMs?: number;
  /** how long close() lets in-flight sends finish before aborting them */
  closeGraceMs?: number;
}

export function createReplayService(deps: ReplayServiceDeps): ReplayService {
  const { store, emit } = deps;
  const agents = createAgents();
  const shutdown = new AbortController();
  // every in-flight send listens to it: many listeners is normal here, not a leak
  setMaxListeners(0, shutdown.signal);
  const ctx: SendContext = {
    store,
    timeoutMs: deps.timeoutMs ?? GATEWAY_TIMEOUT_MS,
    agents,
    onAttempt: (attempt) => emit('forward', { deliveryId: attempt.deliveryId, attempt }),
  };
  const jobs = new Map<string, BulkJob>();
  /** one delivery's replays in flight, by delivery id (cancelReplay names the delivery) */
  const singles = new Map<number, Set<AbortController>>();
  const running = new Set<Promise<unknown>>();
  const warn = (code: string, message: string) => emit('warning', { code, message, at: Date.now() });
  const forwarder = new LiveForwarder(ctx, shutdown.signal, warn);
  let closing: Promise<void> | null = null;
  let lastNoTargetWarning = 0;

  const track = <T>(p: Promise<T>): Promise<T> => {
    running.add(p);
    void p.then(
      () => running.delete(p),
      () => running.delete(p),
    );
    return p;
  };
  const ensureOpen = () => {
    if (closing) throw new ApiError('unavailable', 'the app is shutting down');
  };

  const resolveTarget = (targetId: number | undefined): Target => {
    const targets = store.listTargets();
    if (targetId !== undefined) {
      const t = targets.find((x) => x.id === targetId);
      if (!t) throw new ApiError('not-found', `target ${targetId} does not exist`);
      return t;
    }
    const t = targets.find((x) => x.isDefault);
    if (!t) throw new ApiError('bad-request', 'no target saved: add the URL of your endpoint as a target first');
    return t;
  };
  const rawOrThrow = (deliveryId: number) => {
    const raw = store.getRawRequest(deliveryId);
    if (!raw) throw new ApiError('not-found', `delivery ${deliveryId} does not exist`);
    return raw;
  };

  const handlers: ReplayService['handlers'] = {
    listTargets: () => store.listTargets(),
    saveTarget: (a) => {
      parseTargetUrl(a.url);
      validateOverrides(a.headers, 'target header');
      if (a.id !== undefined && !store.listTargets().some((t) => t.id === a.id)) {
        throw new ApiError('not-found', `target ${a.id} does not exist`);
      }
      return store.saveTarget({ id: a.id, url: a.url, headers: a.headers, isDefault: a.isDefault });
    },
    deleteTarget: (a) => {
      store.deleteTarget(a.id);
      return { ok: true as const };
    },
    replayDelivery: async (a) => {
      ensureOpen();
      const target = resolveTarget(a.targetId);
      const body = a.body !== undefined ? editedBody(a.body) : undefined;
      validateOverrides(a.headerOverrides);
      const raw = rawOrThrow(a.deliveryId);
      const refused = body === undefined ? unsendableReason(raw) : null;
      if (refused) throw new ApiError('bad-request', refused);
      const own = new AbortController();
      const set = singles.get(a.deliveryId) ?? new Set();
      singles.set(a.deliveryId, set.add(own));
      try {
        return await track(
          deliver(ctx, {
            deliveryId: a.deliveryId,
            target,
            mode: a.asGateway ? 'replay-as-gateway' : 'replay',
            body,
            overrides: a.headerOverrides,
            asGateway: a.asGateway,
            speed: a.speed,
            signal: AbortSignal.any([own.signal, shutdown.signal]),
          }),
        );
      } finally {
        set.delete(own);
        if (set.size === 0) singles.delete(a.deliveryId);
      }
    },
    startBulkReplay: (a) => {
      ensureOpen();
      const target = resolveTarget(a.targetId);
      const { ids, imported } = withoutImported(store, store.listDeliveryIds(a.query, a.order));
      if (imported > 0) {
        warn('replay-imported-skipped', `${imported} imported deliveries match and are not sent: they did not come from the gateway. Replay one from its detail to send it.`);
      }
      const jobId = randomUUID();
      const job = new BulkJob(ctx, {
        jobId,
        ids,
        target,
        mode: a.asGateway ? 'replay-as-gateway' : 'replay',
        concurrency: a.concurrency,
        asGateway: a.asGateway,
        speed: a.speed,
        onProgress: (p) => emit('replayProgress', p),
        progressIntervalMs: deps.progressIntervalMs,
      });
      jobs.set(jobId, job);
      // started on the next turn so the caller holds the job id before the first progress event
      const run = new Promise<void>((resolve) => setImmediate(resolve)).then(() => job.run());
      void track(run).finally(() => jobs.delete(jobId));
      return { jobId, total: ids.length };
    },
    cancelReplay: (a) => {
      if ('deliveryId' in a) {
        const set = singles.get(a.deliveryId);
        for (const c of set ?? []) c.abort(new Error('cancelled by the user'));
        return { ok: set !== undefined };
      }
      const job = jobs.get(a.jobId);
      job?.cancel();
      return { ok: job !== undefined };
    },
    checkIdempotency: async (a) => {
      ensureOpen();
      const target = resolveTarget(a.targetId);
      rawOrThrow(a.deliveryId);
      return await track(checkIdempotency(ctx, { deliveryId: a.deliveryId, target, times: a.times, signal: shutdown.signal }));
    },
    listForwards: (a) => store.listForwards(a.deliveryId),
    copyAsCurl: (a) => {
      const raw = rawOrThrow(a.deliveryId);
      let target: { url: string; headers: [string, string][] } | null = null;
      if (a.targetUrl) {
        parseTargetUrl(a.targetUrl);
        const saved = store.listTargets().find((t) => t.url === a.targetUrl);
        target = { url: a.targetUrl, headers: saved?.headers ?? [] };
      } else {
        target = store.listTargets().find((t) => t.isDefault) ?? null;
      }
      return curlCommand(raw, target, { mask: a.mask });
    },
  };

  return {
    handlers,
    deliveriesCommitted(rows) {
      const s = deps.getSettings();
      // In proxy mode the receiver's proxy hook sends each delivery; forwarding too would send it twice.
      if (!s.forwardLive || s.proxyMode || closing) return;
      const ids = rows.filter((r) => r.outcome === 'stored').map((r) => r.id);
      if (ids.length === 0) return;
      setImmediate(() => {
        if (closing) return;
        let target: Target | undefined;
        try {
          target = store.listTargets().find((t) => t.isDefault);
        } catch (err) {
          return warn('forward-failing', `Forwarding is on but the targets could not be read: ${(err as Error).message}`);
        }
        if (!target) {
          // once a minute, not once per batch
          if (Date.now() - lastNoTargetWarning < 60_000) return;
          lastNoTargetWarning = Date.now();
          return warn('forward-no-target', 'Forwarding is on but no target is saved, so deliveries are stored but not forwarded.');
        }
        forwarder.forward(ids, target);
      });
    },
    proxyAnswer(deliveryId, timeoutMs) {
      if (closing) return Promise.resolve(null);
      return track(proxyAnswerWith(ctx, deliveryId, timeoutMs, shutdown.signal));
    },
    close: () =>
      (closing ??= (async () => {
        for (const job of jobs.values()) job.cancel('the app is shutting down');
        for (const set of singles.values()) for (const c of set) c.abort(new Error('the app is shutting down'));
        const settled = (async () => {
          await forwarder.idle();
          while (running.size > 0) await Promise.allSettled([...running]);
        })();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([settled, new Promise((r) => (timer = setTimeout(r, deps.closeGraceMs ?? 2000)))]);
        clearTimeout(timer);
        shutdown.abort(new Error('the app is shutting down'));
        await settled;
        agents.destroy();
      })()),
  };
}

/** `cli replay`: every stored delivery matching the filter sent to one URL; resolves with the summary. */
export async function replayCli(opts: {
  store: Store;
  to: string;
  filter: string;
  asGateway: boolean;
  speed: number;
  concurrency?: number;
  order?: 'received' | 'timestamp';
  onProgress?: (p: ReplayProgress) => void;
  onFailure?: (f: ReplayFailure) => void;
  /** send deliveries read from a file (`import`) too; by default they are left out, and their number is told here */
  includeImported?: boolean;
  onImportedLeftOut?: (n: number) => void;
  /** aborting it cancels the replay (e.g. on Ctrl-C); the summary is still returned */
  signal?: AbortSignal;
  timeoutMs?: number;
}): Promise<BulkSummary> {
  parseTargetUrl(opts.to);
  if (!(opts.speed >= 1)) throw new ApiError('bad-request', '--speed must be at least 1');
  const agents = createAgents();
  try {
    const all = opts.store.listDeliveryIds(opts.filter, opts.order ?? 'received');
    const { ids, imported } = opts.includeImported ? { ids: all, imported: 0 } : withoutImported(opts.store, all);
    if (imported > 0) opts.onImportedLeftOut?.(imported);
    const job = new BulkJob(
      { store: opts.store, timeoutMs: opts.timeoutMs ?? GATEWAY_TIMEOUT_MS, agents },
      {
        jobId: 'cli',
        ids,
        target: { url: opts.to, headers: [] },
        mode: opts.asGateway ? 'replay-as-gateway' : 'replay',
        concurrency: opts.concurrency ?? DEFAULT_REPLAY_CONCURRENCY,
        asGateway: opts.asGateway,
        speed: opts.speed,
        onProgress: (p) => opts.onProgress?.(p),
        onFailure: opts.onFailure,
        progressIntervalMs: 1000,
      },
    );
    const onAbort = () => job.cancel();
    if (opts.signal?.aborted) job.cancel();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await job.run();
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  } finally {
    agents.destroy();
  }
}

/**
 * Deliveries read from a file did not come from the gateway (they may be a colleague's, or another system's): a
 * bulk replay selected by a filter leaves them out, so a target never gets them as if the gateway had sent them
 * without the user naming them (one at a time, or `replay --include-imported`).
 */
function withoutImported(store: Store, ids: number[]): { ids: number[]; imported: number } {
  const imported = new Set(store.importedAmong(ids));
  return imported.size === 0 ? { ids, imported: 0 } : { ids: ids.filter((id) => !imported.has(id)), imported: imported.size };
}
