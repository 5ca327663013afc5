// Flags, states and anomalies as badges: icon + text, colour only reinforces. A row of them in a narrow column shows
// the badges that fit whole and "+N" for the rest; the first badge is always shown, its words shortened with … when
// not even it fits beside "+N" (a bare "+3" says nothing).
import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { SIMULATED_HEADER } from '../../../shared/constants';
import type { AnomalyName, FlagName, MessageState } from '../../../shared/domain';
import { explainAnomaly, explainState } from '../../../shared/explain';
import { RETRY_AFTER_200_HINT } from '../../../shared/retry-ladder';
import { Icon, type IconName } from './Icons';

export const FLAG_META: Record<FlagName, { label: string; icon: IconName; tone: string; hint: string }> = {
  duplicate: { label: 'duplicate', icon: 'duplicate', tone: 'warn', hint: 'The gateway delivered this event more than once' },
  'duplicate-blocked': { label: 'dup-blocked', icon: 'blocked', tone: 'muted', hint: 'The gateway blocked a duplicate send' },
  exception: { label: 'exception', icon: 'exception', tone: 'bad', hint: 'type: EXCEPTION (401 token, 403/404 no RCS)' },
  error: { label: 'error', icon: 'error', tone: 'bad', hint: 'type: ERROR (upstream 5xx)' },
  'prepaid-blocked': { label: 'prepaid', icon: 'coin', tone: 'bad', hint: 'Blocked: no prepaid credits' },
  fallback: { label: 'SMS fallback', icon: 'sms', tone: 'info', hint: 'Sent over SMS instead of RCS' },
  invalid: { label: 'invalid', icon: 'invalid', tone: 'bad', hint: 'Not a valid callback payload' },
};

export const STATE_META: Record<MessageState, { label: string; icon: IconName; tone: string }> = {
  sent: { label: 'sent', icon: 'sent', tone: 'muted' },
  delivered: { label: 'delivered', icon: 'check', tone: 'info' },
  read: { label: 'read', icon: 'checks', tone: 'good' },
  replied: { label: 'replied', icon: 'reply', tone: 'good' },
  failed: { label: 'failed', icon: 'fail', tone: 'bad' },
  'fell-back': { label: 'fell back', icon: 'sms', tone: 'warn' },
  blocked: { label: 'blocked', icon: 'blocked', tone: 'bad' },
};

export function FlagBadge({ flag, count }: { flag: FlagName; count?: number }) {
  const m = FLAG_META[flag];
  return (
    <span className={`badge tone-${m.tone}`} title={m.hint} data-flag={flag}>
      <Icon name={m.icon} size={11} />
      <span className="badge-label">{m.label}</span>
      {count !== undefined && count > 1 ? <span className="badge-count">×{count}</span> : null}
    </span>
  );
}

/** A repeat the gateway sent although we had answered the attempt before 200 in time (derived, not a stored flag). */
export function RetryAfter200Badge() {
  return (
    <span className="badge tone-warn" title={RETRY_AFTER_200_HINT} data-flag="retry-after-200" data-testid="retry-after-200">
      <Icon name="replay" size={11} />
      retry after 200
    </span>
  );
}

export function StateBadge({ state }: { state: MessageState }) {
  const m = STATE_META[state];
  return (
    <span className={`state tone-${m.tone}`} title={explainState(state)} data-state={state}>
      <Icon name={m.icon} size={12} />
      {m.label}
    </span>
  );
}

export function AnomalyBadge({ anomaly }: { anomaly: AnomalyName }) {
  return (
    <span className="badge tone-anomaly" title={explainAnomaly(anomaly)} data-anomaly={anomaly}>
      <Icon name="anomaly" size={11} />
      <span className="badge-label">{anomaly}</span>
    </span>
  );
}

/** A delivery the gateway simulator sent (its header says so), not the gateway. */
export function SimulatedBadge({ headers }: { headers: [string, string][] }) {
  const simulated = headers.some(([k, v]) => k.toLowerCase() === SIMULATED_HEADER.toLowerCase() && v.trim() === '1');
  if (!simulated) return null;
  return (
    <span className="badge tone-info" title={`Sent by the inspector's gateway simulator (${SIMULATED_HEADER} header), not by the gateway`} data-testid="simulated-badge">
      <Icon name="replay" size={11} />
      simulated
    </span>
  );
}

export function StatusCode({ status }: { status: number }) {
  const tone = status >= 200 && status < 300 ? 'good' : status >= 500 ? 'bad' : 'warn';
  return <span className={`code tone-${tone}`}>{status}</span>;
}

export interface BadgeItem {
  key: string;
  /** the words the "+N" tooltip lists for it */
  label: string;
  node: ReactNode;
}

/** the gap between badges (.badge-row's CSS gap) */
const GAP_PX = 3;

/**
 * Badges in a cell of fixed width: as many as fit whole, in order, then "+N" whose tooltip lists every badge (at
 * least the first, its words shortened with … when even it does not fit). A
 * badge's width does not depend on the cell's, so each is measured once while shown and remembered: the ones left
 * out take no room (display: none) and the cell's own content is never cut.
 */
export function BadgeRow({ items, className, title, testId, role }: { items: BadgeItem[]; className: string; title: string; testId?: string; role?: string }) {
  const box = useRef<HTMLSpanElement>(null);
  const widths = useRef(new Map<string, number>());
  const moreWidth = useRef(24);
  // a badge's words change its width (duplicate → duplicate×2 as repeats arrive): it is measured again then
  const measureKey = (it: BadgeItem) => `${it.key}\u0000${it.label}`;
  const sig = items.map(measureKey).join('|');
  // a new set of badges is shown whole first, so each is measured before any is left out
  const [fit, setFit] = useState({ sig, n: items.length, squeeze: false });
  const shown = fit.sig === sig ? Math.min(fit.n, items.length) : items.length;
  // the first badge is shown even when it does not fit whole (beside "+N", or alone): it gives way, "+N" does not
  const squeezed = fit.sig === sig && fit.squeeze;

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => {
      // a shortened badge's width is not its own: keep the one measured while it was whole
      for (const slot of el.querySelectorAll<HTMLElement>(':scope > .badge-slot:not(.squeezed)')) widths.current.set(slot.dataset.measure!, slot.offsetWidth);
      const more = el.querySelector<HTMLElement>(':scope > .badge-more');
      if (more && more.offsetWidth > 0) moreWidth.current = more.offsetWidth;
      const ws = items.map((it) => widths.current.get(measureKey(it)) ?? 0);
      const avail = el.clientWidth;
      const all = ws.reduce((a, w) => a + w, 0) + GAP_PX * Math.max(0, ws.length - 1);
      let n = ws.length;
      let squeeze = false;
      if (all > avail) {
        // room for "+N" after the last whole badge
        let used = 0;
        n = 0;
        while (n < ws.length && used + ws[n]! + GAP_PX + moreWidth.current <= avail) used += ws[n++]! + GAP_PX;
        if (n === 0) {
          n = 1;
          squeeze = true;
        }
      }
      setFit((f) => (f.sig === sig && f.n === n && f.squeeze === squeeze ? f : { sig, n, squeeze }));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [sig]);

  const rest = items.length - shown;
  return (
    <span className={`${className} badge-row`} role={role} data-testid={testId} title={title} ref={box}>
      {items.slice(0, shown).map((it) => (
        <span key={it.key} className={`badge-slot${squeezed ? ' squeezed' : ''}`} data-key={it.key} data-measure={measureKey(it)}>
          {it.node}
        </span>
      ))}
      {rest > 0 ? (
        <span
          className="badge badge-more"
          data-testid="badges-more"
          title={items.map((it) => it.label).join('\n')}
          aria-label={`and ${rest} more: ${items.slice(shown).map((it) => it.label).join(', ')}`}
        >
          +{rest}
        </span>
      ) : null}
    </span>
  );
}
