// The chips' counts: deliveries per flag, messages per state, anomaly and campaign, for the query shown.
import type { Counts } from '../../../shared/api';
import { ANOMALY_NAMES, FLAG_NAMES, MESSAGE_STATES, type AnomalyName, type MessageState } from '../../../shared/domain';
import { counterKey, FLAG_COUNTERS, facetPrefix, parseCounter, parseFacet, type FacetField } from '../../../shared/facet-keys';
import type { StoreContext } from './context';
import { facetCounts } from './filter-sql';
import { driverOf, planDeliveries, planMessages, queryTerms, restAsHit, wholeOf } from './filters';
import type { QueryLimits } from './queries';
import { prefixEnd } from './rows';

/**
 * Chip counts. flags = deliveries carrying each flag; states, anomalies and campaigns = messages.
 * Empty query: exact, from counters. Otherwise counted over at most `countCap` matching rows (newest first), found
 * among at most `scanCap` rows of the query's driver.
 */
export function getCounts(ctx: StoreContext, query: string, limits: QueryLimits, now: number): Counts {
  const terms = queryTerms(query, now);
  const counts: Counts = { flags: {}, states: {}, anomalies: {}, campaigns: [], deliveries: 0, messages: 0, sampled: false };
  if (terms.length === 0) {
    for (const { field, value, n } of facetCounts(ctx)) countFacet(counts, field, value, n);
    const all = ctx
      .stmt('SELECT key, n FROM counters WHERE key IN (?, ?) OR key >= ? AND key < ?')
      .all(counterKey('deliveries'), counterKey('messages'), FLAG_COUNTERS, prefixEnd(FLAG_COUNTERS)) as { key: string; n: number }[];
    for (const { key, n } of all) {
      const c = parseCounter(key);
      if (c === 'deliveries') counts.deliveries = n;
      else if (c === 'messages') counts.messages = n;
      else if (c !== null && typeof c === 'object' && 'flag' in c && n > 0) counts.flags[c.flag] = n;
    }
    counts.campaigns.sort((a, b) => b.count - a.count);
    return tidy(counts);
  }
  const cap = limits.countCap;
  const dp = planDeliveries(ctx, terms);
  // like list totals: at most scanCap driver rows are examined, the other terms evaluated on each (see total())
  const dHit = restAsHit(dp) ?? { sql: '1', params: [] };
  const dDriver = driverOf(dp);
  const dLimit = dp.rest.length === 0 ? cap : Math.max(cap, limits.scanCap);
  const sums = FLAG_NAMES.map((_, i) => `sum(h * ((flags_mask & ${1 << i}) != 0))`).join(', ');
  const drow = ctx
    .stmt(
      `SELECT count(*), coalesce(sum(h), 0), ${sums} FROM (SELECT ${dHit.sql} AS h, d.flags_mask FROM ${dp.from} WHERE ${dDriver.sql} ORDER BY ${dp.order} LIMIT ${dLimit})`,
      'raw',
    )
    .get(...dHit.params, ...dDriver.params) as (number | null)[];
  const [dExamined, dHits] = [drow[0] ?? 0, drow[1] ?? 0];
  counts.deliveries = dp.exactTotal ?? Math.min(cap, dHits);
  FLAG_NAMES.forEach((f, i) => {
    const n = drow[i + 2] ?? 0;
    if (n > 0) counts.flags[f] = n;
  });
  const mp = planMessages(ctx, terms);
  // a fact's messages are read off its own index (newest message first), not by walking the list
  const mWhole = wholeOf(mp, 'ids');
  const mHit = mWhole.hit ?? { sql: '1', params: [] };
  const mDriver = mWhole.driver;
  const mLimit = mp.rest.length === 0 ? cap : Math.max(cap, limits.scanCap);
  const examined = ctx
    .stmt(`SELECT ${mWhole.id}, ${mHit.sql} FROM ${mWhole.from} WHERE ${mDriver.sql} ORDER BY ${mWhole.order} LIMIT ${mLimit}`, 'raw')
    .all(...mHit.params, ...mDriver.params) as [number, number][];
  const ids = examined.filter((r) => r[1] === 1).map((r) => r[0]).slice(0, cap);
  counts.messages = mp.exactTotal ?? ids.length;
  counts.sampled = dExamined >= dLimit || dHits > cap || examined.length >= mLimit || ids.length >= cap;
  // each message's facet list from its row (schema.ts migration 15: no index by message id), counted here: SQLite's
  // json_each and GROUP BY took 21 ms for 10,000 messages, reading the lists and counting them in JavaScript 11–15
  const prefixes = CHIP_FACETS.map(facetPrefix);
  const tally = new Map<string, number>();
  const lists = ctx.stmt('SELECT m.facets FROM json_each(?) s JOIN messages m ON m.id = s.value', 'pluck').all(JSON.stringify(ids)) as (string | null)[];
  for (const list of lists) {
    if (!list) continue;
    for (const facet of JSON.parse(list) as string[]) if (prefixes.some((p) => facet.startsWith(p))) tally.set(facet, (tally.get(facet) ?? 0) + 1);
  }
  // in the facets' order, as SQL grouped them: campaigns with the same count keep one order
  for (const [facet, n] of [...tally].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const f = parseFacet(facet);
    if (f) countFacet(counts, f.field, f.value, n);
  }
  counts.campaigns.sort((a, b) => b.count - a.count);
  return tidy(counts);
}

/** The message facets the chips count. */
const CHIP_FACETS: FacetField[] = ['state', 'anomaly', 'campaign'];

function countFacet(counts: Counts, field: FacetField, value: string, n: number): void {
  if (field === 'state') counts.states[value as MessageState] = n;
  else if (field === 'anomaly') counts.anomalies[value as AnomalyName] = n;
  else if (field === 'campaign') counts.campaigns.push({ campaign: value, count: n });
}

function tidy(c: Counts): Counts {
  c.campaigns = c.campaigns.slice(0, 100);
  // keep vocabulary order, drop unknown names a future version might have written
  c.states = Object.fromEntries(MESSAGE_STATES.filter((s) => c.states[s]).map((s) => [s, c.states[s]]));
  c.anomalies = Object.fromEntries(ANOMALY_NAMES.filter((a) => c.anomalies[a]).map((a) => [a, c.anomalies[a]]));
  return c;
}
