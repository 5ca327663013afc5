// One uPlot chart in a React tree: built from options and data, rebuilt when the OS switches between light and dark
// (canvas colours are read from the CSS variables, which the media query changes) or its deps change, given new data
// in place, resized with its pane.
// uPlot sets element.style from script, which the app's CSP allows; it loads nothing over the network.
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** the palette of the current scheme, resolved from styles.css's variables (a canvas cannot use var()) */
export interface ChartTheme {
  text: string;
  dim: string;
  line: string;
  grid: string;
  panel: string;
  good: string;
  info: string;
  warn: string;
  bad: string;
  badBg: string;
  accent: string;
  anom: string;
  muted: string;
  reply: string;
  dupBlocked: string;
  sans: string;
}

function readTheme(): ChartTheme {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string) => css.getPropertyValue(name).trim();
  return {
    text: v('--text'),
    dim: v('--dim'),
    line: v('--line'),
    grid: v('--line-soft'),
    panel: v('--panel'),
    good: v('--good'),
    info: v('--info'),
    warn: v('--warn'),
    bad: v('--bad'),
    badBg: v('--bad-bg'),
    accent: v('--accent'),
    anom: v('--anom'),
    muted: v('--muted'),
    reply: v('--an-reply'),
    dupBlocked: v('--an-dup-blocked'),
    sans: v('--sans') || 'sans-serif',
  };
}

/** the theme, read again whenever the OS colour scheme changes */
function useChartTheme(): ChartTheme {
  const [theme, setTheme] = useState(readTheme);
  useEffect(() => {
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    const onChange = () => setTheme(readTheme());
    mq.addEventListener('change', onChange);
    return () => mq.removeEventListener('change', onChange);
  }, []);
  return theme;
}

/** axis styling both charts share */
export function axis(t: ChartTheme, extra: uPlot.Axis = {}): uPlot.Axis {
  return {
    stroke: t.dim,
    grid: { stroke: t.grid, width: 1 },
    ticks: { stroke: t.line, width: 1 },
    font: `11px ${t.sans}`,
    labelFont: `11px ${t.sans}`,
    ...extra,
  };
}

interface Props {
  /** the chart's options for a theme and width (height is fixed by the caller) */
  options: (theme: ChartTheme, width: number) => uPlot.Options;
  data: uPlot.AlignedData;
  /**
   * a change of any of these rebuilds the chart (options are a new closure on every render). New data alone does
   * not: it is handed to the chart as it is (setData), so a live refresh keeps the hover, the cursor and whatever
   * the options' hooks hold. Hooks and scale ranges that read figures must therefore read them through a ref.
   */
  deps: readonly unknown[];
  label: string;
  testId?: string;
}

export function Chart({ options, data, deps, label, testId }: Props) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const theme = useChartTheme();
  const make = useRef(options);
  make.current = options;
  const latest = useRef(data);
  latest.current = data;
  /** the data the chart now draws */
  const shown = useRef<uPlot.AlignedData | null>(null);

  useEffect(() => {
    const host = el.current;
    if (!host) return;
    const u = new uPlot(make.current(theme, Math.max(200, host.clientWidth)), latest.current, host);
    plot.current = u;
    shown.current = latest.current;
    // the pane's width changes with the window and the detail pane; the height is the chart's own
    let frame = 0;
    const ro = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        const w = Math.max(200, host.clientWidth);
        if (w !== u.width) u.setSize({ width: w, height: u.height });
      });
    });
    ro.observe(host);
    return () => {
      cancelAnimationFrame(frame);
      ro.disconnect();
      u.destroy();
      plot.current = null;
      shown.current = null;
    };
  }, [theme, ...deps]);

  useEffect(() => {
    const u = plot.current;
    if (!u || shown.current === data) return;
    shown.current = data;
    u.setData(data);
  }, [data]);

  return <div className="an-chart" ref={el} role="img" aria-label={label} data-testid={testId} />;
}
