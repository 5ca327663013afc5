// Row shapes as SQLite returns them, and their mapping to the domain types.
import { flagFacts } from '../../../shared/flag-facts';
import { DELIVERY_MARK_COLUMNS, markFields } from './marks';
import { FLAG_NAMES, type DeliverySummary, type EventKind, type FlagDetail, type FlagName, type MessageSummary } from '../../../shared/domain';

/** Columns every delivery query selects (alias d). */
export const SUMMARY_COLUMNS = `d.id, d.received_at, d.method, d.path, d.outcome, d.response_status, d.response_ms,
  d.reject_reason, d.body_size, d.reference, d.event_id, d.type, d.kind, d.channel, d.direction, d.user_id,
  d.campaign, d.event_ts, d.attempt, d.flags, d.preview, d.msg_id, ${DELIVERY_MARK_COLUMNS},
  (SELECT 1 FROM simulated s WHERE s.id = +d.id) AS sim`;

/**
 * The attempt before a repeat (alias p, of a delivery d): the latest earlier delivery of the same event still stored
 * (the one its duplicate detail names as `previous`, unless that was deleted), one probe of the message's index.
 */
export const PREVIOUS_ATTEMPT = `FROM deliveries p INDEXED BY deliveries_msg
  WHERE p.msg_id = d.msg_id AND p.event_key = d.event_key AND p.id < d.id ORDER BY p.id DESC LIMIT 1`;

/**
 * What we answered the attempt before a repeat, as JSON [status, ms]; NULL for a first attempt. Selected by the reads
 * that show retries (lists, timeline, detail), beside SUMMARY_COLUMNS: read when asked because an answer's time is
 * written up to a second after it went out (retry-ladder.ts).
 */
export const PREVIOUS_ANSWER = `CASE WHEN d.flags_mask & ${1 << FLAG_NAMES.indexOf('duplicate')}
  THEN (SELECT json_array(p.response_status, p.response_ms) ${PREVIOUS_ATTEMPT}) END AS prev_answer`;

export interface SummaryRow {
  id: number;
  received_at: number;
  method: string;
  path: string;
  outcome: 'stored' | 'rejected';
  response_status: number;
  response_ms: number | null;
  reject_reason: string | null;
  body_size: number;
  reference: string | null;
  event_id: string | null;
  type: string | null;
  kind: string;
  channel: string | null;
  direction: string | null;
  user_id: string | null;
  campaign: string | null;
  event_ts: number | null;
  attempt: number | null;
  flags: string;
  preview: string;
  msg_id: number | null;
  /** PREVIOUS_ANSWER, where selected */
  prev_answer?: string | null;
  /** the delivery's mark (store/marks.ts); absent in inbox rows */
  mark_pinned?: number | null;
  mark_note?: string | null;
  /** 1: the gateway simulator sent it (migration 10); absent in inbox rows */
  sim?: number | null;
}

export interface FullRow extends SummaryRow {
  query: string;
  headers: string;
  remote_address: string;
  body_truncated: number;
  event_key: string | null;
  body: Buffer;
}

export const FULL_COLUMNS = `${SUMMARY_COLUMNS}, d.query, d.headers, d.remote_address, d.body_truncated, d.event_key, b.body`;

/** A delivery stored and not yet indexed (ingest.ts phase 1): the request as received. */
export interface InboxRow {
  id: number;
  received_at: number;
  method: string;
  path: string;
  query: string;
  headers: string;
  remote_address: string;
  body_size: number;
  body_truncated: number;
  outcome: 'stored' | 'rejected';
  response_status: number;
  response_ms: number | null;
  reject_reason: string | null;
  body: Buffer;
}

/**
 * An inbox row (alias i) in the shape of FULL_COLUMNS: what indexing derives is still empty (reads fill it in
 * from the body, see body-facts.ts).
 */
export const INBOX_AS_FULL_COLUMNS = `i.id, i.received_at, i.method, i.path, i.outcome, i.response_status, i.response_ms,
  i.reject_reason, i.body_size, NULL AS reference, NULL AS event_id, NULL AS type, 'unknown' AS kind, NULL AS channel,
  NULL AS direction, NULL AS user_id, NULL AS campaign, NULL AS event_ts, NULL AS attempt, '[]' AS flags,
  CASE WHEN i.outcome = 'rejected' THEN coalesce(i.reject_reason, '') ELSE '' END AS preview, NULL AS msg_id,
  i.query, i.headers, i.remote_address, i.body_truncated, NULL AS event_key, i.body`;

export function flagMask(flags: readonly { flag: FlagName }[]): number {
  let mask = 0;
  for (const f of flags) mask |= 1 << FLAG_NAMES.indexOf(f.flag);
  return mask;
}

export function flagNames(details: readonly FlagDetail[]): FlagName[] {
  const present = new Set(details.map((f) => f.flag));
  return FLAG_NAMES.filter((f) => present.has(f));
}

export function toSummary(r: SummaryRow, flagDetails: FlagDetail[] = JSON.parse(r.flags) as FlagDetail[]): DeliverySummary {
  return {
    id: r.id,
    receivedAt: r.received_at,
    method: r.method,
    path: r.path,
    outcome: r.outcome,
    responseStatus: r.response_status,
    responseMs: r.response_ms ?? 0,
    rejectReason: r.reject_reason,
    bodySize: r.body_size,
    reference: r.reference,
    eventId: r.event_id,
    type: r.type,
    kind: r.kind as EventKind,
    channel: r.channel,
    direction: r.direction,
    userId: r.user_id,
    campaign: r.campaign,
    timestamp: r.event_ts,
    attempt: r.attempt,
    flags: flagNames(flagDetails),
    ...flagFacts(flagDetails),
    ...(r.prev_answer !== undefined ? { previousAnswer: previousAnswerOf(r.prev_answer) } : {}),
    preview: r.preview,
    ...markFields(r),
    ...(r.sim === 1 ? { simulated: true as const } : {}),
  };
}

function previousAnswerOf(json: string | null): DeliverySummary['previousAnswer'] {
  if (json === null) return null;
  const [status, ms] = JSON.parse(json) as [number, number | null];
  return { status, ms };
}

export function headerValue(headers: [string, string][], name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find(([k]) => k.toLowerCase() === lower)?.[1];
}

export interface MessageRow {
  id: number;
  summary: string;
  due_at: number | null;
  /** the message's mark (MESSAGE_MARK_COLUMNS) */
  mark_pinned?: number | null;
  mark_note?: string | null;
  /** MESSAGE_SIM_COLUMN, where selected */
  sim?: number | null;
}

/**
 * 1 when the simulator sent a delivery of message m (migration 10). A store that never saw simulated traffic answers
 * from the first clause alone (evaluated once per statement), so its message lists read nothing more.
 */
export const MESSAGE_SIM_COLUMN = `CASE WHEN EXISTS (SELECT 1 FROM simulated) THEN EXISTS (SELECT 1 FROM deliveries sd INDEXED BY deliveries_msg
  WHERE sd.msg_id = m.id AND EXISTS (SELECT 1 FROM simulated s WHERE s.id = sd.id)) ELSE 0 END AS sim`;

/** A message row as stored; if its fallback grace ran out since it was built, say so (rebuilt on the next write). */
export function toMessageSummary(r: MessageRow, now: number): MessageSummary {
  const s = JSON.parse(r.summary) as MessageSummary;
  if (r.due_at !== null && r.due_at <= now && !s.anomalies.includes('fallback-missing')) {
    s.anomalies = [...s.anomalies, 'fallback-missing'];
  }
  return { ...s, ...markFields(r), ...(r.sim === 1 ? { simulated: true as const } : {}) };
}

/** Smallest string greater than every string starting with `prefix` (for index range scans). */
export function prefixEnd(prefix: string): string {
  return prefix + '\u{10FFFF}';
}
