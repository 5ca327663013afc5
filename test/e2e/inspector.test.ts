// The inspector UI in a real Chromium against a real `serve` child process: the sample lifecycles go in through
// the receiver, and what a user sees and does in the page is checked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadSamples, startServe, type ServeHandle } from '../support/serve';
import { ensureRendererBuild, launchBrowser, postCallback, screenshot, watchPage, type PageWatch } from '../support/browser';

const samples = loadSamples();
const lc = samples.lifecycles;
const refOf = (name: string, i = 0) => lc[name][i].body.reference as string;
const HAPPY = refOf('happy_path_with_click');
const FALLBACK = refOf('rcs_unsupported_sms_fallback');
const RETRIES = refOf('gateway_retries');
const PREPAID = [refOf('prepaid_blocked', 0), refOf('prepaid_blocked', 1)];

let serve: ServeHandle;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let watch: PageWatch;

const row = (ref: string) => page.locator(`.mrow[data-reference="${ref}"]`);
const search = () => page.getByLabel('Filter (query)');

async function setQuery(q: string) {
  await search().fill(q);
  await search().press('Enter');
}

describe('inspector UI against serve', () => {
  beforeAll(async () => {
    ensureRendererBuild();
    serve = await startServe();
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1440, height: 880 }, colorScheme: 'light' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(serve.uiUrl).origin });
    page = await context.newPage();
    watch = watchPage(page);
    await page.goto(serve.uiUrl);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  it('keeps the token out of the address bar and shows the first-run screen with the receiver URL', async () => {
    await page.getByTestId('first-run').waitFor();
    expect(page.url()).not.toContain('token=');
    await expect.poll(() => page.getByTestId('local-url').textContent()).toBe(`${serve.receiverUrl}/callbacks`);
    await expect.poll(() => page.getByTestId('statusbar').textContent()).toContain('live');
    await screenshot(page, 'first-run');
  });

  it('sends a test callback from the first-run screen and shows it live', async () => {
    await page.getByRole('button', { name: 'Send a test callback' }).click();
    await page.locator('.mrow[data-reference]').first().waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('first-run').count()).toBe(0);
  });

  it('groups the sample lifecycles by reference with the right state and badges', async () => {
    for (const name of Object.keys(lc)) {
      for (const d of lc[name]) expect(await postCallback(serve.receiverUrl, d.body)).toBe(200);
    }
    for (const ref of [HAPPY, FALLBACK, RETRIES, ...PREPAID]) await row(ref).waitFor({ timeout: 10_000 });
    await expect.poll(() => row(HAPPY).locator('[data-state]').getAttribute('data-state')).toBe('replied');
    await expect.poll(() => row(FALLBACK).locator('[data-state]').getAttribute('data-state')).toBe('fell-back');
    expect(await row(FALLBACK).locator('[data-flag="exception"]').textContent()).toContain('exception');
    expect(await row(FALLBACK).locator('[data-flag="fallback"]').textContent()).toContain('SMS fallback');
    for (const ref of PREPAID) {
      expect(await row(ref).locator('[data-state]').getAttribute('data-state')).toBe('blocked');
      expect(await row(ref).locator('[data-flag="prepaid-blocked"]').count()).toBe(1);
    }
    expect(await row(RETRIES).locator('[data-flag="duplicate"]').textContent()).toMatch(/duplicate/);
    expect(await row(HAPPY).locator('[data-flag]').count()).toBe(0);
    // the user column shows the phone number, the campaign the campaign name
    expect(await row(HAPPY).locator('.c-user').textContent()).toBe(lc.happy_path_with_click[0].body.user_id);
    expect(await row(HAPPY).locator('.c-campaign').textContent()).toBe(lc.happy_path_with_click[0].body.campaign_name);
    // chips count from the core (during live updates at most every 2 s, spaced by what a count costs)
    await expect.poll(() => page.locator('[data-chip="flag:prepaid-blocked"] .chip-count').textContent(), { timeout: 5000 }).toBe('2');
    await screenshot(page, 'messages');
  });

  it('opens a timeline with attempts, retry gaps and what we answered', async () => {
    await row(RETRIES).click();
    const tl = page.getByTestId('timeline');
    await tl.waitFor();
    expect(await tl.locator('.ref').textContent({ timeout: 1000 })).toBe(RETRIES);
    const attempts = tl.locator('.event[data-kind="delivered"] tr.attempt');
    await expect.poll(() => attempts.count()).toBe(3);
    expect(await attempts.nth(0).locator('.att-n').textContent()).toBe('attempt 1');
    expect(await attempts.nth(2).locator('.att-n').textContent()).toBe('attempt 3');
    expect(await attempts.nth(1).textContent()).toMatch(/answered 200 in \d+ ms/);
    const gaps = tl.locator('.event[data-kind="delivered"] [data-testid="retry-gap"]');
    expect(await gaps.count()).toBe(2);
    expect(await gaps.nth(0).textContent()).toMatch(/after the previous attempt.*documented 10 s retry gap/);
    expect(await gaps.nth(1).textContent()).toMatch(/documented 30 s retry gap/);
    // the event_id groups: sent echo, delivered and read share one event_id
    expect(await tl.locator('.event-group').count()).toBe(1);
    await screenshot(page, 'timeline-retries');

    await row(FALLBACK).click();
    await expect.poll(() => tl.locator('.ref').textContent({ timeout: 1000 })).toBe(FALLBACK);
    expect(await page.getByTestId('fallback-path').textContent()).toBe('RCS → SMS');
    expect(await tl.textContent()).toContain('The phone has no RCS; an SMS fallback is expected');
    await screenshot(page, 'timeline-fallback');
  });

  it('opens a delivery: preview, JSON, raw request and copy as cURL', async () => {
    await row(HAPPY).click();
    const tl = page.getByTestId('timeline');
    await expect.poll(() => tl.locator('.ref').textContent({ timeout: 1000 })).toBe(HAPPY);
    await tl.locator('.event[data-kind="sent"] tr.attempt').first().click();
    const dd = page.getByTestId('delivery-detail');
    await dd.waitFor();
    const preview = dd.getByTestId('preview');
    expect(await preview.locator('.card-title').textContent()).toBe('Black Friday: 25% OFF para você, Maria');
    // an https suggestion is a link that leaves the app; the remote image is not fetched until asked
    const link = preview.locator('a.sugg-url');
    expect(await link.getAttribute('href')).toBe('https://lojaexemplo.com.br/bf?c=BF25');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await preview.locator('img').count()).toBe(0);
    await screenshot(page, 'delivery-preview');

    await dd.getByRole('tab', { name: 'JSON' }).click();
    await dd.locator('[data-path="$.message.message.title"]').waitFor();
    await dd.getByRole('tab', { name: 'Raw request' }).click();
    expect(await dd.locator('.headers').textContent()).toContain('rcs-gateway-e2e');
    expect(await dd.locator('.raw-body').textContent()).toContain('"event_id"');

    await dd.getByRole('button', { name: 'Copy as cURL' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toMatch(/^curl /);
    // Esc goes back from the delivery to its timeline, then closes the pane
    await page.locator('body').press('Escape');
    await tl.waitFor();
    await page.locator('body').press('Escape');
    await expect.poll(() => page.locator('.detail-pane').count()).toBe(0);
  });

  it('filters by query and by chip in the core', async () => {
    await setQuery('state:fell-back');
    await expect.poll(() => page.locator('.mrow[data-reference]').count()).toBe(1);
    expect(await row(FALLBACK).count()).toBe(1);

    await setQuery('');
    await expect.poll(() => page.locator('.mrow[data-reference]').count()).toBeGreaterThan(4);
    await page.locator('[data-chip="flag:prepaid-blocked"]').click();
    await expect.poll(() => search().inputValue()).toBe('flag:prepaid-blocked');
    await expect.poll(() => page.locator('.mrow[data-reference]').count()).toBe(2);
    for (const ref of PREPAID) expect(await row(ref).count()).toBe(1);
    expect(await page.locator('[data-chip="flag:prepaid-blocked"]').getAttribute('aria-pressed')).toBe('true');
    // negation, written by the user
    await setQuery('-flag:prepaid-blocked');
    await expect.poll(() => page.locator('.mrow[data-reference]').count()).toBeGreaterThan(2);
    expect(await row(PREPAID[0]).count()).toBe(0);
    // a query the core rejects says why
    await setQuery('after:not-a-date');
    await expect.poll(() => page.locator('.query-error').count()).toBe(1);
    await setQuery('');
    await expect.poll(() => page.locator('.query-error').count()).toBe(0);
  });

  it('autocompletes field names and values', async () => {
    await search().fill('');
    await search().pressSequentially('sta');
    await page.locator('.suggest li', { hasText: 'state:' }).waitFor();
    await search().press('Tab');
    expect(await search().inputValue()).toBe('state:');
    await search().pressSequentially('fel');
    await page.locator('.suggest li', { hasText: 'fell-back' }).waitFor();
    await search().press('Enter');
    await expect.poll(() => search().inputValue()).toBe('state:fell-back ');
    await expect.poll(() => page.locator('.mrow[data-reference]').count()).toBe(1);
    await search().press('Escape');
    await search().press('Escape');
    await expect.poll(() => search().inputValue()).toBe('');
  });

  it('completes a quoted value with spaces and a field typed by its payload name, with the core\'s values', async () => {
    const option = (text: string) => page.getByRole('option').filter({ hasText: text });
    await search().fill('');
    // read as the filter reads it: one value in quotes, a space standing for any character
    await search().pressSequentially('campaign:"black f');
    await option('black_friday_2025_rcs').waitFor();
    expect(await option('flag:').count()).toBe(0);
    await search().press('Enter');
    await expect.poll(() => search().inputValue()).toBe('campaign:black_friday_2025_rcs ');
    await expect.poll(() => row(HAPPY).count()).toBe(1);
    // user_id, the payload's name for user, completes with the core's values
    await search().fill('');
    await search().pressSequentially('-user_id:55119999900');
    await option('5511999990001').waitFor();
    await search().press('Tab');
    await expect.poll(() => search().inputValue()).toBe('-user_id:5511999990001 ');
    await search().press('Escape');
    await search().press('Escape');
    await expect.poll(() => search().inputValue()).toBe('');
  });

  it('moves with j/k and arrows, opens with Enter, / focuses search and Esc clears', async () => {
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Filter (query)');
    await page.keyboard.type('flag:prepaid-blocked');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.mrow[data-reference]').count()).toBe(2);
    const refs = await page.locator('.mrow[data-reference]').evaluateAll((els) => els.map((e) => e.getAttribute('data-reference')));
    await page.keyboard.press('j');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('k');
    await page.keyboard.press('j');
    await expect.poll(() => page.locator('.mrow.cursor').getAttribute('data-reference', { timeout: 1000 })).toBe(refs[1]);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('timeline').locator('.ref').textContent({ timeout: 1000 })).toBe(refs[1]);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('.detail-pane').count()).toBe(0);
    await page.keyboard.press('Escape');
    await expect.poll(() => search().inputValue()).toBe('');
    await expect.poll(() => page.locator('.mrow[data-reference]').count()).toBeGreaterThan(2);
  });

  it('lists every delivery newest first in the deliveries view', async () => {
    await page.getByRole('tab', { name: /All deliveries/ }).click();
    await page.locator('.drow[data-delivery-id]').first().waitFor();
    const ids = await page.locator('.drow[data-delivery-id]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-delivery-id'))));
    expect(ids.length).toBeGreaterThan(10);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    await page.locator('.drow[data-delivery-id]').first().click();
    await page.getByTestId('delivery-detail').waitFor();
    await screenshot(page, 'deliveries');
    await page.keyboard.press('Escape');
    await page.getByRole('tab', { name: /Messages/ }).click();
  });

  it('pauses live updates, counts what arrived and shows it on request', async () => {
    await page.getByRole('button', { name: 'Pause live' }).click();
    const base = lc.happy_path_with_click[0].body;
    const refs = ['live-0001', 'live-0002', 'live-0003'];
    for (const r of refs) await postCallback(serve.receiverUrl, { ...base, reference: r, timestamp: new Date().toISOString() });
    await expect.poll(() => page.getByTestId('new-indicator').textContent({ timeout: 1000 }), { timeout: 10_000 }).toBe('3 new');
    expect(await row(refs[0]).count()).toBe(0);
    await page.getByRole('button', { name: 'Resume live' }).click();
    for (const r of refs) await row(r).waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('new-indicator').count()).toBe(0);
    // live again: a new message appears without a reload
    await postCallback(serve.receiverUrl, { ...base, reference: 'live-0004', timestamp: new Date().toISOString() });
    await row('live-0004').waitFor({ timeout: 10_000 });
  });

  it('renders a hostile payload inert', async () => {
    const hostile = {
      reference: 'hostile-0001',
      campaign_name: '<img src=x onerror="window.__pwned=1;alert(1)">',
      event_id: 'evil-1',
      direction: 'outbound',
      session_id: null,
      user_id: '5511000000000',
      timestamp: new Date().toISOString(),
      channel: 'RCS',
      type: 'RichCard',
      message: {
        contentType: 'richCard',
        message: {
          title: '<img src=x onerror="window.__pwned=2;alert(2)">',
          description: '<script>window.__pwned=3</script>' + 'B'.repeat(2000),
          fileUrl: 'javascript:window.__pwned=4',
          suggestions: [
            { type: 'openUrl', title: 'Evil link', value: 'javascript:window.__pwned=5;alert(5)' },
            { type: 'openUrl', title: 'Data link', value: 'data:text/html,<script>alert(6)</script>' },
          ],
        },
      },
      vars: { huge: 'A'.repeat(1_000_000) },
    };
    expect(await postCallback(serve.receiverUrl, hostile)).toBe(200);
    await row('hostile-0001').waitFor({ timeout: 10_000 });
    expect(await row('hostile-0001').locator('.c-campaign').textContent()).toBe(hostile.campaign_name);
    await row('hostile-0001').click();
    const tl = page.getByTestId('timeline');
    await expect.poll(() => tl.locator('.ref').textContent({ timeout: 1000 })).toBe('hostile-0001');
    await tl.locator('tr.attempt').first().click();
    const dd = page.getByTestId('delivery-detail');
    const preview = dd.getByTestId('preview');
    await preview.waitFor();
    expect(await preview.locator('.card-title').textContent()).toBe(hostile.message.message.title);
    expect(await preview.locator('.card-desc').textContent()).toContain('<script>window.__pwned=3</script>');
    // no link for javascript: or data: URLs, no image fetched, no element parsed out of the payload
    expect(await preview.locator('a').count()).toBe(0);
    expect(await page.locator('img, script:not([src]), iframe').count()).toBe(0);
    expect(await preview.locator('.sugg-blocked').count()).toBe(2);
    await preview.locator('.sugg-blocked', { hasText: 'Evil link' }).click();
    expect(await preview.locator('.media.blocked').textContent()).toContain('javascript:window.__pwned=4');
    await screenshot(page, 'hostile-preview');
    // the 1 MB string is cut in the DOM, and can still be shown whole on request
    await dd.getByRole('tab', { name: 'JSON' }).click();
    const huge = dd.locator('[data-path="$.vars.huge"]');
    await huge.waitFor();
    expect((await huge.textContent())!.length).toBeLessThan(2000);
    expect(await huge.textContent()).toContain('show all 1,000,000 chars');
    await dd.getByRole('tab', { name: 'Raw request' }).click();
    expect((await dd.locator('.raw-body').textContent())!.length).toBeLessThanOrEqual(100_000);
    const pwned = await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned);
    expect(pwned).toBeUndefined();
    expect(watch.dialogs).toEqual([]);
    expect(watch.pageErrors).toEqual([]);
    expect(page.url().startsWith(new URL(serve.uiUrl).origin)).toBe(true);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
  });

  it('looks right in the dark theme too', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await row(RETRIES).click();
    await page.getByTestId('timeline').waitFor();
    await screenshot(page, 'dark-timeline');
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(21, 24, 30)');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(246, 247, 249)');
    await page.keyboard.press('Escape');
  });
});
