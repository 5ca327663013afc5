// Settings, replay targets and replay in a real Chromium against a real `serve` child, replaying to local target
// servers on 127.0.0.1 that record exactly what arrived. Each test posts its own messages, starts its own target
// servers and saves them in the core itself (targets and settings are the core's, shared by every test of the file),
// so it passes alone and in any order.
import { afterEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Target } from '../../shared/api';
import { apiOf } from '../reliability/support/api';
import { answers, failFirst, startTarget, type Answer, type ReceivedRequest, type TargetServer } from '../support/targets';
import { postCallback, screenshot, type PageWatch } from '../support/browser';
import { dataRows, messageRow, messagesGrid } from './lists';
import { postLifecycles, samples, uniqueTag, waitIndexed } from './seed';
import { useServeSession, type ServeSession } from './session';

let s: ServeSession;
let page: Page;
let watch: PageWatch;
/** the target servers the running test started; closed after it */
let servers: TargetServer[] = [];

const api = () => apiOf(s.serve);
const settings = () => page.getByTestId('settings');
const row = (ref: string) => messageRow(page, ref);
const search = () => page.getByLabel('Filter (query)');
const timeline = () => page.getByTestId('timeline');

async function openPage() {
  ({ page, watch } = await s.openPage());
  await page.getByRole('button', { name: 'Settings', exact: true }).waitFor();
}
/** a target server for this test only */
async function targetServer(answer: Answer | ((req: ReceivedRequest, index: number) => Answer) = answers.ok()): Promise<TargetServer> {
  const t = await startTarget(answer);
  servers.push(t);
  return t;
}
/** saves a replay target in the core, the default unless told otherwise (the last one saved as default wins) */
function saveTarget(url: string, opts: { headers?: [string, string][]; isDefault?: boolean } = {}): Promise<Target> {
  return api()('saveTarget', { url, headers: opts.headers ?? [], isDefault: opts.isDefault ?? true });
}
async function setQuery(q: string) {
  // the closing space ends the last term, so no completion of it is open for Enter to accept
  await search().fill(`${q} `);
  await search().press('Enter');
}
async function openSettings() {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await settings().getByLabel('Subdomain').waitFor();
}
async function closeOverlay() {
  await page.keyboard.press('Escape');
  await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
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
/** opens the first delivery of a message's event of that kind, and its Replay tab */
async function openReplayTab(ref: string, kind = 'sent') {
  await row(ref).click();
  await expect.poll(() => timeline().getByTestId('message-reference').textContent({ timeout: 1000 })).toBe(ref);
  await timeline().getByRole('group', { name: `${kind} event` }).getByRole('row', { name: /^attempt \d+/ }).first().click();
  const dd = page.getByTestId('delivery-detail');
  await dd.waitFor();
  await dd.getByRole('tab', { name: /^Replay/ }).click();
  await dd.getByTestId('replay-panel').waitFor();
  return dd;
}
/** the sample happy path under references of this test's own, indexed, and a page open on it */
async function seedHappy() {
  const lc = await postLifecycles(s.serve);
  await openPage();
  return { ref: lc.ref('happy_path_with_click'), body: lc.bodies.happy_path_with_click[0]! };
}
/** `n` messages of one campaign under this test's references, indexed, and a page open on them */
async function seedMany(n: number) {
  const tag = uniqueTag();
  const base = samples.lifecycles.happy_path_with_click[0]!.body;
  const posts = Array.from({ length: n }, (_, i) =>
    postCallback(s.serve.receiverUrl, { ...base, reference: `${tag}-bulk-${i}`, event_id: `bulk-ev-${i}`, campaign_name: 'bulk run', timestamp: new Date().toISOString() }),
  );
  expect(new Set(await Promise.all(posts))).toEqual(new Set([200]));
  await waitIndexed(s.serve, `ref:${tag}`, n);
  await openPage();
  return { tag, refs: Array.from({ length: n }, (_, i) => `${tag}-bulk-${i}`) };
}
const forwardRows = (scope: { getByTestId: Page['getByTestId'] }) => scope.getByTestId('forwards').getByTestId('forward');

describe('settings, targets and replay against serve', () => {
  // registered before the session's hooks, so it runs after them: the test's page is closed before its targets
  afterEach(async () => {
    await Promise.all(servers.map((t) => t.close()));
    servers = [];
  });
  s = useServeSession({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });

  it('saves settings in the core, shows why a subdomain is refused, and keeps them across a reload', async () => {
    await openPage();
    await openSettings();
    const notify = settings().getByLabel('Desktop notifications');
    const startNotify = await notify.isChecked();
    await notify.click();
    await expect.poll(() => notify.isChecked()).toBe(!startNotify);

    await settings().getByLabel('Subdomain').fill('Bad_Sub!');
    await settings().getByRole('button', { name: 'Save tunnel settings' }).click();
    await expect.poll(() => settings().getByTestId('tunnel-result').textContent()).toMatch(/subdomain "Bad_Sub!" is not allowed/);
    await settings().getByLabel('Subdomain').fill('my-inspector');
    await settings().getByLabel('Tunnel server').fill('https://tunnel.example.test');
    await settings().getByRole('button', { name: 'Save tunnel settings' }).click();
    await expect.poll(() => settings().getByTestId('tunnel-result').textContent()).toMatch(/^Saved/);
    await screenshot(page, 'settings');

    await page.reload();
    await openSettings();
    await expect.poll(() => settings().getByLabel('Subdomain').inputValue()).toBe('my-inspector');
    expect(await settings().getByLabel('Tunnel server').inputValue()).toBe('https://tunnel.example.test');
    expect(await settings().getByLabel('Desktop notifications').isChecked()).toBe(!startNotify);
    await closeOverlay();
  });

  it('adds, edits, defaults and deletes replay targets, refusing what the core refuses', async () => {
    // starts from no target at all, whatever other tests saved
    for (const t of await api()('listTargets', {})) await api()('deleteTarget', { id: t.id });
    const [okTarget, flaky] = await Promise.all([targetServer(), targetServer()]);
    await openPage();
    await openSettings();
    const targets = settings().getByTestId('targets');
    const items = targets.getByRole('listitem');
    const isDefault = (url: string) => targets.getByLabel(`Make ${url} the default`).isChecked();
    await expect.poll(() => targets.textContent()).toContain('No target yet');
    await addTarget(`${okTarget.url}/hook`, 'X-Env: e2e\nAuthorization: Bearer t0ken', true);
    await addTarget(`${flaky.url}/flaky`);
    await expect.poll(() => items.count()).toBe(2);
    expect(await isDefault(`${okTarget.url}/hook`)).toBe(true);

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
    await expect.poll(() => isDefault(`${okTarget.url}/tmp`)).toBe(true);
    await targets.getByRole('button', { name: `Delete ${okTarget.url}/tmp` }).click();
    await expect.poll(() => items.count()).toBe(2);
    await targets.getByLabel(`Make ${okTarget.url}/hook the default`).click();
    await expect.poll(() => isDefault(`${okTarget.url}/hook`)).toBe(true);
    // edit keeps the id: the flaky target gains a header
    const flakyItem = items.filter({ hasText: `${flaky.url}/flaky` });
    await flakyItem.getByRole('button', { name: 'Edit' }).click();
    await settings().getByTestId('target-form').getByLabel('Extra headers').fill('X-Flaky: yes');
    await settings().getByTestId('target-form').getByRole('button', { name: 'Save target' }).click();
    await expect.poll(() => flakyItem.textContent()).toContain('+1 header');
    expect(await items.count()).toBe(2);
    await screenshot(page, 'settings-targets');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'settings-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    await page.reload();
    await openSettings();
    await expect.poll(() => settings().getByTestId('targets').getByRole('listitem').count()).toBe(2);
    expect(await isDefault(`${okTarget.url}/hook`)).toBe(true);
    expect(await items.filter({ hasText: `${okTarget.url}/hook` }).textContent()).toContain('+2 headers');
    await closeOverlay();
  });

  it('replays a delivery byte for byte to the default target and lists the attempt', async () => {
    const okTarget = await targetServer();
    await saveTarget(`${okTarget.url}/hook`, { headers: [['X-Env', 'e2e']] });
    const { ref, body } = await seedHappy();
    const dd = await openReplayTab(ref);
    const deliveryId = Number(await dd.getAttribute('data-delivery-id'));
    const panel = dd.getByTestId('replay-panel');
    // the targets arrive after the panel opens: the default one is chosen once they do
    await expect.poll(() => panel.getByLabel('Replay target').inputValue()).not.toBe('');
    await panel.getByRole('button', { name: 'Replay', exact: true }).click();
    await expect.poll(() => panel.getByTestId('replay-result').textContent()).toMatch(/^The target answered 200 in \d+ ms\.$/);
    expect(okTarget.received.length).toBe(1);
    const got = okTarget.received[0]!;
    expect(got.url).toBe(new URL(`${okTarget.url}/hook`).pathname);
    // the exact bytes the gateway sent (the sample as posted), plus the target's extra headers
    expect(got.body.toString('utf8')).toBe(JSON.stringify(body));
    expect(got.headers).toContainEqual(['X-Env', 'e2e']);
    const attempts = forwardRows(panel);
    await expect.poll(() => attempts.count()).toBe(1);
    expect(await attempts.first().getByTestId('forward-status').textContent()).toBe('200');
    expect(await attempts.first().textContent()).toContain(`${okTarget.url}/hook`);
    expect(await dd.getByRole('tab', { name: /^Replay/ }).textContent()).toBe('Replay (1)');
    await attempts.first().click();
    expect(await panel.getByTestId('forward-more').textContent()).toContain('{"ok":true}');
    expect(deliveryId).toBeGreaterThan(0);
  });

  it('edit & replay refuses invalid JSON with a clear error and sends the edited body', async () => {
    const okTarget = await targetServer();
    await saveTarget(`${okTarget.url}/hook`);
    const { ref, body: original } = await seedHappy();
    const dd = await openReplayTab(ref);
    const panel = dd.getByTestId('replay-panel');
    await panel.getByRole('button', { name: 'Edit & replay…' }).click();
    const editor = panel.getByTestId('edit-replay');
    const body = editor.getByLabel('Edited body');
    expect(JSON.parse(await body.inputValue())).toEqual(original);
    await body.fill('{"reference": "edited-1", ');
    await expect.poll(() => editor.getByTestId('edit-error').textContent()).toMatch(/^Not valid JSON: /);
    await editor.getByRole('button', { name: 'Send edited' }).click();
    await new Promise((r) => setTimeout(r, 300));
    expect(okTarget.received.length).toBe(0);
    await screenshot(page, 'edit-replay-invalid');

    const edited = { ...original, reference: 'edited-1', campaign_name: 'edited campaign' };
    await body.fill(JSON.stringify(edited, null, 2));
    expect(await editor.getByTestId('edit-error').count()).toBe(0);
    await editor.getByLabel('Header overrides').fill('X-Replay-Note: edited');
    await editor.getByRole('button', { name: 'Send edited' }).click();
    await expect.poll(() => panel.getByTestId('replay-result').textContent()).toMatch(/answered 200/);
    expect(okTarget.received.length).toBe(1);
    const got = okTarget.received[0]!;
    expect(JSON.parse(got.body.toString('utf8'))).toEqual(edited);
    expect(got.headers).toContainEqual(['X-Replay-Note', 'edited']);
    expect(await panel.getByTestId('edit-replay').count()).toBe(0);
    await expect.poll(() => forwardRows(panel).count()).toBe(1);
  });

  it('replays as the gateway would, sped up, and shows every retry live', async () => {
    const flaky = await targetServer(failFirst(2));
    const saved = await saveTarget(`${flaky.url}/flaky`, { headers: [['X-Flaky', 'yes']], isDefault: false });
    const { ref } = await seedHappy();
    const dd = await openReplayTab(ref);
    const panel = dd.getByTestId('replay-panel');
    // by id: alone in a fresh core it is the only target, and so the default ("… (default)")
    await panel.getByLabel('Replay target').selectOption(String(saved.id));
    await panel.getByText('As the gateway would').click();
    await panel.getByLabel('Speed factor').fill('1000');
    await panel.getByRole('button', { name: 'Replay', exact: true }).click();
    // fails twice with 500, then 200: three attempts, 10 s and 30 s apart at ×1000
    await expect.poll(() => panel.getByTestId('replay-result').textContent(), { timeout: 10_000 }).toMatch(/^The target answered 200 in \d+ ms after 3 attempts\.$/);
    expect(flaky.received.length).toBe(3);
    expect(flaky.received[0]!.headers).toContainEqual(['X-Flaky', 'yes']);
    const flakyRows = forwardRows(panel).filter({ hasText: `${flaky.url}/flaky` });
    await expect.poll(() => flakyRows.getByTestId('forward-status').allTextContents()).toEqual(['200', '500', '500']);
    await screenshot(page, 'replay-as-gateway');
  });

  it('checks duplicate handling against what of the spec’s endpoint requirements shows from outside', async () => {
    const okTarget = await targetServer();
    await saveTarget(`${okTarget.url}/hook`);
    const { ref } = await seedHappy();
    const dd = await openReplayTab(ref);
    const panel = dd.getByTestId('replay-panel');
    await panel.getByLabel('Replay target').selectOption({ label: `${okTarget.url}/hook (default)` });
    await panel.getByLabel('Times').fill('3');
    await panel.getByRole('button', { name: 'Check duplicate handling' }).click();
    const report = panel.getByTestId('idempotency-report');
    await report.waitFor({ timeout: 15_000 });
    const checks = report.getByRole('listitem');
    expect(await checks.count()).toBe(3);
    expect(await checks.filter({ hasText: '✓ met' }).count()).toBe(3);
    expect(await report.textContent()).toContain('Duplicates are accepted with 200');
    expect(await report.getByTestId('idempotency-not-checked').textContent()).toMatch(/^Not checked: whether the endpoint acted on the event only once/);
    expect(okTarget.received.length).toBe(6);
    await screenshot(page, 'idempotency');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'idempotency-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('forwards live: a new callback goes to the default target too, and the attempt shows on the delivery', async () => {
    const okTarget = await targetServer();
    await saveTarget(`${okTarget.url}/hook`);
    await openPage();
    try {
      await openSettings();
      const forward = settings().getByLabel('Forward live');
      if (!(await forward.isChecked())) await forward.click();
      await expect.poll(() => forward.isChecked()).toBe(true);
      await closeOverlay();
      const ref = `${uniqueTag()}-fwd`;
      const body = { ...samples.lifecycles.happy_path_with_click[0]!.body, reference: ref, event_id: 'fwd-ev-1', timestamp: new Date().toISOString() };
      expect(await postCallback(s.serve.receiverUrl, body)).toBe(200);
      await expect.poll(() => okTarget.received.length, { timeout: 10_000 }).toBe(1);
      expect(okTarget.received[0]!.body.toString('utf8')).toBe(JSON.stringify(body));
      await row(ref).waitFor({ timeout: 10_000 });
      const dd = await openReplayTab(ref);
      const attempts = forwardRows(dd);
      await expect.poll(() => attempts.count()).toBe(1);
      expect(await attempts.first().getByTestId('forward-mode').textContent()).toBe('forward');
      expect(await attempts.first().getByTestId('forward-status').textContent()).toBe('200');
      await page.keyboard.press('Escape');
      await page.keyboard.press('Escape');
      await openSettings();
      await settings().getByLabel('Forward live').click();
      await expect.poll(() => settings().getByLabel('Forward live').isChecked()).toBe(false);
      await closeOverlay();
    } finally {
      // whatever happened above, later tests' callbacks are not forwarded
      await api()('updateSettings', { forwardLive: false });
    }
  });

  it('replays the filtered deliveries in bulk with progress to completion', async () => {
    const okTarget = await targetServer();
    await saveTarget(`${okTarget.url}/hook`);
    // enough deliveries to watch progress: 150 for one campaign, posted straight to the receiver
    const { tag, refs } = await seedMany(150);
    await setQuery(`ref:${tag}`);
    await expect.poll(() => dataRows(messagesGrid(page)).count()).toBeGreaterThan(10);

    await page.getByRole('button', { name: 'Replay filtered…' }).click();
    const dialog = page.getByTestId('bulk-dialog');
    await expect.poll(() => dialog.getByTestId('bulk-matching').textContent()).toBe('150');
    await dialog.getByLabel('Concurrency').fill('2');
    await dialog.getByRole('button', { name: 'Start replay' }).click();
    const progress = dialog.getByTestId('bulk-progress');
    await progress.waitFor();
    await expect.poll(() => progress.getAttribute('data-finished'), { timeout: 20_000 }).toBe('true');
    expect(await progress.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('150');
    expect(await dialog.getByTestId('bulk-summary').textContent()).toBe('All 150 sent, 150 attempts. 150 got a 200. Each attempt is listed on its delivery\'s Replay tab.');
    const sent = okTarget.received.map((r) => JSON.parse(r.body.toString('utf8')).reference as string);
    expect(new Set(sent)).toEqual(new Set(refs));
    await screenshot(page, 'bulk-done');
    await dialog.getByRole('button', { name: 'New replay' }).click();
    await closeOverlay();
  }, 60_000);

  it('cancels a bulk replay and says how far it got', async () => {
    const slow = await targetServer(answers.slow(150));
    const saved = await saveTarget(`${slow.url}/slow`, { isDefault: false });
    const { tag } = await seedMany(150);
    await setQuery(`ref:${tag}`);
    await page.getByRole('button', { name: 'Replay filtered…' }).click();
    const dialog = page.getByTestId('bulk-dialog');
    await expect.poll(() => dialog.getByTestId('bulk-matching').textContent()).toBe('150');
    await dialog.getByLabel('Bulk target').selectOption(String(saved.id));
    await dialog.getByLabel('Concurrency').fill('1');
    await dialog.getByRole('button', { name: 'Start replay' }).click();
    const progress = dialog.getByTestId('bulk-progress');
    await expect.poll(async () => Number(await progress.getByTestId('bulk-done').textContent()), { timeout: 10_000 }).toBeGreaterThan(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => progress.getAttribute('data-finished'), { timeout: 10_000 }).toBe('true');
    const summary = (await dialog.getByTestId('bulk-summary').textContent())!;
    expect(summary).toMatch(/^Cancelled after \d+ of 150, \d+ attempts?\./);
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
    expect(watch.pageErrors).toEqual([]);
  }, 60_000);
});
