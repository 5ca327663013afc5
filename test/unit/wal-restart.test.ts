// When indexing makes way for the WAL to start over (store/wal-restart.ts), against a scripted checkpoint worker: it
// holds slices only once the WAL is long, until a pass that began after the hold has ended, then checkpoints once.
import { describe, expect, it } from 'vitest';
import { MIN_GAP_MS, RESTART_FRAMES, WalRestart } from '../../electron/core/store/wal-restart';
import type { CheckpointProgress } from '../../electron/core/store/types';

function worker(frames: number) {
  const w = { frames, passes: 0, running: false, hurried: 0 };
  const progress: CheckpointProgress = {
    walFrames: () => w.frames,
    passesDone: () => w.passes,
    passing: () => w.running,
    hurry: () => void w.hurried++,
  };
  return { w, progress };
}

function restart() {
  const r = { checkpoints: 0 };
  return { r, gate: new WalRestart(() => void r.checkpoints++) };
}

describe('WAL start-over', () => {
  it('lets indexing go while the WAL is short, or when no worker reports', () => {
    const { r, gate } = restart();
    expect(gate.wait(0)).toBe(0);
    const { w, progress } = worker(RESTART_FRAMES - 1);
    gate.follow(progress);
    expect(gate.wait(0)).toBe(0);
    expect(w.hurried).toBe(0);
    expect(r.checkpoints).toBe(0);
  });

  it('holds a long WAL until the next pass ends, then checkpoints the rest itself once', () => {
    const { r, gate } = restart();
    const { w, progress } = worker(RESTART_FRAMES + 500);
    gate.follow(progress);
    expect(gate.wait(0)).toBeGreaterThan(0);
    expect(w.hurried).toBe(1);
    expect(gate.wait(5)).toBeGreaterThan(0);
    w.passes = 1;
    expect(gate.wait(10)).toBe(0);
    expect(r.checkpoints).toBe(1);
    // the WAL started over: short again, nothing held
    w.frames = 120;
    w.passes = 3;
    expect(gate.wait(400)).toBe(0);
    expect(r.checkpoints).toBe(1);
  });

  it('waits for a second pass when one was already running (it began while slices still committed)', () => {
    const { r, gate } = restart();
    const { w, progress } = worker(RESTART_FRAMES);
    w.running = true;
    gate.follow(progress);
    expect(gate.wait(0)).toBeGreaterThan(0);
    w.passes = 1;
    w.running = false;
    expect(gate.wait(5)).toBeGreaterThan(0);
    w.passes = 2;
    expect(gate.wait(10)).toBe(0);
    expect(r.checkpoints).toBe(1);
  });

  it('tries again only after a gap, and judges by a pass that ran after the last try (one may refill the WAL fast)', () => {
    const { r, gate } = restart();
    const { w, progress } = worker(RESTART_FRAMES);
    gate.follow(progress);
    gate.wait(0);
    w.passes = 1;
    expect(gate.wait(5)).toBe(0);
    expect(r.checkpoints).toBe(1);
    // still long (refilled, or a reader kept it from starting over): not again so soon...
    w.frames = 3 * RESTART_FRAMES;
    w.passes = 3;
    expect(gate.wait(5 + MIN_GAP_MS - 1)).toBe(0);
    // ...nor on the report of the pass that was next after the try
    w.passes = 2;
    expect(gate.wait(5 + MIN_GAP_MS)).toBe(0);
    // then it holds again
    w.passes = 3;
    expect(gate.wait(5 + MIN_GAP_MS)).toBeGreaterThan(0);
    w.passes = 4;
    expect(gate.wait(10 + MIN_GAP_MS)).toBe(0);
    expect(r.checkpoints).toBe(2);
  });

  it('stops waiting for a worker whose pass does not end (a stuck disk): the writer checkpoints as before', () => {
    const { r, gate } = restart();
    const { progress } = worker(RESTART_FRAMES * 2);
    gate.follow(progress);
    gate.wait(0);
    expect(gate.wait(100)).toBeGreaterThan(0);
    expect(gate.wait(600)).toBe(0);
    expect(r.checkpoints).toBe(1);
  });
});
