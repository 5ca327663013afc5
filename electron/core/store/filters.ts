// The query language (shared/query.ts) compiled to SQL. Each term becomes a predicate; one positive term is
// picked as the "driver": the index the rows are read from. Ordered drivers (flag, type, text, facets) already
// yield newest-first, so a page costs about as many rows as it shows; a small unordered set (a phone number, a
// reference prefix, a rare word) is read whole and sorted. Without a usable driver the newest-first index is
// scanned with every term as a check. User input only ever reaches SQLite as bound parameters. This module plans;
// each list's terms and drivers are in filter-deliveries.ts and filter-messages.ts, shared pieces in filter-sql.ts.
//
// Semantics, agreeing with shared/query-match.ts (deliveryMatches / messageMatches):
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
//  - reason/account/retry read the delivery's flag details (deliveries.flags), found through the flag's index
//    (delivery_flags; for messages the failure reasons indexing records per message, an_reasons, and a flag facet
//    for retry); attempt:2 and later through the duplicate flag's, since every later attempt repeats a callback;
//    answer (our answer time) has no index: on messages one pass over the deliveries.
//  - an OR group (and a phone number typed as free text: alternativesOf) is its members' predicates joined by OR;
//    it drives only when every member has an index, as the union of their rows (unordered: read whole and sorted).
//    A user: number is the index ranges of its stored forms (userPrefixes), so it stays a prefix lookup.
import { ApiError } from '../../../shared/api-error';
import { counterKey } from '../../../shared/facet-keys';
import { alternativesOf, parseQuery, type QueryTerm } from '../../../shared/query';
import type { StoreContext } from './context';
import { ensureTextIndexed } from './full-text';
import { deliveryDriver, deliveryPred, NEWEST_DELIVERIES } from './filter-deliveries';
import { messageDriver, messagePred, NEWEST_MESSAGES } from './filter-messages';
import { and, counter, ESTIMATE_CAP, negate, or, type Bare, type Driver, type Pred } from './filter-sql';

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
  /** the same rows for reading all of them or counting (Driver.whole): FROM, the driver's condition, a free order */
  whole: { from: string; driver: Pred | null; order: string; bare?: Bare };
  /** the row id column (d.id, m.id) */
  id: string;
}

/** Terms of a query; values that cannot be understood are an error, never a silently wider filter. */
export function queryTerms(q: string, now: number): QueryTerm[] {
  const parsed = parseQuery(q, now);
  // a term the parser could not read is left out of terms: filtering without it would widen the filter silently
  if (parsed.errors.length > 0) throw new ApiError('bad-request', `query: ${parsed.errors.join('; ')}`);
  return parsed.terms;
}

function choose(drivers: Driver[]): Driver | null {
  const ordered = drivers.filter((d) => d.ordered).sort((a, b) => a.estimate - b.estimate)[0];
  const small = drivers.filter((d) => !d.ordered && d.estimate < ESTIMATE_CAP).sort((a, b) => a.estimate - b.estimate)[0];
  if (small && (!ordered || small.estimate < ordered.estimate)) return small;
  return ordered ?? null;
}

export function planDeliveries(ctx: StoreContext, terms: QueryTerm[]): Plan {
  return plan(ctx, terms, deliveryPred, deliveryDriver, {
    // without a driver the list is read newest first (rowid order): left free, SQLite may read a term's whole index
    // range and sort it (an OR of types, a two-digit user prefix), which on a big store is every row
    from: 'deliveries d NOT INDEXED',
    order: NEWEST_DELIVERIES,
    counter: counterKey('deliveries'),
    id: 'd.id',
    setFrom: 'deliveries d',
  });
}

type PredOf = (ctx: StoreContext, t: QueryTerm) => Pred;
type DriverOf = (ctx: StoreContext, t: QueryTerm, pred: Pred) => Driver | null;

/** The list's term compiler made to understand OR groups (alternativesOf): a group is any of its members. */
function withGroups(predOf: PredOf, driverOf: DriverOf, list: { id: string; setFrom: string; order: string }): { predOf: PredOf; driverOf: DriverOf } {
  const members = new WeakMap<QueryTerm, { term: QueryTerm; pred: Pred }[]>();
  const membersOf = (ctx: StoreContext, t: QueryTerm) => {
    let m = members.get(t);
    if (!m) members.set(t, (m = (alternativesOf(t) ?? []).map((a) => ({ term: a, pred: predOf(ctx, a) }))));
    return m;
  };
  return {
    predOf: (ctx, t) => (alternativesOf(t) ? or(membersOf(ctx, t).map((m) => m.pred)) : predOf(ctx, t)),
    driverOf: (ctx, t, pred) => {
      if (!alternativesOf(t)) return driverOf(ctx, t, pred);
      const drivers = membersOf(ctx, t).map((m) => driverOf(ctx, m.term, m.pred));
      if (drivers.some((d) => d === null)) return null;
      const union = (drivers as Driver[]).map((d) => ({ sql: `SELECT ${list.id} FROM ${d.from} WHERE ${d.where.sql}`, params: d.where.params }));
      return {
        from: list.setFrom,
        where: { sql: `${list.id} IN (${union.map((u) => u.sql).join(' UNION ')})`, params: union.flatMap((u) => u.params) },
        order: list.order,
        ordered: false,
        estimate: (drivers as Driver[]).reduce((n, d) => n + d.estimate, 0),
        exact: false,
      };
    },
  };
}

/**
 * One plan for both lists: the cheapest non-negated term with an index drives the scan (see choose), every other
 * term becomes a predicate, and with no driver the list is scanned newest first.
 */
function plan(
  ctx: StoreContext,
  terms: QueryTerm[],
  basePred: PredOf,
  baseDriver: DriverOf,
  fallback: { from: string; order: string; counter: string; id: string; setFrom: string },
): Plan {
  // a search finds what the lists show: deliveries still queued for the full-text table are added first
  ensureTextIndexed(ctx, terms);
  const { predOf, driverOf } = withGroups(basePred, baseDriver, { id: fallback.id, setFrom: fallback.setFrom, order: fallback.order });
  const preds = terms.map((t) => predOf(ctx, t));
  const drivers: { driver: Driver; index: number }[] = [];
  terms.forEach((t, i) => {
    if (t.negate) return;
    const driver = driverOf(ctx, t, preds[i]);
    if (driver) drivers.push({ driver, index: i });
  });
  const picked = choose(drivers.map((d) => d.driver));
  const chosenIndex = picked ? drivers.find((d) => d.driver === picked)!.index : -1;
  const absorbedBy = (d: Driver | null) => (t: QueryTerm, i: number) => i !== chosenIndex && !t.negate && !t.anyOf && (d?.absorbs?.includes(t.field) ?? false);
  // a walk that other terms check as it goes (not a range it absorbs) may find them rare: read the fact whole instead
  const checked = terms.some((t, i) => i !== chosenIndex && !absorbedBy(picked)(t, i));
  const chosen = picked?.withOthers && checked ? picked.withOthers : picked;
  const absorbed = absorbedBy(chosen);
  const rest = terms
    .map((t, i) => (i === chosenIndex || absorbed(t, i) ? null : t.negate ? negate(preds[i]) : preds[i]))
    .filter((p): p is Pred => p !== null);
  const absorbedPreds = terms.flatMap((t, i) => (absorbed(t, i) ? [preds[i]] : []));
  const driverWhere = chosen ? and([chosen.where, ...absorbedPreds]) : null;
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
      whole: { from: fallback.from, driver: null, order: fallback.order },
      id: fallback.id,
    };
  }
  return {
    from: chosen.from,
    driver: driverWhere,
    rest,
    where: [driverWhere!, ...rest],
    order: chosen.order,
    exactTotal: chosen.exact && terms.length === 1 ? chosen.estimate : null,
    whole: chosen.whole
      ? { from: chosen.whole.from, driver: and([chosen.whole.where, ...absorbedPreds]), order: chosen.whole.order, bare: chosen.whole.bare }
      : { from: chosen.from, driver: driverWhere, order: chosen.order },
    id: fallback.id,
  };
}

export function planMessages(ctx: StoreContext, terms: QueryTerm[]): Plan {
  return plan(ctx, terms, messagePred, messageDriver, {
    from: 'messages m INDEXED BY messages_last',
    order: NEWEST_MESSAGES,
    counter: counterKey('messages'),
    id: 'm.id',
    setFrom: 'messages m NOT INDEXED',
  });
}

export function whereOf(plan: Plan): Pred {
  return and(plan.where);
}

/** The driver's condition alone ('1' when the list is scanned). */
export function driverOf(plan: Plan): Pred {
  return plan.driver ?? and([]);
}

export interface Whole {
  from: string;
  /** the driver's condition */
  driver: Pred;
  /** driver and rest together */
  where: Pred;
  order: string;
  /** the row id, to select */
  id: string;
  /** the other terms as a 0/1 expression over these rows (restAsHit) */
  hit: Pred | null;
}

/**
 * Every matching row, read the cheapest way (Plan.whole): for whole sets and counts, not pages. For `ids` (the
 * caller selects nothing but the id and `hit`), the list's table is left out when no condition reads another of
 * its columns (Bare).
 */
export function wholeOf(plan: Plan, read: 'ids' | 'rows' = 'rows'): Whole {
  const driver = plan.whole.driver ?? and([]);
  const hit = restAsHit(plan);
  const full: Whole = { from: plan.whole.from, driver, where: and([driver, ...plan.rest]), order: plan.whole.order, id: plan.id, hit };
  const bare = plan.whole.bare;
  if (read === 'rows' || !bare) return full;
  const alias = plan.id.split('.')[0];
  const sqls = [driver.sql, ...(hit ? [hit.sql] : [])];
  // any other column of the table, or the alias named again in a subquery, needs the table
  const otherColumn = new RegExp(`\\b${alias}\\.(?!id\\b)\\w+|\\s${alias}\\s`);
  const bareAlias = bare.id.split('.')[0];
  const shadowed = new RegExp(`\\)\\s+${bareAlias}\\b|\\w\\s+${bareAlias}\\s+(WHERE|ON|JOIN)\\b`, 'i');
  if (sqls.some((q) => otherColumn.test(q) || shadowed.test(q))) return full;
  const idRef = new RegExp(`\\b${alias}\\.id\\b`, 'g');
  const swap = (p: Pred): Pred => ({ sql: p.sql.replace(idRef, bare.id), params: p.params });
  const bareDriver = swap(driver);
  return {
    from: bare.from,
    driver: bareDriver,
    where: and([bareDriver, ...plan.rest.map(swap)]),
    order: plan.whole.order.replace(idRef, bare.id),
    id: bare.id,
    hit: hit && swap(hit),
  };
}

/** The other terms as one 0/1 expression with the truth a WHERE clause gives it (NULL is not a match). */
export function restAsHit(plan: Plan): Pred | null {
  if (plan.rest.length === 0) return null;
  const r = and(plan.rest);
  return { sql: `CASE WHEN ${r.sql} THEN 1 ELSE 0 END`, params: r.params };
}
