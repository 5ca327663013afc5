// Every HTTP request as received, newest first, for people who think in requests.
import type { DeliverySummary } from '../../../shared/domain';
import { revealHidden } from '../../../shared/visible-text';
import { clip, formatBytes, formatTime } from '../lib/format';
import { useInspector, useInspectorStore } from '../store/context';
import { FlagBadge, StatusCode } from './Badges';
import { useNow } from './useNow';
import { VirtualList } from './VirtualList';

export function DeliveryList({ scrollToIndex }: { scrollToIndex: { index: number; seq: number } | null }) {
  const store = useInspectorStore();
  const cursorKey = useInspector((s) => s.cursorKey);
  const selectedId = useInspector((s) => s.selectedDeliveryId);
  const query = useInspector((s) => s.query);
  const now = useNow(30000);

  const renderRow = (d: DeliverySummary | undefined, index: number) => {
    if (!d) return <div className="vrow placeholder" aria-hidden>{index + 1}</div>;
    const cls = ['vrow', 'drow'];
    if (String(d.id) === cursorKey) cls.push('cursor');
    if (d.id === selectedId) cls.push('selected');
    if (d.outcome === 'rejected') cls.push('rejected');
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
        <span className="c-id mono" role="gridcell" data-testid="delivery-id">#{d.id}</span>
        <span className="c-time mono" role="gridcell" title={new Date(d.receivedAt).toISOString()}>{formatTime(d.receivedAt, now)}</span>
        <span className="c-status" role="gridcell"><StatusCode status={d.responseStatus} /> <span className="dim">{d.responseMs} ms</span></span>
        <span className="c-type" role="gridcell" title={revealHidden(d.type ?? d.kind)}>{revealHidden(d.type ?? (d.outcome === 'rejected' ? 'rejected' : d.kind))}</span>
        <span className="c-channel" role="gridcell">{revealHidden(d.channel ?? '—')}</span>
        <span className="c-user mono" role="gridcell">{revealHidden(d.userId ?? '—')}</span>
        <span className="c-attempt mono" role="gridcell" title="attempt of this event">{d.attempt ? `#${d.attempt}` : ''}</span>
        <span className="c-flags" role="gridcell">{d.flags.map((f) => <FlagBadge key={f} flag={f} />)}</span>
        <span className="c-preview" role="gridcell" data-testid="body-preview" title={revealHidden(clip(d.preview, 500))}>{revealHidden(clip(d.rejectReason ?? d.preview, 160))}</span>
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
      empty={query ? <>No delivery matches <code>{query}</code>.</> : <>No deliveries yet.</>}
      header={
        <div className="vrow drow head" role="row">
          <span role="columnheader">#</span><span role="columnheader">Received</span><span role="columnheader">Answered</span>
          <span role="columnheader">Type</span><span role="columnheader">Chan</span><span role="columnheader">User</span>
          <span role="columnheader">Try</span><span role="columnheader">Flags</span><span role="columnheader">Preview</span>
          <span role="columnheader">Size</span>
        </div>
      }
    />
  );
}
