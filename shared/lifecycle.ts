// A message's lifecycle (everything sharing one `reference`): state, milestones, timeline and anomalies.
// Decided by event timestamps, never by arrival order: callbacks routinely arrive out of order and retried.
import type {
  AnomalyName,
  DeliverySummary,
  EventKind,
  FlagDetail,
  FlagName,
  MessageDetail,
  MessageState,
  MessageSummary,
  NormalizedCallback,
  TimelineEvent,
} from './domain';
import { ANOMALY_NAMES, FLAG_NAMES } from './domain';
import { FALLBACK_GRACE_MS } from './constants';
import { eventKeyOf, messageText, typeKey } from './callback';
import { exceptionKind, statusCodeOf } from './classify';
import { formatDuration } from './explain';

export interface LifecycleDelivery {
  summary: DeliverySummary;
  callback: NormalizedCallback;
  flags: FlagDetail[];
}

const SUCCESS_KINDS: ReadonlySet<EventKind> = new Set(['sent', 'delivered', 'read', 'reply']);
const FAILURE_KINDS: ReadonlySet<EventKind> = new Set(['exception', 'error', 'prepaid-blocked', 'duplicate-blocked']);
const BLOCK_KINDS: ReadonlySet<EventKind> = new Set(['prepaid-blocked', 'duplicate-blocked']);

/** Working view of one event while the message is built. */
interface EventAcc {
  key: string;
  cb: NormalizedCallback;
  deliveries: LifecycleDelivery[];
  /** event timestamp, or (when unparseable) the first receipt time so the event still has a place */
  at: number;
  firstReceivedAt: number;
  firstId: number;
}

/** Deliveries in arrival order, and their events in timestamp order (each with its deliveries in attempt order). */
function groupEvents(reference: string, deliveries: LifecycleDelivery[]): { byArrival: LifecycleDelivery[]; ordered: EventAcc[] } {
  const byArrival = [...deliveries].sort((a, b) => a.summary.receivedAt - b.summary.receivedAt || a.summary.id - b.summary.id);

  const events = new Map<string, EventAcc>();
  for (const d of byArrival) {
    const key = eventKeyOf(d.callback) ?? `${reference}|${d.callback.eventId ?? ''}|${typeKey(d.callback)}|${d.callback.channel ?? ''}`;
    let ev = events.get(key);
    if (!ev) {
      ev = {
        key,
        cb: d.callback,
        deliveries: [],
        at: d.callback.timestamp ?? d.summary.receivedAt,
        firstReceivedAt: d.summary.receivedAt,
        firstId: d.summary.id,
      };
      events.set(key, ev);
    } else if (ev.cb.timestamp === null && d.callback.timestamp !== null) {
      ev.at = d.callback.timestamp;
    }
    ev.deliveries.push(d);
  }
  const ordered = [...events.values()].sort(
    (a, b) => a.at - b.at || a.firstReceivedAt - b.firstReceivedAt || a.firstId - b.firstId,
  );
  for (const ev of ordered) {
    ev.deliveries.sort(
      (a, b) => (a.summary.attempt ?? 0) - (b.summary.attempt ?? 0) || a.summary.receivedAt - b.summary.receivedAt || a.summary.id - b.summary.id,
    );
  }
  return { byArrival, ordered };
}

export function buildMessage(reference: string, deliveries: LifecycleDelivery[], now: number): MessageDetail {
  const { byArrival, ordered } = groupEvents(reference, deliveries);

  const earliest = (pred: (e: EventAcc) => boolean): number | null => ordered.find(pred)?.at ?? null;
  const sentAt = earliest((e) => e.cb.kind === 'sent');
  const deliveredAt = earliest((e) => e.cb.kind === 'delivered');
  const readAt = earliest((e) => e.cb.kind === 'read');
  const repliedAt = earliest((e) => e.cb.kind === 'reply');
  const failedAt = earliest((e) => FAILURE_KINDS.has(e.cb.kind));

  const state = decideState(ordered);
  const anomalyDetails = findAnomalies(ordered, byArrival, now);

  const flagCounts: Partial<Record<FlagName, number>> = {};
  for (const d of deliveries) {
    for (const name of new Set(d.flags.map((f) => f.flag))) flagCounts[name] = (flagCounts[name] ?? 0) + 1;
  }
  const flags = FLAG_NAMES.filter((f) => flagCounts[f]);
  const channels = unique(ordered.map((e) => e.cb.channel));
  const last = ordered[ordered.length - 1];

  const summary: MessageSummary = {
    reference,
    state,
    userId: ordered.find((e) => e.cb.userId !== null)?.cb.userId ?? null,
    campaign: ordered.find((e) => e.cb.campaignName !== null)?.cb.campaignName ?? null,
    lastType: last?.cb.type ?? null,
    lastKind: last?.cb.kind ?? 'unknown',
    firstReceivedAt: byArrival[0]?.summary.receivedAt ?? 0,
    lastReceivedAt: byArrival[byArrival.length - 1]?.summary.receivedAt ?? 0,
    sentAt,
    deliveredAt,
    readAt,
    repliedAt,
    failedAt,
    deliveryCount: deliveries.length,
    eventCount: ordered.length,
    duplicateCount: flagCounts.duplicate ?? 0,
    flags,
    flagCounts,
    anomalies: ANOMALY_NAMES.filter((a) => anomalyDetails.some((d) => d.anomaly === a)),
    channels,
  };

  const timeline: TimelineEvent[] = ordered.map((e) => ({
    key: e.key,
    eventId: e.cb.eventId,
    type: e.cb.type,
    kind: e.cb.kind,
    channel: e.cb.channel,
    direction: e.cb.direction,
    timestamp: e.cb.timestamp,
    deliveries: e.deliveries.map((d) => d.summary),
    flagDetails: uniqueFlags(e.deliveries.flatMap((d) => d.flags)),
  }));

  const groups = new Map<string | null, string[]>();
  for (const e of ordered) {
    const keys = groups.get(e.cb.eventId);
    if (keys) keys.push(e.key);
    else groups.set(e.cb.eventId, [e.key]);
  }
  const eventIds: MessageDetail['eventIds'] = [...groups].map(([eventId, eventKeys]) => ({ eventId, eventKeys }));

  const since = (t: number | null) => (sentAt !== null && t !== null ? t - sentAt : null);
  return {
    summary,
    events: timeline,
    eventIds,
    durations: { toDelivered: since(deliveredAt), toRead: since(readAt), toReplied: since(repliedAt) },
    anomalyDetails,
  };
}

/**
 * Message state, by event time:
 *  1. replied — the recipient answered after the last failure (an answer is the strongest evidence, on any channel);
 *  2. fell-back — a successful SMS event after the last failure (the documented no-RCS → SMS path), or SMS
 *     events with no failure and no RCS receipt (the exception was simply never received);
 *  3. blocked / failed — a failure (prepaid or duplicate block → blocked; exception or error → failed) with no
 *     successful event after it: a failure that was followed by progress was transient. Two refinements:
 *     an RCS sent echo after a no-RCS exception is not progress (the phone still has no RCS), and a duplicate
 *     block only decides the state when nothing else succeeded — it reports a blocked *re-send*, while the
 *     original send's lifecycle carries on;
 *  4. otherwise the furthest progress reached: read > delivered > sent (read implies delivered even when the
 *     DELIVERED callback is missing or later). A message with nothing recognisable yet counts as sent.
 */
export function decideState(ordered: { at: number; cb: NormalizedCallback }[]): MessageState {
  const anySuccess = ordered.some((e) => SUCCESS_KINDS.has(e.cb.kind));
  let lastFailure: { at: number; cb: NormalizedCallback } | null = null;
  for (const e of ordered) {
    if (!FAILURE_KINDS.has(e.cb.kind)) continue;
    if (e.cb.kind === 'duplicate-blocked' && anySuccess) continue;
    lastFailure = e;
  }
  const sms = (e: { cb: NormalizedCallback }) => e.cb.channel === 'SMS';
  const noRcs = lastFailure !== null && isNoRcsException(lastFailure.cb);
  const successesAfter = (lastFailure ? ordered.filter((e) => e.at > lastFailure.at) : ordered).filter(
    (e) => SUCCESS_KINDS.has(e.cb.kind) && !(noRcs && e.cb.kind === 'sent' && !sms(e)),
  );

  if (successesAfter.some((e) => e.cb.kind === 'reply')) return 'replied';
  if (lastFailure) {
    if (successesAfter.some(sms)) return 'fell-back';
    if (successesAfter.length === 0) return BLOCK_KINDS.has(lastFailure.cb.kind) ? 'blocked' : 'failed';
  } else {
    const rcsReceipt = ordered.some((e) => !sms(e) && (e.cb.kind === 'delivered' || e.cb.kind === 'read'));
    if (!rcsReceipt && ordered.some((e) => sms(e) && SUCCESS_KINDS.has(e.cb.kind))) return 'fell-back';
  }
  const kinds = new Set(ordered.map((e) => e.cb.kind));
  if (kinds.has('read')) return 'read';
  if (kinds.has('delivered')) return 'delivered';
  return 'sent';
}

function findAnomalies(
  ordered: EventAcc[],
  byArrival: LifecycleDelivery[],
  now: number,
): { anomaly: AnomalyName; detail: string }[] {
  const out: { anomaly: AnomalyName; detail: string }[] = [];
  const time = (ms: number) => new Date(ms).toISOString().slice(11, 23) + ' UTC';
  const label = (e: EventAcc) => `${e.cb.type ?? '(no type)'}${e.cb.channel && e.cb.channel !== 'RCS' ? ` on ${e.cb.channel}` : ''}`;

  const reads = ordered.filter((e) => e.cb.kind === 'read');
  if (reads.length > 0 && !ordered.some((e) => e.cb.kind === 'delivered')) {
    out.push({
      anomaly: 'read-without-delivered',
      detail: `${label(reads[0])} at ${time(reads[0].at)} but no DELIVERED callback was received for this message.`,
    });
  }

  // Arrival order of each event's first delivery against timestamp order: report the first inversion.
  const byFirstArrival = [...ordered].sort((a, b) => a.firstReceivedAt - b.firstReceivedAt || a.firstId - b.firstId);
  for (let i = 1; i < byFirstArrival.length; i++) {
    const prev = byFirstArrival[i - 1];
    const cur = byFirstArrival[i];
    if (cur.cb.timestamp !== null && prev.cb.timestamp !== null && cur.cb.timestamp < prev.cb.timestamp) {
      out.push({
        anomaly: 'out-of-order',
        detail: `${label(prev)} (timestamp ${time(prev.cb.timestamp)}) arrived before ${label(cur)} (timestamp ${time(cur.cb.timestamp)}), although it happened later.`,
      });
      break;
    }
  }

  // Terminal = a failure nothing should follow. The one documented exception: SMS events after a no-RCS exception.
  // A duplicate block is not terminal: it reports a blocked re-send; the original send carries on.
  for (const failure of ordered.filter((e) => FAILURE_KINDS.has(e.cb.kind) && e.cb.kind !== 'duplicate-blocked')) {
    const noRcs = isNoRcsException(failure.cb);
    const later = ordered.find(
      (e) => e.at > failure.at && e !== failure && !(noRcs && e.cb.channel === 'SMS'),
    );
    if (later) {
      out.push({
        anomaly: 'event-after-terminal',
        detail: `${label(later)} at ${time(later.at)} came after ${label(failure)} at ${time(failure.at)}, which should have ended the message.`,
      });
      break;
    }
  }

  const awaiting = awaitingFallback(ordered);
  if (awaiting && now > awaiting.deadline) {
    out.push({
      anomaly: 'fallback-missing',
      detail: `The phone has no RCS (${awaiting.exception.cb.type} received ${formatDuration(now - awaiting.exception.firstReceivedAt)} ago) and no SMS callback has followed: SMS fallback may not be configured.`,
    });
  }

  const deliveredOn = new Set(ordered.filter((e) => e.cb.kind === 'delivered').map((e) => e.cb.channel));
  if (deliveredOn.has('SMS') && [...deliveredOn].some((c) => c !== 'SMS')) {
    out.push({
      anomaly: 'double-delivery',
      detail: `Delivered on ${[...deliveredOn].filter((c) => c !== null).join(' and ')}: the recipient got the message twice.`,
    });
  }

  const drift: string[] = [];
  for (const [field, get] of [
    ['user_id', (cb: NormalizedCallback) => cb.userId],
    ['campaign_name', (cb: NormalizedCallback) => cb.campaignName],
  ] as const) {
    const values = unique(byArrival.map((d) => get(d.callback)));
    if (values.length > 1) drift.push(`${field} changed: ${values.map((v) => `"${v}"`).join(' → ')}`);
  }
  if (drift.length > 0) out.push({ anomaly: 'field-drift', detail: `${drift.join('; ')} (in arrival order).` });

  return out;
}

/**
 * A no-RCS exception still waiting for its SMS fallback, and when the wait turns into `fallback-missing`.
 * A receipt or reply after the exception means the message got through after all: no fallback is owed.
 */
function awaitingFallback(ordered: EventAcc[]): { exception: EventAcc; deadline: number } | null {
  const exception = ordered.find((e) => isNoRcsException(e.cb));
  if (!exception || ordered.some((e) => e.cb.channel === 'SMS')) return null;
  const gotThrough = ordered.some(
    (e) => e.at > exception.at && (e.cb.kind === 'delivered' || e.cb.kind === 'read' || e.cb.kind === 'reply'),
  );
  return gotThrough ? null : { exception, deadline: exception.firstReceivedAt + FALLBACK_GRACE_MS };
}

/**
 * When this message's state or anomalies will change by time passing alone (the fallback grace period running
 * out), or null if they will not. A store that keeps message summaries must recompute them at that instant.
 */
export function summaryChangesAt(reference: string, deliveries: LifecycleDelivery[]): number | null {
  const awaiting = awaitingFallback(groupEvents(reference, deliveries).ordered);
  return awaiting ? awaiting.deadline + 1 : null;
}

/** The documented no-RCS exception (403/404), after which an SMS fallback is expected. */
function isNoRcsException(cb: NormalizedCallback): boolean {
  if (cb.kind !== 'exception') return false;
  const text = messageText(cb.message);
  return exceptionKind(statusCodeOf(text), text) === 'rcs-unsupported';
}

function unique(values: (string | null)[]): string[] {
  const out: string[] = [];
  for (const v of values) if (v !== null && !out.includes(v)) out.push(v);
  return out;
}

function uniqueFlags(flags: FlagDetail[]): FlagDetail[] {
  const seen = new Set<string>();
  return flags.filter((f) => {
    const k = JSON.stringify(f);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
