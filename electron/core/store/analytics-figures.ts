// Pure arithmetic of the analytics report: exact nearest-rank percentiles and fixed-bound histograms of a set of
// durations, and the bucket width of a time series. Durations arrive as (value, how many) pairs, so SQLite can
// group equal values and hand over a few thousand pairs instead of a million numbers.
import { HISTOGRAM_BOUNDS_MS, SERIES_BUCKETS_MS, type Histogram, type LatencyFigures, type Percentiles, type TimeSeries } from '../../../shared/analytics';
import { EVENT_KINDS, type EventKind } from '../../../shared/domain';

/** How many buckets a series may hold before the next wider bucket is taken. */
const MAX_BUCKETS = 200;

/** Values with their multiplicity; add in any order. */
export class Distribution {
  private readonly counts = new Map<number, number>();
  add(value: number, n = 1): void {
    this.counts.set(value, (this.counts.get(value) ?? 0) + n);
  }
  /** (value, count) ascending by value */
  sorted(): [number, number][] {
    return [...this.counts].sort((a, b) => a[0] - b[0]);
  }
}

export function noValues(): Percentiles {
  return { p50: null, p90: null, p99: null, n: 0 };
}

/** The nearest ranks (1-based) of p50, p90 and p99 among n values; none when n = 0. */
export function percentileRanks(n: number): number[] {
  return n === 0 ? [] : [50, 90, 99].map((p) => Math.max(1, Math.ceil((p / 100) * n)));
}

/** Nearest-rank percentiles of (value, count) pairs sorted by value. */
export function percentilesOf(sorted: readonly (readonly [number, number])[]): Percentiles {
  const n = sorted.reduce((s, [, c]) => s + c, 0);
  if (n === 0) return noValues();
  const ranks = percentileRanks(n);
  const out: (number | null)[] = [null, null, null];
  let seen = 0;
  for (const [v, c] of sorted) {
    seen += c;
    for (let i = 0; i < 3; i++) if (out[i] === null && seen >= ranks[i]) out[i] = v;
    if (out[2] !== null) break;
  }
  return { p50: out[0], p90: out[1], p99: out[2], n };
}

/**
 * counts[i]: values at or below bounds[i] and above bounds[i-1]; the last count: above the last bound. Also right
 * for (key, count) pairs whose keys lie in the same bucket as their values (an_values.k: no bound lies between).
 */
export function histogramOf(sorted: readonly (readonly [number, number])[]): Histogram {
  const boundsMs = [...HISTOGRAM_BOUNDS_MS];
  const counts = new Array<number>(boundsMs.length + 1).fill(0);
  let i = 0;
  for (const [v, c] of sorted) {
    while (i < boundsMs.length && v > boundsMs[i]) i++;
    counts[i] += c;
  }
  return { boundsMs, counts };
}

export function latencyOf(sorted: readonly (readonly [number, number])[]): LatencyFigures {
  return { ...percentilesOf(sorted), histogram: histogramOf(sorted) };
}

/** The narrowest bucket that keeps the window within MAX_BUCKETS (the widest when none does). */
function bucketFor(from: number, to: number): number {
  for (const b of SERIES_BUCKETS_MS) {
    if (Math.floor(to / b) - Math.floor(from / b) + 1 <= MAX_BUCKETS) return b;
  }
  return SERIES_BUCKETS_MS[SERIES_BUCKETS_MS.length - 1];
}

/**
 * The deliveries-over-time series of a window, zeroed: buckets of the width the window calls for, from the first
 * delivery's bucket to the last's (gaps are zeros). `add` puts a count received in a given minute into its bucket:
 * every bucket width is a whole number of minutes, aligned to the epoch like them.
 */
export function seriesOver(from: number | null, to: number | null): { series: TimeSeries; add(minute: number, kind: EventKind | 'repeat', n: number): void } {
  const byKind = Object.fromEntries(EVENT_KINDS.map((k) => [k, [] as number[]])) as Record<EventKind, number[]>;
  if (from === null || to === null) return { series: { bucketMs: 60_000, t: [], byKind, repeats: [] }, add: () => {} };
  const bucketMs = bucketFor(from, to);
  const first = Math.floor(from / bucketMs);
  const n = Math.floor(to / bucketMs) - first + 1;
  const t = Array.from({ length: n }, (_, i) => (first + i) * bucketMs);
  for (const k of EVENT_KINDS) byKind[k] = new Array<number>(n).fill(0);
  const repeats = new Array<number>(n).fill(0);
  const add = (minute: number, kind: EventKind | 'repeat', c: number) => {
    const i = Math.floor((minute * 60_000) / bucketMs) - first;
    (kind === 'repeat' ? repeats : (byKind[kind] ?? byKind.unknown))[i] += c;
  };
  return { series: { bucketMs, t, byKind, repeats }, add };
}
