// Flags, states and anomalies as badges: icon + text, colour only reinforces.
import type { AnomalyName, FlagName, MessageState } from '../../../shared/domain';
import { explainAnomaly, explainState } from '../../../shared/explain';
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
      {m.label}
      {count !== undefined && count > 1 ? <span className="badge-count">×{count}</span> : null}
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
      {anomaly}
    </span>
  );
}

export function StatusCode({ status }: { status: number }) {
  const tone = status >= 200 && status < 300 ? 'good' : status >= 500 ? 'bad' : 'warn';
  return <span className={`code tone-${tone}`}>{status}</span>;
}
