// The inspector UI in a real Chromium against a real `serve` child process: the sample lifecycles go in through
// the receiver, and what a user sees and does in the page is checked. Each test posts its own data under references
// of its own and opens its own page, so it passes alone and in any order.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { postCallback, screenshot, type PageWatch } from '../support/browser';
import { dataRows, deliveriesGrid, deliveryRow, messageRow, messagesGrid, shownDeliveryIds, shownReferences } from './lists';
import { postLifecycles, samples, uniqueTag, waitIndexed } from './seed';
import { useServeSession, type ServeSession } from './session';

let s: ServeSession;
let page: Page;
let watch: PageWatch;

const row = (ref: string) => messageRow(page, ref);
const rows = () => dataRows(messagesGrid(page));
const search = () => page.getByLabel('Filter (query)');
const chip = (label: string) => page.getByRole('toolbar', { name: 'Quick filters' }).getByRole('button', { name: new RegExp(`^${label} \\(`) });
const timeline = () => page.getByTestId('timeline');
const timelineRef = () => timeline().getByTestId('message-reference');
const detailPane = () => page.getByRole('complementary', { name: 'Detail' });
/** a timeline event's delivery attempts, by what the event means (sent, delivered, ...) */
const attemptsOf = (kind: string) => timeline().getByRole('group', { name: `${kind} event` }).getByRole('row', { name: /^attempt \d+/ });

/** types a whole query and runs it; the closing space ends the last term, so no completion of it is open to accept */
async function setQuery(q: string) {
  await search().fill(q ? `${q} ` : '');
  await search().press('Enter');
}

async function openPage() {
  ({ page, watch } = await s.openPage());
}

describe('first run', () => {
  // an empty store is what these tests are about: each gets a `serve` of its own
  const fresh = useServeSession({ viewport: { width: 1440, height: 880 }, colorScheme: 'light', servePerTest: true });
  let freshPage: Page;
  beforeEach(async () => {
    ({ page: freshPage } = await fresh.openPage());
  }, 60_000);

  it('keeps the token out of the address bar and shows the first-run screen with the receiver URL', async () => {
    await freshPage.getByTestId('first-run').waitFor();
    expect(freshPage.url()).not.toContain('token=');
    await expect.poll(() => freshPage.getByTestId('local-url').textContent()).toBe(`${fresh.serve.receiverUrl}/callbacks`);
    await expect.poll(() => freshPage.getByTestId('statusbar').textContent()).toContain('live');
    await screenshot(freshPage, 'first-run');
  });

  it('sends a test callback from the first-run screen and shows it live', async () => {
    await freshPage.getByRole('button', { name: 'Send a test callback' }).click();
    await dataRows(messagesGrid(freshPage)).first().waitFor({ timeout: 10_000 });
    expect(await freshPage.getByTestId('first-run').count()).toBe(0);
  });
});

describe('inspector UI against serve', () => {
  s = useServeSession({ viewport: { width: 1440, height: 880 }, colorScheme: 'light', clipboard: true, sharedContext: true });

  it('groups the sample lifecycles by reference with the right state and badges', async () => {
    const lc = await postLifecycles(s.serve);
    await openPage();
    const [HAPPY, FALLBACK, RETRIES] = [lc.ref('happy_path_with_click'), lc.ref('rcs_unsupported_sms_fallback'), lc.ref('gateway_retries')];
    const PREPAID = [lc.ref('prepaid_blocked', 0), lc.ref('prepaid_blocked', 1)];
    for (const ref of [HAPPY, FALLBACK, RETRIES, ...PREPAID]) await row(ref).waitFor({ timeout: 10_000 });
    await expect.poll(() => row(HAPPY).getByTestId('state').textContent()).toBe('replied');
    await expect.poll(() => row(FALLBACK).getByTestId('state').textContent()).toBe('fell back');
    expect(await row(FALLBACK).getByTestId('flags').textContent()).toContain('exception');
    expect(await row(FALLBACK).getByTestId('flags').textContent()).toContain('SMS fallback');
    for (const ref of PREPAID) {
      expect(await row(ref).getByTestId('state').textContent()).toBe('blocked');
      expect(await row(ref).getByTestId('flags').textContent()).toBe('prepaid');
    }
    expect(await row(RETRIES).getByTestId('flags').textContent()).toMatch(/duplicate/);
    expect(await row(HAPPY).getByTestId('flags').textContent()).toBe('');
    // the user column shows the phone number, the campaign the campaign name
    expect(await row(HAPPY).getByTestId('user').textContent()).toBe(lc.bodies.happy_path_with_click[0]!.user_id);
    expect(await row(HAPPY).getByTestId('campaign').textContent()).toBe(lc.bodies.happy_path_with_click[0]!.campaign_name);
    // chips count from the core for the filter shown (during live updates at most every 2 s, spaced by what a count costs)
    await setQuery(`ref:${lc.tag}`);
    await expect.poll(() => chip('prepaid').getByTestId('chip-count').textContent(), { timeout: 5000 }).toBe('2');
    await screenshot(page, 'messages');
  });

  it('opens a timeline with attempts, retry gaps and what we answered', async () => {
    const lc = await postLifecycles(s.serve);
    await openPage();
    const [RETRIES, FALLBACK] = [lc.ref('gateway_retries'), lc.ref('rcs_unsupported_sms_fallback')];
    await row(RETRIES).click();
    await expect.poll(() => timelineRef().textContent({ timeout: 1000 })).toBe(RETRIES);
    const attempts = attemptsOf('delivered');
    await expect.poll(() => attempts.count()).toBe(3);
    expect(await attempts.nth(0).getByRole('cell').first().textContent()).toBe('attempt 1');
    expect(await attempts.nth(2).getByRole('cell').first().textContent()).toBe('attempt 3');
    expect(await attempts.nth(1).textContent()).toMatch(/answered 200 in \d+ ms/);
    const gaps = timeline().getByRole('group', { name: 'delivered event' }).getByTestId('retry-gap');
    expect(await gaps.count()).toBe(2);
    expect(await gaps.nth(0).textContent()).toMatch(/after the previous attempt.*documented 10 s retry gap/);
    expect(await gaps.nth(1).textContent()).toMatch(/documented 30 s retry gap/);
    // the event_id groups: sent echo, delivered and read share one event_id
    expect(await timeline().getByTestId('event-group').count()).toBe(1);
    await screenshot(page, 'timeline-retries');

    await row(FALLBACK).click();
    await expect.poll(() => timelineRef().textContent({ timeout: 1000 })).toBe(FALLBACK);
    expect(await page.getByTestId('fallback-path').textContent()).toBe('RCS → SMS');
    expect(await timeline().textContent()).toContain('The phone has no RCS; an SMS fallback is expected');
    await screenshot(page, 'timeline-fallback');
  });

  it('opens a delivery: preview, JSON, raw request and copy as cURL', async () => {
    const lc = await postLifecycles(s.serve);
    await openPage();
    const HAPPY = lc.ref('happy_path_with_click');
    await row(HAPPY).click();
    await expect.poll(() => timelineRef().textContent({ timeout: 1000 })).toBe(HAPPY);
    await attemptsOf('sent').first().click();
    const dd = page.getByTestId('delivery-detail');
    await dd.waitFor();
    const preview = dd.getByTestId('preview');
    expect(await preview.getByTestId('card-title').textContent()).toBe('Black Friday: 25% OFF para você, Maria');
    // an https suggestion is a link that leaves the app; the remote image is not fetched until asked
    const link = preview.getByRole('link');
    expect(await link.getAttribute('href')).toBe('https://lojaexemplo.com.br/bf?c=BF25');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await preview.getByRole('img', { name: 'remote content' }).count()).toBe(0);
    await screenshot(page, 'delivery-preview');

    await dd.getByRole('tab', { name: 'JSON' }).click();
    await dd.locator('[data-path="$.message.message.title"]').waitFor();
    await dd.getByRole('tab', { name: 'Raw request' }).click();
    expect(await dd.getByTestId('request-headers').textContent()).toContain('rcs-gateway-e2e');
    expect(await dd.getByTestId('raw-body').textContent()).toContain('"event_id"');

    await dd.getByRole('button', { name: 'Copy as cURL' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toMatch(/^curl /);
    // Esc goes back from the delivery to its timeline, then closes the pane
    await page.locator('body').press('Escape');
    await timeline().waitFor();
    await page.locator('body').press('Escape');
    await expect.poll(() => detailPane().count()).toBe(0);
  });

  it('filters by query and by chip in the core', async () => {
    const lc = await postLifecycles(s.serve);
    await openPage();
    const FALLBACK = lc.ref('rcs_unsupported_sms_fallback');
    const PREPAID = [lc.ref('prepaid_blocked', 0), lc.ref('prepaid_blocked', 1)];
    const mine = `ref:${lc.tag}`;
    await setQuery(`${mine} state:fell-back`);
    await expect.poll(() => shownReferences(page)).toEqual([FALLBACK]);

    await setQuery(mine);
    await expect.poll(() => rows().count()).toBe(5);
    await chip('prepaid').click();
    await expect.poll(() => search().inputValue()).toBe(`${mine} flag:prepaid-blocked`);
    await expect.poll(async () => (await shownReferences(page)).sort()).toEqual([...PREPAID].sort());
    expect(await chip('prepaid').getAttribute('aria-pressed')).toBe('true');
    // negation, written by the user
    await setQuery(`${mine} -flag:prepaid-blocked`);
    await expect.poll(() => rows().count()).toBe(3);
    expect(await row(PREPAID[0]!).count()).toBe(0);
    // a query the core rejects says why
    await setQuery('after:not-a-date');
    const queryError = page.getByRole('alert').filter({ hasText: 'is not a time' });
    await expect.poll(() => queryError.count()).toBe(1);
    await setQuery('');
    await expect.poll(() => queryError.count()).toBe(0);
  });

  it('autocompletes field names and values', async () => {
    const lc = await postLifecycles(s.serve);
    await openPage();
    const mine = `ref:${lc.tag} `;
    await search().fill(mine);
    await search().pressSequentially('sta');
    await page.getByRole('option').filter({ hasText: 'state:' }).waitFor();
    await search().press('Tab');
    expect(await search().inputValue()).toBe(`${mine}state:`);
    await search().pressSequentially('fel');
    await page.getByRole('option').filter({ hasText: 'fell-back' }).waitFor();
    await search().press('Enter');
    await expect.poll(() => search().inputValue()).toBe(`${mine}state:fell-back `);
    await expect.poll(() => shownReferences(page)).toEqual([lc.ref('rcs_unsupported_sms_fallback')]);
    await search().press('Escape');
    await search().press('Escape');
    await expect.poll(() => search().inputValue()).toBe('');
  });

  it('completes a quoted value with spaces and a field typed by its payload name, with the core\'s values', async () => {
    const lc = await postLifecycles(s.serve);
    await openPage();
    const HAPPY = lc.ref('happy_path_with_click');
    const option = (text: string) => page.getByRole('option').filter({ hasText: text });
    const mine = `ref:${lc.tag} `;
    await search().fill(mine);
    // read as the filter reads it: one value in quotes, a space standing for any character
    await search().pressSequentially('campaign:"black f');
    await option('black_friday_2025_rcs').waitFor();
    expect(await option('flag:').count()).toBe(0);
    await search().press('Enter');
    await expect.poll(() => search().inputValue()).toBe(`${mine}campaign:black_friday_2025_rcs `);
    await expect.poll(() => shownReferences(page)).toContain(HAPPY);
    // user_id, the payload's name for user, completes with the core's values
    await search().fill(mine);
    await search().pressSequentially('-user_id:55119999900');
    await option('5511999990001').waitFor();
    await search().press('Tab');
    await expect.poll(() => search().inputValue()).toBe(`${mine}-user_id:5511999990001 `);
    await expect.poll(async () => (await shownReferences(page)).includes(HAPPY)).toBe(false);
    // the list is read afresh for the new query: rows once its first page is in
    await expect.poll(() => rows().count()).toBeGreaterThan(0);
    await search().press('Escape');
    await search().press('Escape');
    await expect.poll(() => search().inputValue()).toBe('');
  });

  it('moves with j/k and arrows, opens with Enter, / focuses search and Esc clears', async () => {
    const lc = await postLifecycles(s.serve);
    await openPage();
    await rows().first().waitFor({ timeout: 10_000 });
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Filter (query)');
    await page.keyboard.type(`ref:${lc.tag} flag:prepaid-blocked`);
    await page.keyboard.press('Enter');
    await expect.poll(() => rows().count()).toBe(2);
    const refs = await shownReferences(page);
    await page.keyboard.press('j');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('k');
    await page.keyboard.press('j');
    // the cursor is on the second row: Enter opens it
    await page.keyboard.press('Enter');
    await expect.poll(() => timelineRef().textContent({ timeout: 1000 })).toBe(refs[1]);
    await page.keyboard.press('Escape');
    await expect.poll(() => detailPane().count()).toBe(0);
    await page.keyboard.press('Escape');
    await expect.poll(() => search().inputValue()).toBe('');
    await expect.poll(() => rows().count()).toBeGreaterThan(2);
  });

  it('lists every delivery newest first in the deliveries view', async () => {
    const lc = await postLifecycles(s.serve);
    await openPage();
    await setQuery(`ref:${lc.tag}`);
    await page.getByRole('tab', { name: /All deliveries/ }).click();
    const posted = Object.values(lc.bodies).flat().length;
    await expect.poll(async () => (await shownDeliveryIds(page)).length).toBe(posted);
    const ids = await shownDeliveryIds(page);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    await deliveryRow(page, ids[0]!).click();
    await page.getByTestId('delivery-detail').waitFor();
    await screenshot(page, 'deliveries');
    expect(await dataRows(deliveriesGrid(page)).count()).toBe(posted);
  });

  it('pauses live updates, counts what arrived and shows it on request', async () => {
    await openPage();
    await page.getByRole('button', { name: 'Pause live' }).click();
    const base = samples.lifecycles.happy_path_with_click[0]!.body;
    const tag = uniqueTag();
    const refs = [`${tag}-1`, `${tag}-2`, `${tag}-3`];
    for (const r of refs) await postCallback(s.serve.receiverUrl, { ...base, reference: r, timestamp: new Date().toISOString() });
    await expect.poll(() => page.getByTestId('new-indicator').textContent({ timeout: 1000 }), { timeout: 10_000 }).toBe('3 new');
    expect(await row(refs[0]!).count()).toBe(0);
    await page.getByRole('button', { name: 'Resume live' }).click();
    for (const r of refs) await row(r).waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('new-indicator').count()).toBe(0);
    // live again: a new message appears without a reload
    await postCallback(s.serve.receiverUrl, { ...base, reference: `${tag}-4`, timestamp: new Date().toISOString() });
    await row(`${tag}-4`).waitFor({ timeout: 10_000 });
  });

  it('renders a hostile payload inert', async () => {
    const reference = `${uniqueTag()}-hostile`;
    const hostile = {
      reference,
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
    expect(await postCallback(s.serve.receiverUrl, hostile)).toBe(200);
    await waitIndexed(s.serve, `ref:${reference}`, 1);
    await openPage();
    await row(reference).waitFor({ timeout: 10_000 });
    expect(await row(reference).getByTestId('campaign').textContent()).toBe(hostile.campaign_name);
    await row(reference).click();
    await expect.poll(() => timelineRef().textContent({ timeout: 1000 })).toBe(reference);
    await attemptsOf('sent').first().click();
    const dd = page.getByTestId('delivery-detail');
    const preview = dd.getByTestId('preview');
    await preview.waitFor();
    expect(await preview.getByTestId('card-title').textContent()).toBe(hostile.message.message.title);
    expect(await preview.getByTestId('card-description').textContent()).toContain('<script>window.__pwned=3</script>');
    // no link for javascript: or data: URLs, no image fetched, no element parsed out of the payload
    expect(await preview.locator('a').count()).toBe(0);
    expect(await page.locator('img, script:not([src]), iframe').count()).toBe(0);
    const blocked = preview.getByTitle('Not an http(s) link: not clickable');
    expect(await blocked.count()).toBe(2);
    await blocked.filter({ hasText: 'Evil link' }).click();
    expect(await preview.getByTestId('media').textContent()).toContain('not an http(s) URL: javascript:window.__pwned=4');
    await screenshot(page, 'hostile-preview');
    // the 1 MB string is cut in the DOM, and can still be shown whole on request
    await dd.getByRole('tab', { name: 'JSON' }).click();
    const huge = dd.locator('[data-path="$.vars.huge"]');
    await huge.waitFor();
    expect((await huge.textContent())!.length).toBeLessThan(2000);
    expect(await huge.textContent()).toContain('show all 1,000,000 chars');
    await dd.getByRole('tab', { name: 'Raw request' }).click();
    expect((await dd.getByTestId('raw-body').textContent())!.length).toBeLessThanOrEqual(100_000);
    const pwned = await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned);
    expect(pwned).toBeUndefined();
    expect(watch.dialogs).toEqual([]);
    expect(watch.pageErrors).toEqual([]);
    expect(page.url().startsWith(new URL(s.serve.uiUrl).origin)).toBe(true);
  });

  it('looks right in the dark theme too', async () => {
    const lc = await postLifecycles(s.serve);
    await openPage();
    await page.emulateMedia({ colorScheme: 'dark' });
    await row(lc.ref('gateway_retries')).click();
    await timeline().waitFor();
    await screenshot(page, 'dark-timeline');
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(21, 24, 30)');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(246, 247, 249)');
  });
});
