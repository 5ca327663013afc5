// The analytics report (shared/analytics.ts) of the messages a query matches and their deliveries. Exact over the
// whole matching set (no count cap). The report of every message is read from the summaries indexing keeps
// (analytics-summary.ts); a filtered one from the matching rows: the messages once (analytics-messages.ts), their
// deliveries once (analytics-deliveries.ts), and for failures, fallbacks and replies only the messages whose facets
// say they hold one (here and analytics-replies.ts). The core runs it on a worker thread (analytics-runner.ts).
import type { Report } from '../../../shared/analytics';
import { FLAG_NAMES, type FlagName } from '../../../shared/domain';
import { facetKey } from '../../../shared/facet-keys';
import { deliveryFigures } from './analytics-deliveries';
import { messagePass } from './analytics-messages';
import { replyFigures } from './analytics-replies';
import { rawRows, scopeOf, type Scope, type SectionTimes } from './analytics-scope';
import { summaryReport } from './analytics-summary';
import type { StoreContext } from './context';
import { queryTerms } from './filters';

const bit = (f: FlagName) => 1 << FLAG_NAMES.indexOf(f);
const FAILURE_FLAGS: FlagName[] = ['exception', 'error', 'prepaid-blocked', 'duplicate-blocked'];

/**
 * `(SELECT DISTINCT msg_id …)` of the matching messages carrying one of `n` facets (bound as parameters): read off
 * the facet index and checked against the scope, cheaper than looking each matching message's facets up.
 */
function withFacet(n: number): string {
  return `(SELECT DISTINCT x.msg_id FROM message_facets x
     WHERE x.facet IN (${Array(n).fill('?').join(', ')}) AND x.msg_id IN (SELECT id FROM scope))`;
}

export function getAnalytics(ctx: StoreContext, query: string, now: number, onSection?: SectionTimes): Report {
  const sc = scopeOf(ctx, queryTerms(query, now), onSection);
  if (sc.everything) return summaryReport(ctx, sc);
  const report = sc.time('messages', () => messagePass(ctx, sc));
  sc.time('failures', () => failures(ctx, sc, report));
  sc.time('fallback', () => fallback(ctx, sc, report));
  const d = deliveryFigures(ctx, sc);
  report.latencyMs.callbackDelay = d.callbackDelay;
  report.retries = d.retries;
  report.overTime = d.overTime;
  report.window = d.window;
  report.replies = sc.time('replies', () => replyFigures(ctx, sc));
  return report;
}

/** One count per message and reason, read off the flags of the deliveries that carry one. */
function failures(ctx: StoreContext, sc: Scope, report: Report): void {
  const failureMask = FAILURE_FLAGS.reduce((m, f) => m | bit(f), 0);
  const reasons = rawRows<[string, string | null, number]>(
    ctx,
    sc,
    `SELECT flag, reason, count(DISTINCT msg_id) FROM (
       SELECT d.msg_id, f.value ->> '$.flag' flag,
         CASE f.value ->> '$.flag'
           WHEN 'exception' THEN f.value ->> '$.kind'
           WHEN 'error' THEN coalesce(f.value ->> '$.code', 'unknown')
           WHEN 'prepaid-blocked' THEN f.value ->> '$.scope'
         END reason
       FROM ${withFacet(FAILURE_FLAGS.length)} fm JOIN deliveries d INDEXED BY deliveries_msg ON d.msg_id = fm.msg_id, json_each(d.flags) f
       WHERE d.flags_mask & ? != 0)
     WHERE flag IN ('exception', 'error', 'prepaid-blocked', 'duplicate-blocked')
     GROUP BY flag, reason`,
    ...FAILURE_FLAGS.map((f) => facetKey('flag', f)),
    failureMask,
  );
  const fl = report.failures;
  for (const [flag, reason, n] of reasons) {
    if (flag === 'exception' && (reason === 'auth' || reason === 'rcs-unsupported' || reason === 'other')) fl.exception[reason] += n;
    else if (flag === 'error') fl.error[String(reason)] = n;
    else if (flag === 'prepaid-blocked' && (reason === 'customer' || reason === 'account')) fl.prepaidBlocked[reason] += n;
    else if (flag === 'duplicate-blocked') fl.duplicateBlocked += n;
  }
  const accounts = rawRows<[string, number]>(
    ctx,
    sc,
    `SELECT coalesce(f.value ->> '$.accountId', 'unknown') a, count(DISTINCT d.msg_id)
     FROM ${withFacet(1)} fm JOIN deliveries d INDEXED BY deliveries_msg ON d.msg_id = fm.msg_id, json_each(d.flags) f
     WHERE d.flags_mask & ? != 0 AND f.value ->> '$.flag' = 'prepaid-blocked' AND f.value ->> '$.scope' = 'account'
     GROUP BY a ORDER BY a`,
    facetKey('flag', 'prepaid-blocked'),
    bit('prepaid-blocked'),
  );
  for (const [id, n] of accounts) fl.prepaidBlocked.accounts[id] = n;
}

function fallback(ctx: StoreContext, sc: Scope, report: Report): void {
  // from the messages that got an SMS: fewer than those with an exception wherever fallback works at all
  report.fallback.fellBack = rawRows<[number]>(
    ctx,
    sc,
    `SELECT count(*) FROM ${withFacet(1)} fm
     WHERE EXISTS (SELECT 1 FROM message_facets x WHERE x.facet = ? AND x.msg_id = fm.msg_id)
       AND EXISTS (SELECT 1 FROM deliveries d INDEXED BY deliveries_msg, json_each(d.flags) f WHERE d.msg_id = fm.msg_id
                     AND d.flags_mask & ? != 0 AND f.value ->> '$.flag' = 'exception' AND f.value ->> '$.kind' = 'rcs-unsupported')`,
    facetKey('flag', 'fallback'),
    facetKey('flag', 'exception'),
    bit('exception'),
  )[0][0];
  const anomalies = rawRows<[string, number]>(
    ctx,
    sc,
    `SELECT x.facet, count(*) FROM message_facets x WHERE x.facet IN (?, ?) AND x.msg_id IN (SELECT id FROM scope) GROUP BY x.facet`,
    facetKey('anomaly', 'fallback-missing'),
    facetKey('anomaly', 'double-delivery'),
  );
  for (const [facet, n] of anomalies) {
    if (facet === facetKey('anomaly', 'fallback-missing')) report.fallback.fallbackMissing = n;
    else report.fallback.doubleDelivery = n;
  }
}
