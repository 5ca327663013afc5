// WAL checkpoints on a worker thread. SQLite copies the write-ahead log back into the database file (and fsyncs
// it) inside whichever commit crosses wal_autocheckpoint: on our single connection that is an acknowledgement or an
// indexing slice, which then holds the event loop for 10-20 ms, the longest stall a gateway sees. A PASSIVE
// checkpoint from a second connection needs no write lock, so the worker does it beside the writer, and the
// writer's own autocheckpoint is raised to a fallback for a worker that falls behind or is gone.
//
// The worker also reports each pass (how long the WAL was, how many passes ended), so that the writer can start the
// WAL over without a checkpoint of its own that would stall it (wal-restart.ts).
//
// The worker is plain JavaScript (eval) so it runs the same under tsx, vitest and the bundled Electron main; it
// loads better-sqlite3 from the path this module resolves, with the same native binding as the main connection.
import { Worker } from 'node:worker_threads';
import type { CheckpointProgress } from './types';

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

export interface Checkpointer extends CheckpointProgress {
  /**
   * No checkpoint writes the file once this returns: one in progress is waited for (at most STOP_WAIT_MS), none
   * starts after. For a file found damaged, whose bytes must stay as they are from that moment.
   */
  stop(): void;
  /** asks the worker to finish its checkpoint and close its connection; resolves when the thread has ended */
  close(): Promise<void>;
}

/**
 * Shared with the worker, an Int32Array: its state (a stop must not wait for a message the worker reads only between
 * ticks), the WAL's length in frames at the start of its last finished pass (-1 before the first), passes finished.
 */
const STATE = 0;
const WAL_FRAMES = 1;
const PASSES = 2;
const IDLE = 0;
const CHECKPOINTING = 1;
const STOPPED = 2;
/** a PASSIVE checkpoint takes milliseconds; one stuck longer is no longer waited for (it started before the stop) */
const STOP_WAIT_MS = 2000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, workerData.nativeBinding ? { nativeBinding: workerData.nativeBinding } : {});
// never wait for a lock: a checkpoint that cannot run now runs on the next tick
db.pragma('busy_timeout = 0');
const state = new Int32Array(workerData.state);
let timer = null;
const tick = () => {
  timer = null;
  // stopped: no checkpoint any more, and no next tick
  if (Atomics.compareExchange(state, ${STATE}, ${IDLE}, ${CHECKPOINTING}) !== ${IDLE}) return;
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    // only a pass that copied what it could counts: the writer waits for one before it checkpoints the rest itself
    if (r && r.busy === 0 && r.log >= 0) {
      Atomics.store(state, ${WAL_FRAMES}, r.log);
      Atomics.add(state, ${PASSES}, 1);
    }
  } catch (err) {
    // SQLITE_BUSY and the like: try again on the next tick
  }
  // a stop that gave up waiting has set STOPPED meanwhile: it stays
  Atomics.compareExchange(state, ${STATE}, ${CHECKPOINTING}, ${IDLE});
  Atomics.notify(state, ${STATE});
  timer = setTimeout(tick, workerData.intervalMs);
};
parentPort.on('message', (m) => {
  // the writer waits for a pass (wal-restart.ts): it runs now rather than at the next tick
  if (m === 'now') {
    if (timer !== null) (clearTimeout(timer), tick());
    return;
  }
  if (m !== 'close') return;
  clearTimeout(timer);
  // no tick after this, not even one a 'now' would start
  timer = null;
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
  const state = new Int32Array(new SharedArrayBuffer(12));
  Atomics.store(state, WAL_FRAMES, -1);
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        state: state.buffer,
        module: require.resolve('better-sqlite3'),
        file: opts.file,
        nativeBinding: opts.nativeBinding ?? null,
        intervalMs: opts.intervalMs ?? 100,
      },
    });
  } catch (err) {
    fail(err);
    return { stop: () => {}, close: async () => {}, walFrames: () => -1, passesDone: () => 0, passing: () => false, hurry: () => {} };
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
    walFrames: () => Atomics.load(state, WAL_FRAMES),
    passesDone: () => Atomics.load(state, PASSES),
    passing: () => Atomics.load(state, STATE) === CHECKPOINTING,
    hurry() {
      if (!failed && !closing) worker.postMessage('now');
    },
    stop() {
      const deadline = Date.now() + STOP_WAIT_MS;
      for (;;) {
        if (Atomics.compareExchange(state, STATE, IDLE, STOPPED) !== CHECKPOINTING) return;
        const left = deadline - Date.now();
        if (left <= 0) return void Atomics.store(state, STATE, STOPPED);
        // blocks the loop for the rest of one checkpoint: only on the rare path of a file found damaged
        Atomics.wait(state, STATE, CHECKPOINTING, left);
      }
    },
    close() {
      closing = true;
      worker.postMessage('close');
      // a worker stuck in a long checkpoint is stopped rather than waited for
      const timer = setTimeout(() => void worker.terminate(), 2000);
      return exited.finally(() => clearTimeout(timer));
    },
  };
}
