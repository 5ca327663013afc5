// WAL checkpoints on a worker thread. SQLite copies the write-ahead log back into the database file (and fsyncs
// it) inside whichever commit crosses wal_autocheckpoint: on our single connection that is an acknowledgement or an
// indexing slice, which then holds the event loop for 10-20 ms, the longest stall a gateway sees. A PASSIVE
// checkpoint from a second connection needs no write lock, so the worker does it beside the writer, and the
// writer's own autocheckpoint is raised to a fallback for a worker that falls behind or is gone.
//
// The worker is plain JavaScript (eval) so it runs the same under tsx, vitest and the bundled Electron main; it
// loads better-sqlite3 from the path this module resolves, with the same native binding as the main connection.
import { Worker } from 'node:worker_threads';

export interface CheckpointerOptions {
  file: string;
  nativeBinding?: string;
  /** how often the worker checkpoints (default 100 ms) */
  intervalMs?: number;
  /** called once the worker's connection is open (the writer may then leave checkpoints to it) */
  onReady: () => void;
  /** called if the worker fails or exits early (the writer should checkpoint again itself) */
  onFailed: (err: unknown) => void;
}

export interface Checkpointer {
  /** asks the worker to finish its checkpoint and close its connection; resolves when the thread has ended */
  close(): Promise<void>;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, workerData.nativeBinding ? { nativeBinding: workerData.nativeBinding } : {});
// never wait for a lock: a checkpoint that cannot run now runs on the next tick
db.pragma('busy_timeout = 0');
let timer = null;
const tick = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    // SQLITE_BUSY and the like: try again on the next tick
  }
  timer = setTimeout(tick, workerData.intervalMs);
};
parentPort.on('message', (m) => {
  if (m !== 'close') return;
  clearTimeout(timer);
  try { db.close(); } catch {}
  parentPort.close();
});
parentPort.postMessage('ready');
tick();
`;

export function startCheckpointer(opts: CheckpointerOptions): Checkpointer {
  let failed = false;
  let closing = false;
  const fail = (err: unknown) => {
    if (failed || closing) return;
    failed = true;
    opts.onFailed(err);
  };
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        module: require.resolve('better-sqlite3'),
        file: opts.file,
        nativeBinding: opts.nativeBinding ?? null,
        intervalMs: opts.intervalMs ?? 100,
      },
    });
  } catch (err) {
    fail(err);
    return { close: async () => {} };
  }
  // the worker must never keep the process alive on its own
  worker.unref();
  worker.on('message', (m) => {
    if (m === 'ready' && !failed) opts.onReady();
  });
  worker.on('error', fail);
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', (code) => {
      if (!closing) fail(new Error(`checkpoint worker exited (${code})`));
      resolve();
    }),
  );
  return {
    close() {
      closing = true;
      worker.postMessage('close');
      // a worker stuck in a long checkpoint is stopped rather than waited for
      const timer = setTimeout(() => void worker.terminate(), 2000);
      return exited.finally(() => clearTimeout(timer));
    },
  };
}
