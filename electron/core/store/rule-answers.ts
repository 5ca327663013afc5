// The answer a response rule gave a delivery (migration 8): a side table by delivery id, so neither the
// acknowledgement path nor indexing writes a column more, and deliveries no rule answered have no row.
import type { DeliveryDetail } from '../../../shared/domain';
import type { StoreContext } from './context';

export type AnsweredBy = NonNullable<DeliveryDetail['answeredBy']>;

interface Row {
  id: number;
  rule: string;
  action: AnsweredBy['action'];
  status: number | null;
  delay_ms: number | null;
}

export function setRuleAnswers(
  ctx: StoreContext,
  rows: { id: number; rule: string; action: AnsweredBy['action']; status: number | null; delayMs: number | null; noAnswer?: boolean }[],
): void {
  const put = ctx.stmt('INSERT OR REPLACE INTO rule_answers (id, rule, action, status, delay_ms) VALUES (?, ?, ?, ?, ?)');
  // the row was committed with the answer the rule was to give; it never went out, so the lists' status (and
  // `status:200`, the retry ladder) say nothing was answered. The delivery is in one of the two tables.
  const none = [ctx.stmt('UPDATE deliveries SET response_status = 0 WHERE id = ?'), ctx.stmt('UPDATE inbox SET response_status = 0 WHERE id = ?')];
  for (const r of rows) {
    put.run(r.id, r.rule, r.action, r.status, r.delayMs);
    if (r.noAnswer) for (const u of none) u.run(r.id);
  }
}

const toAnsweredBy = (r: Row): AnsweredBy => ({ rule: r.rule, action: r.action, status: r.status, delayMs: r.delay_ms });

export function answeredBy(ctx: StoreContext, id: number): AnsweredBy | null {
  const r = ctx.stmt('SELECT id, rule, action, status, delay_ms FROM rule_answers WHERE id = ?').get(id) as Row | undefined;
  return r ? toAnsweredBy(r) : null;
}

/** the answers of these deliveries (a timeline page: a few hundred ids at most), by id */
export function answeredByMany(ctx: StoreContext, ids: readonly number[]): Map<number, AnsweredBy> {
  const out = new Map<number, AnsweredBy>();
  if (ids.length === 0) return out;
  const rows = ctx
    .stmt('SELECT r.id, r.rule, r.action, r.status, r.delay_ms FROM json_each(?) j JOIN rule_answers r ON r.id = j.value')
    .all(JSON.stringify(ids)) as Row[];
  for (const r of rows) out.set(r.id, toAnsweredBy(r));
  return out;
}

/** deliveries indexed for this event key: where a rule's attempt count starts for an event met first in this run */
export function eventAttempts(ctx: StoreContext, reference: string, eventKey: string): number {
  // the event's entries in deliveries_msg (message id, event key), read without the rows
  return ctx
    .stmt('SELECT count(*) FROM deliveries WHERE msg_id = (SELECT id FROM messages WHERE reference = ?) AND event_key = ?', 'pluck')
    .get(reference, eventKey) as number;
}
