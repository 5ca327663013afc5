// Settings, replay targets and replay in a real Chromium against a real `serve` child, replaying to local target
// servers on 127.0.0.1 that record exactly what arrived.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { loadSamples, startServe, type ServeHandle } from '../support/serve';
import { answers, failFirst, startTarget, type TargetServer } from '../support/targets';
import { ensureRendererBuild, launchBrowser, postCallback, screenshot, watchPage, type PageWatch } from '../support/browser';

const samples = loadSamples();
const lc = samples.lifecycles;
const HAPPY = lc.happy_path_with_click[0].body.reference as string;
const RETRIES = lc.gateway_retries[0].body.reference as string;

let serve: ServeHandle;
let browser: Browser;
let page: Page;
let watch: PageWatch;
let okTarget: TargetServer;
let flaky: TargetServer;

const settings = () => page.getByTestId('settings');
const row = (ref: string) => page.locator(`.mrow[data-reference="${ref}"]`);
const search = () => page.getByLabel('Filter (query)');

async function openSettings() {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await settings().locator('section').first().waitFor();
}
async function closeOverlay() {
  await page.keyboard.press('Escape');
  await expect.poll(() => page.locator('.overlay').count()).toBe(0);
}
async function addTarget(url: string, headers = '', isDefault = false) {
  await settings().getByRole('button', { name: '+ Add target' }).click();
  const form = settings().getByTestId('target-form');
  await form.getByLabel('Target URL').fill(url);
  if (headers) await form.getByLabel('Extra headers').fill(headers);
  const def = form.getByLabel('Default target');
  if ((await def.isChecked()) !== isDefault) await def.click();
  await form.getByRole('button', { name: 'Add target' }).click();
  await expect.poll(() => settings().getByTestId('target-form').count()).toBe(0);
}
/** opens the first delivery of a message and its Replay tab */
async function openReplayTab(ref: string, kind = 'sent') {
  await row(ref).click();
  const tl = page.getByTestId('timeline');
  await expect.poll(() => tl.locator('.ref').textContent({ timeout: 1000 })).toBe(ref);
  await tl.locator(`.event[data-kind="${kind}"] tr.attempt`).first().click();
  const dd = page.getByTestId('delivery-detail');
  await dd.waitFor();
  await dd.getByRole('tab', { name: /^Replay/ }).click();
  await dd.getByTestId('replay-panel').waitFor();
  return dd;
}

describe('settings, targets and replay against serve', () => {
  beforeAll(async () => {
    ensureRendererBuild();
    [serve, okTarget, flaky, browser] = await Promise.all([startServe(), startTarget(answers.ok()), startTarget(failFirst(2)), launchBrowser()]);
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
    watch = watchPage(page);
    for (const name of Object.keys(lc)) for (const d of lc[name]) expect(await postCallback(serve.receiverUrl, d.body)).toBe(200);
    await page.goto(serve.uiUrl);
    await row(HAPPY).waitFor({ timeout: 15_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([serve?.stop(), okTarget?.close(), flaky?.close()]);
  });

  it('saves settings in the core, shows why a subdomain is refused, and keeps them across a reload', async () => {
    await openSettings();
    const notify = settings().getByLabel('Desktop notifications');
    const forward = settings().getByLabel('Forward live');
    const startNotify = await notify.isChecked();
    await notify.click();
    await expect.poll(() => notify.isChecked()).toBe(!startNotify);
    expect(await forward.isChecked()).toBe(false);

    await settings().getByLabel('Subdomain').fill('Bad_Sub!');
    await settings().getByRole('button', { name: 'Save tunnel settings' }).click();
    await expect.poll(() => settings().getByTestId('tunnel-result').textContent()).toMatch(/subdomain "Bad_Sub!" is not allowed/);
    await settings().getByLabel('Subdomain').fill('my-inspector');
    await settings().getByLabel('Tunnel server').fill('https://tunnel.example.test');
    await settings().getByRole('button', { name: 'Save tunnel settings' }).click();
    await expect.poll(() => settings().getByTestId('tunnel-result').textContent()).toMatch(/^Saved/);
    await screenshot(page, 'settings');

    await page.reload();
    await row(HAPPY).waitFor();
    await openSettings();
    await expect.poll(() => settings().getByLabel('Subdomain').inputValue()).toBe('my-inspector');
    expect(await settings().getByLabel('Tunnel server').inputValue()).toBe('https://tunnel.example.test');
    expect(await settings().getByLabel('Desktop notifications').isChecked()).toBe(!startNotify);
    await closeOverlay();
  });

  it('adds, edits, defaults and deletes replay targets, refusing what the core refuses', async () => {
    await openSettings();
    const targets = settings().getByTestId('targets');
    await expect.poll(() => targets.textContent()).toContain('No target yet');
    await addTarget(`${okTarget.url}/hook`, 'X-Env: e2e\nAuthorization: Bearer t0ken', true);
    await addTarget(`${flaky.url}/flaky`);
    const items = targets.locator('li[data-target-id]');
    await expect.poll(() => items.count()).toBe(2);
    expect(await targets.locator('li[data-default="true"] .target-url').textContent()).toBe(`${okTarget.url}/hook`);

    // a framing header is the core's to refuse; its message is shown and nothing is saved
    await settings().getByRole('button', { name: '+ Add target' }).click();
    const form = settings().getByTestId('target-form');
    await form.getByLabel('Target URL').fill(`${okTarget.url}/bad`);
    await form.getByLabel('Extra headers').fill('Content-Length: 5');
    await form.getByRole('button', { name: 'Add target' }).click();
    await expect.poll(() => form.getByTestId('target-error').textContent()).toMatch(/content-length/i);
    await form.getByLabel('Extra headers').fill('not a header');
    await form.getByRole('button', { name: 'Add target' }).click();
    await expect.poll(() => form.getByTestId('target-error').textContent()).toBe('Line 1 is not a header: write it as "Name: value".');
    await form.getByRole('button', { name: 'Cancel' }).click();
    expect(await items.count()).toBe(2);

    // a third one, made default, then deleted: the default goes back to a remaining target
    await addTarget(`${okTarget.url}/tmp`, '', true);
    await expect.poll(() => targets.locator('li[data-default="true"] .target-url').textContent()).toBe(`${okTarget.url}/tmp`);
    await targets.getByRole('button', { name: `Delete ${okTarget.url}/tmp` }).click();
    await expect.poll(() => items.count()).toBe(2);
    await targets.getByLabel(`Make ${okTarget.url}/hook the default`).click();
    await expect.poll(() => targets.locator('li[data-default="true"] .target-url').textContent()).toBe(`${okTarget.url}/hook`);
    // edit keeps the id: the flaky target gains a header
    await targets.locator(`li:has-text("${flaky.url}/flaky")`).getByRole('button', { name: 'Edit' }).click();
    await settings().getByTestId('target-form').getByLabel('Extra headers').fill('X-Flaky: yes');
    await settings().getByTestId('target-form').getByRole('button', { name: 'Save target' }).click();
    await expect.poll(() => targets.locator(`li:has-text("${flaky.url}/flaky")`).textContent()).toContain('+1 header');
    expect(await items.count()).toBe(2);
    await screenshot(page, 'settings-targets');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'settings-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    await page.reload();
    await row(HAPPY).waitFor();
    await openSettings();
    await expect.poll(() => settings().getByTestId('targets').locator('li[data-target-id]').count()).toBe(2);
    expect(await settings().getByTestId('targets').locator('li[data-default="true"]').textContent()).toContain('+2 headers');
    await closeOverlay();
  });

  it('replays a delivery byte for byte to the default target and lists the attempt', async () => {
    const before = okTarget.received.length;
    const dd = await openReplayTab(HAPPY);
    const deliveryId = Number(await dd.getAttribute('data-delivery-id'));
    const panel = dd.getByTestId('replay-panel');
    expect(await panel.getByLabel('Replay target').inputValue()).not.toBe('');
    await panel.getByRole('button', { name: 'Replay', exact: true }).click();
    await expect.poll(() => panel.getByTestId('replay-result').textContent()).toMatch(/^The target answered 200 in \d+ ms\.$/);
    expect(okTarget.received.length).toBe(before + 1);
    const got = okTarget.received.at(-1)!;
    expect(got.url).toBe(new URL(`${okTarget.url}/hook`).pathname);
    // the exact bytes the gateway sent (the sample as posted), plus the target's extra headers
    expect(got.body.toString('utf8')).toBe(JSON.stringify(lc.happy_path_with_click[0].body));
    expect(got.headers).toContainEqual(['X-Env', 'e2e']);
    const attempts = panel.getByTestId('forwards').locator('tr.forward');
    await expect.poll(() => attempts.count()).toBe(1);
    expect(await attempts.first().getAttribute('data-status')).toBe('200');
    expect(await attempts.first().textContent()).toContain(`${okTarget.url}/hook`);
    expect(await dd.getByRole('tab', { name: /^Replay/ }).textContent()).toBe('Replay (1)');
    await attempts.first().click();
    expect(await panel.locator('.forward-more').textContent()).toContain('{"ok":true}');
    expect(deliveryId).toBeGreaterThan(0);
  });

  it('edit & replay refuses invalid JSON with a clear error and sends the edited body', async () => {
    const dd = page.getByTestId('delivery-detail');
    const panel = dd.getByTestId('replay-panel');
    const before = okTarget.received.length;
    await panel.getByRole('button', { name: 'Edit & replay…' }).click();
    const editor = panel.getByTestId('edit-replay');
    const body = editor.getByLabel('Edited body');
    expect(JSON.parse(await body.inputValue())).toEqual(lc.happy_path_with_click[0].body);
    await body.fill('{"reference": "edited-1", ');
    await expect.poll(() => editor.getByTestId('edit-error').textContent()).toMatch(/^Not valid JSON: /);
    await editor.getByRole('button', { name: 'Send edited' }).click();
    await new Promise((r) => setTimeout(r, 300));
    expect(okTarget.received.length).toBe(before);
    await screenshot(page, 'edit-replay-invalid');

    const edited = { ...lc.happy_path_with_click[0].body, reference: 'edited-1', campaign_name: 'edited campaign' };
    await body.fill(JSON.stringify(edited, null, 2));
    expect(await editor.getByTestId('edit-error').count()).toBe(0);
    await editor.getByLabel('Header overrides').fill('X-Replay-Note: edited');
    await editor.getByRole('button', { name: 'Send edited' }).click();
    await expect.poll(() => panel.getByTestId('replay-result').textContent()).toMatch(/answered 200/);
    const got = okTarget.received.at(-1)!;
    expect(JSON.parse(got.body.toString('utf8'))).toEqual(edited);
    expect(got.headers).toContainEqual(['X-Replay-Note', 'edited']);
    expect(await panel.getByTestId('edit-replay').count()).toBe(0);
    await expect.poll(() => panel.getByTestId('forwards').locator('tr.forward').count()).toBe(2);
  });

  it('replays as the gateway would, sped up, and shows every retry live', async () => {
    const dd = page.getByTestId('delivery-detail');
    const panel = dd.getByTestId('replay-panel');
    await panel.getByLabel('Replay target').selectOption({ label: `${flaky.url}/flaky` });
    await panel.getByText('As the gateway would').click();
    await panel.getByLabel('Speed factor').fill('1000');
    await panel.getByRole('button', { name: 'Replay', exact: true }).click();
    // fails twice with 500, then 200: three attempts, 10 s and 30 s apart at ×1000
    await expect.poll(() => panel.getByTestId('replay-result').textContent(), { timeout: 10_000 }).toMatch(/^The target answered 200 in \d+ ms after 3 attempts\.$/);
    expect(flaky.received.length).toBe(3);
    expect(flaky.received[0].headers).toContainEqual(['X-Flaky', 'yes']);
    const flakyRows = panel.locator(`tr.forward:has(td:text-is("${flaky.url}/flaky"))`);
    expect(await flakyRows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-status')))).toEqual(['200', '500', '500']);
    await screenshot(page, 'replay-as-gateway');
  });

  it('checks idempotency against the spec’s endpoint requirements', async () => {
    const panel = page.getByTestId('replay-panel');
    await panel.getByLabel('Replay target').selectOption({ label: `${okTarget.url}/hook (default)` });
    const before = okTarget.received.length;
    await panel.getByLabel('Times').fill('3');
    await panel.getByRole('button', { name: 'Check idempotency' }).click();
    const report = panel.getByTestId('idempotency-report');
    await report.waitFor({ timeout: 15_000 });
    expect(await report.locator('.checks li').count()).toBe(3);
    expect(await report.locator('.checks li[data-ok="true"]').count()).toBe(3);
    expect(await report.textContent()).toContain('Must handle duplicate messages (idempotency)');
    expect(okTarget.received.length).toBe(before + 6);
    await screenshot(page, 'idempotency');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'idempotency-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
  });

  it('forwards live: a new callback goes to the default target too, and the attempt shows on the delivery', async () => {
    await openSettings();
    await settings().getByLabel('Forward live').click();
    await expect.poll(() => settings().getByLabel('Forward live').isChecked()).toBe(true);
    await closeOverlay();
    const body = { ...lc.happy_path_with_click[0].body, reference: 'fwd-0001', event_id: 'fwd-ev-1', timestamp: new Date().toISOString() };
    const before = okTarget.received.length;
    expect(await postCallback(serve.receiverUrl, body)).toBe(200);
    await expect.poll(() => okTarget.received.length, { timeout: 10_000 }).toBe(before + 1);
    expect(okTarget.received.at(-1)!.body.toString('utf8')).toBe(JSON.stringify(body));
    const dd = await openReplayTab('fwd-0001');
    const attempts = dd.getByTestId('forwards').locator('tr.forward');
    await expect.poll(() => attempts.count()).toBe(1);
    expect(await attempts.first().locator('td').nth(1).textContent()).toBe('forward');
    expect(await attempts.first().getAttribute('data-status')).toBe('200');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await openSettings();
    await settings().getByLabel('Forward live').click();
    await expect.poll(() => settings().getByLabel('Forward live').isChecked()).toBe(false);
    await closeOverlay();
  });

  it('replays the filtered deliveries in bulk with progress to completion', async () => {
    // enough deliveries to watch progress: 150 for one campaign, posted straight to the receiver
    const base = lc.happy_path_with_click[0].body;
    const posts = Array.from({ length: 150 }, (_, i) =>
      postCallback(serve.receiverUrl, { ...base, reference: `bulk-${i}`, event_id: `bulk-ev-${i}`, campaign_name: 'bulk run', timestamp: new Date().toISOString() }),
    );
    expect(new Set(await Promise.all(posts))).toEqual(new Set([200]));
    await search().fill('campaign:"bulk run"');
    await search().press('Enter');
    await expect.poll(() => page.locator('.mrow[data-reference]').count()).toBeGreaterThan(10);
    const before = okTarget.received.length;

    await page.getByRole('button', { name: 'Replay filtered…' }).click();
    const dialog = page.getByTestId('bulk-dialog');
    await expect.poll(() => dialog.getByTestId('bulk-matching').textContent()).toBe('150');
    await dialog.getByLabel('Concurrency').fill('2');
    await dialog.getByRole('button', { name: 'Start replay' }).click();
    const progress = dialog.getByTestId('bulk-progress');
    await progress.waitFor();
    await expect.poll(() => progress.getAttribute('data-finished'), { timeout: 20_000 }).toBe('true');
    expect(await progress.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('150');
    expect(await dialog.getByTestId('bulk-summary').textContent()).toBe('All 150 sent. 150 got a 200. Each attempt is listed on its delivery\'s Replay tab.');
    const sent = okTarget.received.slice(before).map((r) => JSON.parse(r.body.toString('utf8')).reference as string);
    expect(new Set(sent)).toEqual(new Set(Array.from({ length: 150 }, (_, i) => `bulk-${i}`)));
    await screenshot(page, 'bulk-done');
    await dialog.getByRole('button', { name: 'New replay' }).click();
    await closeOverlay();
  });

  it('cancels a bulk replay and says how far it got', async () => {
    const slow = await startTarget(answers.slow(150));
    try {
      await openSettings();
      await addTarget(`${slow.url}/slow`);
      await closeOverlay();
      await page.getByRole('button', { name: 'Replay filtered…' }).click();
      const dialog = page.getByTestId('bulk-dialog');
      await dialog.getByLabel('Bulk target').selectOption({ label: `${slow.url}/slow` });
      await dialog.getByLabel('Concurrency').fill('1');
      await dialog.getByRole('button', { name: 'Start replay' }).click();
      const progress = dialog.getByTestId('bulk-progress');
      await expect.poll(async () => Number(await progress.getByTestId('bulk-done').textContent()), { timeout: 10_000 }).toBeGreaterThan(0);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await expect.poll(() => progress.getAttribute('data-finished'), { timeout: 10_000 }).toBe('true');
      const summary = (await dialog.getByTestId('bulk-summary').textContent())!;
      expect(summary).toMatch(/^Cancelled after \d+ of 150\./);
      const done = Number(/after (\d+)/.exec(summary)![1]);
      expect(done).toBeLessThan(150);
      expect(slow.received.length).toBeLessThan(150);
      await screenshot(page, 'bulk-cancelled');
      await closeOverlay();
      // the finished job stays visible under the toolbar until dismissed
      const strip = page.getByTestId('bulk-strip');
      await strip.waitFor();
      await strip.getByRole('button', { name: 'Dismiss' }).click();
      await expect.poll(() => strip.count()).toBe(0);
    } finally {
      await slow.close();
    }
    expect(watch.pageErrors).toEqual([]);
  });
});
