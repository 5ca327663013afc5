// Each query term as a condition on the messages list (alias m), and the index that can drive it (filters.ts). A
// delivery-level term holds for a message when at least one of its deliveries matches; most are answered by the
// message's facets (shared/facet-keys.ts) without reading deliveries.
import { counterKey, facetKey } from '../../../shared/facet-keys';
import { userPrefixes, type QueryTerm } from '../../../shared/query';
import type { StoreContext } from './context';
import {
  ESTIMATE_CAP,
  FALSE,
  FTS_IDS,
  TIME_FIELDS,
  and,
  answerPred,
  attemptPred,
  cappedCount,
  counter,
  flagDetailPred,
  flagDetailTerm,
  ftsExpression,
  needsRepeat,
  prefixRanges,
  resolveCampaigns,
  retriesCounted,
  statusRange,
  type Driver,
  type Pred,
} from './filter-sql';
import { prefixEnd } from './rows';
import { SLOW_ANSWERS, slowAnswer } from './filter-deliveries';
import { markDriver, markPred } from './marks';
import { REFERENCES_INDEX, refPrefixPred } from './ref-prefix';

/** A free-text term matching fewer deliveries than this has its messages counted exactly (~100 ms at most). */
const EXACT_TEXT_HITS = 20_000;

function facetPred(facet: string): Pred {
  return { sql: 'EXISTS (SELECT 1 FROM message_facets x WHERE x.msg_id = m.id AND x.facet = ?)', params: [facet] };
}

/** one of the message's deliveries (alias d) satisfies `p` */
function anyOfItsDeliveries(p: Pred): Pred {
  return { sql: `EXISTS (SELECT 1 FROM deliveries d INDEXED BY deliveries_msg WHERE d.msg_id = m.id AND ${p.sql})`, params: p.params };
}

/**
 * The failure reason a message carries when reason:/account: holds for it, as indexing records each once per message
 * (an_reasons, store/schema.ts migration 6: 'exception:auth', 'error:503', 'prepaid:customer', 'account:<id>'): one
 * primary-key probe instead of reading the message's deliveries and their flags.
 */
function reasonKey(t: QueryTerm): string | null {
  const v = t.value;
  if (t.field === 'account') return `account:${v}`;
  if (t.field !== 'reason') return null;
  if (v === 'auth' || v === 'rcs-unsupported' || v === 'other') return `exception:${v}`;
  if (v === 'customer' || v === 'account') return `prepaid:${v}`;
  return `error:${v}`;
}

const REASON_SET = 'SELECT r.msg_id FROM an_reasons r WHERE r.reason = ?';

/**
 * Terms on a delivery's flag details and attempt number: the flag facet a message must carry (read first, from the
 * facet index) and the check of its deliveries. null for attempt:1, which nearly every message has.
 */
function flaggedDeliveryTerm(t: QueryTerm): { facet: string; check: Pred } | null {
  const reason = reasonKey(t);
  const ft = flagDetailTerm(t);
  if (ft && reason) return { facet: facetKey('flag', ft.flag), check: { sql: 'EXISTS (SELECT 1 FROM an_reasons r WHERE r.reason = ? AND r.msg_id = m.id)', params: [reason] } };
  if (ft) return { facet: facetKey('flag', ft.flag), check: anyOfItsDeliveries(flagDetailPred(ft)) };
  if (t.field === 'attempt' && needsRepeat(t.value)) return { facet: facetKey('flag', 'duplicate'), check: anyOfItsDeliveries(attemptPred(t.value)) };
  return null;
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

export function messagePred(ctx: StoreContext, t: QueryTerm): Pred {
  const facet = facetOf(t);
  if (facet) return facetPred(facet);
  const flagged = flaggedDeliveryTerm(t);
  if (flagged) {
    const f = facetPred(flagged.facet);
    return { sql: `${f.sql} AND ${flagged.check.sql}`, params: [...f.params, ...flagged.check.params] };
  }
  const v = t.value;
  const anyDelivery = (cond: string, params: unknown[]): Pred => ({
    sql: `EXISTS (SELECT 1 FROM deliveries d WHERE d.msg_id = m.id AND ${cond})`,
    params,
  });
  switch (t.field) {
    case 'status': {
      const [lo, hi] = statusRange(v);
      // a range of facts: the message's own list (the primary key is by fact first; schema.ts migration 15)
      return {
        sql: 'EXISTS (SELECT 1 FROM json_each(m.facets) x WHERE x.value >= ? AND x.value < ?)',
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
      return prefixRanges('m.user_id', userPrefixes(v));
    case 'ref':
      return refPrefixPred(ctx, 'm.reference', v);
    case 'event':
      return anyDelivery('d.event_id >= ? AND d.event_id < ?', [v, prefixEnd(v)]);
    case 'path':
      return anyDelivery('d.path >= ? AND d.path < ?', [v, prefixEnd(v)]);
    case 'attempt':
      return anyOfItsDeliveries(attemptPred(v));
    case 'source':
      return anyDelivery('d.id IN (SELECT id FROM simulated)', []);
    case 'answer':
      return anyOfItsDeliveries(answerPred(v));
    case 'after':
      return { sql: 'm.last_at >= ?', params: [t.time] };
    case 'before':
      // no message lasts longer than the longest one stored (span:max), so its last activity is bounded too: that
      // turns "first delivery before" into a range of the last-activity index instead of a scan of everything newer
      return { sql: 'm.first_at < ? AND m.last_at < ?', params: [t.time, t.time! + counter(ctx, counterKey('longest-span')) + 1] };
    case 'pinned':
    case 'note':
      return markPred('m', t.field, v);
    default:
      return FALSE; // unreachable: every other field has a facet
  }
}

export const NEWEST_MESSAGES = 'm.last_at DESC, m.id DESC';

const FACET_ROWS = 'message_facets f JOIN messages m ON m.id = f.msg_id';

/** a fact on at most this many messages is read whole, not walked, when other terms are checked too */
const WHOLE_WITH_OTHERS = 20_000;

/**
 * The messages carrying `facet` (and passing `check`), newest activity first. The facet index holds fact and message
 * id, not last activity (schema.ts migration 11: a delivery no longer moves its message's facet rows), so: a fact on
 * fewer than ESTIMATE_CAP messages has them read off its index and sorted; a commoner one walks the newest-first list
 * with the fact as a check, which finds a page in about page / share rows (1 % of messages: 100 rows in ~10,000 index
 * entries, each a probe of the facet's primary key). Totals, chip counts and whole sets read the fact's own index
 * (`whole`), newest message first.
 */
function facetDriver(ctx: StoreContext, facet: string, check: Pred | null, estimate: number, exact: boolean): Driver {
  const own: Pred = { sql: 'f.facet = ?', params: [facet] };
  const whole = { from: FACET_ROWS, where: check ? and([own, check]) : own, order: 'f.msg_id DESC', bare: { from: 'message_facets f', id: 'f.msg_id' } };
  const inSet: Pred = { sql: 'm.id IN (SELECT msg_id FROM message_facets WHERE facet = ?)', params: [facet] };
  const readWhole: Driver = { from: 'messages m NOT INDEXED', where: check ? and([inSet, check]) : inSet, order: NEWEST_MESSAGES, ordered: false, estimate, exact, whole };
  const carriers = counter(ctx, counterKey({ facet }));
  if (carriers < ESTIMATE_CAP) return readWhole;
  const has = facetPred(facet);
  return {
    // with other terms checked on the way, a walk finds a page only as fast as they match, and a rare match walks the
    // whole list (a fact on 2 % of 500,000 messages and a term matching none: ~350 ms); up to WHOLE_WITH_OTHERS
    // carriers, reading them all and sorting those that match bounds it (10,000: ~20–30 ms, matches or not)
    withOthers: carriers <= WHOLE_WITH_OTHERS ? readWhole : undefined,
    from: 'messages m INDEXED BY messages_last',
    where: check ? and([has, check]) : has,
    order: NEWEST_MESSAGES,
    ordered: true,
    estimate,
    exact,
    whole,
    // a time window narrows the walk to its range of the same index
    absorbs: TIME_FIELDS,
  };
}

export function messageDriver(ctx: StoreContext, t: QueryTerm, pred: Pred): Driver | null {
  const facet = facetOf(t);
  if (facet) return facetDriver(ctx, facet, null, counter(ctx, counterKey({ facet })), true);
  // a set of message ids, looked up by primary key and sorted
  const set = (sql: string, params: unknown[], estimate: number): Driver => ({
    from: 'messages m NOT INDEXED',
    where: { sql: `m.id IN (${sql})`, params },
    order: NEWEST_MESSAGES,
    ordered: false,
    estimate,
    exact: false,
  });
  const flagged = flaggedDeliveryTerm(t);
  const reason = reasonKey(t);
  if (flagged && reason) {
    // counted exactly off the reasons' index; a few are looked up by id, many read newest first through the facet
    const n = ctx.stmt(`SELECT count(*) FROM (${REASON_SET})`, 'pluck').get(reason) as number;
    if (n < ESTIMATE_CAP) return { ...set(REASON_SET, [reason], n), exact: true };
    return facetDriver(ctx, flagged.facet, flagged.check, n, true);
  }
  if (flagged) {
    // no repeat off (or on) the schedule at all: no message to look for
    const none = t.field === 'retry' && retriesCounted(ctx, t.value) === 0;
    if (none) return { from: FACET_ROWS, where: FALSE, order: NEWEST_MESSAGES, ordered: true, estimate: 0, exact: true };
    return facetDriver(ctx, flagged.facet, flagged.check, counter(ctx, counterKey({ facet: flagged.facet })), false);
  }
  const v = t.value;
  switch (t.field) {
    case 'answer': {
      // answers of a second and more are indexed: the few messages with one are looked up by id and counted exactly.
      // Any other bound (<500ms holds for most deliveries), or more slow answers than the cap, reads messages newest
      // first with the check, the total bounded like any term without an index: a refresh never reads every delivery
      const slow = slowAnswer(v);
      if (slow === null || cappedCount(ctx, SLOW_ANSWERS, slow, ESTIMATE_CAP) >= ESTIMATE_CAP) return null;
      const ids = `SELECT d.msg_id FROM ${SLOW_ANSWERS} WHERE d.msg_id IS NOT NULL AND ${slow.sql}`;
      const exact = ctx.stmt(`SELECT count(DISTINCT msg_id) FROM (${ids})`, 'pluck').get(...slow.params) as number;
      return { ...set(ids, slow.params, exact), exact: true };
    }
    case 'user':
    case 'ref': {
      // references: the unique index, through the ranges of the term's own condition (ref-prefix.ts); none when no
      // reference matches (the condition is then false, and names no range of it)
      const refs = pred === FALSE ? 'messages m' : `messages m INDEXED BY ${REFERENCES_INDEX}`;
      const from = t.field === 'user' ? 'messages m INDEXED BY messages_user' : refs;
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
      if (facets.length === 1) return facetDriver(ctx, facets[0], null, estimate, true);
      return set(`SELECT msg_id FROM message_facets WHERE facet IN (${facets.map(() => '?').join(',')})`, facets, estimate);
    }
    case 'pinned':
    case 'note':
      return markDriver(ctx, 'm', t.field, v, NEWEST_MESSAGES);
    default:
      return null;
  }
}
