// One row per reference: where each message is in its lifecycle and what went wrong.
import type { MessageSummary } from '../../../shared/domain';
import { FLAG_NAMES } from '../../../shared/domain';
import { revealHidden } from '../../../shared/visible-text';
import { clip, formatAgo, formatTime } from '../lib/format';
import { useInspector, useInspectorStore } from '../store/context';
import { AnomalyBadge, FlagBadge, StateBadge } from './Badges';
import { useNow } from './useNow';
import { VirtualList } from './VirtualList';

export function MessageList({ scrollToIndex }: { scrollToIndex: { index: number; seq: number } | null }) {
  const store = useInspectorStore();
  const cursorKey = useInspector((s) => s.cursorKey);
  const selectedRef = useInspector((s) => s.selectedRef);
  const query = useInspector((s) => s.query);
  const now = useNow(5000);

  const renderRow = (m: MessageSummary | undefined, index: number) => {
    if (!m) return <div className="vrow placeholder" aria-hidden>{index + 1}</div>;
    const cls = ['vrow', 'mrow'];
    if (m.reference === cursorKey) cls.push('cursor');
    if (m.reference === selectedRef) cls.push('selected');
    const onlyDup = m.duplicateCount > 0 && !m.flags.includes('duplicate');
    return (
      <div
        className={cls.join(' ')}
        role="row"
        aria-selected={m.reference === selectedRef}
        data-reference={m.reference}
        onClick={() => store.getState().selectMessage(m.reference)}
      >
        <span className="c-state" role="gridcell" data-testid="state"><StateBadge state={m.state} /></span>
        <span className="c-user mono" role="gridcell" data-testid="user" title={revealHidden(m.userId ?? '')}>{revealHidden(m.userId ?? '—')}</span>
        <span className="c-campaign" role="gridcell" data-testid="campaign" title={revealHidden(m.campaign ?? '')}>{revealHidden(clip(m.campaign, 60)) || '—'}</span>
        <span className="c-last" role="gridcell" title={revealHidden(`last: ${m.lastType ?? m.lastKind} at ${formatTime(m.lastReceivedAt, now)}`)}>
          {revealHidden(m.lastType ?? m.lastKind)}
          {m.channels.includes('SMS') ? <span className="path-hint">{revealHidden(m.channels.join(' → '))}</span> : null}
        </span>
        <span className="c-ago" role="gridcell" title={m.sentAt ? `sent ${new Date(m.sentAt).toISOString()}` : 'no sent echo received'}>
          {formatAgo(m.sentAt ?? m.firstReceivedAt, now)}
        </span>
        <span className="c-counts mono" role="gridcell" title={`${m.deliveryCount} deliveries, ${m.eventCount} events`}>
          {m.deliveryCount}/{m.eventCount}
        </span>
        <span className="c-flags" role="gridcell" data-testid="flags">
          {FLAG_NAMES.filter((f) => m.flags.includes(f)).map((f) => (
            <FlagBadge key={f} flag={f} count={m.flagCounts[f]} />
          ))}
          {onlyDup ? <FlagBadge flag="duplicate" count={m.duplicateCount} /> : null}
          {m.anomalies.map((a) => <AnomalyBadge key={a} anomaly={a} />)}
        </span>
        <span className="c-ref mono" role="gridcell" data-testid="reference" title={revealHidden(m.reference)}>{revealHidden(m.reference)}</span>
      </div>
    );
  };

  return (
    <VirtualList<MessageSummary>
      view="messages"
      label="Messages"
      className="messages"
      scrollToIndex={scrollToIndex}
      renderRow={renderRow}
      empty={query ? <>No message matches <code>{query}</code>.</> : <>No messages yet.</>}
      header={
        <div className="vrow mrow head" role="row">
          <span role="columnheader">State</span><span role="columnheader">User</span><span role="columnheader">Campaign</span>
          <span role="columnheader">Last event</span><span role="columnheader">Sent</span>
          <span role="columnheader" title="deliveries / events">Dlv/Evt</span><span role="columnheader">Flags</span>
          <span role="columnheader">Reference</span>
        </div>
      }
    />
  );
}
