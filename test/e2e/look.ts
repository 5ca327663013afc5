// Manual look at the UI over the fake core: `npx tsx test/e2e/look.ts [burst]` writes screenshots to test-results/
// and, with `burst`, prints long-task figures for a live burst of 2,000 deliveries/s. Not a test: figures only.
import { ensureRendererBuild, launchBrowser, screenshot } from '../support/browser';
import { loadSamples } from '../support/serve';
import { FakeCore, serveRendererDist } from './fake-core';

async function main() {
  ensureRendererBuild();
  const { url, close } = await serveRendererDist();
  const core = new FakeCore();
  const samples = loadSamples();
  const all = Object.values(samples.lifecycles).flat();
  const latest = Math.max(...all.map((d) => Date.parse(d.received_at)));
  const shift = Date.now() - 60_000 - latest;
  for (const d of [...all].sort((a, b) => Date.parse(a.received_at) - Date.parse(b.received_at))) core.post(d.body, Date.parse(d.received_at) + shift);
  for (const [name, e] of Object.entries(samples.events)) if (!['delivered', 'read'].includes(name)) core.post(e, Date.now() - 30_000);

  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
  page.on('pageerror', (e) => console.error('pageerror', e.message));
  await core.attach(page);
  await page.goto(url);
  await page.locator('.mrow[data-reference]').first().waitFor();
  await screenshot(page, 'look-messages');
  const retries = samples.lifecycles.gateway_retries[0].body.reference as string;
  await page.locator(`.mrow[data-reference="${retries}"]`).click();
  await page.getByTestId('timeline').waitFor();
  await screenshot(page, 'look-timeline');
  await page.locator('tr.attempt').nth(2).click();
  await page.getByTestId('delivery-detail').waitFor();
  await screenshot(page, 'look-delivery');
  const happy = samples.lifecycles.happy_path_with_click[0].body.reference as string;
  await page.locator(`.mrow[data-reference="${happy}"]`).click();
  await page.locator('tr.attempt').first().click();
  await page.getByTestId('preview').waitFor();
  await screenshot(page, 'look-preview');
  await page.getByRole('tab', { name: 'JSON' }).click();
  await screenshot(page, 'look-json');
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, 'look-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  if (process.argv.includes('burst')) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.evaluate(`(() => { window.__long = []; new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__long.push(e.duration))).observe({ type: 'longtask' }); })()`);
    const cdp = process.argv.includes('profile') ? await page.context().newCDPSession(page) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    const base = samples.events.outbound_text;
    const t0 = Date.now();
    // 2,000 deliveries/s for 5 s, in 10 frames per second like the core's live-events module
    for (let tick = 0; tick < 50; tick++) {
      const rows = [];
      for (let i = 0; i < 200; i++) rows.push(core.post({ ...base, reference: `burst-${tick}-${i}`, timestamp: new Date().toISOString() }));
      await core.emit(page, rows);
      const wait = t0 + (tick + 1) * 100 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    if (cdp) {
      const { profile } = (await cdp.send('Profiler.stop')) as { profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[]; samples: number[]; timeDeltas: number[] } };
      const self = new Map<number, number>();
      profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
      const byName = new Map<string, number>();
      for (const n of profile.nodes) {
        const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
        byName.set(k, (byName.get(k) ?? 0) + (self.get(n.id) ?? 0) / 1000);
      }
      console.log([...byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${v.toFixed(0)}ms ${k}`).join('\n'));
    }
    const inputT = Date.now();
    await page.keyboard.press('/');
    await page.keyboard.type('flag:duplicate');
    const typed = Date.now() - inputT;
    await new Promise((r) => setTimeout(r, 500));
    const long = (await page.evaluate('window.__long')) as number[];
    console.log(JSON.stringify({ deliveries: 10_000, seconds: (Date.now() - t0) / 1000, longTasks: long.length, maxLongTaskMs: Math.max(0, ...long), typingMs: typed }));
    await screenshot(page, 'look-burst');
  }
  await browser.close();
  await close();
}

void main().then(() => process.exit(0), (e) => (console.error(e), process.exit(1)));
