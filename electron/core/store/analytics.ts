// The analytics report (shared/analytics.ts) of the messages a query matches and their deliveries, computed in
// SQLite from the indexed tables: message rows and summaries, facets, delivery columns and flags. Exact over the
// whole matching set (no count cap): a report is asked for once, not per keystroke.
import type { Report } from '../../../shared/analytics';
import { FLAG_NAMES, type FlagName } from '../../../shared/domain';
import { facetKey } from '../../../shared/facet-keys';
import { deliveryFigures } from './analytics-deliveries';
import { messagePass } from './analytics-messages';
import { replyFigures } from './analytics-replies';
import { summaryReport } from './analytics-summary';
import { rawRows, scopeOf, type SectionTimes } from './analytics-scope';
import type { StoreContext } from './context';
import { queryTerms } from './filters';

const bit = (f: FlagName) => 1 << FLAG_NAMES.indexOf(f);
const FAILURE_FLAGS: FlagName[] = ['exception', 'error', 'prepaid-blocked', 'duplicate-blocked'];

/** The message carries one of `n` facets (bound as parameters): a lookup in its facets, not a read of its deliveries. */
function hasFacet(msgId: string, n: number): string {
  return `EXISTS (SELECT 1 FROM message_facets x INDEXED BY message_facets_msg WHERE x.msg_id = ${msgId} AND x.facet IN (${Array(n).fill('?').join(', ')}))`;
}

export function getAnalytics(ctx: StoreContext, query: string, now: number, onSection?: SectionTimes): Report {
  const terms = queryTerms(query, now);
  const sc = scopeOf(ctx, terms, onSection);
  const raw = <T>(sql: string, ...params: unknown[]): T[] => rawRows<T>(ctx, sc, sql, ...params);

  // every message: read from the summaries indexing keeps
  if (sc.everything) return summaryReport(ctx, sc);
  const report = sc.time('messages', () => messagePass(ctx, sc));

  // failures: one count per message and reason, read off the flags of its deliveries that carry one; only the
  // messages whose facets say they hold a failure have their deliveries read
  const failureMask = FAILURE_FLAGS.reduce((m, f) => m | bit(f), 0);
  const reasons = sc.time('failures', () => raw<[string, string | null, number]>(
    `SELECT flag, reason, count(DISTINCT msg_id) FROM (
       SELECT d.msg_id, f.value ->> '$.flag' flag,
         CASE f.value ->> '$.flag'
           WHEN 'exception' THEN f.value ->> '$.kind'
           WHEN 'error' THEN coalesce(f.value ->> '$.code', 'unknown')
           WHEN 'prepaid-blocked' THEN f.value ->> '$.scope'
         END reason
       FROM scope JOIN deliveries d INDEXED BY deliveries_msg ON d.msg_id = scope.id, json_each(d.flags) f
       WHERE ${hasFacet('scope.id', FAILURE_FLAGS.length)} AND d.flags_mask & ? != 0)
     WHERE flag IN ('exception', 'error', 'prepaid-blocked', 'duplicate-blocked')
     GROUP BY flag, reason`,
    ...FAILURE_FLAGS.map((f) => facetKey('flag', f)),
    failureMask,
  ));
  const fl = report.failures;
  for (const [flag, reason, n] of reasons) {
    if (flag === 'exception' && (reason === 'auth' || reason === 'rcs-unsupported' || reason === 'other')) fl.exception[reason] += n;
    else if (flag === 'error') fl.error[String(reason)] = n;
    else if (flag === 'prepaid-blocked' && (reason === 'customer' || reason === 'account')) fl.prepaidBlocked[reason] += n;
    else if (flag === 'duplicate-blocked') fl.duplicateBlocked += n;
  }
  const accounts = sc.time('accounts', () => raw<[string, number]>(
    `SELECT coalesce(f.value ->> '$.accountId', 'unknown') a, count(DISTINCT d.msg_id)
     FROM scope JOIN deliveries d INDEXED BY deliveries_msg ON d.msg_id = scope.id, json_each(d.flags) f
     WHERE ${hasFacet('scope.id', 1)} AND d.flags_mask & ? != 0 AND f.value ->> '$.flag' = 'prepaid-blocked' AND f.value ->> '$.scope' = 'account'
     GROUP BY a ORDER BY a`,
    facetKey('flag', 'prepaid-blocked'),
    bit('prepaid-blocked'),
  ));
  for (const [id, n] of accounts) fl.prepaidBlocked.accounts[id] = n;

  report.fallback.fellBack = sc.time('fallback', () => raw<[number]>(
    `SELECT count(*) FROM scope
     WHERE ${hasFacet('scope.id', 1)} AND ${hasFacet('scope.id', 1)}
       AND EXISTS (SELECT 1 FROM deliveries d INDEXED BY deliveries_msg, json_each(d.flags) f WHERE d.msg_id = scope.id
                     AND d.flags_mask & ? != 0 AND f.value ->> '$.flag' = 'exception' AND f.value ->> '$.kind' = 'rcs-unsupported')`,
    facetKey('flag', 'exception'),
    facetKey('flag', 'fallback'),
    bit('exception'),
  )[0][0]);
  const anomalies = sc.time('anomalies', () => raw<[string, number]>(
    `SELECT x.facet, count(*) FROM scope JOIN message_facets x INDEXED BY message_facets_msg ON x.msg_id = scope.id AND x.facet IN (?, ?)
     GROUP BY x.facet`,
    facetKey('anomaly', 'fallback-missing'),
    facetKey('anomaly', 'double-delivery'),
  ));
  for (const [facet, n] of anomalies) {
    if (facet === facetKey('anomaly', 'fallback-missing')) report.fallback.fallbackMissing = n;
    else report.fallback.doubleDelivery = n;
  }

  const lat = report.latencyMs;
  const d = deliveryFigures(ctx, sc);
  lat.callbackDelay = d.callbackDelay;
  report.retries = d.retries;
  report.overTime = d.overTime;
  report.window = d.window;
  report.replies = sc.time('replies', () => replyFigures(ctx, sc));
  return report;
}
