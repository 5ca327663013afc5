// The report of every message, read from the summaries indexing keeps (schema migration 6: tables an_*, kept by
// summary-deltas.ts) instead of from every message and delivery: a few thousand rows on a store of a million deliveries.
// A filtered report reads the matching rows (analytics.ts); both give the same figures (analytics tests).
import type { CampaignFigures, LatencyFigures, Report } from '../../../shared/analytics';
import { GATEWAY_TIMEOUT_MS } from '../../../shared/constants';
import type { EventKind, MessageState } from '../../../shared/domain';
import { counterKey, facetKey } from '../../../shared/facet-keys';
import { histogramOf, latencyOf, percentileRanks, seriesOver } from './analytics-figures';
import { byCampaignOrder, funnelOf, inStateOrder, type Counts } from './analytics-messages';
import { allReplies } from './analytics-replies';
import type { Scope } from './analytics-scope';
import type { StoreContext } from './context';

const METRIC = { sentToDelivered: 1, deliveredToRead: 2, readToReply: 3, callbackDelay: 4, answerMs: 5 } as const;

export function summaryReport(ctx: StoreContext, s: Scope): Report {
  const report = s.time('messages', () => messageFigures(ctx)) as Report;
  s.time('failures', () => failures(ctx, report));
  s.time('latencies', () => {
    report.latencyMs = {
      sentToDelivered: summaryLatency(ctx, METRIC.sentToDelivered),
      deliveredToRead: summaryLatency(ctx, METRIC.deliveredToRead),
      readToReply: summaryLatency(ctx, METRIC.readToReply),
      callbackDelay: summaryLatency(ctx, METRIC.callbackDelay),
    };
  });
  s.time('retries', () => {
    const answers = summaryLatency(ctx, METRIC.answerMs);
    const perAttempt = new Map(ctx.stmt('SELECT attempt, n FROM an_attempts WHERE n > 0', 'raw').all() as [number, number][]);
    const attempts: Record<string, number> = {};
    let eventsRetried = 0;
    for (const [a, n] of [...perAttempt].sort((x, y) => x[0] - y[0])) {
      // deliveries numbered a, less those numbered a + 1: the events delivered exactly a times
      const exactly = n - (perAttempt.get(a + 1) ?? 0);
      if (exactly <= 0) continue;
      attempts[String(a)] = exactly;
      if (a > 1) eventsRetried += exactly;
    }
    report.retries = {
      eventsRetried,
      attempts,
      offSchedule: (ctx.stmt(`SELECT n FROM an_counts WHERE key = 'off-schedule'`, 'pluck').get() as number | undefined) ?? 0,
      answerMs: {
        p50: answers.p50,
        p90: answers.p90,
        p99: answers.p99,
        n: answers.n,
        overTimeout: ctx.stmt('SELECT coalesce(sum(n), 0) FROM an_values WHERE metric = ? AND k > ?', 'pluck').get(METRIC.answerMs, GATEWAY_TIMEOUT_MS) as number,
      },
    };
  });
  report.replies = s.time('replies', () => allReplies(ctx));
  s.time('series', () => series(ctx, report));
  return report;
}

function messageFigures(ctx: StoreContext): Partial<Report> {
  const rows = ctx.stmt('SELECT campaign_key, state, step, n FROM an_messages WHERE n > 0', 'raw').all() as [string, MessageState, number, number][];
  const total: Counts = { steps: [0, 0, 0, 0, 0], states: {}, n: 0 };
  const campaigns = new Map<string, Counts>();
  for (const [key, state, step, n] of rows) {
    let c = campaigns.get(key);
    if (!c) campaigns.set(key, (c = { steps: [0, 0, 0, 0, 0], states: {}, n: 0 }));
    for (const t of [total, c]) {
      t.steps[step] += n;
      t.states[state] = (t.states[state] ?? 0) + n;
      t.n += n;
    }
  }
  const byCampaign: (CampaignFigures & { n: number })[] = [...campaigns].map(([key, c]) => ({
    campaign: key === '' ? null : key.slice(1),
    funnel: funnelOf(c.steps),
    states: inStateOrder(c.states),
    n: c.n,
  }));
  return { messages: total.n, funnel: funnelOf(total.steps), states: inStateOrder(total.states), byCampaign: byCampaignOrder(byCampaign) };
}

function failures(ctx: StoreContext, report: Report): void {
  const fl: Report['failures'] = {
    exception: { auth: 0, 'rcs-unsupported': 0, other: 0 },
    error: {},
    prepaidBlocked: { customer: 0, account: 0, accounts: {} },
    duplicateBlocked: 0,
  };
  for (const [reason, n] of ctx.stmt('SELECT reason, count(*) FROM an_reasons GROUP BY reason', 'raw').all() as [string, number][]) {
    const colon = reason.indexOf(':');
    const [what, detail] = colon < 0 ? [reason, ''] : [reason.slice(0, colon), reason.slice(colon + 1)];
    if (what === 'exception' && (detail === 'auth' || detail === 'rcs-unsupported' || detail === 'other')) fl.exception[detail] += n;
    else if (what === 'error') fl.error[detail] = n;
    else if (what === 'prepaid' && (detail === 'customer' || detail === 'account')) fl.prepaidBlocked[detail] += n;
    else if (what === 'account') fl.prepaidBlocked.accounts[detail] = n;
    else if (what === 'duplicate-blocked') fl.duplicateBlocked += n;
  }
  report.failures = fl;
  const counter = (facet: string) => (ctx.stmt('SELECT n FROM counters WHERE key = ?', 'pluck').get(counterKey({ facet })) as number | undefined) ?? 0;
  report.fallback = {
    fellBack: ctx
      .stmt(
        // from the messages that got an SMS (fewer than the no-RCS exceptions when fallback works at all)
        `SELECT count(*) FROM message_facets x WHERE x.facet = ?
           AND EXISTS (SELECT 1 FROM an_reasons r WHERE r.reason = 'exception:rcs-unsupported' AND r.msg_id = x.msg_id)`,
        'pluck',
      )
      .get(facetKey('flag', 'fallback')) as number,
    fallbackMissing: counter(facetKey('anomaly', 'fallback-missing')),
    doubleDelivery: counter(facetKey('anomaly', 'double-delivery')),
  };
}

function series(ctx: StoreContext, report: Report): void {
  // the received_at index gives the first and last delivery at once; skipping the few without a message
  const from = ctx.stmt('SELECT min(received_at) FROM deliveries WHERE msg_id IS NOT NULL', 'pluck').get() as number | null;
  const to = ctx.stmt('SELECT max(received_at) FROM deliveries WHERE msg_id IS NOT NULL', 'pluck').get() as number | null;
  report.window = { from, to };
  const out = seriesOver(from, to);
  if (from !== null) {
    // summed per bucket in SQL (a bucket is a whole number of minutes): one row per bucket, kind and repeat
    const perBucket = out.series.bucketMs / 60_000;
    const rows = ctx
      .stmt(`SELECT minute / ${perBucket} b, kind, rep, sum(n) FROM an_series WHERE n > 0 GROUP BY 1, 2, 3`, 'raw')
      .all() as [number, EventKind, number, number][];
    for (const [b, kind, rep, c] of rows) out.add(b * perBucket, rep ? 'repeat' : kind, c);
  }
  report.overTime = out.series;
}

/**
 * Exact nearest-rank percentiles from an_values: the counts per key (3 significant digits, in order) say which key
 * holds each rank, and only that key's values are read to find it. Bounds of the histogram fall between keys.
 */
function summaryLatency(ctx: StoreContext, metric: number): LatencyFigures {
  const keys = ctx.stmt('SELECT k, sum(n) c FROM an_values WHERE metric = ? GROUP BY k HAVING c > 0 ORDER BY k', 'raw').all(metric) as [number, number][];
  const n = keys.reduce((t, [, c]) => t + c, 0);
  if (n === 0) return latencyOf([]);
  const [p50, p90, p99] = percentileRanks(n).map((rank) => {
    let before = 0;
    for (const [k, c] of keys) {
      if (before + c >= rank) {
        const values = ctx.stmt('SELECT v, n FROM an_values WHERE metric = ? AND k = ? AND n > 0 ORDER BY v', 'raw').all(metric, k) as [number, number][];
        for (const [v, m] of values) if ((before += m) >= rank) return v;
      }
      before += c;
    }
    return null;
  });
  return { p50, p90, p99, n, histogram: histogramOf(keys) };
}
