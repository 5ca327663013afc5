// Time as the background schedulers see it, injected so that their pacing can be tested on a fake clock.
export interface Clock {
  /** monotonic ms */
  now(): number;
  /** wall-clock ms (Date.now) */
  wall(): number;
  /** after the I/O of this loop turn (setImmediate) */
  defer(fn: () => void): unknown;
  after(ms: number, fn: () => void): unknown;
  cancel(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  wall: () => Date.now(),
  defer: (fn) => setImmediate(fn),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  cancel(h) {
    clearTimeout(h as NodeJS.Timeout);
    clearImmediate(h as NodeJS.Immediate);
  },
};
