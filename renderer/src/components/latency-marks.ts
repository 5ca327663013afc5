// The p50/p90/p99 markers of a latency histogram, drawn on uPlot's canvas after the bars. Kept apart from the
// chart so where a marker and its label land can be checked without a browser.

type Percentile = 'p50' | 'p90' | 'p99';

export interface Mark {
  p: Percentile;
  /** the percentile's value, ms */
  v: number;
  /** its bucket (index into the counts) */
  i: number;
  /** how far into that bucket on a log scale: 0 at its lower bound, 1 at its upper */
  f: number;
}

/** which bucket a value falls in, and where inside it on a log scale */
export function bucketPosition(bounds: number[], v: number): { i: number; f: number } {
  const i = bounds.findIndex((b) => v <= b);
  if (i < 0) return { i: bounds.length, f: 0.5 };
  const lo = i === 0 ? Math.max(1, bounds[0]! / 10) : bounds[i - 1]!;
  const hi = bounds[i]!;
  const f = v <= lo ? 0 : Math.log(v / lo) / Math.log(hi / lo);
  return { i, f: Math.min(1, Math.max(0, f)) };
}

/** the subset of CanvasRenderingContext2D the markers use */
export type MarkCanvas = Pick<
  CanvasRenderingContext2D,
  'save' | 'restore' | 'font' | 'textAlign' | 'textBaseline' | 'strokeStyle' | 'fillStyle' | 'lineWidth' | 'setLineDash' | 'beginPath' | 'moveTo' | 'lineTo' | 'stroke' | 'measureText' | 'fillRect' | 'fillText'
>;

export interface MarkLayout {
  marks: Mark[];
  /** canvas x of a bucket's centre (uPlot's valToPos(i, 'x', true)) */
  centerX: (i: number) => number;
  /** the bars' width as uPlot draws them: a share of the slot, capped (canvas px) */
  barWidth: number;
  /** the plotting area, canvas px */
  bbox: { left: number; top: number; width: number; height: number };
  dpr: number;
  colors: Record<Percentile, string>;
  /** the card's colour: the plate under a label */
  panel: string;
  fontFamily: string;
  label: (m: Mark) => string;
}

export function drawMarks(ctx: MarkCanvas, l: MarkLayout): void {
  const { top, height: h } = l.bbox;
  const dpr = l.dpr;
  ctx.save();
  ctx.font = `${11 * dpr}px ${l.fontFamily}`;
  // set both: the canvas keeps whatever uPlot's last axis used (the y-axis leaves 'right'), and the plate below is
  // measured for text that starts at tx and hangs from ty
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  // within the bar as drawn: a bar is at most 80 px of a slot that can be several times wider
  const xs = l.marks.map((m) => l.centerX(m.i) + (m.f - 0.5) * l.barWidth);
  // every line first, then every label: a label's plate hides the lines of the other percentiles under it instead of
  // a later line being drawn through its text
  l.marks.forEach((m, k) => {
    ctx.strokeStyle = l.colors[m.p];
    ctx.lineWidth = 1.5 * dpr;
    ctx.setLineDash([4 * dpr, 3 * dpr]);
    ctx.beginPath();
    ctx.moveTo(xs[k]!, top);
    ctx.lineTo(xs[k]!, top + h);
    ctx.stroke();
  });
  l.marks.forEach((m, k) => {
    const x = xs[k]!;
    const label = l.label(m);
    const w = ctx.measureText(label).width;
    // labels stack downwards so close percentiles stay readable; near the right edge they go left of the line
    const tx = x + 4 * dpr + w > l.bbox.left + l.bbox.width ? x - 4 * dpr - w : x + 4 * dpr;
    const ty = top + (2 + 14 * k) * dpr;
    // on a plate of the card's colour, so a label over a bar stays readable
    ctx.fillStyle = l.panel;
    ctx.fillRect(tx - 2 * dpr, ty - 1 * dpr, w + 4 * dpr, 13 * dpr);
    ctx.fillStyle = l.colors[m.p];
    ctx.fillText(label, tx, ty);
  });
  ctx.restore();
}
