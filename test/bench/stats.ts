// The small statistics the benches report with: medians of rounds (the machine's speed drifts, so every ratio is
// taken within a round and the median of the rounds is reported) and two-decimal rounding.

export function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : round((s[m - 1]! + s[m]!) / 2);
}

/** the element whose key is the median (the lower middle one for an even count) */
export function medianBy<T>(xs: T[], key: (x: T) => number): T {
  return [...xs].sort((p, q) => key(p) - key(q))[(xs.length - 1) >> 1]!;
}

export function round(x: number): number {
  return Math.round(x * 100) / 100;
}
