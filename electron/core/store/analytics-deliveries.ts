// The figures of a filtered report that come from the deliveries of the matching messages: callback delay, the
// gateway's retries and how fast we answered it, deliveries over time and the window. One pass reads each
// delivery once (a delivery row is wide: reading it is what costs, not the arithmetic).
import type { Report, TimeSeries } from '../../../shared/analytics';
import { GATEWAY_TIMEOUT_MS } from '../../../shared/constants';
import { EVENT_KINDS, FLAG_NAMES, type EventKind, type FlagDetail } from '../../../shared/domain';
import { Distribution, latencyOf, percentilesOf, seriesOver } from './analytics-figures';
import type { Scope } from './analytics-scope';
import type { StoreContext } from './context';

const DUPLICATE = 1 << FLAG_NAMES.indexOf('duplicate');
const KIND_INDEX = new Map<string, number>(EVENT_KINDS.map((k, i) => [k, i]));
/** per minute: a count per kind of first deliveries, then one of repeats */
const SLOTS = EVENT_KINDS.length + 1;

type DeliveryFigures = Pick<Report, 'retries' | 'overTime' | 'window'> & { callbackDelay: Report['latencyMs']['callbackDelay'] };

type Row = [eventKey: string | null, receivedAt: number, eventTs: number | null, kind: string, flagsMask: number, responseMs: number | null, flags: string | null];

export function deliveryFigures(ctx: StoreContext, s: Scope): DeliveryFigures {
  const rows = ctx
    .stmt(
      `${s.with} SELECT d.event_key, d.received_at, d.event_ts, d.kind, d.flags_mask, d.response_ms,
         CASE WHEN d.flags_mask & ${DUPLICATE} != 0 THEN d.flags END
       FROM scope JOIN deliveries d INDEXED BY deliveries_msg ON d.msg_id = scope.id`,
      'raw',
    )
    .iterate(...s.params) as Iterable<Row>;
  const delays = new Distribution();
  const answers = new Distribution();
  const perEvent = new Map<string, number>();
  const perMinute = new Map<number, number[]>();
  let offSchedule = 0;
  let from: number | null = null;
  let to: number | null = null;
  s.time('deliveries', () => {
    for (const [eventKey, rx, ts, kind, mask, ms, flags] of rows) {
      if (ts !== null) delays.add(rx - ts);
      if (ms !== null) answers.add(ms);
      if (eventKey !== null) perEvent.set(eventKey, (perEvent.get(eventKey) ?? 0) + 1);
      const repeat = (mask & DUPLICATE) !== 0;
      if (repeat && flags !== null && (JSON.parse(flags) as FlagDetail[]).some((f) => f.flag === 'duplicate' && !f.fitsSchedule)) offSchedule++;
      if (from === null || rx < from) from = rx;
      if (to === null || rx > to) to = rx;
      const minute = Math.floor(rx / 60_000);
      let slots = perMinute.get(minute);
      if (!slots) perMinute.set(minute, (slots = new Array<number>(SLOTS).fill(0)));
      slots[repeat ? SLOTS - 1 : (KIND_INDEX.get(kind) ?? KIND_INDEX.get('unknown')!)]++;
    }
  });

  const attempts: Record<string, number> = {};
  let eventsRetried = 0;
  const byCount = new Map<number, number>();
  for (const n of perEvent.values()) byCount.set(n, (byCount.get(n) ?? 0) + 1);
  for (const [a, n] of [...byCount].sort((x, y) => x[0] - y[0])) {
    attempts[String(a)] = n;
    if (a > 1) eventsRetried += n;
  }
  const answered = answers.sorted();
  return {
    callbackDelay: latencyOf(delays.sorted()),
    retries: {
      eventsRetried,
      attempts,
      offSchedule,
      answerMs: { ...percentilesOf(answered), overTimeout: answered.filter(([v]) => v > GATEWAY_TIMEOUT_MS).reduce((n, [, c]) => n + c, 0) },
    },
    overTime: series(perMinute, from, to),
    window: { from, to },
  };
}

/** Per-minute counts (one slot per event kind, then repeats) into the window's buckets. */
function series(perMinute: Map<number, number[]>, from: number | null, to: number | null): TimeSeries {
  const out = seriesOver(from, to);
  for (const [minute, slots] of perMinute) {
    EVENT_KINDS.forEach((k, j) => out.add(minute, k, slots[j]!));
    out.add(minute, 'repeat', slots[SLOTS - 1]!);
  }
  return out.series;
}
