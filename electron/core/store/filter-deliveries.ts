// Each query term as a condition on the deliveries list (alias d), and the index that can drive it (filters.ts).
import type { FlagName } from '../../../shared/domain';
import { counterKey, facetKey } from '../../../shared/facet-keys';
import { answerBound, userPrefixes, type QueryTerm } from '../../../shared/query';
import type { StoreContext } from './context';
import {
  ESTIMATE_CAP,
  FALSE,
  FTS_IDS,
  TIME_FIELDS,
  answerPred,
  attemptPred,
  cappedCount,
  counter,
  flagBit,
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
import { markDriver, markPred } from './marks';
import { REFERENCES_INDEX, refPrefixPred } from './ref-prefix';

/** A state/anomaly facet on this many messages or fewer has its deliveries counted exactly (~20 ms at most). */
const EXACT_FACET_MESSAGES = 10_000;


export function deliveryPred(ctx: StoreContext, t: QueryTerm): Pred {
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
      return prefixRanges('d.user_id', userPrefixes(v));
    case 'event':
      return { sql: 'd.event_id >= ? AND d.event_id < ?', params: [v, prefixEnd(v)] };
    case 'campaign': {
      const list = resolveCampaigns(ctx, v, 'deliveries');
      return list.length === 0 ? FALSE : { sql: `d.campaign IN (${list.map(() => '?').join(',')})`, params: list };
    }
    case 'flag':
      return { sql: '(d.flags_mask & ?) != 0', params: [flagBit(v as FlagName)] };
    case 'reason':
    case 'account':
    case 'retry':
      return flagDetailPred(flagDetailTerm(t)!);
    case 'attempt':
      return attemptPred(v);
    case 'answer':
      return answerPred(v);
    case 'channel':
      return { sql: 'd.channel = ?', params: [v] };
    case 'direction':
      return { sql: 'd.direction = ?', params: [v] };
    case 'ref': {
      // as a set of message ids even when no reference matches: the term's driver reads deliveries by message id
      const refs = refPrefixPred(ctx, 'reference', v);
      const messages = refs === FALSE ? 'messages' : `messages INDEXED BY ${REFERENCES_INDEX}`;
      return { sql: `d.msg_id IN (SELECT id FROM ${messages} WHERE ${refs.sql})`, params: refs.params };
    }
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
    case 'pinned':
    case 'note':
      return markPred('d', t.field, v);
    case 'source':
      // the one value: deliveries the simulator sent (migration 10)
      return { sql: 'EXISTS (SELECT 1 FROM simulated s WHERE s.id = d.id)', params: [] };
    case 'state':
    case 'anomaly':
      return {
        sql: 'EXISTS (SELECT 1 FROM message_facets x WHERE x.msg_id = d.msg_id AND x.facet = ?)',
        params: [facetKey(t.field, v)],
      };
  }
}

export const NEWEST_DELIVERIES = 'd.id DESC';

/** The partial index of slow answers (store/schema.ts migration 7) holds every answer time from this on. */
const SLOW_ANSWER_MS = 1000;
export const SLOW_ANSWERS = 'deliveries d INDEXED BY deliveries_slow_answer';

/**
 * answer:>Ns (N >= 1) as a range of the slow answers' index; null for a bound it does not hold (answer:<…, or under a
 * second), which most deliveries meet or which no index narrows. The literal bound is how SQLite sees that the
 * partial index holds every row the term wants: it cannot compare a bound parameter with the index's condition.
 */
export function slowAnswer(value: string): Pred | null {
  const b = answerBound(value);
  if (b === null || b.op !== '>' || b.ms < SLOW_ANSWER_MS) return null;
  return { sql: `d.response_ms >= ${SLOW_ANSWER_MS} AND d.response_ms > ?`, params: [b.ms] };
}

export function deliveryDriver(ctx: StoreContext, t: QueryTerm, pred: Pred): Driver | null {
  const indexed = (index: string, ordered: boolean): Driver => {
    const from = `deliveries d INDEXED BY ${index}`;
    const estimate = cappedCount(ctx, from, pred, ESTIMATE_CAP);
    return { from, where: pred, order: NEWEST_DELIVERIES, ordered, estimate, exact: estimate < ESTIMATE_CAP };
  };
  // the deliveries with a flag, newest first; `pred` checks what else the term asks of them (an exact count only without)
  const flagged = (flag: FlagName, check: Pred | null): Driver => ({
    from: 'delivery_flags x JOIN deliveries d ON d.id = x.delivery_id',
    where: check ? { sql: `x.flag = ? AND ${check.sql}`, params: [flag, ...check.params] } : { sql: 'x.flag = ?', params: [flag] },
    order: 'x.delivery_id DESC',
    ordered: true,
    estimate: counter(ctx, counterKey({ flag })),
    exact: check === null,
  });
  switch (t.field) {
    case 'flag':
      return flagged(t.value as FlagName, null);
    case 'reason':
    case 'account':
      return flagged(flagDetailTerm(t)!.flag, pred);
    case 'retry': {
      // counted as indexing went: none means no row to read at all
      const n = retriesCounted(ctx, t.value);
      // judged when read: the repeats are an upper bound
      if (t.value === 'after-200' && n > 0) return flagged('duplicate', pred);
      return n === 0 ? { ...flagged('duplicate', FALSE), estimate: 0, exact: true } : { ...flagged('duplicate', pred), estimate: n, exact: true };
    }
    case 'attempt':
      // a first attempt is most deliveries: reading them newest first finds a page at once
      return needsRepeat(t.value) ? flagged('duplicate', pred) : null;
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
    case 'answer': {
      const slow = slowAnswer(t.value);
      if (slow === null) return null;
      const estimate = cappedCount(ctx, SLOW_ANSWERS, slow, ESTIMATE_CAP);
      return { from: SLOW_ANSWERS, where: slow, order: NEWEST_DELIVERIES, ordered: false, estimate, exact: estimate < ESTIMATE_CAP };
    }
    case 'ref':
      return indexed('deliveries_msg', false);
    case 'pinned':
    case 'note':
      return markDriver(ctx, 'd', t.field, t.value, NEWEST_DELIVERIES);
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
