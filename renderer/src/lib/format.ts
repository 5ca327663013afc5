// Display formatting shared by lists and detail panes.
export { formatDuration } from '../../../shared/explain';
import { clockZone, offsetLabel, pad, zonedParts, type ClockZone } from './clock';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const absent = (ms: number | null | undefined): ms is null | undefined => ms === null || ms === undefined || !Number.isFinite(ms);

/**
 * For a list cell, in the chosen clock (see clock.ts): 12:00:02.350 today, Nov 28 12:00:02 this year, otherwise
 * 2024-11-28 12:00. The column header names the zone.
 */
export function formatTime(ms: number | null | undefined, now = Date.now(), zone: ClockZone = clockZone()): string {
  if (absent(ms)) return '—';
  const d = zonedParts(ms, zone);
  const n = zonedParts(now, zone);
  const hm = `${pad(d.hour)}:${pad(d.minute)}`;
  if (d.year === n.year && d.month === n.month && d.day === n.day) return `${hm}:${pad(d.second)}.${pad(d.ms, 3)}`;
  if (d.year === n.year) return `${MONTHS[d.month - 1]} ${d.day} ${hm}:${pad(d.second)}`;
  return `${d.year}-${pad(d.month)}-${pad(d.day)} ${hm}`;
}

/** 2025-11-28 09:00:02.017 in the chosen clock, without the zone (where a heading names it) */
export function formatDateTime(ms: number | null | undefined, zone: ClockZone = clockZone()): string {
  if (absent(ms)) return '—';
  const d = zonedParts(ms, zone);
  return `${d.year}-${pad(d.month)}-${pad(d.day)} ${pad(d.hour)}:${pad(d.minute)}:${pad(d.second)}.${pad(d.ms, 3)}`;
}

/** 2025-11-28 09:00:02.017 UTC−03:00: a time that stands alone says its zone */
export function formatFullTime(ms: number | null | undefined, zone: ClockZone = clockZone()): string {
  if (absent(ms)) return '—';
  return `${formatDateTime(ms, zone)} ${offsetLabel(ms, zone)}`;
}

/** the instant as ISO 8601 UTC, the form the gateway sends its timestamps in: for tooltips beside zoned times */
export function formatRaw(ms: number | null | undefined): string {
  if (absent(ms)) return '—';
  return new Date(ms).toISOString();
}

/** "3 s ago", "5 min ago", "2 h ago", "4 d ago" */
export function formatAgo(ms: number | null | undefined, now = Date.now()): string {
  if (absent(ms)) return '—';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** a count, marked `+` when it is a lower bound (counting stopped early to stay fast) */
export function formatCount(n: number, exact = true): string {
  const s = num(n);
  return exact ? s : `${s}+`;
}

/** cut long text for one-line cells; the full value stays in the detail pane */
export function clip(text: string | null | undefined, max = 200): string {
  if (!text) return '';
  return text.length > max ? text.slice(0, max) + '…' : text;
}

// toLocaleString builds a formatter per call; counts re-render several times a second during a burst
const numberFormat = new Intl.NumberFormat('en-US');
export const num = (n: number): string => numberFormat.format(n);

/** "1 delivery", "2 deliveries", "1,204 events": a count with its noun in the right number */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}

/** 1st, 2nd, 3rd, 11th, 22nd: an attempt's place, so it does not read like a delivery id (#12) */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}
