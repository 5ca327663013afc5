// One row per reference: where each message is in its lifecycle and what went wrong.
import type { MessageSummary } from '../../../shared/domain';
import { FLAG_NAMES } from '../../../shared/domain';
import { revealHidden } from '../../../shared/visible-text';
import { clip, formatAgo, formatFullTime, formatRaw, plural } from '../lib/format';
import { useMaskView } from '../lib/mask-view';
import { useInspector, useInspectorStore } from '../store/context';
import { AnomalyBadge, BadgeRow, FLAG_META, FlagBadge, StateBadge, type BadgeItem } from './Badges';
import { useNow } from './useNow';
import { VirtualList } from './VirtualList';
import { PinMark } from './MarkBar';
import { SimMark } from './SimMark';

export function MessageList({ scrollToIndex }: { scrollToIndex: { index: number; seq: number } | null }) {
  const store = useInspectorStore();
  const cursorKey = useInspector((s) => s.cursorKey);
  const selectedRef = useInspector((s) => s.selectedRef);
  const query = useInspector((s) => s.query);
  const now = useNow(5000);
  // tooltips carry zoned times: a new zone re-renders the rows
  useInspector((s) => s.clockZone);
  const shown = useMaskView();

  const renderRow = (row: MessageSummary | undefined, index: number) => {
    const m = row && shown.messageRow(row);
    if (!m) return <div className="vrow placeholder" aria-hidden>{index + 1}</div>;
    const cls = ['vrow', 'mrow'];
    if (m.reference === cursorKey) cls.push('cursor');
    if (m.reference === selectedRef) cls.push('selected');
    const onlyDup = m.duplicateCount > 0 && !m.flags.includes('duplicate');
    const path = m.channels.includes('SMS') ? m.channels.join(' → ') : null;
    return (
      <div
        className={cls.join(' ')}
        role="row"
        aria-selected={m.reference === selectedRef}
        data-reference={m.reference}
        onClick={() => store.getState().selectMessage(m.reference)}
      >
        <span className="c-mark" role="gridcell"><PinMark pinned={row.pinned} note={row.note} /></span>
        <span className="c-state" role="gridcell" data-testid="state"><StateBadge state={m.state} /></span>
        <span className={`c-user mono ${shown.phoneClass}`} role="gridcell" data-testid="user" title={revealHidden(m.userId ?? '')}>{revealHidden(m.userId ?? '—')}</span>
        <span className="c-campaign" role="gridcell" data-testid="campaign" title={revealHidden(m.campaign ?? '')}>{revealHidden(clip(m.campaign, 60)) || '—'}</span>
        <span className="c-last" role="gridcell" title={revealHidden(`${m.lastType ?? m.lastKind}${path ? ` ${path}` : ''} — the last event, received ${formatFullTime(m.lastReceivedAt)}`)}>
          {revealHidden(m.lastType ?? m.lastKind)}
          {path ? <span className="path-hint">{revealHidden(path)}</span> : null}
        </span>
        <span className="c-ago" role="gridcell" data-testid="first-seen" title={firstSeenTitle(m)}>
          {formatAgo(m.firstReceivedAt, now)}
        </span>
        <span className="c-counts mono" role="gridcell" title={`${m.deliveryCount}/${m.eventCount}: ${plural(m.deliveryCount, 'delivery', 'deliveries')} for ${plural(m.eventCount, 'event')}`}>
          {m.deliveryCount}/{m.eventCount}
        </span>
        <BadgeRow className="c-flags" role="gridcell" testId="flags" title={flagsTitle(m, onlyDup)} items={flagItems(m, onlyDup)} />
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
          <span role="columnheader" className="c-mark" aria-label="Pinned or noted" title="Pinned or noted" />
          <span role="columnheader" className="c-state">State</span>
          <span role="columnheader" className="c-user">User</span>
          <span role="columnheader" className="c-campaign">Campaign</span>
          <span role="columnheader" className="c-last">Last event</span>
          <span role="columnheader" className="c-ago" title="When the first callback of the message reached this inspector (hover a row for the times)">First seen</span>
          <span role="columnheader" className="c-counts" title="deliveries / events">Dlv/Evt</span>
          <span role="columnheader" className="c-flags">Flags</span>
          <span role="columnheader" className="c-ref">Reference</span>
        </div>
      }
    />
  );
}

/**
 * The time column is the same for every message: when its first callback reached us. The gateway's "sent" stamp is
 * not that (a blocked message has none, and it is another machine's clock), so it is only told beside it.
 */
function firstSeenTitle(m: MessageSummary): string {
  const seen = `first callback received ${formatFullTime(m.firstReceivedAt)} (${formatRaw(m.firstReceivedAt)})`;
  const sent = m.sentAt === null ? 'no sent echo from the gateway' : `sent ${formatFullTime(m.sentAt)} by the gateway's clock (${formatRaw(m.sentAt)})`;
  return `${seen}; ${sent}`;
}

/** the badges' words in the order shown, so a cell too narrow for all of them still tells them on hover */
/** the flags and anomalies of a row, in the order they are shown */
function flagItems(m: MessageSummary, onlyDup: boolean): BadgeItem[] {
  const counted = (label: string, n: number | undefined) => `${label}${n !== undefined && n > 1 ? `×${n}` : ''}`;
  const items: BadgeItem[] = FLAG_NAMES.filter((f) => m.flags.includes(f)).map((f) => ({
    key: f,
    label: counted(FLAG_META[f].label, m.flagCounts[f]),
    node: <FlagBadge flag={f} count={m.flagCounts[f]} />,
  }));
  if (onlyDup) items.push({ key: 'duplicate', label: counted(FLAG_META.duplicate.label, m.duplicateCount), node: <FlagBadge flag="duplicate" count={m.duplicateCount} /> });
  for (const a of m.anomalies) items.push({ key: `anomaly:${a}`, label: a, node: <AnomalyBadge anomaly={a} /> });
  if (m.simulated) items.push({ key: 'sim', label: 'sim', node: <SimMark /> });
  return items;
}

function flagsTitle(m: MessageSummary, onlyDup: boolean): string {
  const words = FLAG_NAMES.filter((f) => m.flags.includes(f)).map((f) => {
    const n = m.flagCounts[f];
    return `${FLAG_META[f].label}${n !== undefined && n > 1 ? `×${n}` : ''}`;
  });
  if (onlyDup) words.push(`${FLAG_META.duplicate.label}${m.duplicateCount > 1 ? `×${m.duplicateCount}` : ''}`);
  return [...words, ...m.anomalies].join(' ');
}
