// The `messages` summary table: one row per reference, rebuilt from its deliveries with the shared lifecycle
// rules whenever a delivery for it is stored, plus its facets (the facts a filter can ask about).
import { buildMessage, summaryChangesAt, type LifecycleDelivery } from '../../../shared/lifecycle';
import { parseDeliveryBody, type ParseResult } from '../../../shared/callback';
import type { FlagDetail, MessageDetail } from '../../../shared/domain';
import { CounterDeltas, withShortBusyWait, type StoreContext } from './context';
import { FULL_COLUMNS, headerValue, toSummary, type FullRow } from './rows';

export function parseRow(r: Pick<FullRow, 'headers' | 'body'>): ParseResult {
  const headers = JSON.parse(r.headers) as [string, string][];
  return parseDeliveryBody(r.body, headerValue(headers, 'content-type'));
}

/** Deliveries of one message with their callbacks; `parsed` holds parses already done in this batch. */
export function lifecycleOf(ctx: StoreContext, msgId: number, parsed?: Map<number, ParseResult>): LifecycleDelivery[] {
  const rows = ctx
    .stmt(`SELECT ${FULL_COLUMNS} FROM deliveries d JOIN bodies b ON b.id = d.id WHERE d.msg_id = ?`)
    .all(msgId) as FullRow[];
  const out: LifecycleDelivery[] = [];
  for (const r of rows) {
    const callback = (parsed?.get(r.id) ?? parseRow(r)).callback;
    if (!callback) continue;
    out.push({ summary: toSummary(r), callback, flags: JSON.parse(r.flags) as FlagDetail[] });
  }
  return out;
}

export function messageDetail(ctx: StoreContext, reference: string, now: number): MessageDetail | null {
  const row = ctx.stmt('SELECT id FROM messages WHERE reference = ?').get(reference) as { id: number } | undefined;
  if (!row) return null;
  const deliveries = lifecycleOf(ctx, row.id);
  if (deliveries.length === 0) return null;
  return buildMessage(reference, deliveries, now);
}

function facetsOf(detail: MessageDetail, deliveries: LifecycleDelivery[]): Set<string> {
  const s = detail.summary;
  const facets = new Set<string>([`st:${s.state}`]);
  for (const f of s.flags) facets.add(`f:${f}`);
  for (const a of s.anomalies) facets.add(`a:${a}`);
  for (const d of deliveries) {
    const cb = d.callback;
    const type = (cb.type ?? cb.typeRaw)?.toLowerCase();
    if (type) facets.add(`t:${type}`);
    facets.add(`k:${cb.kind}`);
    if (cb.channel) facets.add(`c:${cb.channel}`);
    if (cb.direction) facets.add(`d:${cb.direction}`);
    if (cb.campaignName !== null) facets.add(`g:${cb.campaignName}`);
    facets.add(`s:${d.summary.responseStatus}`);
    facets.add(`m:${d.summary.method.toUpperCase()}`);
  }
  return facets;
}

/** Recomputes one message row and its facets; counter changes go to `counters`. */
export function rebuildMessage(
  ctx: StoreContext,
  msgId: number,
  reference: string,
  now: number,
  counters: CounterDeltas,
  parsed?: Map<number, ParseResult>,
): void {
  const deliveries = lifecycleOf(ctx, msgId, parsed);
  const old = ctx.stmt('SELECT facet FROM message_facets WHERE msg_id = ?', 'pluck').all(msgId) as string[];
  ctx.stmt('DELETE FROM message_facets WHERE msg_id = ?').run(msgId);
  const oldSet = new Set(old);
  if (deliveries.length === 0) {
    for (const f of oldSet) counters.add(`mf:${f}`, -1);
    return;
  }
  const detail = buildMessage(reference, deliveries, now);
  const s = detail.summary;
  const facets = facetsOf(detail, deliveries);
  const insert = ctx.stmt('INSERT INTO message_facets (facet, last_at, msg_id) VALUES (?, ?, ?)');
  for (const f of facets) {
    insert.run(f, s.lastReceivedAt, msgId);
    if (!oldSet.has(f)) counters.add(`mf:${f}`, 1);
  }
  for (const f of oldSet) if (!facets.has(f)) counters.add(`mf:${f}`, -1);
  const changesAt = summaryChangesAt(reference, deliveries);
  ctx
    .stmt(
      `UPDATE messages SET first_at = ?, last_at = ?, user_id = ?, campaign = ?, state = ?, summary = ?, due_at = ?
       WHERE id = ?`,
    )
    .run(
      s.firstReceivedAt,
      s.lastReceivedAt,
      s.userId,
      s.campaign,
      s.state,
      JSON.stringify(s),
      changesAt !== null && changesAt > now ? changesAt : null,
      msgId,
    );
  // the longest first-to-last span so far: `before:` filters rely on no message lasting longer (filters.ts)
  ctx
    .stmt("INSERT INTO counters (key, n) VALUES ('span:max', ?) ON CONFLICT(key) DO UPDATE SET n = excluded.n WHERE excluded.n > n")
    .run(s.lastReceivedAt - s.firstReceivedAt);
}

/**
 * Messages whose fallback grace period ran out are rebuilt so that state/anomaly filters and counts see it.
 * Best effort: a read must not fail because the database cannot be written right now.
 */
export function refreshDueMessages(ctx: StoreContext, now: number): void {
  const due = ctx
    .stmt('SELECT id, reference FROM messages WHERE due_at IS NOT NULL AND due_at <= ? LIMIT 5000')
    .all(now) as { id: number; reference: string }[];
  if (due.length === 0) return;
  try {
    withShortBusyWait(ctx, () =>
      ctx.db
        .transaction(() => {
          const counters = new CounterDeltas();
          for (const m of due) rebuildMessage(ctx, m.id, m.reference, now, counters);
          counters.flush(ctx);
        })
        .immediate(),
    );
  } catch {
    // rows keep due_at and toMessageSummary still reports the anomaly on read
  }
}
