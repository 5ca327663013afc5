// A message's summary as a fold: each delivery's facts are added to a small accumulator whose size does not grow
// with the message, and the summary, state and anomalies are read off it. The store keeps the accumulator on the
// message row, so indexing one more delivery costs the same whether the message has 1 or 100,000 deliveries
// (rebuilding from every earlier delivery made one sender able to stall indexing: issue "Hardening").
//
// The fold is order-independent for everything decided by event time (state, milestones, last event, failures,
// fallback): those are minima and maxima under one total order (event time, then receipt, then id). Two facts
// depend on arrival, taken as delivery id order (the order deliveries were committed, which is also the order the
// store indexes them): out-of-order arrival and field drift. buildMessage folds in id order too, so the list, the
// detail view and every rebuild agree.
import { FALLBACK_GRACE_MS } from './constants';
import type { AnomalyName, EventKind, FlagName, MessageState, MessageSummary } from './domain';
import { ANOMALY_NAMES, FLAG_NAMES } from './domain';
import { formatDuration } from './explain';
import { facetKey } from './facet-keys';

/** What one delivery contributes to its message: columns the store keeps, no body needed. */
export interface LifecycleFact {
  id: number;
  receivedAt: number;
  /** event timestamp (ms), null when missing or unparseable */
  timestamp: number | null;
  /** the first delivery of its event (attempt 1) */
  firstOfEvent: boolean;
  kind: EventKind;
  type: string | null;
  channel: string | null;
  direction: string | null;
  userId: string | null;
  campaign: string | null;
  flags: readonly FlagName[];
  /** a no-RCS exception (403/404), after which an SMS fallback is expected */
  noRcs: boolean;
  responseStatus: number;
  method: string;
}

/** A point in event order: event time, then receipt time, then id. */
interface Mark {
  at: number;
  rx: number;
  id: number;
  kind: EventKind;
  type: string | null;
  channel: string | null;
  noRcs: boolean;
}

/** The accumulator kept per message. Plain JSON; every list in it is capped. */
export interface MessageAcc {
  v: 1;
  deliveries: number;
  events: number;
  firstRx: number;
  lastRx: number;
  flagCounts: Partial<Record<FlagName, number>>;
  /** earliest event of each kind of interest */
  first: Partial<Record<FirstKey, Mark>>;
  /** latest event of each kind of interest */
  last: Partial<Record<LastKey, Mark>>;
  /** latest event time of each successful kind, per channel class: `${kind}:sms` / `${kind}:rcs` */
  successAt: Record<string, number>;
  hasSms: boolean;
  /** channels of DELIVERED events (null = no channel given) */
  deliveredOn: (string | null)[];
  /** channels with their earliest event, for the message's path (RCS → SMS) */
  channels: { channel: string; at: number; rx: number; id: number }[];
  userId: { value: string; at: number; rx: number; id: number } | null;
  campaign: { value: string; at: number; rx: number; id: number } | null;
  /** distinct values in arrival order (capped): field drift */
  userIds: string[];
  campaigns: string[];
  /** the latest-stamped event among the first deliveries seen so far, in arrival order */
  maxStamped: { ts: number; label: string } | null;
  outOfOrder: { earlier: { ts: number; label: string }; later: { ts: number; label: string } } | null;
  /** facts a filter can ask about (t:type, k:kind, c:channel, d:direction, g:campaign, s:status, m:method) */
  facets: string[];
}

type FirstKey = 'sent' | 'delivered' | 'read' | 'reply' | 'failure' | 'otherFailure' | 'noRcs' | 'duplicateBlocked';
type LastKey = 'any' | 'nonSms' | 'failure' | 'receipt';

/**
 * Distinct values kept per facet field and message: one sender varying `type` per delivery must not grow a
 * message's row, nor push out the other fields (a filter on channel or kind keeps finding the message).
 */
const MAX_VALUES_PER_FACET_FIELD = 16;
/** Distinct user_id / campaign values kept for the field-drift explanation. */
const MAX_DRIFT_VALUES = 5;
const MAX_CHANNELS = 8;

const SUCCESS_KINDS: ReadonlySet<EventKind> = new Set(['sent', 'delivered', 'read', 'reply']);
const FAILURE_KINDS: ReadonlySet<EventKind> = new Set(['exception', 'error', 'prepaid-blocked', 'duplicate-blocked']);
const BLOCK_KINDS: ReadonlySet<EventKind> = new Set(['prepaid-blocked', 'duplicate-blocked']);

export function emptyAcc(): MessageAcc {
  return {
    v: 1,
    deliveries: 0,
    events: 0,
    firstRx: 0,
    lastRx: 0,
    flagCounts: {},
    first: {},
    last: {},
    successAt: {},
    hasSms: false,
    deliveredOn: [],
    channels: [],
    userId: null,
    campaign: null,
    userIds: [],
    campaigns: [],
    maxStamped: null,
    outOfOrder: null,
    facets: [],
  };
}

/** Event order: a before b. */
function before(a: { at: number; rx: number; id: number }, b: { at: number; rx: number; id: number }): boolean {
  return a.at !== b.at ? a.at < b.at : a.rx !== b.rx ? a.rx < b.rx : a.id < b.id;
}

function eventLabel(e: { type: string | null; channel: string | null }): string {
  return `${e.type ?? '(no type)'}${e.channel && e.channel !== 'RCS' ? ` on ${e.channel}` : ''}`;
}

/** The facets one delivery gives its message (message-level state, flag and anomaly come from the summary). */
export function deliveryFacets(f: LifecycleFact): string[] {
  const out = [facetKey('kind', f.kind), facetKey('status', f.responseStatus), facetKey('method', f.method)];
  if (f.type) out.push(facetKey('type', f.type));
  if (f.channel) out.push(facetKey('channel', f.channel));
  if (f.direction) out.push(facetKey('direction', f.direction));
  if (f.campaign !== null) out.push(facetKey('campaign', f.campaign));
  return out;
}

/** Adds one delivery to the accumulator (in place). Facts must come in delivery id order for arrival facts. */
export function foldFact(acc: MessageAcc, f: LifecycleFact): MessageAcc {
  const at = f.timestamp ?? f.receivedAt;
  const mark: Mark = { at, rx: f.receivedAt, id: f.id, kind: f.kind, type: f.type, channel: f.channel, noRcs: f.noRcs };
  const sms = f.channel === 'SMS';
  const keepFirst = (k: FirstKey) => {
    const cur = acc.first[k];
    if (!cur || before(mark, cur)) acc.first[k] = mark;
  };
  const keepLast = (k: LastKey) => {
    const cur = acc.last[k];
    if (!cur || before(cur, mark)) acc.last[k] = mark;
  };

  acc.firstRx = acc.deliveries === 0 ? f.receivedAt : Math.min(acc.firstRx, f.receivedAt);
  acc.lastRx = acc.deliveries === 0 ? f.receivedAt : Math.max(acc.lastRx, f.receivedAt);
  acc.deliveries++;
  if (f.firstOfEvent) acc.events++;
  for (const name of new Set(f.flags)) acc.flagCounts[name] = (acc.flagCounts[name] ?? 0) + 1;

  keepLast('any');
  if (!sms) keepLast('nonSms');
  if (sms) acc.hasSms = true;
  if (f.kind === 'sent' || f.kind === 'delivered' || f.kind === 'read' || f.kind === 'reply') keepFirst(f.kind);
  if (SUCCESS_KINDS.has(f.kind)) {
    const key = `${f.kind}:${sms ? 'sms' : 'rcs'}`;
    acc.successAt[key] = Math.max(acc.successAt[key] ?? -Infinity, at);
  }
  if (f.kind === 'delivered' || f.kind === 'read' || f.kind === 'reply') keepLast('receipt');
  if (f.kind === 'delivered' && !acc.deliveredOn.includes(f.channel) && acc.deliveredOn.length < MAX_CHANNELS) {
    acc.deliveredOn.push(f.channel);
  }
  if (FAILURE_KINDS.has(f.kind)) {
    keepFirst('failure');
    if (f.kind === 'duplicate-blocked') keepFirst('duplicateBlocked');
    else {
      keepLast('failure');
      keepFirst(f.noRcs ? 'noRcs' : 'otherFailure');
    }
  }
  if (f.channel) {
    const ch = acc.channels.find((c) => c.channel === f.channel);
    if (!ch) {
      if (acc.channels.length < MAX_CHANNELS) acc.channels.push({ channel: f.channel, at, rx: f.receivedAt, id: f.id });
    } else if (before(mark, ch)) Object.assign(ch, { at, rx: f.receivedAt, id: f.id });
  }
  if (f.userId !== null && (!acc.userId || before(mark, acc.userId))) acc.userId = { value: f.userId, at, rx: f.receivedAt, id: f.id };
  if (f.campaign !== null && (!acc.campaign || before(mark, acc.campaign))) {
    acc.campaign = { value: f.campaign, at, rx: f.receivedAt, id: f.id };
  }
  addDistinct(acc.userIds, f.userId);
  addDistinct(acc.campaigns, f.campaign);

  // Arrival against event time, over the first delivery of each event (a retry repeats an old timestamp by nature).
  if (f.firstOfEvent && f.timestamp !== null) {
    const label = eventLabel(f);
    if (acc.maxStamped && f.timestamp < acc.maxStamped.ts) {
      acc.outOfOrder ??= { earlier: acc.maxStamped, later: { ts: f.timestamp, label } };
    } else acc.maxStamped = { ts: f.timestamp, label };
  }

  for (const facet of deliveryFacets(f)) {
    if (acc.facets.includes(facet)) continue;
    const field = facet.slice(0, facet.indexOf(':') + 1);
    if (acc.facets.filter((x) => x.startsWith(field)).length < MAX_VALUES_PER_FACET_FIELD) acc.facets.push(facet);
  }
  return acc;
}

function addDistinct(list: string[], value: string | null): void {
  // one past the cap records that there were more
  if (value !== null && !list.includes(value) && list.length <= MAX_DRIFT_VALUES) list.push(value);
}

/**
 * A duplicate block on a reference that has no send of its own: nothing was sent there, and the block ends it
 * (design.md). Under a reference that was sent, a duplicate block reports a blocked re-send instead.
 */
function unsentBlock(acc: MessageAcc): Mark | null {
  const block = acc.first.duplicateBlocked;
  if (!block || acc.first.sent) return null;
  // a receipt or reply stamped before the block proves a send whose echo has not arrived (it may be retrying)
  const sentBefore = [acc.first.delivered, acc.first.read, acc.first.reply].some((m) => m !== undefined && before(m, block));
  return sentBefore ? null : block;
}

/**
 * Message state, by event time:
 *  1. replied — the recipient answered after the last failure (an answer is the strongest evidence, on any channel);
 *  2. fell-back — a successful SMS event after the last failure (the documented no-RCS → SMS path), or SMS
 *     events with no failure and no RCS receipt (the exception was simply never received);
 *  3. blocked / failed — a failure (prepaid or duplicate block → blocked; exception or error → failed) with no
 *     successful event after it: a failure that was followed by progress was transient. Two refinements:
 *     an RCS sent echo after a no-RCS exception is not progress (the phone still has no RCS), and a duplicate
 *     block decides the state only on a reference with no send of its own (nothing was sent there: blocked,
 *     whatever follows); where the original was sent it reports a blocked *re-send*, and that lifecycle carries on;
 *  4. otherwise the furthest progress reached: read > delivered > sent (read implies delivered even when the
 *     DELIVERED callback is missing or later). A message with nothing recognisable yet counts as sent.
 */
function stateOf(acc: MessageAcc): MessageState {
  if (unsentBlock(acc)) return 'blocked';
  const last = acc.last.failure ?? null;
  const noRcs = last !== null && last.noRcs;
  /** latest successful event time among (kind, sms) classes passing `pred`, after the refinements above */
  const latest = (pred: (kind: string, sms: boolean) => boolean): number => {
    let max = -Infinity;
    for (const [key, at] of Object.entries(acc.successAt)) {
      const [kind, ch] = key.split(':') as [string, string];
      const sms = ch === 'sms';
      if (noRcs && kind === 'sent' && !sms) continue;
      if (pred(kind, sms)) max = Math.max(max, at);
    }
    return max;
  };
  const after = last ? last.at : -Infinity;
  if (latest((k) => k === 'reply') > after) return 'replied';
  if (last) {
    if (latest((_k, sms) => sms) > after) return 'fell-back';
    if (!(latest(() => true) > after)) return BLOCK_KINDS.has(last.kind) ? 'blocked' : 'failed';
  } else {
    const rcsReceipt = acc.successAt['delivered:rcs'] !== undefined || acc.successAt['read:rcs'] !== undefined;
    if (!rcsReceipt && latest((_k, sms) => sms) > -Infinity) return 'fell-back';
  }
  const has = (kind: string) => acc.successAt[`${kind}:rcs`] !== undefined || acc.successAt[`${kind}:sms`] !== undefined;
  if (has('read')) return 'read';
  if (has('delivered')) return 'delivered';
  return 'sent';
}

/** A no-RCS exception still waiting for its SMS fallback, and when the wait turns into `fallback-missing`. */
function awaitingFallback(acc: MessageAcc): { exception: Mark; deadline: number } | null {
  const exception = acc.first.noRcs;
  if (!exception || acc.hasSms) return null;
  // a receipt or reply after the exception means the message got through after all: no fallback is owed
  const receipt = acc.last.receipt;
  if (receipt && receipt.at > exception.at) return null;
  return { exception, deadline: exception.rx + FALLBACK_GRACE_MS };
}

/** When time passing alone will change this message's summary (the fallback grace running out), or null. */
export function accChangesAt(acc: MessageAcc): number | null {
  const awaiting = awaitingFallback(acc);
  return awaiting ? awaiting.deadline + 1 : null;
}

export function accAnomalies(acc: MessageAcc, now: number): { anomaly: AnomalyName; detail: string }[] {
  const out: { anomaly: AnomalyName; detail: string }[] = [];
  const time = (ms: number) => new Date(ms).toISOString().slice(11, 23) + ' UTC';

  const read = acc.first.read;
  if (read && !acc.first.delivered) {
    out.push({
      anomaly: 'read-without-delivered',
      detail: `${eventLabel(read)} at ${time(read.at)} but no DELIVERED callback was received for this message.`,
    });
  }

  const delivered = acc.first.delivered;
  if (acc.outOfOrder) {
    const { earlier, later } = acc.outOfOrder;
    out.push({
      anomaly: 'out-of-order',
      detail: `${earlier.label} (timestamp ${time(earlier.ts)}) arrived before ${later.label} (timestamp ${time(later.ts)}), although it happened later.`,
    });
  } else if (read && delivered && read.at < delivered.at) {
    // the timestamps themselves in an impossible order, however the callbacks arrived
    out.push({
      anomaly: 'out-of-order',
      detail: `${eventLabel(read)} is stamped ${time(read.at)}, before ${eventLabel(delivered)} at ${time(delivered.at)}: an impossible order.`,
    });
  }

  // Terminal = a failure nothing should follow. The one documented exception: SMS events after a no-RCS exception.
  // A duplicate block is terminal only where nothing was sent; elsewhere it reports a blocked re-send.
  const candidates: { failure: Mark; later: Mark }[] = [];
  const unsent = unsentBlock(acc);
  if (unsent && acc.last.any && acc.last.any.at > unsent.at) candidates.push({ failure: unsent, later: acc.last.any });
  const other = acc.first.otherFailure;
  if (other && acc.last.any && acc.last.any.at > other.at) candidates.push({ failure: other, later: acc.last.any });
  const noRcs = acc.first.noRcs;
  if (noRcs && acc.last.nonSms && acc.last.nonSms.at > noRcs.at) candidates.push({ failure: noRcs, later: acc.last.nonSms });
  candidates.sort((a, b) => (before(a.failure, b.failure) ? -1 : 1));
  const terminal = candidates[0];
  if (terminal) {
    out.push({
      anomaly: 'event-after-terminal',
      detail: `${eventLabel(terminal.later)} at ${time(terminal.later.at)} came after ${eventLabel(terminal.failure)} at ${time(terminal.failure.at)}, which should have ended the message.`,
    });
  }

  const awaiting = awaitingFallback(acc);
  if (awaiting && now > awaiting.deadline) {
    out.push({
      anomaly: 'fallback-missing',
      detail: `The phone has no RCS (${awaiting.exception.type ?? 'EXCEPTION'} received ${formatDuration(now - awaiting.exception.rx)} ago) and no SMS callback has followed within ${formatDuration(FALLBACK_GRACE_MS)}: SMS fallback may not be configured.`,
    });
  }

  if (acc.deliveredOn.includes('SMS') && acc.deliveredOn.some((c) => c !== 'SMS')) {
    out.push({
      anomaly: 'double-delivery',
      detail: `Delivered on ${acc.deliveredOn.filter((c) => c !== null).join(' and ')}: the recipient got the message twice.`,
    });
  }

  const drift: string[] = [];
  for (const [field, values] of [
    ['user_id', acc.userIds],
    ['campaign_name', acc.campaigns],
  ] as const) {
    if (values.length < 2) continue;
    const shown = values.slice(0, MAX_DRIFT_VALUES).map((v) => `"${v}"`);
    drift.push(`${field} changed: ${shown.join(' → ')}${values.length > MAX_DRIFT_VALUES ? ' → …' : ''}`);
  }
  if (drift.length > 0) out.push({ anomaly: 'field-drift', detail: `${drift.join('; ')} (in arrival order).` });
  return out;
}

/** The list row of a message, read off its accumulator. */
export function accSummary(reference: string, acc: MessageAcc, now: number): MessageSummary {
  const anomalies = accAnomalies(acc, now);
  const last = acc.last.any;
  return {
    reference,
    state: stateOf(acc),
    userId: acc.userId?.value ?? null,
    campaign: acc.campaign?.value ?? null,
    lastType: last?.type ?? null,
    lastKind: last?.kind ?? 'unknown',
    firstReceivedAt: acc.firstRx,
    lastReceivedAt: acc.lastRx,
    sentAt: acc.first.sent?.at ?? null,
    deliveredAt: acc.first.delivered?.at ?? null,
    readAt: acc.first.read?.at ?? null,
    repliedAt: acc.first.reply?.at ?? null,
    failedAt: acc.first.failure?.at ?? null,
    deliveryCount: acc.deliveries,
    eventCount: acc.events,
    duplicateCount: acc.flagCounts.duplicate ?? 0,
    flags: FLAG_NAMES.filter((f) => acc.flagCounts[f]),
    flagCounts: { ...acc.flagCounts },
    anomalies: ANOMALY_NAMES.filter((a) => anomalies.some((d) => d.anomaly === a)),
    channels: [...acc.channels].sort((a, b) => (before(a, b) ? -1 : 1)).map((c) => c.channel),
  };
}
