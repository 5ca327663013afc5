// The pieces the query compiler builds SQL from, shared by the deliveries and the messages list (filters.ts):
// predicates, drivers, counters, campaign names and the full-text expression.
import { counterKey, facetCounterPrefix, parseCounter, parseFacet, type FacetField } from '../../../shared/facet-keys';
import { FLAG_NAMES, type FlagName } from '../../../shared/domain';
import { UNNAMED_ACCOUNT } from '../../../shared/flag-facts';
import { GATEWAY_TIMEOUT_MS } from '../../../shared/constants';
import { answerBound, attemptBound, type QueryTerm } from '../../../shared/query';
import { campaignPattern, freeText } from '../../../shared/query-match';
import type { StoreContext } from './context';
import { PREVIOUS_ATTEMPT, prefixEnd } from './rows';

export interface Pred {
  sql: string;
  params: unknown[];
}

export interface Driver {
  from: string;
  where: Pred;
  order: string;
  ordered: boolean;
  estimate: number;
  exact: boolean;
  /** other (positive) terms on these fields narrow the same index range, so they join the driver's condition */
  absorbs?: QueryTerm['field'][];
  /**
   * The same rows read the cheapest way when all of them are wanted or counted, not a page (filter-messages.ts
   * facetDriver): unordered but for `order`, which costs nothing there. Without it, from/where/order.
   */
  whole?: { from: string; where: Pred; order: string; bare?: Bare };
  /** the driver to use instead when other terms are checked on its rows (filter-messages.ts facetDriver) */
  withOthers?: Driver;
}

/**
 * The same rows without the list's table, for when nothing but the row's id is read (filters.ts wholeOf): `from`
 * yields the id as `id`. Joining the table only to read its id costs a page read per row, which on a cold start is
 * most of a count (10,000 messages: ~200–400 ms against ~20 ms from the index alone).
 */
export interface Bare {
  from: string;
  id: string;
}

export const TIME_FIELDS: QueryTerm['field'][] = ['after', 'before'];

/**
 * FTS5 expression for one free-text term: the value as a quoted phrase (quotes doubled, so no FTS operator or
 * column filter can be smuggled in), its last word a prefix as freeText says (3+ characters: a shorter prefix
 * expands to thousands of index terms). null when it holds no word at all.
 */
export function ftsExpression(value: string): string | null {
  const text = freeText(value);
  return text === null ? null : `"${value.replace(/"/g, '""')}"` + (text.lastIsPrefix ? '*' : '');
}

export const FALSE: Pred = { sql: '0', params: [] };

export function negate(p: Pred): Pred {
  // null-safe: a delivery without a user_id does match -user:5511
  return { sql: `(${p.sql}) IS NOT 1`, params: p.params };
}

export function or(preds: Pred[]): Pred {
  if (preds.length === 0) return FALSE;
  return { sql: preds.map((p) => `(${p.sql})`).join(' OR '), params: preds.flatMap((p) => p.params) };
}

/** `column` starts with one of the prefixes: index ranges (SQLite reads several through a multi-index OR). */
export function prefixRanges(column: string, prefixes: string[]): Pred {
  return or(prefixes.map((p) => ({ sql: `${column} >= ? AND ${column} < ?`, params: [p, prefixEnd(p)] })));
}

export function and(preds: Pred[]): Pred {
  if (preds.length === 0) return { sql: '1', params: [] };
  return { sql: preds.map((p) => `(${p.sql})`).join(' AND '), params: preds.flatMap((p) => p.params) };
}

/**
 * The stored campaign names a campaign: pattern matches (campaigns are a small set). Messages know theirs from
 * the facet counters; deliveries from their own index, since a delivery without a reference belongs to no message.
 */
export function resolveCampaigns(ctx: StoreContext, pattern: string, of: 'deliveries' | 'messages'): string[] {
  const re = campaignPattern(pattern);
  const names = of === 'messages' ? facetCounts(ctx, 'campaign').map((c) => c.value) : deliveryCampaigns(ctx);
  return names.filter((name) => re.test(name));
}

/** Distinct campaigns of all deliveries: one index seek per name (a skip scan), never a walk of every delivery. */
function deliveryCampaigns(ctx: StoreContext): string[] {
  return ctx
    .stmt(
      `WITH RECURSIVE c(name) AS (
         SELECT (SELECT min(campaign) FROM deliveries INDEXED BY deliveries_campaign WHERE campaign IS NOT NULL)
         UNION ALL
         SELECT (SELECT min(campaign) FROM deliveries INDEXED BY deliveries_campaign WHERE campaign > c.name) FROM c WHERE c.name IS NOT NULL
       )
       SELECT name FROM c WHERE name IS NOT NULL`,
      'pluck',
    )
    .all() as string[];
}

/** How many messages carry each facet of `field` (of every field when omitted), most common first. */
export function facetCounts(ctx: StoreContext, field?: FacetField): { field: FacetField; value: string; n: number }[] {
  const start = facetCounterPrefix(field);
  const rows = ctx
    .stmt('SELECT key, n FROM counters WHERE key >= ? AND key < ? AND n > 0 ORDER BY n DESC')
    .all(start, prefixEnd(start)) as { key: string; n: number }[];
  return rows.flatMap((r) => {
    const c = parseCounter(r.key);
    const facet = c !== null && typeof c === 'object' && 'facet' in c ? parseFacet(c.facet) : null;
    return facet ? [{ ...facet, n: r.n }] : [];
  });
}

export function counter(ctx: StoreContext, key: string): number {
  return (ctx.stmt('SELECT n FROM counters WHERE key = ?', 'pluck').get(key) as number | undefined) ?? 0;
}

/** Driver estimates count this far; an unordered driver is only used (read whole and sorted) below it. */
export const ESTIMATE_CAP = 5000;

export function cappedCount(ctx: StoreContext, from: string, where: Pred, cap: number): number {
  return ctx.stmt(`SELECT count(*) FROM (SELECT 1 FROM ${from} WHERE ${where.sql} LIMIT ${cap})`, 'pluck').get(...where.params) as number;
}

export function statusRange(value: string): [number, number] {
  if (/xx$/i.test(value)) {
    const c = Number(value[0]) * 100;
    return [c, c + 100];
  }
  return [Number(value), Number(value) + 1];
}

export const FTS_IDS = 'SELECT rowid FROM deliveries_fts WHERE deliveries_fts MATCH ?';

export function flagBit(flag: FlagName): number {
  return 1 << FLAG_NAMES.indexOf(flag);
}

/** `cond` reads one flag detail (`f`); with `onDelivery`, the delivery itself (`d`) */
type FlagDetailTerm = { flag: FlagName; cond: string; params: unknown[]; onDelivery?: true };

/**
 * A term read from a delivery's flag details (reason:, account:, retry:; flag-facts.ts says the same in memory): the
 * flag it needs, whose index drives the list, and a condition on that flag's detail (`f`, a json_each row of
 * deliveries.flags).
 */
export function flagDetailTerm(t: QueryTerm): FlagDetailTerm | null {
  const v = t.value;
  switch (t.field) {
    case 'reason':
      if (v === 'auth' || v === 'rcs-unsupported' || v === 'other') return { flag: 'exception', cond: "f.value ->> '$.kind' = ?", params: [v] };
      if (v === 'customer' || v === 'account') return { flag: 'prepaid-blocked', cond: "f.value ->> '$.scope' = ?", params: [v] };
      if (v === 'unknown') return { flag: 'error', cond: "f.value ->> '$.code' IS NULL", params: [] };
      return { flag: 'error', cond: "f.value ->> '$.code' = ?", params: [Number(v)] };
    case 'account':
      return { flag: 'prepaid-blocked', cond: "f.value ->> '$.scope' = 'account' AND coalesce(f.value ->> '$.accountId', ?) = ?", params: [UNNAMED_ACCOUNT, v] };
    case 'retry':
      if (v === 'after-200') return { flag: 'duplicate', cond: ANSWERED_BEFORE_200_IN_TIME, params: [GATEWAY_TIMEOUT_MS], onDelivery: true };
      return { flag: 'duplicate', cond: "f.value ->> '$.fitsSchedule' = ?", params: [v === 'on-schedule' ? 1 : 0] };
    default:
      return null;
  }
}

/**
 * retry:after-200 on a repeat (`d`): we answered the attempt before it 200 within the gateway's limit, its time
 * recorded (shared/retry-ladder.ts retriedAfter200 says the same of a row's previousAnswer). Read from that attempt
 * when asked, not stored: its answer time is written up to a second after it went out.
 */
const ANSWERED_BEFORE_200_IN_TIME = `(SELECT p.response_status = 200 AND p.response_ms < ? ${PREVIOUS_ATTEMPT}) = 1`;

/** The term as a condition on one delivery (alias d): its flag's bit, then the detail the term reads. */
export function flagDetailPred(ft: FlagDetailTerm): Pred {
  if (ft.onDelivery) return { sql: `(d.flags_mask & ?) != 0 AND ${ft.cond}`, params: [flagBit(ft.flag), ...ft.params] };
  return {
    sql: `(d.flags_mask & ?) != 0 AND EXISTS (SELECT 1 FROM json_each(d.flags) f WHERE f.value ->> '$.flag' = ? AND ${ft.cond})`,
    params: [flagBit(ft.flag), ft.flag, ...ft.params],
  };
}

/** attempt:N (exactly) or N+ (and later), on a delivery (alias d) */
export function attemptPred(value: string): Pred {
  const { n, orLater } = attemptBound(value);
  return { sql: orLater ? 'd.attempt >= ?' : 'd.attempt = ?', params: [n] };
}

/** answer:>10s / <500ms, on a delivery (alias d); one without a recorded answer time reads as 0 ms, as its row shows */
export function answerPred(value: string): Pred {
  const b = answerBound(value);
  return b === null ? FALSE : { sql: `coalesce(d.response_ms, 0) ${b.op} ?`, params: [b.ms] };
}

/**
 * How many deliveries repeat a callback on / off the retry schedule (after-200: at most how many): every repeat belongs to a message, and indexing
 * counts the off-schedule ones among a message's deliveries (an_counts, store/schema.ts migration 6).
 */
export function retriesCounted(ctx: StoreContext, schedule: string): number {
  // retries after a 200 are judged when read: every repeat may be one
  if (schedule === 'after-200') return counter(ctx, counterKey({ flag: 'duplicate' }));
  const off = (ctx.stmt(`SELECT n FROM an_counts WHERE key = 'off-schedule'`, 'pluck').get() as number | undefined) ?? 0;
  return schedule === 'off-schedule' ? off : counter(ctx, counterKey({ flag: 'duplicate' })) - off;
}

/** A later attempt than the first is a repeat of its callback: the `duplicate` flag's index holds every one. */
export function needsRepeat(value: string): boolean {
  return attemptBound(value).n >= 2;
}
