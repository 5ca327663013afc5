// Every HTTP request as received, newest first, for people who think in requests.
import type { DeliverySummary } from '../../../shared/domain';
import { revealHidden } from '../../../shared/visible-text';
import { zoneName } from '../lib/clock';
import { clip, formatBytes, formatFullTime, formatRaw, formatTime, ordinal } from '../lib/format';
import { useMaskView } from '../lib/mask-view';
import { useInspector, useInspectorStore } from '../store/context';
import { BadgeRow, FLAG_META, FlagBadge, RetryAfter200Badge, StatusCode } from './Badges';
import { retriedAfter200 } from '../../../shared/retry-ladder';
import { useNow } from './useNow';
import { VirtualList } from './VirtualList';
import { PinMark } from './MarkBar';
import { MarkSearchHint } from './MarkSearchHint';
import { SimMark } from './SimMark';

export function DeliveryList({ scrollToIndex }: { scrollToIndex: { index: number; seq: number } | null }) {
  const store = useInspectorStore();
  const cursorKey = useInspector((s) => s.cursorKey);
  const selectedId = useInspector((s) => s.selectedDeliveryId);
  const query = useInspector((s) => s.query);
  const now = useNow(30000);
  const zone = useInspector((s) => s.clockZone);
  const shown = useMaskView();

  const renderRow = (row: DeliverySummary | undefined, index: number) => {
    const d = row && shown.deliveryRow(row);
    if (!d) return <div className="vrow placeholder" aria-hidden>{index + 1}</div>;
    const cls = ['vrow', 'drow'];
    if (String(d.id) === cursorKey) cls.push('cursor');
    if (d.id === selectedId) cls.push('selected');
    if (d.outcome === 'rejected') cls.push('rejected');
    const type = d.type ?? (d.outcome === 'rejected' ? 'rejected' : d.kind);
    return (
      <div
        className={cls.join(' ')}
        role="row"
        aria-selected={d.id === selectedId}
        data-delivery-id={d.id}
        onClick={() => {
          store.getState().selectMessage(d.reference);
          store.getState().selectDelivery(d.id);
        }}
      >
        <span className="c-mark" role="gridcell"><PinMark pinned={row.pinned} note={row.note} /></span>
        <span className="c-id mono" role="gridcell" data-testid="delivery-id">#{d.id}</span>
        <span className="c-time mono" role="gridcell" data-testid="received" title={`${formatFullTime(d.receivedAt)} (${formatRaw(d.receivedAt)})`}>{formatTime(d.receivedAt, now)}</span>
        <span className="c-status" role="gridcell" title={`${d.responseStatus} ${d.responseMs} ms: what this inspector answered, and how fast`}>
          <StatusCode status={d.responseStatus} /> <span className="dim">{d.responseMs} ms</span>
        </span>
        <span className="c-type" role="gridcell" title={revealHidden(type)}>{revealHidden(type)}</span>
        <span className="c-channel" role="gridcell">{revealHidden(d.channel ?? '—')}</span>
        <span className={`c-user mono ${shown.phoneClass}`} role="gridcell" title={revealHidden(d.userId ?? '')}>{revealHidden(d.userId ?? '—')}</span>
        <span className="c-attempt" role="gridcell" title={d.attempt ? `${ordinal(d.attempt)} attempt of this event${d.attempt > 1 ? ' (the gateway retried)' : ''}` : undefined}>
          {d.attempt ? ordinal(d.attempt) : ''}
        </span>
        <BadgeRow
          className="c-flags"
          role="gridcell"
          testId="flags"
          title={[...(retriedAfter200(d.previousAnswer) ? ['retry after 200'] : []), ...d.flags.map((f) => FLAG_META[f].label)].join(' ')}
          items={[
            // first: the one fact a repeat's duplicate badge does not already say
            ...(retriedAfter200(d.previousAnswer) ? [{ key: 'retry-after-200', label: 'retry after 200', node: <RetryAfter200Badge /> }] : []),
            ...d.flags.map((f) => ({ key: f, label: FLAG_META[f].label, node: <FlagBadge flag={f} /> })),
            ...(d.simulated ? [{ key: 'sim', label: 'sim', node: <SimMark /> }] : []),
          ]}
        />
        <span className="c-preview" role="gridcell" data-testid="body-preview" title={revealHidden(clip(d.rejectReason ?? d.preview, 500))}>{revealHidden(clip(d.rejectReason ?? d.preview, 160))}</span>
        <span className="c-size dim" role="gridcell">{formatBytes(d.bodySize)}</span>
      </div>
    );
  };

  return (
    <VirtualList<DeliverySummary>
      view="deliveries"
      label="Deliveries"
      className="deliveries"
      scrollToIndex={scrollToIndex}
      renderRow={renderRow}
      empty={query ? <>No delivery matches <code>{query}</code>.<MarkSearchHint query={query} /></> : <>No deliveries yet.</>}
      header={
        <div className="vrow drow head" role="row">
          <span role="columnheader" className="c-mark" aria-label="Pinned or noted" title="Pinned or noted" />
          <span role="columnheader" className="c-id" title="Delivery id: one HTTP request as received">ID</span>
          <span role="columnheader" className="c-time">Received<small className="zone" data-testid="zone">{zoneName(zone)}</small></span>
          <span role="columnheader" className="c-status">Answered</span>
          <span role="columnheader" className="c-type">Type</span>
          <span role="columnheader" className="c-channel">Channel</span>
          <span role="columnheader" className="c-user">User</span>
          <span role="columnheader" className="c-attempt" title="Which attempt of its event this delivery is (the gateway retries an unanswered callback)">Attempt</span>
          <span role="columnheader" className="c-flags">Flags</span>
          <span role="columnheader" className="c-preview">Preview</span>
          <span role="columnheader" className="c-size">Size</span>
        </div>
      }
    />
  );
}
