// Live UI benchmark: the inspector (built renderer, served by `serve`) open in headless Chromium while the load
// generator sends ~2,000 deliveries/s. Reported: long tasks (PerformanceObserver 'longtask'), the longest gap
// between animation frames, and input delay for keys typed into the search box during the burst (Event Timing).
import { ensureRendererBuild, launchBrowser } from '../support/browser';
import { apiOf } from '../reliability/support/api';
import { startServe } from '../support/serve';
import { peakRssOf, runLoadChild } from './children';
import type { LoadResult } from './load-run';

export interface LiveUiResult {
  targetRate: number;
  /** what was on screen during the burst: the lists, or the Analytics view refreshing live */
  view: 'lists' | 'analytics';
  load: LoadResult;
  longTasks: number;
  longestTaskMs: number;
  /** when each long task started, ms after the burst began (the first rows arriving swap the first-run screen for the lists) */
  longTaskStartsMs: number[];
  totalLongTaskMs: number;
  longestFrameGapMs: number;
  /** keydown → handler start, from Event Timing entries */
  inputDelayMs: { max: number; median: number; samples: number };
  /** keydown → next paint, worst of the typed keys */
  maxInteractionMs: number;
  /** message rows rendered (virtualised list) when typing started: the list was live */
  rowsShownMidBurst: number;
  /** deliveries stored but not yet in lists when the burst ended, and how old the oldest was */
  indexingAtEnd: { pending: number; lagMs: number | null };
  /** from the end of the burst until lists held every stored delivery (null: not within 60 s) */
  caughtUpAfterMs: number | null;
  servePeakRssBytes: number | null;
}

export async function runLiveUiBench(opts: {
  rate: number;
  durationSec: number;
  view?: LiveUiResult['view'];
  log: (s: string) => void;
}): Promise<LiveUiResult> {
  const view = opts.view ?? 'lists';
  ensureRendererBuild();
  const serve = await startServe();
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // plain strings, not functions: tsx's transform adds helpers (__name) that do not exist in the page
    await page.addInitScript(`(() => {
      const long = [];
      const events = [];
      let lastFrame = 0;
      let maxGap = 0;
      window.__bench = { long, events, maxGap: () => maxGap, t0: 0 };
      new PerformanceObserver((l) => l.getEntries().forEach((e) => long.push({ d: e.duration, t: e.startTime }))).observe({ type: 'longtask', buffered: true });
      new PerformanceObserver((l) => l.getEntries().forEach((e) => events.push({ name: e.name, delay: e.processingStart - e.startTime, duration: e.duration })))
        .observe({ type: 'event', durationThreshold: 16, buffered: true });
      const frame = (t) => {
        if (lastFrame && t - lastFrame > maxGap) maxGap = t - lastFrame;
        lastFrame = t;
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    })()`);
    await page.goto(serve.uiUrl);
    await page.waitForLoadState('networkidle');
    if (view === 'analytics') await page.getByRole('tab', { name: /^Analytics/ }).click();
    // reset after start-up so only the burst is measured
    await page.evaluate('window.__bench.long.length = 0; window.__bench.events.length = 0; window.__bench.t0 = performance.now();');
    opts.log(`live UI: ${opts.rate}/s for ${opts.durationSec} s into serve with the inspector open on ${view === 'lists' ? 'the lists' : 'Analytics'}`);
    const loadDone = runLoadChild({
      url: serve.receiverUrl,
      connections: 20,
      durationSec: opts.durationSec,
      warmupSec: 0,
      overallRate: opts.rate,
      seed: 3,
    });
    // type into the search box in the middle of the burst, one key at a time like a person
    await new Promise((r) => setTimeout(r, (opts.durationSec * 1000) / 2));
    const rowsShown = (await page.evaluate(`document.querySelectorAll('.mrow').length`)) as number;
    const search = page.getByPlaceholder(/Filter:/);
    await search.click();
    const keyTimes: number[] = [];
    for (const ch of 'flag:duplicate') {
      const t0 = Date.now();
      await page.keyboard.type(ch);
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => r(null)))');
      keyTimes.push(Date.now() - t0);
      await new Promise((r) => setTimeout(r, 80));
    }
    await page.keyboard.press('Escape');
    const load = await loadDone;
    const api = apiOf(serve);
    const indexingAtEnd = (await api('getStatus', {})).indexing;
    const ended = Date.now();
    let caughtUpAfterMs: number | null = null;
    while (Date.now() - ended < 60_000) {
      if ((await api('getStatus', {})).indexing.pending === 0) {
        caughtUpAfterMs = Date.now() - ended;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500));
    const m = (await page.evaluate(
      `({ long: window.__bench.long.map((e) => e.d), starts: window.__bench.long.map((e) => e.t - window.__bench.t0), events: window.__bench.events, maxGap: window.__bench.maxGap() })`,
    )) as { long: number[]; starts: number[]; events: { name: string; delay: number }[]; maxGap: number };
    const delays = m.events.filter((e) => e.name.startsWith('key')).map((e) => e.delay).sort((a, b) => a - b);
    return {
      targetRate: opts.rate,
      view,
      load,
      longTasks: m.long.length,
      longestTaskMs: Math.round(Math.max(0, ...m.long)),
      longTaskStartsMs: m.starts.map((t) => Math.round(t)),
      totalLongTaskMs: Math.round(m.long.reduce((a, b) => a + b, 0)),
      longestFrameGapMs: Math.round(m.maxGap),
      inputDelayMs: {
        max: Math.round(Math.max(0, ...delays)),
        median: Math.round(delays[Math.floor(delays.length / 2)] ?? 0),
        samples: delays.length,
      },
      maxInteractionMs: Math.max(0, ...keyTimes),
      rowsShownMidBurst: rowsShown,
      indexingAtEnd,
      caughtUpAfterMs,
      servePeakRssBytes: peakRssOf(serve.proc.pid),
    };
  } finally {
    await browser.close();
    await serve.stop();
  }
}
