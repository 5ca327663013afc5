// The query language (shared/query.ts) compiled to SQL. Each term becomes a predicate; one positive term is
// picked as the "driver": the index the rows are read from. Ordered drivers (flag, type, text, facets) already
// yield newest-first, so a page costs about as many rows as it shows; a small unordered set (a phone number, a
// reference prefix, a rare word) is read whole and sorted. Without a usable driver the newest-first index is
// scanned with every term as a check. User input only ever reaches SQLite as bound parameters.
//
// Semantics, agreeing with shared/query.ts (deliveryMatches / messageMatches):
//  - deliveries: every term holds for the delivery; state/anomaly are judged on its message.
//  - messages: a delivery-level term holds when at least one delivery of the message matches it; a negated one
//    when none does (`-type:DELIVERED` = never delivered). state/anomaly/user are judged on the message row.
//  - after/before compare received time (what lists show), not the callback's timestamp: for messages
//    after = last activity at/after, before = first delivery before. A time window is read from the
//    received_at index, so such a delivery list is newest first by received time (the same as arrival order
//    unless the system clock was set back).
//  - user/ref/event/path match a prefix (user/ref/event ignore ASCII case); type ignores case; campaign is
//    campaignPattern's (any part of the name, any case, a space for any character), resolved to the names stored;
//    text is full-text by words as freeText describes, over message text, ids and the raw body (the raw body is
//    the one thing the in-memory match cannot see: see shared/query-match.ts).
import { ApiError } from '../../../shared/api-error';
import { FLAG_NAMES, type FlagName } from '../../../shared/domain';
import { counterKey, facetCounterPrefix, facetKey, parseCounter, parseFacet, type FacetField } from '../../../shared/facet-keys';
import { parseQuery, type QueryTerm } from '../../../shared/query';
import { campaignPattern, freeText } from '../../../shared/query-match';
import type { StoreContext } from './context';
import { prefixEnd } from './rows';

export interface Pred {
  sql: string;
  params: unknown[];
}

export interface Plan {
  /** FROM clause (aliases d for deliveries, m for messages) */
  from: string;
  /** the driver's own condition (the rows it walks), or null when the list is scanned newest first */
  driver: Pred | null;
  /** every other term: checked on each row the driver yields */
  rest: Pred[];
  /** driver and rest together */
  where: Pred[];
  order: string;
  /** the count of matching rows is known exactly without counting (counter) */
  exactTotal: number | null;
}

/** Terms of a query; values that cannot be understood are an error, never a silently wider filter. */
export function queryTerms(q: string, now: number): QueryTerm[] {
  const parsed = parseQuery(q, now);
  // unknown field names are kept as free text by the parser; anything else dropped would widen the filter
  const fatal = parsed.errors.filter((e) => !e.startsWith('unknown field'));
  if (fatal.length > 0) throw new ApiError('bad-request', `query: ${fatal.join('; ')}`);
  return parsed.terms;
}

/**
 * FTS5 expression for one free-text term: the value as a quoted phrase (quotes doubled, so no FTS operator or
 * column filter can be smuggled in), its last word a prefix as freeText says (3+ characters: a shorter prefix
 * expands to thousands of index terms). null when it holds no word at all.
 */
function ftsExpression(value: string): string | null {
  const text = freeText(value);
  return text === null ? null : `"${value.replace(/"/g, '""')}"` + (text.lastIsPrefix ? '*' : '');
}

const FALSE: Pred = { sql: '0', params: [] };

function negate(p: Pred): Pred {
  // null-safe: a delivery without a user_id does match -user:5511
  return { sql: `(${p.sql}) IS NOT 1`, params: p.params };
}

function and(preds: Pred[]): Pred {
  if (preds.length === 0) return { sql: '1', params: [] };
  return { sql: preds.map((p) => `(${p.sql})`).join(' AND '), params: preds.flatMap((p) => p.params) };
}

/**
 * The stored campaign names a campaign: pattern matches (campaigns are a small set). Messages know theirs from
 * the facet counters; deliveries from their own index, since a delivery without a reference belongs to no message.
 */
function resolveCampaigns(ctx: StoreContext, pattern: string, of: 'deliveries' | 'messages'): string[] {
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

function counter(ctx: StoreContext, key: string): number {
  return (ctx.stmt('SELECT n FROM counters WHERE key = ?', 'pluck').get(key) as number | undefined) ?? 0;
}

/** Driver estimates count this far; an unordered driver is only used (read whole and sorted) below it. */
const ESTIMATE_CAP = 5000;
/** A state/anomaly facet on this many messages or fewer has its deliveries counted exactly (~20 ms at most). */
const EXACT_FACET_MESSAGES = 10_000;
/** A free-text term matching fewer deliveries than this has its messages counted exactly (~100 ms at most). */
const EXACT_TEXT_HITS = 20_000;

function cappedCount(ctx: StoreContext, from: string, where: Pred, cap: number): number {
  return ctx.stmt(`SELECT count(*) FROM (SELECT 1 FROM ${from} WHERE ${where.sql} LIMIT ${cap})`, 'pluck').get(...where.params) as number;
}

function flagBit(flag: string): number {
  return 1 << FLAG_NAMES.indexOf(flag as FlagName);
}

function statusRange(value: string): [number, number] {
  if (/xx$/i.test(value)) {
    const c = Number(value[0]) * 100;
    return [c, c + 100];
  }
  return [Number(value), Number(value) + 1];
}

const FTS_IDS = 'SELECT rowid FROM deliveries_fts WHERE deliveries_fts MATCH ?';

// ---------------------------------------------------------------- deliveries

function deliveryPred(ctx: StoreContext, t: QueryTerm): Pred {
  const v = t.value;
  switch (t.field) {
    case 'text': {
      const expr = ftsExpression(v);
      return expr === null ? FALSE : { sql: `d.id IN (${FTS_IDS})`, params: [expr] };
    }
    case 'type':
      return { sql: 'd.type_lc = ?', params: [v.toLowerCase()] };
    case 'kind':
      return { sql: 'd.kind = ?', params: [v] };
    case 'user':
      return { sql: 'd.user_id >= ? AND d.user_id < ?', params: [v, prefixEnd(v)] };
    case 'event':
      return { sql: 'd.event_id >= ? AND d.event_id < ?', params: [v, prefixEnd(v)] };
    case 'campaign': {
      const list = resolveCampaigns(ctx, v, 'deliveries');
      return list.length === 0 ? FALSE : { sql: `d.campaign IN (${list.map(() => '?').join(',')})`, params: list };
    }
    case 'flag':
      return { sql: '(d.flags_mask & ?) != 0', params: [flagBit(v)] };
    case 'channel':
      return { sql: 'd.channel = ?', params: [v] };
    case 'direction':
      return { sql: 'd.direction = ?', params: [v] };
    case 'ref':
      return {
        sql: 'd.msg_id IN (SELECT id FROM messages WHERE reference COLLATE NOCASE >= ? AND reference COLLATE NOCASE < ?)',
        params: [v, prefixEnd(v)],
      };
    case 'status':
      return { sql: 'd.response_status >= ? AND d.response_status < ?', params: statusRange(v) };
    case 'path':
      return { sql: 'd.path >= ? AND d.path < ?', params: [v, prefixEnd(v)] };
    case 'method':
      return { sql: 'upper(d.method) = ?', params: [v] };
    case 'after':
      return { sql: 'd.received_at >= ?', params: [t.time] };
    case 'before':
      return { sql: 'd.received_at < ?', params: [t.time] };
    case 'state':
    case 'anomaly':
      return {
        sql: 'EXISTS (SELECT 1 FROM message_facets x WHERE x.msg_id = d.msg_id AND x.facet = ?)',
        params: [facetKey(t.field, v)],
      };
  }
}

interface Driver {
  from: string;
  where: Pred;
  order: string;
  ordered: boolean;
  estimate: number;
  exact: boolean;
  /** other (positive) terms on these fields narrow the same index range, so they join the driver's condition */
  absorbs?: QueryTerm['field'][];
}

const TIME_FIELDS: QueryTerm['field'][] = ['after', 'before'];

const NEWEST_DELIVERIES = 'd.id DESC';

function deliveryDriver(ctx: StoreContext, t: QueryTerm, pred: Pred): Driver | null {
  const indexed = (index: string, ordered: boolean): Driver => {
    const from = `deliveries d INDEXED BY ${index}`;
    const estimate = cappedCount(ctx, from, pred, ESTIMATE_CAP);
    return { from, where: pred, order: NEWEST_DELIVERIES, ordered, estimate, exact: estimate < ESTIMATE_CAP };
  };
  switch (t.field) {
    case 'flag': {
      const n = counter(ctx, counterKey({ flag: t.value as FlagName }));
      return {
        from: 'delivery_flags x JOIN deliveries d ON d.id = x.delivery_id',
        where: { sql: 'x.flag = ?', params: [t.value] },
        order: 'x.delivery_id DESC',
        ordered: true,
        estimate: n,
        exact: true,
      };
    }
    case 'text': {
      if (pred === FALSE) return null;
      const where = { sql: 'deliveries_fts MATCH ?', params: pred.params };
      const estimate = cappedCount(ctx, 'deliveries_fts', where, ESTIMATE_CAP);
      return {
        from: 'deliveries_fts JOIN deliveries d ON d.id = deliveries_fts.rowid',
        where,
        order: 'deliveries_fts.rowid DESC',
        ordered: true,
        estimate,
        exact: estimate < ESTIMATE_CAP,
      };
    }
    case 'type':
      return indexed('deliveries_type', true);
    case 'kind':
      return indexed('deliveries_kind', true);
    case 'channel':
      return indexed('deliveries_channel', true);
    case 'user':
      return indexed('deliveries_user', false);
    case 'campaign':
      // one campaign reads its index newest first; several are merged and sorted
      return pred === FALSE ? null : indexed('deliveries_campaign', pred.params.length === 1);
    case 'event':
      return indexed('deliveries_event', false);
    case 'ref':
      return indexed('deliveries_msg', false);
    case 'after':
    case 'before': {
      // a time window is a range of the received_at index, read newest first (received time, then id)
      const from = 'deliveries d INDEXED BY deliveries_received';
      const estimate = cappedCount(ctx, from, pred, ESTIMATE_CAP);
      return { from, where: pred, order: 'd.received_at DESC, d.id DESC', ordered: true, estimate, exact: false, absorbs: TIME_FIELDS };
    }
    case 'state':
    case 'anomaly': {
      const facet = pred.params[0] as string;
      const where = { sql: 'd.msg_id IN (SELECT msg_id FROM message_facets WHERE facet = ?)', params: [facet] };
      // messages with the facet times the average deliveries per message
      const perMessage = counter(ctx, counterKey('deliveries')) / Math.max(1, counter(ctx, counterKey('messages')));
      const messages = counter(ctx, counterKey({ facet }));
      const from = 'deliveries d INDEXED BY deliveries_msg';
      if (messages <= EXACT_FACET_MESSAGES) {
        // counting through the facet's messages is a few index probes each, where counting by scanning the
        // newest-first list reads every delivery until the cap when the facet is rare
        const exact = ctx
          .stmt('SELECT count(*) FROM message_facets f JOIN deliveries d INDEXED BY deliveries_msg ON d.msg_id = f.msg_id WHERE f.facet = ?', 'pluck')
          .get(facet) as number;
        return { from, where, order: NEWEST_DELIVERIES, ordered: false, estimate: exact, exact: true };
      }
      const estimate = Math.ceil(messages * perMessage);
      return { from, where, order: NEWEST_DELIVERIES, ordered: false, estimate, exact: false };
    }
    default:
      return null;
  }
}

function choose(drivers: Driver[]): Driver | null {
  const ordered = drivers.filter((d) => d.ordered).sort((a, b) => a.estimate - b.estimate)[0];
  const small = drivers.filter((d) => !d.ordered && d.estimate < ESTIMATE_CAP).sort((a, b) => a.estimate - b.estimate)[0];
  if (small && (!ordered || small.estimate < ordered.estimate)) return small;
  return ordered ?? null;
}

export function planDeliveries(ctx: StoreContext, terms: QueryTerm[]): Plan {
  return plan(ctx, terms, deliveryPred, deliveryDriver, { from: 'deliveries d', order: NEWEST_DELIVERIES, counter: counterKey('deliveries') });
}

/**
 * One plan for both lists: the cheapest non-negated term with an index drives the scan (see choose), every other
 * term becomes a predicate, and with no driver the list is scanned newest first.
 */
function plan(
  ctx: StoreContext,
  terms: QueryTerm[],
  predOf: (ctx: StoreContext, t: QueryTerm) => Pred,
  driverOf: (ctx: StoreContext, t: QueryTerm, pred: Pred) => Driver | null,
  fallback: { from: string; order: string; counter: string },
): Plan {
  const preds = terms.map((t) => predOf(ctx, t));
  const drivers: { driver: Driver; index: number }[] = [];
  terms.forEach((t, i) => {
    if (t.negate) return;
    const driver = driverOf(ctx, t, preds[i]);
    if (driver) drivers.push({ driver, index: i });
  });
  const chosen = choose(drivers.map((d) => d.driver));
  const chosenIndex = chosen ? drivers.find((d) => d.driver === chosen)!.index : -1;
  const absorbed = (t: QueryTerm, i: number) => i !== chosenIndex && !t.negate && (chosen?.absorbs?.includes(t.field) ?? false);
  const rest = terms
    .map((t, i) => (i === chosenIndex || absorbed(t, i) ? null : t.negate ? negate(preds[i]) : preds[i]))
    .filter((p): p is Pred => p !== null);
  const driverWhere = chosen ? and([chosen.where, ...terms.flatMap((t, i) => (absorbed(t, i) ? [preds[i]] : []))]) : null;
  // a lone term whose driver knows its exact count keeps it even when scanning newest first reads fewer rows
  const lone = terms.length === 1 && drivers.length === 1 && drivers[0].driver.exact ? drivers[0].driver.estimate : null;
  if (!chosen) {
    return {
      from: fallback.from,
      driver: null,
      rest,
      where: rest,
      order: fallback.order,
      exactTotal: terms.length === 0 ? counter(ctx, fallback.counter) : lone,
    };
  }
  return {
    from: chosen.from,
    driver: driverWhere,
    rest,
    where: [driverWhere!, ...rest],
    order: chosen.order,
    exactTotal: chosen.exact && terms.length === 1 ? chosen.estimate : null,
  };
}

// ---------------------------------------------------------------- messages

function facetPred(facet: string): Pred {
  return { sql: 'EXISTS (SELECT 1 FROM message_facets x WHERE x.msg_id = m.id AND x.facet = ?)', params: [facet] };
}

/** Single-facet terms: the facet a message carries when the term holds for it. */
function facetOf(t: QueryTerm): string | null {
  switch (t.field) {
    case 'state':
    case 'anomaly':
    case 'flag':
    case 'channel':
    case 'type':
    case 'kind':
    case 'direction':
    case 'method':
      return facetKey(t.field, t.value);
    case 'status':
      return /xx$/i.test(t.value) ? null : facetKey('status', Number(t.value));
    default:
      return null;
  }
}

function messagePred(ctx: StoreContext, t: QueryTerm): Pred {
  const facet = facetOf(t);
  if (facet) return facetPred(facet);
  const v = t.value;
  const anyDelivery = (cond: string, params: unknown[]): Pred => ({
    sql: `EXISTS (SELECT 1 FROM deliveries d WHERE d.msg_id = m.id AND ${cond})`,
    params,
  });
  switch (t.field) {
    case 'status': {
      const [lo, hi] = statusRange(v);
      return {
        sql: 'EXISTS (SELECT 1 FROM message_facets x WHERE x.msg_id = m.id AND x.facet >= ? AND x.facet < ?)',
        params: [facetKey('status', lo), facetKey('status', hi)],
      };
    }
    case 'campaign': {
      const list = resolveCampaigns(ctx, v, 'messages').map((c) => facetKey('campaign', c));
      if (list.length === 0) return FALSE;
      return {
        sql: `EXISTS (SELECT 1 FROM message_facets x WHERE x.msg_id = m.id AND x.facet IN (${list.map(() => '?').join(',')}))`,
        params: list,
      };
    }
    case 'text': {
      const expr = ftsExpression(v);
      return expr === null ? FALSE : anyDelivery(`d.id IN (${FTS_IDS})`, [expr]);
    }
    case 'user':
      return { sql: 'm.user_id >= ? AND m.user_id < ?', params: [v, prefixEnd(v)] };
    case 'ref':
      return { sql: 'm.reference COLLATE NOCASE >= ? AND m.reference COLLATE NOCASE < ?', params: [v, prefixEnd(v)] };
    case 'event':
      return anyDelivery('d.event_id >= ? AND d.event_id < ?', [v, prefixEnd(v)]);
    case 'path':
      return anyDelivery('d.path >= ? AND d.path < ?', [v, prefixEnd(v)]);
    case 'after':
      return { sql: 'm.last_at >= ?', params: [t.time] };
    case 'before':
      // no message lasts longer than the longest one stored (span:max), so its last activity is bounded too: that
      // turns "first delivery before" into a range of the last-activity index instead of a scan of everything newer
      return { sql: 'm.first_at < ? AND m.last_at < ?', params: [t.time, t.time! + counter(ctx, counterKey('longest-span')) + 1] };
    default:
      return FALSE; // unreachable: every other field has a facet
  }
}

const NEWEST_MESSAGES = 'm.last_at DESC, m.id DESC';

function messageDriver(ctx: StoreContext, t: QueryTerm, pred: Pred): Driver | null {
  const facet = facetOf(t);
  if (facet) {
    return {
      from: 'message_facets f JOIN messages m ON m.id = f.msg_id',
      where: { sql: 'f.facet = ?', params: [facet] },
      order: 'f.last_at DESC, f.msg_id DESC',
      ordered: true,
      estimate: counter(ctx, counterKey({ facet })),
      exact: true,
    };
  }
  // a set of message ids, looked up by primary key and sorted
  const set = (sql: string, params: unknown[], estimate: number): Driver => ({
    from: 'messages m NOT INDEXED',
    where: { sql: `m.id IN (${sql})`, params },
    order: NEWEST_MESSAGES,
    ordered: false,
    estimate,
    exact: false,
  });
  const v = t.value;
  switch (t.field) {
    case 'user':
    case 'ref': {
      const from = t.field === 'user' ? 'messages m INDEXED BY messages_user' : 'messages m INDEXED BY messages_ref_nocase';
      const estimate = cappedCount(ctx, from, pred, ESTIMATE_CAP);
      return { from, where: pred, order: NEWEST_MESSAGES, ordered: false, estimate, exact: estimate < ESTIMATE_CAP };
    }
    case 'text': {
      if (pred === FALSE) return null;
      const expr = pred.params[0];
      const ids = 'SELECT d.msg_id FROM deliveries_fts JOIN deliveries d ON d.id = deliveries_fts.rowid WHERE deliveries_fts MATCH ?';
      const hits = cappedCount(ctx, 'deliveries_fts', { sql: 'deliveries_fts MATCH ?', params: [expr] }, EXACT_TEXT_HITS);
      if (hits < EXACT_TEXT_HITS) {
        // the messages holding the hits, counted from the hits themselves: counting by scanning messages newest
        // first probes the full-text set once per message until the count cap
        const exact = ctx.stmt(`SELECT count(DISTINCT msg_id) FROM (${ids})`, 'pluck').get(expr) as number;
        return { ...set(ids, [expr], exact), exact: true };
      }
      return set(ids, [expr], hits);
    }
    case 'event': {
      const where = { sql: 'd.event_id >= ? AND d.event_id < ?', params: [v, prefixEnd(v)] };
      return set(
        'SELECT d.msg_id FROM deliveries d INDEXED BY deliveries_event WHERE d.event_id >= ? AND d.event_id < ?',
        where.params,
        cappedCount(ctx, 'deliveries d INDEXED BY deliveries_event', where, ESTIMATE_CAP),
      );
    }
    case 'after':
    case 'before': {
      const from = 'messages m INDEXED BY messages_last';
      const estimate = cappedCount(ctx, from, pred, ESTIMATE_CAP);
      return { from, where: pred, order: NEWEST_MESSAGES, ordered: true, estimate, exact: false, absorbs: TIME_FIELDS };
    }
    case 'campaign': {
      if (pred === FALSE) return null;
      const facets = pred.params as string[];
      const estimate = facets.reduce((n, f) => n + counter(ctx, counterKey({ facet: f })), 0);
      if (facets.length === 1) {
        return { from: 'message_facets f JOIN messages m ON m.id = f.msg_id', where: { sql: 'f.facet = ?', params: facets }, order: 'f.last_at DESC, f.msg_id DESC', ordered: true, estimate, exact: true };
      }
      return set(`SELECT msg_id FROM message_facets WHERE facet IN (${facets.map(() => '?').join(',')})`, facets, estimate);
    }
    default:
      return null;
  }
}

export function planMessages(ctx: StoreContext, terms: QueryTerm[]): Plan {
  return plan(ctx, terms, messagePred, messageDriver, {
    from: 'messages m INDEXED BY messages_last',
    order: NEWEST_MESSAGES,
    counter: counterKey('messages'),
  });
}

export function whereOf(plan: Plan): Pred {
  return and(plan.where);
}

/** The driver's condition alone ('1' when the list is scanned). */
export function driverOf(plan: Plan): Pred {
  return plan.driver ?? and([]);
}

/** The other terms as one 0/1 expression with the truth a WHERE clause gives it (NULL is not a match). */
export function restAsHit(plan: Plan): Pred | null {
  if (plan.rest.length === 0) return null;
  const r = and(plan.rest);
  return { sql: `CASE WHEN ${r.sql} THEN 1 ELSE 0 END`, params: r.params };
}
