// Display formatting shared by lists and detail panes.
export { formatDuration } from '../../../shared/explain';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** 12:00:02.350 today, otherwise 2025-11-28 12:00:02 */
export function formatTime(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const n = new Date(now);
  const hms = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (d.toDateString() === n.toDateString()) return `${hms}.${pad(d.getMilliseconds(), 3)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hms}`;
}

export function formatFullTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return new Date(ms).toISOString();
}

/** "3 s ago", "5 min ago", "2 h ago", "4 d ago" */
export function formatAgo(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
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
