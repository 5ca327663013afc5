// The first hour, nothing ambiguous on screen: a browser User-Agent warning stays until dismissed; the replay panel
// shows the headers as sent, edits from the original bytes, says when a replay went "as gateway", and a bulk
// summary counts the retries; the test callback from the first-run screen can be deleted, after which the inspector
// is as empty as before. In a real Chromium against real `serve` children, replaying to local target servers.
import { afterEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { apiOf } from '../reliability/support/api';
import { screenshot } from '../support/browser';
import { answers, failFirst, startTarget, type TargetServer } from '../support/targets';
import { dataRows, deliveryRow, messagesGrid } from './lists';
import { samples, uniqueTag, waitIndexed } from './seed';
import { useServeSession, type ServeSession } from './session';

let page: Page;
let servers: TargetServer[] = [];

async function targetServer(answer?: Parameters<typeof startTarget>[0]): Promise<TargetServer> {
  const t = await startTarget(answer);
  servers.push(t);
  return t;
}
/** posts the exact text given; answers with the delivery's id */
async function postRaw(s: ServeSession, text: string, userAgent = 'rcs-gateway-e2e'): Promise<number> {
  const res = await fetch(`${s.serve.receiverUrl}/callbacks`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'User-Agent': userAgent }, body: text });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: number }).id;
}
async function search(q: string) {
  const box = page.getByLabel('Filter (query)');
  // the closing space ends the last term, so no completion of it is open for Enter to accept
  await box.fill(`${q} `);
  await box.press('Enter');
}
/** the delivery's detail, from the deliveries list filtered to this test's references, on its Replay tab */
async function openReplayTab(tag: string, id: number) {
  await page.getByRole('tab', { name: /^All deliveries/ }).click();
  await search(`ref:${tag}`);
  await deliveryRow(page, id).click();
  const dd = page.getByTestId('delivery-detail');
  await expect.poll(() => dd.getAttribute('data-delivery-id')).toBe(String(id));
  await dd.getByRole('tab', { name: /^Replay/ }).click();
  await dd.getByTestId('replay-panel').waitFor();
  return dd;
}
const forwardRows = (scope: { getByTestId: Page['getByTestId'] }) => scope.getByTestId('forwards').getByTestId('forward');
const callbackText = (tag: string, i: number) =>
  // compact, keys in the gateway's order: the bytes an edit must start from
  JSON.stringify({ ...samples.lifecycles.happy_path_with_click[0]!.body, reference: `${tag}-m${i}`, event_id: `${tag}-ev${i}`, timestamp: new Date().toISOString() });

describe('first hour in the browser: warnings and replay say exactly what happened', () => {
  // registered before the session's hooks, so it runs after them: the test's page is closed before its targets
  afterEach(async () => {
    await Promise.all(servers.map((t) => t.close()));
    servers = [];
  });
  const s = useServeSession({ viewport: { width: 1440, height: 900 } });
  const api = () => apiOf(s.serve);
  async function openPage() {
    ({ page } = await s.openPage());
    await page.getByRole('button', { name: 'Settings', exact: true }).waitFor();
  }

  it('keeps the browser User-Agent warning on screen until it is dismissed', async () => {
    await openPage();
    // the page's timers run on a clock the test moves: a toast that leaves by itself would leave during runFor
    await page.clock.install();
    const tag = uniqueTag();
    await postRaw(s, callbackText(tag, 0), 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36');
    const warning = page.locator('[data-testid="toast"][data-code="browser-user-agent"]');
    await warning.waitFor({ timeout: 10_000 });
    expect(await warning.getAttribute('data-sticky')).toBe('true');
    await page.clock.runFor(60_000);
    expect(await warning.count()).toBe(1);
    expect(await warning.textContent()).toContain('browser-like User-Agent');
    await screenshot(page, 'browser-ua-warning');
    await warning.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => warning.count()).toBe(0);
  });

  it('edits from the original bytes, lists the headers as sent and says when a replay went as the gateway', async () => {
    // the edited send gets its 200, the first send as the gateway a 500, its retry a 200
    const t = await targetServer((_req, i) => (i === 1 ? answers.status(500) : answers.ok()));
    await api()('saveTarget', { url: `${t.url}/hook`, headers: [], isDefault: true });
    const tag = uniqueTag();
    const text = callbackText(tag, 0);
    const id = await postRaw(s, text);
    await waitIndexed(s.serve, `ref:${tag}`, 1);
    await openPage();
    const dd = await openReplayTab(tag, id);
    const panel = dd.getByTestId('replay-panel');

    await panel.getByRole('button', { name: 'Edit & replay…' }).click();
    const editor = panel.getByTestId('edit-replay');
    expect(await editor.getByLabel('Edited body').inputValue()).toBe(text);
    await editor.getByRole('button', { name: 'Send edited' }).click();
    await expect.poll(() => t.received.length).toBe(1);
    expect(t.received[0]!.body.toString('utf8')).toBe(text);

    // as the gateway: a 500, so one retry
    await panel.getByText('As the gateway would').click();
    await panel.getByLabel('Speed factor').fill('100000');
    await panel.getByRole('button', { name: 'Replay', exact: true }).click();
    await expect.poll(() => panel.getByTestId('replay-result').textContent(), { timeout: 10_000 }).toMatch(/answered 200/);
    const rows = forwardRows(panel);
    // newest first: the retry, the first send as the gateway, the edited send
    await expect.poll(() => rows.getByTestId('forward-mode').allTextContents()).toEqual(['replay as gateway', 'replay as gateway', 'replay']);

    await rows.first().click();
    const sent = panel.getByTestId('forward-more').locator('table.headers').first();
    const names = await sent.locator('.h-name').allTextContents();
    const values = await sent.locator('.h-val').allTextContents();
    expect(names.map((n, i) => [n, values[i]])).toEqual(t.received.at(-1)!.headers);
    expect(names).toContain('Connection');
    await screenshot(page, 'replay-as-gateway-headers');
  });

  it('counts the retries in a bulk replay’s summary', async () => {
    const t = await targetServer(failFirst(2));
    const saved = await api()('saveTarget', { url: `${t.url}/bulk`, headers: [], isDefault: false });
    const tag = uniqueTag();
    for (let i = 0; i < 2; i++) await postRaw(s, callbackText(tag, i));
    await waitIndexed(s.serve, `ref:${tag}`, 2);
    await openPage();
    await search(`ref:${tag}`);
    await page.getByRole('button', { name: 'Replay filtered…' }).click();
    const dialog = page.getByTestId('bulk-dialog');
    await expect.poll(() => dialog.getByTestId('bulk-matching').textContent()).toBe('2');
    await dialog.getByLabel('Bulk target').selectOption(String(saved.id));
    await dialog.getByLabel('Concurrency').fill('1');
    await dialog.getByText('As the gateway would').click();
    await dialog.getByLabel('Bulk speed factor').fill('100000');
    await dialog.getByRole('button', { name: 'Start replay' }).click();
    const progress = dialog.getByTestId('bulk-progress');
    await expect.poll(() => progress.getAttribute('data-finished'), { timeout: 20_000 }).toBe('true');
    expect(await dialog.getByTestId('bulk-summary').textContent()).toBe(
      "All 2 sent, 4 attempts (2 retries). 2 got a 200. Each attempt is listed on its delivery's Replay tab.",
    );
    expect(t.received).toHaveLength(4);
    await screenshot(page, 'bulk-retries');
  }, 60_000);
});

describe('first hour in the browser: the test callback', () => {
  const s = useServeSession({ viewport: { width: 1440, height: 900 } });

  it('can be deleted from the notice that offers it, after which the inspector is empty again', async () => {
    ({ page } = await s.openPage());
    const firstRun = page.getByTestId('first-run');
    await firstRun.waitFor();
    await firstRun.getByRole('button', { name: 'Send a test callback' }).click();
    const notice = page.getByTestId('test-callback-notice');
    await notice.waitFor({ timeout: 10_000 });
    expect(await notice.textContent()).toMatch(/^A test callback is stored \(campaign rci_test_callback\)/);
    await expect.poll(() => dataRows(messagesGrid(page)).count()).toBe(1);
    await screenshot(page, 'test-callback-notice');

    await notice.getByRole('button', { name: 'Delete test callback' }).click();
    await firstRun.waitFor({ timeout: 10_000 });
    expect(await notice.count()).toBe(0);
    const status = await apiOf(s.serve)('getStatus', {});
    expect([status.deliveriesTotal, status.messagesTotal, status.testCallbacks]).toEqual([0, 0, 0]);
    const counts = await apiOf(s.serve)('getCounts', { query: '' });
    expect([counts.deliveries, counts.messages]).toEqual([0, 0]);
  });
});
