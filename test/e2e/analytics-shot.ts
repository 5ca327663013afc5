// Refreshes docs/analytics.png from the REAL `serve`: `npx tsx test/e2e/analytics-shot.ts [--review]`. A store of
// 1,500 generated messages (the benchmarks' mix: retries, fallbacks, blocks, replies) received over the last six
// hours is written first, then `serve` opens it and the Analytics tab is captured. `--review` also writes tall
// light and dark captures of the whole view to test-results/ for looking it over. Not a test.
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../../electron/core/store';
import { ensureRendererBuild, launchBrowser, ROOT } from '../support/browser';
import { startServe, tempDir } from '../support/serve';
import { fillStore, generateDeliveries } from '../support/store-fixtures';

async function main() {
  ensureRendererBuild();
  const dataDir = tempDir('rci-shot-');
  const now = Date.now();
  const store = openStore({ file: path.join(dataDir, 'inspector.sqlite') });
  fillStore(store, generateDeliveries({ messages: 1500, seed: 3, startAt: now - 6 * 3_600_000, spacingMs: 14_000 }), 500, now);
  store.close();

  const [serve, browser] = await Promise.all([startServe([], { dataDir }), launchBrowser()]);
  try {
    const shots: { file: string; width: number; height: number; scheme: 'light' | 'dark' }[] = [{ file: path.join(ROOT, 'docs', 'analytics.png'), width: 1440, height: 1240, scheme: 'light' }];
    if (process.argv.includes('--review')) {
      for (const scheme of ['light', 'dark'] as const) for (const width of [1440, 1024]) shots.push({ file: path.join(ROOT, 'test-results', `analytics-review-${width}-${scheme}.png`), width, height: 2600, scheme });
    }
    for (const shot of shots) {
      const page = await browser.newPage({ viewport: { width: shot.width, height: shot.height }, colorScheme: shot.scheme });
      page.on('pageerror', (e) => console.error('pageerror', e.message));
      page.on('console', (m) => m.type() === 'error' && console.error('console', m.text()));
      if (shot.file.includes('review')) {
        // serve runs without a tunnel: a made-up outage shows how downtime is shaded behind the bars
        await page.route('**/api/call/getStatus', async (route) => {
          const res = await route.fetch();
          const status = await res.json();
          status.tunnel.downtime = [{ from: now - 4 * 3_600_000, to: now - 4 * 3_600_000 + 25 * 60_000, reason: 'probe through the public URL failed' }];
          await route.fulfill({ response: res, json: status });
        });
      }
      await page.goto(serve.uiUrl);
      await page.getByRole('tab', { name: 'Analytics' }).click();
      await page.getByTestId('an-overtime-chart').locator('canvas').waitFor();
      await page.waitForTimeout(300);
      fs.mkdirSync(path.dirname(shot.file), { recursive: true });
      await page.screenshot({ path: shot.file });
      console.log(`wrote ${shot.file}`);
      await page.close();
    }
  } finally {
    await browser.close();
    await serve.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

void main().then(() => process.exit(0), (e) => (console.error(e), process.exit(1)));
