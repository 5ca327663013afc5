// Starting the write-ahead log over without a checkpoint that stalls the writer.
//
// The checkpoint worker (checkpointer.ts) copies the WAL into the database file beside the writer, but SQLite starts
// the WAL over only when a write transaction begins while every frame in it has been copied. Indexing commits
// hundreds of frames a slice (every index a delivery touches: ~10 pages a delivery on the bench mix), and a pass of
// the worker takes tens of ms (two fsyncs), so during a burst that moment never came: the WAL grew to the writer's
// fallback size, and then the writer checkpointed inside a commit, on the event loop, copying and syncing what the
// worker had not reached yet: 30-80 ms stalls every ~10,000 frames (a quarter of a second of indexing), measured in
// the index bench as ~40 µs of the ~250 µs a delivery cost.
//
// So once the worker reports a long WAL, indexing holds its next slices (the loop stays free: acknowledgements go
// on) until a pass that began after the hold has ended; then this connection checkpoints what came in meanwhile (an
// acknowledgement's few frames: a few ms) and its next write starts the WAL over. Whether it did is not known here
// (a reader on an older snapshot, an export, prevents it; the worker's next report may already show a refilled WAL
// during a burst), so tries are spaced: at most one per MIN_GAP_MS, judged only by a report from a pass that ran
// after the last try. A WAL that cannot start over then costs indexing one pause per gap, never a stalled loop.
import type { CheckpointProgress } from './types';

/** the WAL's length (frames of 4 KiB: ~32 MB) from which indexing makes way for it to start over */
export const RESTART_FRAMES = 8000;
/** tries are at least this far apart (ms) */
export const MIN_GAP_MS = 250;
/** how often a held slice looks again, in ms */
const HOLD_MS = 5;
/** a worker pass that takes longer than this (a stuck disk) is not waited for: the writer's fallback remains */
const MAX_HOLD_MS = 500;

export class WalRestart {
  private progress: CheckpointProgress | null = null;
  /** holding indexing until the worker has finished this many passes, since `heldAt` */
  private until: number | null = null;
  private heldAt = 0;
  /** the last try: when, and the worker's passes then (its next report still shows the WAL from before) */
  private triedAt = -Infinity;
  private passesAtTry = -Infinity;

  constructor(private readonly checkpointNow: () => void) {}

  follow(progress: CheckpointProgress | null): void {
    this.progress = progress;
    this.until = null;
    this.triedAt = -Infinity;
    this.passesAtTry = -Infinity;
  }

  /** ms the next indexing slice should wait (0: go) */
  wait(now: number): number {
    const p = this.progress;
    if (!p) return 0;
    if (this.until === null) {
      if (now - this.triedAt < MIN_GAP_MS || p.passesDone() <= this.passesAtTry + 1) return 0;
      if (p.walFrames() < RESTART_FRAMES) return 0;
      // a pass already running began before the hold, with slices still committing: the next one counts. Read in
      // this order, a pass ending between the two reads makes the hold wait one pass more, never one less.
      const running = p.passing();
      this.until = p.passesDone() + (running ? 2 : 1);
      this.heldAt = now;
      p.hurry();
      return HOLD_MS;
    }
    if (p.passesDone() < this.until && now - this.heldAt < MAX_HOLD_MS) return HOLD_MS;
    this.until = null;
    this.checkpointNow();
    this.triedAt = now;
    this.passesAtTry = p.passesDone();
    return 0;
  }
}
