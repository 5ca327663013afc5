// Runs analytics reports off the core's event loop. The core acknowledges the gateway's callbacks on that loop;
// better-sqlite3 is synchronous, so a report reading for half a second there would hold every acknowledgement as
// long, again on each refresh of an open analytics view. A worker thread (analytics-worker.ts) computes them on a
// read-only connection of its own instead, one at a time in the order asked. Under tsx (`serve`, tests) the
// worker runs from source; the Electron build emits it next to main.cjs (vite.electron.config.ts). Should the
// worker not start at all, reports are computed in-process as before, slower for the gateway but still correct.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Report } from '../../shared/analytics';
import { ApiError, type ApiErrorCode } from '../../shared/api-error';

export interface AnalyticsRequest {
  id: number;
  file: string;
  query: string;
  now: number;
}

export type AnalyticsReply = { id: number; report: Report } | { id: number; error: { message: string; code: ApiErrorCode | null } };

export interface AnalyticsRunner {
  report(query: string): Promise<Report>;
  close(): Promise<void>;
}

export interface AnalyticsRunnerOptions {
  /** the store file the core writes now */
  file: () => string;
  nativeBinding?: string;
  /** the same report on the core's own connection, when no worker can run */
  inProcess: (query: string, now: number) => Report;
  /** before the worker's read-only connection runs `query`: what it needs written first (store prepareSearch) */
  prepare?: (query: string, now: number) => void;
  log?: (entry: Record<string, unknown>) => void;
}

/** how long closing waits for a report in progress before the worker is stopped */
const CLOSE_WAIT_MS = 2000;

// tsx's require hook, named at run time so the Electron bundle does not try to include it
const TSX_HOOK = ['tsx', 'cjs'].join('/');
const BOOT = `const { workerData } = require('node:worker_threads');
if (workerData.hook) require(workerData.hook);
require(workerData.entry);`;

/** The worker's code: the built file beside the bundle, else the source (run through tsx's hook). */
function workerEntry(): { entry: string; hook: string | null } | null {
  const built = path.join(__dirname, 'analytics-worker.cjs');
  if (fs.existsSync(built)) return { entry: built, hook: null };
  const source = path.join(__dirname, 'analytics-worker.ts');
  if (!fs.existsSync(source)) return null;
  try {
    return { entry: source, hook: createRequire(__filename).resolve(TSX_HOOK) };
  } catch {
    return null;
  }
}

export function startAnalyticsRunner(o: AnalyticsRunnerOptions): AnalyticsRunner {
  let worker: Worker | null = null;
  let unavailable = false;
  let nextId = 1;
  const pending = new Map<number, { query: string; now: number; resolve: (r: Report) => void; reject: (e: Error) => void }>();

  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  const spawn = (): Worker | null => {
    if (worker) return worker;
    if (unavailable) return null;
    const found = workerEntry();
    try {
      if (!found) throw new Error('analytics-worker not found');
      const w = new Worker(BOOT, { eval: true, workerData: { ...found, nativeBinding: o.nativeBinding ?? null } });
      // an idle worker must not keep the process alive
      w.unref();
      let answered = false;
      w.on('message', (m: AnalyticsReply) => {
        answered = true;
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        if ('report' in m) p.resolve(m.report);
        else p.reject(m.error.code ? new ApiError(m.error.code, m.error.message) : new Error(m.error.message));
      });
      w.on('error', (err) => {
        o.log?.({ event: 'warning', code: 'analytics-worker', message: `analytics worker failed: ${err.message}` });
        if (worker === w) worker = null;
        if (answered) return failAll(new ApiError('internal', `analytics failed: ${err.message}`));
        // it never got going (a packaging that cannot load it): in-process from now on
        unavailable = true;
        for (const [id, p] of pending) {
          pending.delete(id);
          try {
            p.resolve(o.inProcess(p.query, p.now));
          } catch (e) {
            p.reject(e as Error);
          }
        }
      });
      w.on('exit', () => {
        if (worker === w) worker = null;
        failAll(new ApiError('internal', 'analytics worker stopped'));
      });
      worker = w;
      return w;
    } catch (err) {
      unavailable = true;
      o.log?.({ event: 'warning', code: 'analytics-worker', message: `analytics run in-process: ${String(err)}` });
      return null;
    }
  };

  return {
    report(query) {
      const now = Date.now();
      const w = spawn();
      if (!w) return Promise.resolve().then(() => o.inProcess(query, now));
      try {
        o.prepare?.(query, now);
      } catch (err) {
        return Promise.reject(err);
      }
      const id = nextId++;
      return new Promise<Report>((resolve, reject) => {
        pending.set(id, { query, now, resolve, reject });
        // keep the process up while a report is owed
        if (pending.size === 1) w.ref();
        w.postMessage({ id, file: o.file(), query, now } satisfies AnalyticsRequest);
      }).finally(() => {
        if (pending.size === 0) worker?.unref();
      });
    },
    async close() {
      const w = worker;
      worker = null;
      unavailable = true;
      failAll(new ApiError('unavailable', 'the app is closing'));
      if (!w) return;
      // closed by the worker itself, after the report it may be computing; cut short past a moment
      const exited = new Promise((r) => w.once('exit', r));
      w.postMessage('close');
      const timer = setTimeout(() => void w.terminate(), CLOSE_WAIT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
