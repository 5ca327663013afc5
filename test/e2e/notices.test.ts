// What `serve` cannot be made to do on demand without a tunnel server — a changed public URL, tunnel warnings,
// outage windows, a store big enough to cap its counts — shown in a real Chromium over the in-page fake core.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshot, type PageWatch } from '../support/browser';
import { loadSamples } from '../support/serve';
import { FakeCore } from './fake-core';
import { messageRow } from './lists';
import { useFakeCoreSession } from './session';

const CAP = 200;
const ROWS = 450;
let page: Page;
let watch: PageWatch;

/** a core of its own for each test: 450 messages, counts capped at 200, two tunnel outages */
function cappedCore(): FakeCore {
  const t0 = Date.now() - 3_600_000;
  const core = new FakeCore();
  core.countCap = CAP;
  core.tunnel = {
    downtime: [
      { from: t0, to: t0 + 95_000, reason: 'probe through the public URL failed 3 times' },
      { from: Date.now() - 20_000, to: null, reason: 'tunnel server unreachable' },
    ],
  };
  const base = loadSamples().events.outbound_text;
  for (let i = 0; i < ROWS; i++) core.post({ ...base, reference: `cap-${String(i).padStart(4, '0')}`, event_id: `ev-${i}` }, t0 + i * 1000);
  return core;
}

describe('notices and capped lists in the browser', () => {
  const s = useFakeCoreSession({ viewport: { width: 1280, height: 800 }, clipboard: true, sharedContext: true });
  /** a capped core and a page open on it */
  async function openCore(): Promise<FakeCore> {
    const core = cappedCore();
    ({ page, watch } = await s.openCore(core));
    return core;
  }

  it('shows a loud banner when the public URL changes, copies the new callback URL, and goes on dismiss', async () => {
    const core = await openCore();
    await core.emitBatch(page, [{ event: 'urlChanged', data: { oldUrl: 'https://brave-otter-42.loca.lt', newUrl: 'https://calm-heron-7.loca.lt', reason: 'the tunnel reconnected' } }]);
    const banner = page.getByTestId('url-changed');
    await banner.waitFor();
    expect(await banner.getAttribute('role')).toBe('alert');
    expect(await banner.textContent()).toContain("The public URL changed — update the gateway's callback URL.");
    expect(await banner.getByTestId('old-url').textContent()).toBe('https://brave-otter-42.loca.lt/callbacks');
    expect(await banner.getByTestId('new-url').textContent()).toBe('https://calm-heron-7.loca.lt/callbacks');
    await banner.getByRole('button', { name: 'Copy new URL' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('https://calm-heron-7.loca.lt/callbacks');
    await screenshot(page, 'url-changed-banner');
    await banner.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => banner.count()).toBe(0);
  });

  it('shows tunnel warnings as toasts, counts repeats, and dismisses them', async () => {
    const core = await openCore();
    const warning = { code: 'subdomain-taken', message: 'The subdomain "my-inspector" is taken; the server gave calm-heron-7 instead.', at: Date.now() };
    await core.emitBatch(page, [{ event: 'warning', data: warning }]);
    await core.emitBatch(page, [{ event: 'warning', data: { ...warning, at: Date.now() } }]);
    const toast = page.getByTestId('toast');
    await expect.poll(() => toast.count()).toBe(1);
    expect(await toast.textContent()).toContain(warning.message);
    expect(await toast.textContent()).toContain(`${warning.message} ×2`);
    await screenshot(page, 'warning-toast');
    await toast.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => toast.count()).toBe(0);
  });

  it('says in the status bar when lists are behind what is stored, and stops saying it once indexing caught up', async () => {
    const core = await openCore();
    const indexing = page.getByTestId('indexing');
    expect(await indexing.count()).toBe(0);
    core.indexing = { pending: 47_210, lagMs: 12_400 };
    // the numbers come with the next frame of indexed rows
    await core.emit(page, []);
    await expect.poll(() => indexing.textContent()).toBe('47,210 waiting to be indexed · 12 s');
    await screenshot(page, 'indexing-behind');
    core.indexing = { pending: 0, lagMs: 0 };
    await core.emit(page, []);
    await expect.poll(() => indexing.count()).toBe(0);
  });

  it('lists the tunnel outages from the status bar', async () => {
    await openCore();
    const btn = page.getByTestId('downtime-button');
    expect(await btn.textContent()).toContain('2 outages');
    await btn.click();
    const items = page.getByTestId('downtime-list').getByRole('listitem');
    expect(await items.count()).toBe(2);
    // a time of today reads 23:08:50.123, one of an earlier day Dec 4 23:08:50 (the older outage is an hour old: the
    // day before during the first hour after midnight)
    const at = String.raw`(?:\d\d:\d\d:\d\d\.\d{3}|[A-Z][a-z]{2} \d{1,2} \d\d:\d\d:\d\d)`;
    expect(await items.nth(0).textContent()).toMatch(new RegExp(`^Callbacks cannot arrive since ${at} \\(2\\d s so far\\) — tunnel server unreachable$`));
    expect(await items.nth(1).textContent()).toMatch(
      new RegExp(`^Callbacks could not arrive between ${at} and ${at} \\(1 min 35 s\\) — probe through the public URL failed 3 times$`),
    );
    await screenshot(page, 'downtime');
    await btn.click();
    await expect.poll(() => page.getByTestId('downtime-list').count()).toBe(0);
  });

  it('says "200+" for a capped total and lets the list grow to the real end while scrolling', async () => {
    await openCore();
    const count = page.getByTestId('messages-count');
    // without a filter the core counts exactly; with one it stops at its cap
    expect(await count.textContent()).toBe(String(ROWS));
    const chipCounts = () => page.getByTestId('chip-count').allTextContents();
    expect((await chipCounts()).filter((t) => t.endsWith('+'))).toEqual([]);
    await page.getByLabel('Filter (query)').fill('campaign:black_friday_2025_rcs');
    await page.getByLabel('Filter (query)').press('Enter');
    await expect.poll(() => count.textContent()).toBe(`${CAP}+`);
    // the chips' counts stopped early too, and say they are lower bounds
    await expect.poll(async () => (await chipCounts()).some((t) => /^[\d,]+\+$/.test(t))).toBe(true);
    // so does the other tab, whose number comes from the same counts
    await expect.poll(() => page.getByTestId('deliveries-count').textContent()).toBe(`${CAP}+`);
    await screenshot(page, 'capped-count');
    const scroller = page.getByTestId('messages-scroll');
    const last = messageRow(page, 'cap-0000');
    for (let i = 0; i < 20 && (await last.count()) === 0; i++) {
      await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await page.waitForTimeout(150);
    }
    await last.waitFor();
    await expect.poll(() => count.textContent()).toBe(String(ROWS));
    expect(await messageRow(page, 'cap-0001').count()).toBe(1);
    expect(watch.pageErrors).toEqual([]);
  });
});
