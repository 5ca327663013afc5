// The analytics report (shared/analytics.ts) of the messages a query matches and their deliveries, computed in
// SQLite from the indexed tables: message rows and summaries, facets, delivery columns and flags. Exact over the
// whole matching set (no count cap): a report is asked for once, not per keystroke.
import type { CampaignFigures, Funnel, Percentiles, Report } from '../../../shared/analytics';
import { FLAG_NAMES, MESSAGE_STATES, type FlagName, type MessageState } from '../../../shared/domain';
import { facetKey } from '../../../shared/facet-keys';
import type { StoreContext } from './context';
import { planMessages, queryTerms, whereOf } from './filters';

const bit = (f: FlagName) => 1 << FLAG_NAMES.indexOf(f);

export function getAnalytics(ctx: StoreContext, query: string, now: number): Report {
  const plan = planMessages(ctx, queryTerms(query, now));
  const where = whereOf(plan);
  // the matching message ids, computed once per statement however often the statement reads them
  const scope = `WITH scope(id) AS MATERIALIZED (SELECT m.id FROM ${plan.from} WHERE ${where.sql})`;
  const raw = <T>(sql: string, ...params: unknown[]): T[] => ctx.stmt(`${scope} ${sql}`, 'raw').all(...where.params, ...params) as T[];

  const groups = raw<[string | null, MessageState, number, number, number, number, number]>(
    `SELECT campaign, state, count(*),
       sum(coalesce(s, dl, r, rp) IS NOT NULL), sum(coalesce(dl, r, rp) IS NOT NULL), sum(coalesce(r, rp) IS NOT NULL), sum(rp IS NOT NULL)
     FROM (SELECT m.campaign, m.state, m.summary ->> '$.sentAt' s, m.summary ->> '$.deliveredAt' dl,
             m.summary ->> '$.readAt' r, m.summary ->> '$.repliedAt' rp
           FROM scope JOIN messages m ON m.id = scope.id)
     GROUP BY campaign, state`,
  );
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
    latencyMs: { sentToDelivered: noValues(), deliveredToRead: noValues(), readToReply: noValues(), callbackDelay: noValues() },
    retries: { eventsRetried: 0, attempts: {} },
  };
  const campaigns = new Map<string | null, CampaignFigures & { n: number }>();
  for (const [campaign, state, n, sent, delivered, read, replied] of groups) {
    let c = campaigns.get(campaign);
    if (!c) campaigns.set(campaign, (c = { campaign, funnel: zeroFunnel(), states: {}, n: 0 }));
    for (const target of [report, c]) {
      target.funnel.sent += sent;
      target.funnel.delivered += delivered;
      target.funnel.read += read;
      target.funnel.replied += replied;
      target.states[state] = (target.states[state] ?? 0) + n;
    }
    c.n += n;
    report.messages += n;
  }
  report.states = inStateOrder(report.states);
  report.byCampaign = [...campaigns.values()]
    .sort((a, b) => b.n - a.n || String(a.campaign).localeCompare(String(b.campaign)))
    .map(({ campaign, funnel, states }) => ({ campaign, funnel, states: inStateOrder(states) }));

  // failures: one count per message and reason, read off the flags of its deliveries that carry one
  const failureMask = bit('exception') | bit('error') | bit('prepaid-blocked') | bit('duplicate-blocked');
  const reasons = raw<[string, string | null, number]>(
    `SELECT flag, reason, count(DISTINCT msg_id) FROM (
       SELECT d.msg_id, f.value ->> '$.flag' flag,
         CASE f.value ->> '$.flag'
           WHEN 'exception' THEN f.value ->> '$.kind'
           WHEN 'error' THEN coalesce(f.value ->> '$.code', 'unknown')
           WHEN 'prepaid-blocked' THEN f.value ->> '$.scope'
         END reason
       FROM scope JOIN deliveries d INDEXED BY deliveries_msg ON d.msg_id = scope.id, json_each(d.flags) f
       WHERE d.flags_mask & ? != 0)
     WHERE flag IN ('exception', 'error', 'prepaid-blocked', 'duplicate-blocked')
     GROUP BY flag, reason`,
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
     WHERE d.flags_mask & ? != 0 AND f.value ->> '$.flag' = 'prepaid-blocked' AND f.value ->> '$.scope' = 'account'
     GROUP BY a ORDER BY a`,
    bit('prepaid-blocked'),
  );
  for (const [id, n] of accounts) fl.prepaidBlocked.accounts[id] = n;

  report.fallback.fellBack = raw<[number]>(
    `SELECT count(*) FROM scope
     WHERE EXISTS (SELECT 1 FROM deliveries d INDEXED BY deliveries_msg, json_each(d.flags) f WHERE d.msg_id = scope.id
                     AND d.flags_mask & ? != 0 AND f.value ->> '$.flag' = 'exception' AND f.value ->> '$.kind' = 'rcs-unsupported')
       AND EXISTS (SELECT 1 FROM deliveries d INDEXED BY deliveries_msg WHERE d.msg_id = scope.id AND d.flags_mask & ? != 0)`,
    bit('exception'),
    bit('fallback'),
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

  const between = (from: string, to: string) =>
    `SELECT v FROM (SELECT (m.summary ->> '$.${to}') - (m.summary ->> '$.${from}') v FROM scope JOIN messages m ON m.id = scope.id)
     WHERE v IS NOT NULL ORDER BY v`;
  const lat = report.latencyMs;
  lat.sentToDelivered = percentiles(ctx, scope, between('sentAt', 'deliveredAt'), where.params);
  lat.deliveredToRead = percentiles(ctx, scope, between('deliveredAt', 'readAt'), where.params);
  lat.readToReply = percentiles(ctx, scope, between('readAt', 'repliedAt'), where.params);
  lat.callbackDelay = percentiles(
    ctx,
    scope,
    `SELECT d.received_at - d.event_ts v FROM scope JOIN deliveries d INDEXED BY deliveries_msg ON d.msg_id = scope.id
     WHERE d.event_ts IS NOT NULL ORDER BY v`,
    where.params,
  );

  const attempts = raw<[number, number]>(
    `SELECT a, count(*) FROM (
       SELECT count(*) a FROM scope JOIN deliveries d INDEXED BY deliveries_msg ON d.msg_id = scope.id
       WHERE d.event_key IS NOT NULL GROUP BY d.msg_id, d.event_key)
     GROUP BY a ORDER BY a`,
  );
  for (const [a, n] of attempts) {
    report.retries.attempts[String(a)] = n;
    if (a > 1) report.retries.eventsRetried += n;
  }
  return report;
}

function zeroFunnel(): Funnel {
  return { sent: 0, delivered: 0, read: 0, replied: 0 };
}

function noValues(): Percentiles {
  return { p50: null, p90: null, p99: null, n: 0 };
}

function inStateOrder(states: Partial<Record<MessageState, number>>): Partial<Record<MessageState, number>> {
  return Object.fromEntries(MESSAGE_STATES.filter((s) => states[s]).map((s) => [s, states[s]]));
}

/** Nearest-rank percentiles of an ordered single-column query: counted, then read once in order up to p99. */
function percentiles(ctx: StoreContext, scope: string, sortedSql: string, params: unknown[]): Percentiles {
  const n = ctx.stmt(`${scope} SELECT count(*) FROM (${sortedSql})`, 'pluck').get(...params) as number;
  if (n === 0) return noValues();
  const rank = (p: number) => Math.max(1, Math.ceil((p / 100) * n)) - 1;
  const want = [rank(50), rank(90), rank(99)];
  const got: number[] = [];
  let i = 0;
  for (const v of ctx.stmt(`${scope} ${sortedSql}`, 'pluck').iterate(...params) as Iterable<number>) {
    while (got.length < want.length && want[got.length] === i) got.push(v);
    if (got.length === want.length) break;
    i++;
  }
  return { p50: got[0], p90: got[1], p99: got[2], n };
}
