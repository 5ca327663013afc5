// Refreshes docs/screenshot.png from the REAL `serve`: `npx tsx test/e2e/readme-shot.ts`. The sample lifecycles
// and single events go in through the receiver (timestamps moved to the last half hour so ages read naturally),
// and the messages list with an open timeline is captured. Not a test.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureRendererBuild, launchBrowser, postCallback, ROOT } from '../support/browser';
import { loadSamples, startServe } from '../support/serve';

type Body = Record<string, unknown>;

/** the same callback, its timestamps moved by `shiftMs` */
function shifted(body: Body, shiftMs: number): Body {
  const out: Body = { ...body };
  if (typeof body.timestamp === 'string') out.timestamp = new Date(Date.parse(body.timestamp) + shiftMs).toISOString();
  return out;
}

async function main() {
  ensureRendererBuild();
  const samples = loadSamples();
  const [serve, browser] = await Promise.all([startServe(), launchBrowser()]);
  try {
    const now = Date.now();
    // each lifecycle as shipped, then two more runs of it for other recipients (fresh reference and event ids,
    // consistently mapped so retries stay retries), each run ending a little earlier than the one before
    const names = Object.keys(samples.lifecycles);
    let slot = 0;
    for (let copy = 0; copy < 3; copy++) {
      for (const name of names) {
        const lc = samples.lifecycles[name];
        const lastTs = Math.max(...lc.map((d) => Date.parse(String(d.body.timestamp))));
        const shift = now - 5_000 - slot++ * 97_000 - lastTs;
        const ids = new Map<string, string>();
        const remap = (v: unknown) => {
          if (copy === 0 || typeof v !== 'string') return v;
          if (!ids.has(v)) ids.set(v, randomUUID());
          return ids.get(v);
        };
        for (const d of lc) {
          const body = shifted(d.body, shift);
          body.reference = remap(body.reference);
          body.event_id = remap(body.event_id);
          if (copy > 0 && typeof body.user_id === 'string') body.user_id = body.user_id.slice(0, -2) + String((Number(body.user_id.slice(-2)) + 20 * copy) % 100).padStart(2, '0');
          await postCallback(serve.receiverUrl, body);
        }
      }
    }

    const page = await browser.newPage({ viewport: { width: 1440, height: 820 }, colorScheme: 'light' });
    page.on('pageerror', (e) => console.error('pageerror', e.message));
    await page.goto(serve.uiUrl);
    await page.locator('.mrow[data-reference]').first().waitFor();

    const happy = samples.lifecycles.happy_path_with_click[0].body.reference as string;
    await page.locator(`.mrow[data-reference="${happy}"]`).click();
    await page.getByTestId('timeline').waitFor();
    await page.waitForTimeout(300);
    const file = path.join(ROOT, 'docs', 'screenshot.png');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await page.screenshot({ path: file });
    console.log(`wrote ${file}`);
  } finally {
    await browser.close();
    await serve.stop();
  }
}

void main().then(() => process.exit(0), (e) => (console.error(e), process.exit(1)));
