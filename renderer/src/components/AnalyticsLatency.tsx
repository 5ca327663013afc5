// How long each step took: one histogram per latency on the report's fixed 1-2-5 bounds, with p50/p90/p99 marked.
// No filter of the lists selects by the time between two callbacks or by how late one arrived, so bars are not
// clickable; their tooltip says so.
import { useMemo, useRef } from 'react';
import type uPlot from 'uplot';
import uPlotLib from 'uplot';
import type { LatencyFigures, Report } from '../../../shared/analytics';
import { formatDuration, num } from '../lib/format';
import { axis, Chart, type ChartTheme } from './AnalyticsChart';
import { Card, CsvButton, ms } from './AnalyticsParts';
import { bucketPosition, drawMarks, type Mark } from './latency-marks';

/** the bars' share of their slot, and their widest (CSS px) */
const BAR_SHARE = 0.9;
const BAR_MAX_PX = 80;

const LATENCIES: { key: keyof Report['latencyMs']; title: string; what: string; file: string }[] = [
  { key: 'sentToDelivered', title: 'Sent → delivered', what: 'per message, from the sent echo to the first DELIVERED (callback timestamps)', file: 'latency-sent-to-delivered.csv' },
  { key: 'deliveredToRead', title: 'Delivered → read', what: 'per message, from DELIVERED to READ', file: 'latency-delivered-to-read.csv' },
  { key: 'readToReply', title: 'Read → first reply', what: 'per message, from READ to the first reply', file: 'latency-read-to-reply.csv' },
  { key: 'callbackDelay', title: 'Callback delay', what: "per delivery: when it arrived here minus the callback's timestamp (how late the gateway tells you)", file: 'latency-callback-delay.csv' },
];

const NOT_LISTED = {
  gap: 'Bars do not open a list: no filter picks messages by the time between two of their callbacks',
  delay: 'Bars do not open a list: no filter picks deliveries by how late the gateway sent them',
};

/** short bound labels for a crowded axis: 100ms, 2s, 5m, 1h, 1d */
function short(v: number): string {
  if (v < 1000) return `${Math.round(v)}ms`;
  // the bounds are 1-2-5 steps: 100s and 500s read better than 1.7m and 8.3m
  if (v < 1_000_000) return `${v < 100_000 ? +(v / 1000).toFixed(1) : Math.round(v / 1000)}s`;
  if (v < 3_600_000) return `${Math.round(v / 60_000)}m`;
  if (v < 86_400_000) return `${+(v / 3_600_000).toFixed(1)}h`;
  return `${+(v / 86_400_000).toFixed(1)}d`;
}

/** the bucket i covers (bounds[i-1], bounds[i]]; the last one everything above the last bound */
function bucketLabel(bounds: number[], i: number): string {
  if (i >= bounds.length) return `over ${formatDuration(bounds[bounds.length - 1]!)}`;
  if (i === 0) return `up to ${formatDuration(bounds[0]!)}`;
  return `${formatDuration(bounds[i - 1]!)} – ${formatDuration(bounds[i]!)}`;
}

function Histogram({ fig, title }: { fig: LatencyFigures; title: string }) {
  const bounds = fig.histogram!.boundsMs;
  const counts = fig.histogram!.counts;
  // only the buckets from the first to the last holding a value, so the bars are wide enough to read
  const first = Math.max(0, counts.findIndex((c) => c > 0));
  const last = Math.max(first, counts.length - 1 - [...counts].reverse().findIndex((c) => c > 0));
  const lo = Math.max(0, first - 1);
  const hi = Math.min(counts.length - 1, last + 1);
  const data = useMemo((): uPlot.AlignedData => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = lo; i <= hi; i++) (xs.push(i), ys.push(counts[i] ?? 0));
    return [xs, ys];
  }, [fig]);
  const marks: Mark[] = (['p50', 'p90', 'p99'] as const).filter((p) => fig[p] !== null).map((p) => ({ p, v: fig[p]!, ...bucketPosition(bounds, fig[p]!) }));
  // the chart is built once and given new data on a live refresh: its hooks read this render's figures
  const cur = useRef({ lo, hi, bounds, marks });
  cur.current = { lo, hi, bounds, marks };

  const options = (theme: ChartTheme, width: number): uPlot.Options => ({
    width,
    height: 170,
    legend: { live: true },
    cursor: { drag: { x: false, y: false, setScale: false }, points: { show: false } },
    scales: { x: { time: false, range: () => [cur.current.lo - 0.5, cur.current.hi + 0.5] }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.2)] } },
    axes: [
      axis(theme, {
        space: 34,
        incrs: [1, 2, 3, 4, 5, 10],
        values: (_u, splits) => {
          const { lo: l, hi: h, bounds: b } = cur.current;
          return splits.map((i) => (Number.isInteger(i) && i >= l && i <= h ? (i >= b.length ? `>${short(b[b.length - 1]!)}` : `≤${short(b[i]!)}`) : ''));
        },
        label: 'duration',
        labelSize: 18,
      }),
      axis(theme, { label: title === 'Callback delay' ? 'deliveries' : 'messages', size: 48 }),
    ],
    series: [
      { label: 'bucket', value: (_u, v) => (v === null || v === undefined ? '—' : bucketLabel(cur.current.bounds, v)) },
      {
        label: title === 'Callback delay' ? 'deliveries' : 'messages',
        stroke: theme.info,
        fill: theme.info,
        width: 0,
        points: { show: false },
        paths: uPlotLib.paths.bars!({ size: [BAR_SHARE, BAR_MAX_PX], align: 0 }),
        value: (_u, v) => (v === null || v === undefined ? '—' : num(v)),
      },
    ],
    hooks: {
      draw: [
        (u) => {
          const centerX = (i: number) => u.valToPos(i, 'x', true);
          drawMarks(u.ctx, {
            marks: cur.current.marks,
            centerX,
            // as uPlot's bars size them: a share of the slot, at most BAR_MAX_PX
            barWidth: Math.min(BAR_SHARE * Math.abs(centerX(1) - centerX(0)), BAR_MAX_PX * devicePixelRatio),
            bbox: u.bbox,
            dpr: devicePixelRatio,
            colors: { p50: theme.good, p90: theme.warn, p99: theme.bad },
            panel: theme.panel,
            fontFamily: theme.sans,
            label: (m) => `${m.p} ${short(m.v)}`,
          });
        },
      ],
    },
  });
  return <Chart options={options} data={data} deps={[]} label={`${title}: histogram`} />;
}

export function AnalyticsLatency({ report }: { report: Report }) {
  return (
    <>
      {LATENCIES.map((l) => {
        const fig = report.latencyMs[l.key];
        const csv = () => [
          ['from ms (exclusive)', 'to ms (inclusive)', 'count'],
          ...(fig.histogram?.counts ?? []).map((n, i) => [i === 0 ? 0 : fig.histogram!.boundsMs[i - 1]!, fig.histogram!.boundsMs[i] ?? '', n]),
        ];
        return (
          <Card key={l.key} title={l.title} testId={`an-latency-${l.key}`} actions={fig.histogram ? <CsvButton name={l.file} rows={csv} /> : null}>
            <p className="an-percentiles" title={l.what}>
              <span>p50 <strong data-testid="p50">{ms(fig.p50)}</strong></span>
              <span>p90 <strong data-testid="p90">{ms(fig.p90)}</strong></span>
              <span>p99 <strong data-testid="p99">{ms(fig.p99)}</strong></span>
              <span className="dim">n = <span data-testid="n">{num(fig.n)}</span></span>
            </p>
            {fig.n === 0 ? (
              <p className="dim an-none">No {l.key === 'callbackDelay' ? 'delivery' : 'message'} has both timestamps.</p>
            ) : fig.histogram ? (
              <div title={l.key === 'callbackDelay' ? NOT_LISTED.delay : NOT_LISTED.gap} data-testid="an-histogram">
                <Histogram fig={fig} title={l.title} />
              </div>
            ) : null}
          </Card>
        );
      })}
    </>
  );
}
