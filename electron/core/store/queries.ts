// Reads: lists and their totals, details, and streaming exports (chip counts: counts.ts; suggestions: suggest.ts).
import type {
  DeliveryDetail,
  DeliveryRequest,
  DeliverySummary,
  FlagDetail,
  MessageSummary,
  Page,
} from '../../../shared/domain';
import type { StoreContext } from './context';
import { planDeliveries, planMessages, queryTerms, whereOf, wholeOf, type Plan } from './filters';
import { attemptsOfEvent, exportedMessage, foldsOf } from './messages';
import type { MessageAcc } from '../../../shared/message-acc';
import { listForwards } from './admin';
import { MESSAGE_MARK_COLUMNS, markFields } from './marks';
import { answeredBy } from './rule-answers';
import {
  FULL_COLUMNS,
  INBOX_AS_FULL_COLUMNS,
  PREVIOUS_ANSWER,
  SUMMARY_COLUMNS,
  toMessageSummary,
  MESSAGE_SIM_COLUMN,
  toSummary,
  type FullRow,
  type MessageRow,
  type SummaryRow,
} from './rows';
import type { ExportedDelivery, ExportedMessage, ListArgs } from './types';
import { bodyFacts, parseRow, withBodyFacts } from './body-facts';
import { inReadSnapshot, isCorruption, readPastDamage, type UnreadableRange } from './salvage';

export interface QueryLimits {
  /** totals and scoped counts stop counting here (totalIsExact=false beyond) */
  countCap: number;
  /**
   * a total reads at most this many rows of its driver: when the other terms reject most of them (a rare
   * combination), counting to countCap could read the whole store, so it stops and reports what it found as a
   * lower bound (totalIsExact=false), which the list shows as "N+" and corrects as scrolling reaches the end
   */
  scanCap: number;
}

function total(
  ctx: StoreContext,
  plan: Plan,
  limits: QueryLimits,
  page: { offset: number; limit: number; rows: number },
): { total: number; totalIsExact: boolean } {
  const { offset, rows } = page;
  const cap = limits.countCap;
  if (plan.exactTotal !== null) return { total: plan.exactTotal, totalIsExact: true };
  // a page that is not full ends the list: no need to count
  if (rows > 0 && rows < page.limit) return { total: offset + rows, totalIsExact: true };
  const atLeast = (n: number) => ({ total: Math.max(n, offset + rows), totalIsExact: false });
  // counted off the driver's cheapest read of all its rows (a fact's own index rather than a walk checking it)
  const whole = wholeOf(plan, 'ids');
  const hit = whole.hit;
  if (hit === null) {
    // every row the driver yields matches: counting to the cap reads cap rows
    const n = ctx
      .stmt(`SELECT count(*) FROM (SELECT 1 FROM ${whole.from} WHERE ${whole.where.sql} LIMIT ${cap + 1})`, 'pluck')
      .get(...whole.where.params) as number;
    return n <= cap ? { total: n, totalIsExact: true } : atLeast(cap);
  }
  // the other terms are evaluated on at most scanCap driver rows, not used to filter before the LIMIT
  const driver = whole.driver;
  const scan = Math.max(cap + 1, limits.scanCap);
  const [examined, hits] = ctx
    .stmt(
      `SELECT count(*), coalesce(sum(h), 0) FROM (SELECT ${hit.sql} AS h FROM ${whole.from} WHERE ${driver.sql} ORDER BY ${whole.order} LIMIT ${scan})`,
      'raw',
    )
    .get(...hit.params, ...driver.params) as [number, number];
  if (hits > cap) return atLeast(cap);
  if (examined < scan) return { total: hits, totalIsExact: true };
  return atLeast(hits);
}

export function listDeliveries(ctx: StoreContext, args: ListArgs, limits: QueryLimits, now: number): Page<DeliverySummary> {
  const plan = planDeliveries(ctx, queryTerms(args.query, now));
  const where = whereOf(plan);
  const rows = ctx
    .stmt(`SELECT ${SUMMARY_COLUMNS}, ${PREVIOUS_ANSWER} FROM ${plan.from} WHERE ${where.sql} ORDER BY ${plan.order} LIMIT ? OFFSET ?`)
    .all(...where.params, args.limit, args.offset) as SummaryRow[];
  return { rows: rows.map((r) => toSummary(r)), ...total(ctx, plan, limits, { offset: args.offset, limit: args.limit, rows: rows.length }), offset: args.offset };
}

export function listMessages(ctx: StoreContext, args: ListArgs, limits: QueryLimits, now: number): Page<MessageSummary> {
  const plan = planMessages(ctx, queryTerms(args.query, now));
  const where = whereOf(plan);
  const rows = ctx
    .stmt(`SELECT m.id, m.summary, m.due_at, ${MESSAGE_MARK_COLUMNS}, ${MESSAGE_SIM_COLUMN} FROM ${plan.from} WHERE ${where.sql} ORDER BY ${plan.order} LIMIT ? OFFSET ?`)
    .all(...where.params, args.limit, args.offset) as MessageRow[];
  return {
    rows: rows.map((r) => toMessageSummary(r, now)),
    ...total(ctx, plan, limits, { offset: args.offset, limit: args.limit, rows: rows.length }),
    offset: args.offset,
  };
}

export function getMessageSummaries(ctx: StoreContext, references: string[], now: number): MessageSummary[] {
  const get = ctx.stmt(`SELECT m.id, m.summary, m.due_at, ${MESSAGE_MARK_COLUMNS}, ${MESSAGE_SIM_COLUMN} FROM messages m WHERE m.reference = ?`);
  const out: MessageSummary[] = [];
  for (const ref of new Set(references)) {
    const r = get.get(ref) as MessageRow | undefined;
    if (r && r.summary !== '{}') out.push(toMessageSummary(r, now));
  }
  return out;
}

export function listDeliveryIds(ctx: StoreContext, query: string, order: 'received' | 'timestamp', limits: QueryLimits, now: number): number[] {
  const plan = planDeliveries(ctx, queryTerms(query, now));
  const where = whereOf(plan);
  const by = order === 'timestamp' ? 'coalesce(d.event_ts, d.received_at), d.id' : 'd.received_at, d.id';
  return ctx.stmt(`SELECT d.id FROM ${plan.from} WHERE ${where.sql} ORDER BY ${by}`, 'pluck').all(...where.params) as number[];
}

export function listMessageRefs(ctx: StoreContext, query: string, now: number): string[] {
  const whole = wholeOf(planMessages(ctx, queryTerms(query, now)), 'rows');
  return ctx.stmt(`SELECT m.reference FROM ${whole.from} WHERE ${whole.where.sql}`, 'pluck').all(...whole.where.params) as string[];
}

/** A stored delivery, indexed or still in the inbox (`pending`: the columns indexing derives are empty). */
function fullRow(ctx: StoreContext, id: number): { row: FullRow; pending: boolean } | undefined {
  const row = ctx.stmt(`SELECT ${FULL_COLUMNS}, ${PREVIOUS_ANSWER} FROM deliveries d JOIN bodies b ON b.id = d.id WHERE d.id = ?`).get(id) as
    | FullRow
    | undefined;
  if (row) return { row, pending: false };
  const pending = ctx.stmt(`SELECT ${INBOX_AS_FULL_COLUMNS} FROM inbox i WHERE i.id = ?`).get(id) as FullRow | undefined;
  return pending && { row: pending, pending: true };
}

const utf8 = new TextDecoder('utf-8');

export function getDelivery(ctx: StoreContext, id: number): DeliveryDetail | null {
  const found = fullRow(ctx, id);
  if (!found) return null;
  const r = found.row;
  let flagDetails = JSON.parse(r.flags) as FlagDetail[];
  const parse = r.outcome === 'rejected' ? null : parseRow(r);
  let summary = toSummary(r, flagDetails);
  if (parse && found.pending) {
    // not indexed yet (normally for milliseconds): what its body says, as indexing will record it
    const facts = bodyFacts(parse);
    summary = withBodyFacts(summary, facts);
    flagDetails = facts.flags;
  }
  return {
    ...summary,
    query: r.query,
    headers: JSON.parse(r.headers) as [string, string][],
    remoteAddress: r.remote_address,
    bodyBase64: r.body.toString('base64'),
    bodyText: utf8.decode(r.body),
    bodyTruncated: r.body_truncated === 1,
    callback: parse?.callback ?? null,
    flagDetails,
    forwards: listForwards(ctx, id),
    ...(!found.pending && r.msg_id !== null && r.event_key !== null ? { attempts: attemptsOfEvent(ctx, r.msg_id, r.event_key) } : {}),
    answeredBy: answeredBy(ctx, id),
  };
}

export function getRawRequest(ctx: StoreContext, id: number): DeliveryRequest | null {
  const r = fullRow(ctx, id)?.row;
  if (!r) return null;
  return {
    method: r.method,
    path: r.path,
    query: r.query,
    headers: JSON.parse(r.headers) as [string, string][],
    body: new Uint8Array(r.body),
    bodySize: r.body_size,
    remoteAddress: r.remote_address,
    receivedAt: r.received_at,
  };
}

const PAGE = 500;

/**
 * Every delivery, oldest first, read in pages so other queries can run between rows (export awaits I/O). Each
 * page reads both tables from the same id on: indexing may move rows from the inbox to deliveries between pages
 * (keeping their ids), and a delivery is in exactly one of them at any moment, so none is missed or given twice.
 * Inbox rows are exported as stored (flags from their body alone), never indexed first: a large backlog must not
 * hold the export up. Ranges a damaged file cannot give back are stepped over and reported (salvage.ts).
 */
export function* iterateDeliveries(ctx: StoreContext, onSkip: (r: UnreadableRange) => void = () => {}): IterableIterator<ExportedDelivery> {
  const indexed = ctx.stmt(`SELECT ${FULL_COLUMNS} FROM deliveries d JOIN bodies b ON b.id = d.id WHERE d.id >= ? ORDER BY d.id LIMIT ?`);
  const pending = ctx.stmt(`SELECT ${INBOX_AS_FULL_COLUMNS} FROM inbox i WHERE i.id >= ? ORDER BY i.id LIMIT ?`);
  const read = (table: string, stmt: typeof indexed, from: number, skips: UnreadableRange[]) =>
    readPastDamage(
      table,
      (lo, n) => stmt.all(lo, n) as FullRow[],
      (lo, n) => stmt.iterate(lo, n) as IterableIterator<FullRow>,
      from,
      PAGE,
      (r) => skips.push(r),
    ).rows;
  // one read snapshot per page: both tables as of the same moment, even while another process indexes
  const readPage = (from: number) =>
    inReadSnapshot(ctx.db, () => {
      const skips: UnreadableRange[] = [];
      const rows = [
        ...read('deliveries', indexed, from, skips).map((row) => ({ row, pending: false })),
        ...read('inbox', pending, from, skips).map((row) => ({ row, pending: true })),
      ];
      return { rows, skips };
    });
  const reported = new Set<string>();
  let after = 0;
  for (;;) {
    const { rows, skips } = readPage(after + 1);
    const page = rows.sort((a, b) => a.row.id - b.row.id).slice(0, PAGE);
    // a range past this page is met again from the next page on: reported once
    const end = page.length === 0 ? Infinity : page[page.length - 1]!.row.id;
    for (const s of skips) {
      const key = `${s.table}:${s.from}`;
      if (s.from <= end && !reported.has(key)) (reported.add(key), onSkip(s));
    }
    if (page.length === 0) return;
    for (const { row, pending: isPending } of page) yield exported(row, isPending);
    after = end;
  }
}

function exported(r: FullRow, pending: boolean): ExportedDelivery {
  const parse = r.outcome === 'rejected' ? null : parseRow(r);
  const facts = parse && pending ? bodyFacts(parse) : null;
  return {
    id: r.id,
    receivedAt: new Date(r.received_at).toISOString(),
    request: {
      method: r.method,
      path: r.path,
      query: r.query,
      headers: JSON.parse(r.headers) as [string, string][],
      remoteAddress: r.remote_address,
      bodySize: r.body_size,
      bodyBase64: r.body.toString('base64'),
      bodyText: utf8.decode(r.body),
      bodyTruncated: r.body_truncated === 1,
    },
    response: { status: r.response_status, ms: r.response_ms },
    outcome: r.outcome,
    rejectReason: r.reject_reason,
    callback: parse?.callback ?? null,
    eventKey: facts ? facts.eventKey : r.event_key,
    attempt: r.attempt,
    flags: facts ? facts.flags : (JSON.parse(r.flags) as FlagDetail[]),
    ...markFields(r),
  };
}

/** Every message, oldest first, with its anomaly explanations (from its fold, see messages.ts); unreadable ones reported. */
export function* iterateMessages(ctx: StoreContext, now: number, onSkip: (r: UnreadableRange) => void = () => {}): IterableIterator<ExportedMessage> {
  type Row = { id: number; reference: string; acc: string | null; facets: string | null; n: number | null; mark_pinned: number | null; mark_note: string | null };
  const stmt = ctx.stmt(
    `SELECT m.id, m.reference, m.acc, m.facets, m.summary ->> '$.deliveryCount' AS n, ${MESSAGE_MARK_COLUMNS} FROM messages m WHERE m.id >= ? ORDER BY m.id LIMIT ?`,
  );
  let from = 1;
  for (;;) {
    const { rows, done } = readPastDamage(
      'messages',
      (lo, n) => stmt.all(lo, n) as Row[],
      (lo, n) => stmt.iterate(lo, n) as IterableIterator<Row>,
      from,
      PAGE,
      onSkip,
    );
    // a page's one-delivery messages (no fold on their row) are folded from one read; a row of an earlier version
    // with many deliveries, or a damaged page, one by one below
    let folds = new Map<number, MessageAcc>();
    try {
      folds = foldsOf(ctx, rows.filter((r) => r.acc === null && r.n === 1).map((r) => r.id));
    } catch (err) {
      if (!isCorruption(err)) throw err;
    }
    for (const r of rows) {
      let m: ExportedMessage | null;
      try {
        m = exportedMessage(ctx, r, now, folds.get(r.id));
      } catch (err) {
        if (!isCorruption(err)) throw err;
        onSkip({ table: 'messages', from: r.id, to: r.id, error: err instanceof Error ? err.message : String(err) });
        continue;
      }
      if (m) yield { ...m, ...markFields(r) };
    }
    if (done || rows.length === 0) return;
    from = rows[rows.length - 1]!.id + 1;
  }
}
