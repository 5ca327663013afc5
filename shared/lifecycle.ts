// A message's lifecycle (everything sharing one `reference`): state, milestones, timeline and anomalies.
// Decided by event timestamps, never by arrival order: callbacks routinely arrive out of order and retried.
// The summary and anomalies come from the fold in message-acc.ts (the same one the store keeps per message);
// this module adds the timeline, for a message held in memory whole.
import type { DeliverySummary, FlagDetail, MessageDetail, NormalizedCallback, TimelineEvent } from './domain';
import { eventKeyOf, typeKey } from './callback-fields';
import { eventIdGroups } from './timeline';
import { accAnomalies, accChangesAt, accSummary, emptyAcc, foldFact, type LifecycleFact, type MessageAcc } from './message-acc';

export interface LifecycleDelivery {
  summary: DeliverySummary;
  callback: NormalizedCallback;
  flags: FlagDetail[];
}

/** What a delivery contributes to its message's fold. */
function factOf(d: LifecycleDelivery, firstOfEvent: boolean): LifecycleFact {
  const s = d.summary;
  return {
    id: s.id,
    receivedAt: s.receivedAt,
    timestamp: d.callback.timestamp,
    firstOfEvent,
    kind: d.callback.kind,
    type: s.type ?? d.callback.type ?? d.callback.typeRaw,
    channel: d.callback.channel,
    direction: d.callback.direction,
    userId: d.callback.userId,
    campaign: d.callback.campaignName,
    flags: [...new Set(d.flags.map((f) => f.flag))],
    noRcs: d.flags.some((f) => f.flag === 'exception' && f.kind === 'rcs-unsupported'),
    responseStatus: s.responseStatus,
    method: s.method,
  };
}

function keyOf(reference: string, cb: NormalizedCallback): string {
  return eventKeyOf(cb) ?? `${reference}|${cb.eventId ?? ''}|${typeKey(cb)}|${cb.channel ?? ''}`;
}

/** The fold over a message's deliveries, in id order (the order the store indexes them). */
function accOf(reference: string, deliveries: LifecycleDelivery[]): MessageAcc {
  const acc = emptyAcc();
  const seen = new Set<string>();
  for (const d of [...deliveries].sort((a, b) => a.summary.id - b.summary.id)) {
    const key = keyOf(reference, d.callback);
    foldFact(acc, factOf(d, !seen.has(key)));
    seen.add(key);
  }
  return acc;
}

/**
 * Events in timestamp order (each with its deliveries in attempt order). An event's time is the earliest its
 * deliveries state (or, without a timestamp, its first receipt), as the store orders a message's timeline.
 */
function timelineOf(reference: string, deliveries: LifecycleDelivery[]): TimelineEvent[] {
  const events = new Map<string, { at: number; rx: number; id: number; cb: NormalizedCallback; ds: LifecycleDelivery[] }>();
  for (const d of [...deliveries].sort((a, b) => a.summary.id - b.summary.id)) {
    const key = keyOf(reference, d.callback);
    const at = d.callback.timestamp ?? d.summary.receivedAt;
    const ev = events.get(key);
    if (!ev) events.set(key, { at, rx: d.summary.receivedAt, id: d.summary.id, cb: d.callback, ds: [d] });
    else {
      ev.at = Math.min(ev.at, at);
      ev.rx = Math.min(ev.rx, d.summary.receivedAt);
      ev.ds.push(d);
    }
  }
  return [...events]
    .sort(([, a], [, b]) => a.at - b.at || a.rx - b.rx || a.id - b.id)
    .map(([key, e]) => ({
      key,
      eventId: e.cb.eventId,
      type: e.cb.type,
      kind: e.cb.kind,
      channel: e.cb.channel,
      direction: e.cb.direction,
      timestamp: e.cb.timestamp,
      deliveries: e.ds.map((d) => d.summary),
      deliveryTotal: e.ds.length,
      flagDetails: uniqueFlags(e.ds.flatMap((d) => d.flags)),
    }));
}

/** The detail view's frame around a page of events: summary, durations and anomalies from the fold. */
export function detailFromAcc(reference: string, acc: MessageAcc, now: number, events: TimelineEvent[], eventsTotal: number): MessageDetail {
  const summary = accSummary(reference, acc, now);
  const since = (t: number | null) => (summary.sentAt !== null && t !== null ? t - summary.sentAt : null);
  return {
    summary,
    events,
    eventsTotal,
    eventIds: eventIdGroups(events),
    durations: { toDelivered: since(summary.deliveredAt), toRead: since(summary.readAt), toReplied: since(summary.repliedAt) },
    anomalyDetails: accAnomalies(acc, now),
  };
}

/** A whole message held in memory (tests, the e2e stand-in core): the same fold the store keeps. */
export function buildMessage(reference: string, deliveries: LifecycleDelivery[], now: number): MessageDetail {
  const events = timelineOf(reference, deliveries);
  return detailFromAcc(reference, accOf(reference, deliveries), now, events, events.length);
}

/**
 * When this message's state or anomalies will change by time passing alone (the fallback grace period running
 * out), or null if they will not. A store that keeps message summaries must recompute them at that instant.
 */
export function summaryChangesAt(reference: string, deliveries: LifecycleDelivery[]): number | null {
  return accChangesAt(accOf(reference, deliveries));
}

/** Flag details without repeats (retries of an event carry the same ones). */
export function uniqueFlags(flags: FlagDetail[]): FlagDetail[] {
  const seen = new Set<string>();
  return flags.filter((f) => {
    const k = JSON.stringify(f);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
