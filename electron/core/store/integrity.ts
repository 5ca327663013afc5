// Is the store file sound? A worker thread with its own read-only connection runs `PRAGMA quick_check` (every
// page's structure: what a file with garbage in the middle fails) and then the full `integrity_check` (also every
// index against its table). Both read the whole file, seconds on a large store, so neither runs on the event loop:
// the core waits a bounded time for the quick result before it opens the store for writing, and takes the full
// one whenever it comes. A read-only connection never writes the file and never checkpoints a WAL into it.
//
// Plain JavaScript (eval) like the checkpointer (checkpointer.ts), for the same reasons.
import { Worker } from 'node:worker_threads';

/** ok: true = sound; false = damaged (problem says how); null = could not be checked (locked, unreadable file…) */
export interface CheckResult {
  ok: boolean | null;
  problem: string | null;
}

export interface IntegrityCheck {
  quick: Promise<CheckResult>;
  full: Promise<CheckResult>;
  /** stops the worker (a check in progress is abandoned) */
  stop(): Promise<void>;
}

/**
 * problems listed, at most; the first says enough, the count says how bad. Not more: past a dozen or so, SQLite's
 * check can go on into pages it cannot parse and stop with a bare "malformed" instead of the list of pages (seen with
 * garbage over a run of index and table leaves; store/recover.ts asks for as many)
 */
export const MAX_PROBLEMS = 10;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const corrupt = (e) => typeof (e && e.code) === 'string' && (e.code.startsWith('SQLITE_CORRUPT') || e.code === 'SQLITE_NOTADB');
const verdict = (rows) => {
  const lines = rows.flatMap((r) => String(Object.values(r)[0]).split('\\n')).filter((l) => l && !l.startsWith('***'));
  return lines.length === 1 && lines[0] === 'ok' ? { ok: true, problem: null } : { ok: false, problem: lines.join('\\n') };
};
const failed = (e) => ({ ok: corrupt(e) ? false : null, problem: String((e && e.message) || e) });
let db = null;
let result;
try {
  db = new Database(workerData.file, { readonly: true, fileMustExist: true, ...(workerData.nativeBinding ? { nativeBinding: workerData.nativeBinding } : {}) });
  db.pragma('busy_timeout = 1000');
  result = verdict(db.pragma('quick_check(' + workerData.max + ')'));
} catch (e) {
  result = failed(e);
}
parentPort.postMessage({ kind: 'quick', ...result });
if (db && result.ok === true) {
  try {
    result = verdict(db.pragma('integrity_check(' + workerData.max + ')'));
  } catch (e) {
    result = failed(e);
  }
}
parentPort.postMessage({ kind: 'full', ...result });
try { if (db) db.close(); } catch {}
`;

export function startIntegrityCheck(opts: { file: string; nativeBinding?: string }): IntegrityCheck {
  let resolveQuick!: (r: CheckResult) => void;
  let resolveFull!: (r: CheckResult) => void;
  const quick = new Promise<CheckResult>((r) => (resolveQuick = r));
  const full = new Promise<CheckResult>((r) => (resolveFull = r));
  const unknown = (why: string): CheckResult => ({ ok: null, problem: why });
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module: require.resolve('better-sqlite3'), file: opts.file, nativeBinding: opts.nativeBinding ?? null, max: MAX_PROBLEMS },
    });
  } catch (err) {
    const r = unknown(`integrity check could not start: ${String(err)}`);
    resolveQuick(r);
    resolveFull(r);
    return { quick, full, stop: async () => {} };
  }
  // the check must never keep the process alive on its own
  worker.unref();
  worker.on('message', (m: { kind: 'quick' | 'full' } & CheckResult) => {
    const r = { ok: m.ok, problem: m.problem };
    if (m.kind === 'quick') resolveQuick(r);
    else resolveFull(r);
  });
  worker.on('error', (err) => {
    resolveQuick(unknown(`integrity check failed: ${err.message}`));
    resolveFull(unknown(`integrity check failed: ${err.message}`));
  });
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      // settles whatever the worker did not report (stopped, crashed); a settled promise ignores this
      resolveQuick(unknown('integrity check stopped'));
      resolveFull(unknown('integrity check stopped'));
      resolve();
    }),
  );
  return {
    quick,
    full,
    async stop() {
      // terminate() cannot interrupt SQLite mid-check; the thread ends when the pragma returns. Not waited for
      // beyond a moment: the process may exit meanwhile, a read-only connection leaves nothing to clean up.
      void worker.terminate();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 1000).unref())]);
    },
  };
}
