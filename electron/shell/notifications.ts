// Desktop notification when exceptions or errors arrive (setting `notifications`, off by default). Bursts are
// merged: at most one notification per interval, counting everything that arrived meanwhile.
import type { ApiEventBatch } from '../../shared/api';

export interface AlertCounts {
  exceptions: number;
  errors: number;
  /** a reference from the latest alerting delivery, to make the text concrete */
  reference: string | null;
  preview: string;
}

export function countAlerts(batch: ApiEventBatch): AlertCounts {
  const c: AlertCounts = { exceptions: 0, errors: 0, reference: null, preview: '' };
  for (const item of batch) {
    if (item.event !== 'deliveries') continue;
    for (const d of item.data.deliveries) {
      const exc = d.flags.includes('exception');
      const err = d.flags.includes('error');
      if (exc) c.exceptions++;
      if (err) c.errors++;
      if (exc || err) {
        c.reference = d.reference;
        c.preview = d.preview;
      }
    }
  }
  return c;
}

export function notificationText(c: AlertCounts): { title: string; body: string } | null {
  if (c.exceptions === 0 && c.errors === 0) return null;
  const parts: string[] = [];
  if (c.exceptions) parts.push(`${c.exceptions} exception${c.exceptions === 1 ? '' : 's'}`);
  if (c.errors) parts.push(`${c.errors} error${c.errors === 1 ? '' : 's'}`);
  const total = c.exceptions + c.errors;
  const detail = total === 1 && c.reference ? `${c.reference}: ${c.preview}`.slice(0, 200) : 'Open the inspector to see them.';
  return { title: `RCS callbacks: ${parts.join(' and ')}`, body: detail };
}

export interface NotifierOptions {
  isEnabled(): boolean | Promise<boolean>;
  show(n: { title: string; body: string }): void;
  minIntervalMs?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
}

export function createAlertNotifier(opts: NotifierOptions): { onBatch(batch: ApiEventBatch): void; close(): void } {
  const minInterval = opts.minIntervalMs ?? 10_000;
  const now = opts.now ?? Date.now;
  let lastShown = -Infinity;
  let pending: AlertCounts | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  const flush = async () => {
    timer = null;
    const counts = pending;
    pending = null;
    if (!counts || closed) return;
    try {
      // Read the setting when there is something to say, so turning it off takes effect at once.
      if (!(await opts.isEnabled())) return;
      const text = notificationText(counts);
      if (!text) return;
      lastShown = now();
      opts.show(text);
    } catch (err) {
      opts.onError?.(err);
    }
  };

  return {
    onBatch(batch) {
      if (closed) return;
      const c = countAlerts(batch);
      if (c.exceptions === 0 && c.errors === 0) return;
      pending = pending
        ? { exceptions: pending.exceptions + c.exceptions, errors: pending.errors + c.errors, reference: c.reference, preview: c.preview }
        : c;
      if (timer) return;
      const wait = Math.max(0, lastShown + minInterval - now());
      timer = setTimeout(() => void flush(), wait);
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
