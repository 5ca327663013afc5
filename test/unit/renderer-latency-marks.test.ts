// The percentile markers of the latency histograms: each line stands inside its bar as drawn (bars are narrower
// than their slot), and each label sits whole on its plate, whatever text alignment uPlot's axes left on the canvas.
import { describe, expect, it } from 'vitest';
import { bucketPosition, drawMarks, type Mark, type MarkCanvas, type MarkLayout } from '../../renderer/src/components/latency-marks';

interface Box { x0: number; x1: number; y0: number; y1: number }

/** a canvas that records what was drawn where, starting in the state uPlot's y-axis leaves it: right-aligned, middle */
function recordingCanvas() {
  const charW = 6;
  const lineH = 11;
  let state = { textAlign: 'right' as CanvasTextAlign, textBaseline: 'middle' as CanvasTextBaseline, fillStyle: '' as unknown, strokeStyle: '' as unknown };
  const stack: (typeof state)[] = [];
  const lines: number[] = [];
  const plates: Box[] = [];
  const texts: (Box & { text: string; color: unknown })[] = [];
  let pathX: number | null = null;
  const order: ('line' | 'text')[] = [];
  const ctx = {
    save: () => void stack.push({ ...state }),
    restore: () => void (state = stack.pop()!),
    font: '',
    lineWidth: 1,
    get textAlign() { return state.textAlign; },
    set textAlign(v) { state.textAlign = v; },
    get textBaseline() { return state.textBaseline; },
    set textBaseline(v) { state.textBaseline = v; },
    get fillStyle() { return state.fillStyle as string; },
    set fillStyle(v) { state.fillStyle = v; },
    get strokeStyle() { return state.strokeStyle as string; },
    set strokeStyle(v) { state.strokeStyle = v; },
    setLineDash: () => {},
    beginPath: () => void (pathX = null),
    moveTo: (x: number) => void (pathX = x),
    lineTo: () => {},
    stroke: () => void (lines.push(pathX!), order.push('line')),
    measureText: (t: string) => ({ width: t.length * charW }) as TextMetrics,
    fillRect: (x: number, y: number, w: number, h: number) => void plates.push({ x0: x, x1: x + w, y0: y, y1: y + h }),
    fillText: (text: string, x: number, y: number) => {
      const w = text.length * charW;
      const a = state.textAlign;
      const x0 = a === 'right' || a === 'end' ? x - w : a === 'center' ? x - w / 2 : x;
      const b = state.textBaseline;
      const y0 = b === 'top' || b === 'hanging' ? y : b === 'middle' ? y - lineH / 2 : y - lineH;
      texts.push({ text, color: state.fillStyle, x0, x1: x0 + w, y0, y1: y0 + lineH });
      order.push('text');
    },
  };
  return { ctx: ctx as unknown as MarkCanvas, lines, plates, texts, order };
}

/** three buckets 300 px apart, bars 80 px wide (the 80 px cap of a wide chart) */
function layout(marks: Mark[]): MarkLayout {
  return {
    marks,
    centerX: (i) => 100 + 300 * i,
    barWidth: 80,
    bbox: { left: 0, top: 0, width: 800, height: 150 },
    dpr: 1,
    colors: { p50: 'green', p90: 'orange', p99: 'red' },
    panel: 'white',
    fontFamily: 'sans-serif',
    label: (m) => `${m.p} ${m.v}ms`,
  };
}

const inside = (inner: Box, outer: Box) => inner.x0 >= outer.x0 && inner.x1 <= outer.x1 && inner.y0 >= outer.y0 && inner.y1 <= outer.y1;

describe('latency percentile markers', () => {
  const bounds = [100, 200, 500];

  it('places a percentile inside its bucket on a log scale', () => {
    expect(bucketPosition(bounds, 100)).toEqual({ i: 0, f: 1 });
    expect(bucketPosition(bounds, 200)).toEqual({ i: 1, f: 1 });
    expect(bucketPosition(bounds, 9999)).toEqual({ i: 3, f: 0.5 });
    const { i, f } = bucketPosition(bounds, Math.sqrt(200 * 500));
    expect(i).toBe(2);
    expect(f).toBeCloseTo(0.5);
  });

  it('draws each line within its bar as drawn, not in the empty slot beside it', () => {
    const marks: Mark[] = [
      { p: 'p50', v: 110, ...bucketPosition(bounds, 110) },
      { p: 'p90', v: 190, ...bucketPosition(bounds, 190) },
      { p: 'p99', v: 480, ...bucketPosition(bounds, 480) },
    ];
    const c = recordingCanvas();
    drawMarks(c.ctx, layout(marks));
    expect(c.lines).toHaveLength(3);
    marks.forEach((m, k) => {
      const centre = 100 + 300 * m.i;
      expect(c.lines[k]!, m.p).toBeGreaterThanOrEqual(centre - 40);
      expect(c.lines[k]!, m.p).toBeLessThanOrEqual(centre + 40);
    });
    // ordered as the values are: p50 low in its bar, p90 high in the same bar
    expect(c.lines[0]!).toBeLessThan(c.lines[1]!);
  });

  it('draws every label whole on its plate, beside its line, even after an axis left the text right-aligned', () => {
    // one mark mid-chart (label to the right), one at the right edge (label to the left of its line)
    const marks: Mark[] = [
      { p: 'p50', v: 150, i: 1, f: 0.5 },
      { p: 'p99', v: 9999, i: 2, f: 1 },
    ];
    const c = recordingCanvas();
    drawMarks(c.ctx, { ...layout(marks), bbox: { left: 0, top: 0, width: 760, height: 150 } });
    expect(c.texts).toHaveLength(2);
    c.texts.forEach((t, k) => {
      expect(inside(t, c.plates[k]!), `${t.text} on its plate`).toBe(true);
      // neither the text nor its plate covers the line it names
      expect(c.lines[k]! <= c.plates[k]!.x0 || c.lines[k]! >= c.plates[k]!.x1, `${t.text} beside its line`).toBe(true);
      expect(t.x1 <= 760 && t.x0 >= 0, `${t.text} inside the plot`).toBe(true);
    });
    // no line is drawn through a label drawn before it
    expect(c.order).toEqual(['line', 'line', 'text', 'text']);
    // the canvas is handed back as it was found
    expect(c.ctx.textAlign).toBe('right');
  });
});
