// Deliveries over time, stacked by what each callback means, the gateway's repeats on top, and the tunnel's
// downtime shaded behind. A click on a bar segment opens the deliveries list filtered to that bucket and kind; from
// the keyboard, arrows pick a bucket and Enter lists all its deliveries. Times are in the clock chosen in Settings.
import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type uPlot from 'uplot';
import uPlotLib from 'uplot';
import type { Report } from '../../../shared/analytics';
import type { EventKind } from '../../../shared/domain';
import { parseQuery } from '../../../shared/query';
import { deliveriesDrill, timeTerms } from '../lib/drill';
import { zoneName, type ClockZone } from '../lib/clock';
import { formatTime, num } from '../lib/format';
import { useInspector, useInspectorStore } from '../store/context';
import { axis, Chart, type ChartTheme } from './AnalyticsChart';
import { Card, CsvButton, useReportQuery } from './AnalyticsParts';

type SeriesKey = EventKind | 'repeats';

/** bottom to top of each bar */
const STACK: { key: SeriesKey; label: string; color: (t: ChartTheme) => string }[] = [
  { key: 'sent', label: 'sent echo', color: (t) => t.muted },
  { key: 'delivered', label: 'delivered', color: (t) => t.info },
  { key: 'read', label: 'read', color: (t) => t.good },
  { key: 'reply', label: 'reply', color: (t) => t.reply },
  { key: 'exception', label: 'exception', color: (t) => t.bad },
  { key: 'error', label: 'error', color: (t) => t.anom },
  { key: 'prepaid-blocked', label: 'prepaid blocked', color: (t) => t.warn },
  { key: 'duplicate-blocked', label: 'duplicate blocked', color: (t) => t.dupBlocked },
  { key: 'unknown', label: 'unknown', color: (t) => t.line },
  { key: 'repeats', label: 'repeats (retries)', color: (t) => t.text },
];

const BUCKET_NAME: Record<number, string> = { 60_000: 'minute', 300_000: '5 min', 3_600_000: 'hour', 86_400_000: 'day' };
const bucketName = (ms: number) => BUCKET_NAME[ms] ?? `${Math.round(ms / 60_000)} min`;

/**
 * The chart counts the deliveries of messages only; the list also has those without a reference (or with an empty
 * one). Only a delivery of a message has an attempt number (shared/callback-fields.ts eventKeyOf), in the store's
 * SQL and in memory alike, so `attempt:1+` keeps exactly the deliveries the bar counts. A positive ref: term already
 * does, so it is not added there.
 */
const OF_A_MESSAGE = 'attempt:1+';
const ofMessages = (base: string, terms: string[]): string[] =>
  parseQuery(base).terms.some((x) => x.field === 'ref' && !x.negate) ? terms : [...terms, OF_A_MESSAGE];

/** the list terms of one segment: first deliveries of a kind, or the repeats */
const segmentTerms = (key: SeriesKey | 'all'): string[] => (key === 'all' ? [] : key === 'repeats' ? ['flag:duplicate'] : [`kind:${key}`, '-flag:duplicate']);

/** the axis's dates in the chosen clock: uPlot reads a Date's local fields, so it gets one shifted to that zone */
function tzDateOf(zone: ClockZone): ((ts: number) => Date) | undefined {
  if (zone === 'local') return undefined;
  const tz = zone === 'UTC' ? 'Etc/UTC' : zone;
  return (ts) => uPlotLib.tzDate(new Date(ts), tz);
}

export function AnalyticsOverTime({ report }: { report: Report }) {
  const base = useReportQuery();
  const store = useInspectorStore();
  const downtime = useInspector((s) => s.status?.tunnel.downtime ?? null);
  const zone = useInspector((s) => s.clockZone);
  const ts = report.overTime;
  const bucketMs = ts?.bucketMs ?? 60_000;
  const t = ts?.t ?? [];
  const raw = (key: SeriesKey): number[] => (key === 'repeats' ? ts?.repeats : ts?.byKind?.[key]) ?? [];
  const shown = STACK.filter((s) => raw(s.key).some((v) => v > 0));
  const canDrill = deliveriesDrill(base, []) !== null;

  // uPlot draws series in order: the tallest (cumulative) first, so each lower segment is painted over it
  const drawn = useMemo(() => [...shown].reverse(), [report]);
  const data = useMemo((): uPlot.AlignedData => {
    const cum = new Array<number>(t.length).fill(0);
    const stacked = shown.map((s) => raw(s.key).map((v, i) => (cum[i] += v)));
    return [t.map((x) => x + bucketMs / 2), ...stacked.reverse()];
  }, [report]);

  const windows = (downtime ?? []).filter((w) => t.length > 0 && (w.to ?? Date.now()) > t[0]! && w.from < t[t.length - 1]! + bucketMs);
  // the chart is built once per zone and series and given new data on a live refresh: its hooks read these
  const cur = useRef({ t, bucketMs, raw, windows });
  cur.current = { t, bucketMs, raw, windows };

  const pick = useRef<(idx: number, y: number) => void>(() => {});
  pick.current = (idx, y) => {
    let cum = 0;
    let key: SeriesKey | 'all' = 'all';
    for (const s of shown) {
      const v = raw(s.key)[idx] ?? 0;
      if (v > 0 && y >= cum && y < cum + v) key = s.key;
      cum += v;
    }
    const drill = deliveriesDrill(base, ofMessages(base, [...timeTerms(t[idx]!, t[idx]! + bucketMs), ...segmentTerms(key)]));
    if (drill) store.getState().drill(drill);
  };

  // keyboard: the bucket the arrows have reached (its start, so a live refresh that adds buckets keeps it), shown by
  // uPlot's own cursor and legend and announced with its counts
  const plot = useRef<uPlot | null>(null);
  const [picked, setPicked] = useState<number | null>(null);
  const keyT = useRef<number | null>(null);
  keyT.current = picked;
  /** the cursor goes back to the picked bar after the chart drew new data */
  const replace = useRef(false);
  const placeCursor = (u: uPlot) => {
    const { t: ts, bucketMs: b } = cur.current;
    const idx = keyT.current === null ? -1 : ts.indexOf(keyT.current);
    if (idx < 0) return;
    u.setCursor({ left: u.valToPos(ts[idx]! + b / 2, 'x'), top: u.bbox.height / devicePixelRatio - 2 });
  };
  const onKey = (e: KeyboardEvent) => {
    const u = plot.current;
    if (!u || t.length === 0) return;
    const found = picked === null ? -1 : t.indexOf(picked);
    const at = found < 0 ? null : found;
    let idx = at;
    if (e.key === 'ArrowRight') idx = at === null ? 0 : Math.min(t.length - 1, at + 1);
    else if (e.key === 'ArrowLeft') idx = at === null ? t.length - 1 : Math.max(0, at - 1);
    else if (e.key === 'Home') idx = 0;
    else if (e.key === 'End') idx = t.length - 1;
    else if (e.key === 'Enter' && at !== null) {
      e.preventDefault();
      const drill = deliveriesDrill(base, ofMessages(base, timeTerms(t[at]!, t[at]! + bucketMs)));
      if (drill) store.getState().drill(drill);
      return;
    } else return;
    e.preventDefault();
    keyT.current = t[idx!]!;
    setPicked(t[idx!]!);
    placeCursor(u);
  };
  const pickedIdx = picked === null ? -1 : t.indexOf(picked);
  const announced =
    pickedIdx < 0
      ? ''
      : `${formatTime(picked!, Date.now(), zone)} – ${formatTime(picked! + bucketMs, Date.now(), zone)} (${zoneName(zone)}): ${num(
          STACK.reduce((n, s) => n + (raw(s.key)[pickedIdx] ?? 0), 0),
        )} deliveries${shown.length > 0 ? ' — ' : ''}${shown.map((s) => `${s.label} ${num(raw(s.key)[pickedIdx] ?? 0)}`).join(', ')}`;

  const options = (theme: ChartTheme, width: number): uPlot.Options => ({
    width,
    height: 240,
    ms: 1,
    legend: { live: true },
    cursor: { drag: { x: false, y: false, setScale: false }, points: { show: false } },
    ...(tzDateOf(zone) ? { tzDate: tzDateOf(zone) } : {}),
    scales: {
      x: { time: true, range: () => [cur.current.t[0]!, cur.current.t[cur.current.t.length - 1]! + cur.current.bucketMs] },
      y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.08)] },
    },
    axes: [axis(theme, { label: `received (${zoneName(zone)} time)`, labelSize: 18 }), axis(theme, { label: `deliveries per ${bucketName(bucketMs)}`, size: 56 })],
    series: [
      {
        label: `bucket (${zoneName(zone)})`,
        value: (_u, v) => (v === null || v === undefined ? '—' : `${formatTime(v - cur.current.bucketMs / 2, Date.now(), zone)} – ${formatTime(v + cur.current.bucketMs / 2, Date.now(), zone)}`),
      },
      ...drawn.map(
        (s): uPlot.Series => ({
          label: s.label,
          stroke: s.color(theme),
          fill: s.color(theme),
          width: 0,
          points: { show: false },
          paths: uPlotLib.paths.bars!({ size: [0.86, 64], align: 0 }),
          value: (_u, _v, _si, idx) => (idx === null || idx === undefined ? '—' : num(cur.current.raw(s.key)[idx] ?? 0)),
        }),
      ),
    ],
    hooks: {
      drawClear: [
        (u) => {
          const ctx = u.ctx;
          const { left, top, width: w, height: h } = u.bbox;
          ctx.save();
          ctx.fillStyle = theme.badBg;
          ctx.strokeStyle = theme.bad;
          for (const win of cur.current.windows) {
            const x0 = Math.max(left, u.valToPos(win.from, 'x', true));
            const x1 = Math.min(left + w, u.valToPos(win.to ?? Date.now(), 'x', true));
            if (x1 <= x0) continue;
            ctx.fillRect(x0, top, x1 - x0, h);
            ctx.fillRect(x0, top, x1 - x0, 3 * devicePixelRatio);
          }
          ctx.restore();
        },
      ],
      setData: [() => void (replace.current = true)],
      draw: [
        (u) => {
          if (!replace.current) return;
          replace.current = false;
          placeCursor(u);
        },
      ],
      ready: [
        (u) => {
          plot.current = u;
          // rebuilt (another zone, a new kind of callback): the picked bar stays picked
          placeCursor(u);
          u.over.addEventListener('click', () => {
            const idx = u.cursor.idx;
            const y = u.cursor.top;
            if (idx === null || idx === undefined || y === undefined || y < 0) return;
            pick.current(idx, u.posToVal(y, 'y'));
          });
        },
      ],
    },
  });

  const csv = () => [
    ['bucket start', 'bucket end', ...STACK.map((s) => s.label)],
    ...t.map((x, i) => [new Date(x).toISOString(), new Date(x + bucketMs).toISOString(), ...STACK.map((s) => raw(s.key)[i] ?? 0)]),
  ];

  return (
    <Card
      title="Deliveries over time"
      testId="an-overtime"
      wide
      actions={
        <>
          <span className="dim an-zone" data-testid="an-overtime-zone" title="Times in the clock chosen in Settings">{zoneName(zone)} time</span>
          {windows.length > 0 ? (
            <span className="an-downtime-key" data-testid="an-downtime" title={windows.map((w) => `${formatTime(w.from, Date.now(), zone)} – ${w.to ? formatTime(w.to, Date.now(), zone) : 'now'}: ${w.reason}`).join('\n')}>
              tunnel down ({windows.length})
            </span>
          ) : null}
          <CsvButton name="deliveries-over-time.csv" rows={csv} />
        </>
      }
    >
      {t.length === 0 ? (
        <p className="dim an-none">No deliveries in this report{ts ? '' : ' (this core does not report deliveries over time yet)'}.</p>
      ) : (
        <div
          className={canDrill ? 'an-chart-wrap drillable' : 'an-chart-wrap'}
          title={canDrill ? 'Click a bar to list its deliveries (keyboard: ← → pick a bar, Enter lists it)' : undefined}
          tabIndex={0}
          role="group"
          aria-label={`Deliveries per ${bucketName(bucketMs)}, ${zoneName(zone)} time: ← → pick a bar${canDrill ? ', Enter lists its deliveries' : ''}`}
          onKeyDown={onKey}
          onBlur={() => {
            keyT.current = null;
            setPicked(null);
            plot.current?.setCursor({ left: -10, top: -10 });
          }}
          data-testid="an-overtime-keys"
        >
          <Chart
            options={options}
            data={data}
            deps={[windows.length, zone, bucketMs, drawn.map((s) => s.key).join()]}
            label={`Deliveries per ${bucketName(bucketMs)}, stacked by kind`}
            testId="an-overtime-chart"
          />
        </div>
      )}
      <p className="visually-hidden" aria-live="polite" data-testid="an-overtime-picked">
        {announced}
      </p>
      {!canDrill && t.length > 0 ? (
        <p className="dim an-note">
          Bars open the deliveries list only under a filter of message terms (state, anomaly, ref, user, campaign): other terms mean something
          else for single deliveries.
        </p>
      ) : null}
    </Card>
  );
}
