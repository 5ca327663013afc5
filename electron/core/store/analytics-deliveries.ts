// The report's figures that come from the deliveries of the scope's messages rather than from the messages:
// callback delay, the gateway's retries and how fast we answered it, deliveries over time and the window.
import type { Report, TimeSeries } from '../../../shared/analytics';
import { GATEWAY_TIMEOUT_MS } from '../../../shared/constants';
import { EVENT_KINDS, FLAG_NAMES, type EventKind } from '../../../shared/domain';
import { bucketFor, latencyOf, percentilesOf } from './analytics-figures';
import { rawRows, scopeDeliveries, type Scope } from './analytics-scope';
import type { StoreContext } from './context';

const DUPLICATE = 1 << FLAG_NAMES.indexOf('duplicate');

type DeliveryFigures = Pick<Report, 'retries' | 'overTime' | 'window'> & { callbackDelay: Report['latencyMs']['callbackDelay'] };

export function deliveryFigures(ctx: StoreContext, s: Scope): DeliveryFigures {
  const ds = scopeDeliveries(s);
  const callbackDelay = s.time('callbackDelay', () => latencyOf(
    rawRows<[number, number]>(ctx, s, `SELECT d.received_at - d.event_ts v, count(*) FROM ${ds} d.event_ts IS NOT NULL GROUP BY v ORDER BY v`),
  ));
  const answers = s.time('answers', () => rawRows<[number, number]>(ctx, s, `SELECT d.response_ms v, count(*) FROM ${ds} d.response_ms IS NOT NULL GROUP BY v ORDER BY v`));
  const retries: Report['retries'] = {
    eventsRetried: 0,
    attempts: {},
    offSchedule: 0,
    answerMs: { ...percentilesOf(answers), overTimeout: answers.filter(([v]) => v > GATEWAY_TIMEOUT_MS).reduce((n, [, c]) => n + c, 0) },
  };
  const attempts = s.time('attempts', () => rawRows<[number, number]>(
    ctx,
    s,
    `SELECT a, count(*) FROM (
       SELECT count(*) a FROM scope JOIN deliveries d INDEXED BY deliveries_msg ON d.msg_id = scope.id
       WHERE d.event_key IS NOT NULL GROUP BY d.msg_id, d.event_key)
     GROUP BY a ORDER BY a`,
  ));
  for (const [a, n] of attempts) {
    retries.attempts[String(a)] = n;
    if (a > 1) retries.eventsRetried += n;
  }
  retries.offSchedule = s.time('offSchedule', () => rawRows<[number]>(
    ctx,
    s,
    `SELECT count(*) FROM ${ds} d.flags_mask & ? != 0
       AND EXISTS (SELECT 1 FROM json_each(d.flags) f WHERE f.value ->> '$.flag' = 'duplicate' AND f.value ->> '$.fitsSchedule' = 0)`,
    DUPLICATE,
  )[0][0]);

  const [[from, to]] = s.time('window', () => rawRows<[number | null, number | null]>(ctx, s, `SELECT min(d.received_at), max(d.received_at) FROM ${ds} 1`));
  const overTime = s.time('series', () => series(ctx, s, from, to));
  return { callbackDelay, retries, overTime, window: { from, to } };
}

function series(ctx: StoreContext, s: Scope, from: number | null, to: number | null): TimeSeries {
  const bucketMs = from === null || to === null ? 60_000 : bucketFor(from, to);
  const byKind = Object.fromEntries(EVENT_KINDS.map((k) => [k, [] as number[]])) as Record<EventKind, number[]>;
  const out: TimeSeries = { bucketMs, t: [], byKind, repeats: [] };
  if (from === null || to === null) return out;
  const first = Math.floor(from / bucketMs);
  const n = Math.floor(to / bucketMs) - first + 1;
  out.t = Array.from({ length: n }, (_, i) => (first + i) * bucketMs);
  for (const k of EVENT_KINDS) byKind[k] = new Array<number>(n).fill(0);
  out.repeats = new Array<number>(n).fill(0);
  const rows = rawRows<[number, EventKind, number, number]>(
    ctx,
    s,
    // bucketMs is one of four integers, written into the SQL: bound from JS it would be a float, and the division too
    `SELECT d.received_at / ${bucketMs} b, d.kind, d.flags_mask & ? != 0, count(*) FROM ${scopeDeliveries(s)} 1 GROUP BY 1, 2, 3`,
    DUPLICATE,
  );
  for (const [b, kind, repeat, c] of rows) {
    const i = b - first;
    if (repeat) out.repeats[i] += c;
    else (byKind[kind] ?? byKind.unknown)[i] += c;
  }
  return out;
}
