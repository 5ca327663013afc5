// A message's lifecycle: events in timestamp order, grouped by event_id, each with its delivery attempts.
// A message can have thousands of events: they come a page at a time ("Show more").
import type { FlagDetail, MessageDetail, TimelineEvent } from '../../../shared/domain';
import { explainAnomaly, explainFlag, explainState, formatDuration } from '../../../shared/explain';
import { describeMessageRetries } from '../../../shared/retry-ladder';
import { revealHidden } from '../../../shared/visible-text';
import { copyText } from '../lib/clipboard';
import { offsetLabel, zoneName } from '../lib/clock';
import { formatDateTime, formatFullTime, formatRaw, plural } from '../lib/format';
import { useInspector, useInspectorStore } from '../store/context';
import { AnomalyBadge, FlagBadge, StateBadge } from './Badges';
import { Icon, type IconName } from './Icons';
import { causesOf, RetryLadder } from './RetryLadder';
import { SimMark } from './SimMark';

const KIND_ICON: Record<string, IconName> = {
  sent: 'sent',
  delivered: 'check',
  read: 'checks',
  reply: 'reply',
  exception: 'exception',
  error: 'error',
  'prepaid-blocked': 'coin',
  'duplicate-blocked': 'blocked',
  unknown: 'invalid',
};

/** flag details worth a sentence in the timeline (duplicates get their own per-attempt line) */
const explainable = (f: FlagDetail) => f.flag !== 'duplicate';

export function Timeline({ detail }: { detail: MessageDetail }) {
  const store = useInspectorStore();
  const { summary: m, durations } = detail;
  const hidden = detail.eventsTotal - detail.events.length;
  const byKey = new Map(detail.events.map((e) => [e.key, e]));
  const path = m.channels.length > 1 || m.channels.includes('SMS') ? m.channels.join(' → ') : null;
  // every time below is formatted in this zone: a new choice re-renders the timeline
  const zone = useInspector((s) => s.clockZone);
  return (
    <div className="timeline" data-testid="timeline">
      <div className="detail-head">
        <div className="detail-title">
          <StateBadge state={m.state} />
          <span className="mono ref" title="reference" data-testid="message-reference">{revealHidden(m.reference)}</span>
          <button className="icon-btn" title="Copy reference" aria-label="Copy reference" onClick={() => void copyText(m.reference)}>
            <Icon name="copy" size={12} />
          </button>
          {detail.events.some((e) => e.deliveries.some((d) => d.simulated)) ? <SimMark /> : null}
        </div>
        <div className="detail-sub">
          <span>{explainState(m.state)}</span>
        </div>
        <dl className="facts">
          <dt>User</dt><dd className="mono">{m.userId === null ? '—' : revealHidden(m.userId)}</dd>
          <dt>Campaign</dt><dd>{m.campaign === null ? '—' : revealHidden(m.campaign)}</dd>
          {path ? (<><dt>Path</dt><dd className="fallback-path" data-testid="fallback-path">{revealHidden(path)}</dd></>) : null}
          <dt>Sent</dt>
          <dd className="mono" data-testid="sent-at" title={m.sentAt === null ? 'no sent echo from the gateway' : `gateway timestamp ${formatRaw(m.sentAt)}`}>{formatFullTime(m.sentAt)}</dd>
          <dt>→ delivered</dt><dd className="mono">{durations.toDelivered === null ? '—' : formatDuration(durations.toDelivered)}</dd>
          <dt>→ read</dt><dd className="mono">{durations.toRead === null ? '—' : formatDuration(durations.toRead)}</dd>
          <dt>→ replied</dt><dd className="mono">{durations.toReplied === null ? '—' : formatDuration(durations.toReplied)}</dd>
          <dt>Deliveries</dt>
          <dd data-testid="delivery-count">
            {plural(m.deliveryCount, 'delivery', 'deliveries')} for {plural(m.eventCount, 'event')}{m.duplicateCount ? `, ${plural(m.duplicateCount, 'duplicate')}` : ''}
          </dd>
          {m.duplicateCount > 0 ? (
            <>
              <dt>Retries</dt>
              <dd data-testid="message-retries">{describeMessageRetries(m.duplicateCount, causesOf(detail.events))}</dd>
            </>
          ) : null}
          <dt>Times</dt>
          <dd data-testid="clock-zone" title="Change the zone in Settings; hover a time for the raw ISO timestamp">
            {zoneName(zone)} ({offsetLabel(m.firstReceivedAt, zone)})
          </dd>
        </dl>
        {detail.anomalyDetails.length > 0 ? (
          <ul className="anomalies">
            {detail.anomalyDetails.map((a, i) => (
              <li key={i}><AnomalyBadge anomaly={a.anomaly} /> {revealHidden(a.detail || explainAnomaly(a.anomaly))}</li>
            ))}
          </ul>
        ) : null}
      </div>
      {detail.eventIds.map((g, gi) => (
        <section className="event-group" data-testid="event-group" key={`${g.eventId}-${gi}`}>
          <header className="event-group-head">
            <span className="dim">event_id</span> <span className="mono">{g.eventId === null ? '(none)' : revealHidden(g.eventId)}</span>
          </header>
          {g.eventKeys.map((k) => {
            const ev = byKey.get(k);
            return ev ? <EventCard key={k} ev={ev} /> : null;
          })}
        </section>
      ))}
      {hidden > 0 ? (
        <div className="timeline-more">
          <span className="dim">
            {detail.events.length.toLocaleString()} of {detail.eventsTotal.toLocaleString()} events shown
          </span>
          <button className="btn" onClick={() => void store.getState().loadMoreEvents()}>
            Show {Math.min(hidden, 200).toLocaleString()} more
          </button>
        </div>
      ) : null}
    </div>
  );
}

function EventCard({ ev }: { ev: TimelineEvent }) {
  const notes = ev.flagDetails.filter(explainable);
  return (
    <div className={`event kind-${ev.kind}`} data-kind={ev.kind} role="group" aria-label={`${ev.kind} event`} data-testid="event">
      <div className="event-head">
        <Icon name={KIND_ICON[ev.kind] ?? 'invalid'} size={14} />
        <span className="event-type">{revealHidden(ev.type ?? ev.kind)}</span>
        <span className={`channel ch-${(ev.channel ?? '').toLowerCase()}`}>{ev.channel === null ? '—' : revealHidden(ev.channel)}</span>
        <span className="dim">{ev.direction === null ? '' : revealHidden(ev.direction)}</span>
        <span className="spacer" />
        <span className="mono dim" data-testid="event-time" title={ev.timestamp === null ? 'no timestamp' : `gateway timestamp ${formatRaw(ev.timestamp)}`}>
          {formatDateTime(ev.timestamp)}
        </span>
      </div>
      <EventContent ev={ev} />
      {notes.map((f, i) => (
        <p key={i} className={`explain flag-${f.flag}`}><FlagBadge flag={f.flag} /> {revealHidden(explainFlag(f))}</p>
      ))}
      <RetryLadder deliveries={ev.deliveries} total={ev.deliveryTotal} />
    </div>
  );
}

const CONTENT_LABEL: Record<string, string> = {
  text: 'text',
  image: 'image',
  video: 'video',
  richcard: 'card',
  carousel: 'carousel',
  suggestionresponse: 'button',
  location: 'location',
};

/**
 * What was sent or answered, in the event itself: the text, the button tapped, the media's name or URL, the
 * location. From the row's short preview; the delivery has it all.
 */
function EventContent({ ev }: { ev: TimelineEvent }) {
  const d = ev.deliveries[0];
  // status, exception and block events already say what they mean in the lines above
  if (!d || !d.preview || (ev.kind !== 'sent' && ev.kind !== 'reply')) return null;
  const label = CONTENT_LABEL[(ev.type ?? '').toLowerCase()] ?? 'content';
  const side = ev.kind === 'reply' ? 'in' : 'out';
  return (
    <div className={`event-content ${side}`} data-testid="event-content" title={revealHidden(d.preview)}>
      <span className="content-kind">{label}</span> <span className="content-text">{revealHidden(d.preview)}</span>
    </div>
  );
}
