// The analytics report (shared/analytics.ts) of the messages a query matches and their deliveries, computed in
// SQLite from the indexed tables: message rows and summaries, facets, delivery columns and flags. Exact over the
// whole matching set (no count cap): a report is asked for once, not per keystroke.
import type { CampaignFigures, Funnel, Report } from '../../../shared/analytics';
import { FLAG_NAMES, MESSAGE_STATES, type FlagName, type MessageState } from '../../../shared/domain';
import { facetKey } from '../../../shared/facet-keys';
import { deliveryFigures } from './analytics-deliveries';
import { Distribution, latencyOf, noValues } from './analytics-figures';
import { replyFigures } from './analytics-replies';
import { rawRows, scopeOf } from './analytics-scope';
import type { StoreContext } from './context';
import { queryTerms } from './filters';

const bit = (f: FlagName) => 1 << FLAG_NAMES.indexOf(f);
const FAILURE_FLAGS: FlagName[] = ['exception', 'error', 'prepaid-blocked', 'duplicate-blocked'];

/** The message carries one of `n` facets (bound as parameters): a lookup in its facets, not a read of its deliveries. */
function hasFacet(msgId: string, n: number): string {
  return `EXISTS (SELECT 1 FROM message_facets x INDEXED BY message_facets_msg WHERE x.msg_id = ${msgId} AND x.facet IN (${Array(n).fill('?').join(', ')}))`;
}

export function getAnalytics(ctx: StoreContext, query: string, now: number): Report {
  const terms = queryTerms(query, now);
  const sc = scopeOf(ctx, terms);
  const { with: scope, everything } = sc;
  const raw = <T>(sql: string, ...params: unknown[]): T[] => rawRows<T>(ctx, sc, sql, ...params);

  // one pass over the matching messages: counts per campaign and state, and the milestone gaps for latencies
  const rows = ctx
    .stmt(
      `${scope} SELECT m.campaign, m.state, m.summary ->> '$.sentAt', m.summary ->> '$.deliveredAt', m.summary ->> '$.readAt',
         m.summary ->> '$.repliedAt'
       FROM ${everything ? 'messages m' : 'scope JOIN messages m ON m.id = scope.id'}`,
      'raw',
    )
    .iterate(...sc.params) as Iterable<[string | null, MessageState, number | null, number | null, number | null, number | null]>;
  const report: Report = {
    messages: 0,
    funnel: zeroFunnel(),
    states: {},
    byCampaign: [],
    failures: {
      exception: { auth: 0, 'rcs-unsupported': 0, other: 0 },
      error: {},
      prepaidBlocked: { customer: 0, account: 0, accounts: {} },
      duplicateBlocked: 0,
    },
    fallback: { fellBack: 0, fallbackMissing: 0, doubleDelivery: 0 },
    latencyMs: { sentToDelivered: noLatency(), deliveredToRead: noLatency(), readToReply: noLatency(), callbackDelay: noLatency() },
    retries: { eventsRetried: 0, attempts: {}, offSchedule: 0, answerMs: { ...noValues(), overTimeout: 0 } },
    replies: { suggestions: [], postbacks: [], texts: [] },
    overTime: { bucketMs: 60_000, t: [], byKind: {} as Report['overTime']['byKind'], repeats: [] },
    window: { from: null, to: null },
  };
  const campaigns = new Map<string | null, CampaignFigures & { n: number }>();
  const gaps = { sentToDelivered: new Distribution(), deliveredToRead: new Distribution(), readToReply: new Distribution() };
  for (const [campaign, state, s, dl, r, rp] of rows) {
    let c = campaigns.get(campaign);
    if (!c) campaigns.set(campaign, (c = { campaign, funnel: zeroFunnel(), states: {}, n: 0 }));
    for (const target of [report, c]) {
      // reached at least the step: a later milestone implies the earlier ones
      if (s !== null || dl !== null || r !== null || rp !== null) target.funnel.sent++;
      if (dl !== null || r !== null || rp !== null) target.funnel.delivered++;
      if (r !== null || rp !== null) target.funnel.read++;
      if (rp !== null) target.funnel.replied++;
      target.states[state] = (target.states[state] ?? 0) + 1;
    }
    c.n++;
    report.messages++;
    if (s !== null && dl !== null) gaps.sentToDelivered.add(dl - s);
    if (dl !== null && r !== null) gaps.deliveredToRead.add(r - dl);
    if (r !== null && rp !== null) gaps.readToReply.add(rp - r);
  }
  report.states = inStateOrder(report.states);
  report.byCampaign = [...campaigns.values()]
    .sort((a, b) => b.n - a.n || String(a.campaign).localeCompare(String(b.campaign)))
    .map(({ campaign, funnel, states }) => ({ campaign, funnel, states: inStateOrder(states) }));

  // failures: one count per message and reason, read off the flags of its deliveries that carry one; only the
  // messages whose facets say they hold a failure have their deliveries read
  const failureMask = FAILURE_FLAGS.reduce((m, f) => m | bit(f), 0);
  const reasons = raw<[string, string | null, number]>(
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
  );
  const fl = report.failures;
  for (const [flag, reason, n] of reasons) {
    if (flag === 'exception' && (reason === 'auth' || reason === 'rcs-unsupported' || reason === 'other')) fl.exception[reason] += n;
    else if (flag === 'error') fl.error[String(reason)] = n;
    else if (flag === 'prepaid-blocked' && (reason === 'customer' || reason === 'account')) fl.prepaidBlocked[reason] += n;
    else if (flag === 'duplicate-blocked') fl.duplicateBlocked += n;
  }
  const accounts = raw<[string, number]>(
    `SELECT coalesce(f.value ->> '$.accountId', 'unknown') a, count(DISTINCT d.msg_id)
     FROM scope JOIN deliveries d INDEXED BY deliveries_msg ON d.msg_id = scope.id, json_each(d.flags) f
     WHERE ${hasFacet('scope.id', 1)} AND d.flags_mask & ? != 0 AND f.value ->> '$.flag' = 'prepaid-blocked' AND f.value ->> '$.scope' = 'account'
     GROUP BY a ORDER BY a`,
    facetKey('flag', 'prepaid-blocked'),
    bit('prepaid-blocked'),
  );
  for (const [id, n] of accounts) fl.prepaidBlocked.accounts[id] = n;

  report.fallback.fellBack = raw<[number]>(
    `SELECT count(*) FROM scope
     WHERE ${hasFacet('scope.id', 1)} AND ${hasFacet('scope.id', 1)}
       AND EXISTS (SELECT 1 FROM deliveries d INDEXED BY deliveries_msg, json_each(d.flags) f WHERE d.msg_id = scope.id
                     AND d.flags_mask & ? != 0 AND f.value ->> '$.flag' = 'exception' AND f.value ->> '$.kind' = 'rcs-unsupported')`,
    facetKey('flag', 'exception'),
    facetKey('flag', 'fallback'),
    bit('exception'),
  )[0][0];
  const anomalies = raw<[string, number]>(
    `SELECT x.facet, count(*) FROM scope JOIN message_facets x INDEXED BY message_facets_msg ON x.msg_id = scope.id AND x.facet IN (?, ?)
     GROUP BY x.facet`,
    facetKey('anomaly', 'fallback-missing'),
    facetKey('anomaly', 'double-delivery'),
  );
  for (const [facet, n] of anomalies) {
    if (facet === facetKey('anomaly', 'fallback-missing')) report.fallback.fallbackMissing = n;
    else report.fallback.doubleDelivery = n;
  }

  const lat = report.latencyMs;
  lat.sentToDelivered = latencyOf(gaps.sentToDelivered.sorted());
  lat.deliveredToRead = latencyOf(gaps.deliveredToRead.sorted());
  lat.readToReply = latencyOf(gaps.readToReply.sorted());
  const d = deliveryFigures(ctx, sc);
  lat.callbackDelay = d.callbackDelay;
  report.retries = d.retries;
  report.overTime = d.overTime;
  report.window = d.window;
  report.replies = replyFigures(ctx, sc);
  return report;
}

function zeroFunnel(): Funnel {
  return { sent: 0, delivered: 0, read: 0, replied: 0 };
}

function noLatency(): Report['latencyMs']['callbackDelay'] {
  return latencyOf([]);
}

function inStateOrder(states: Partial<Record<MessageState, number>>): Partial<Record<MessageState, number>> {
  return Object.fromEntries(MESSAGE_STATES.filter((s) => states[s]).map((s) => [s, states[s]]));
}
