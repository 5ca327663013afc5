// The inspector link as a newcomer uses it, in a real Chromium against a real `serve` (with a local tunnel server,
// so there is a public URL): open the printed link, open the bare address in another tab, restart serve and open the
// bookmark, arrive without the link, make a new link in the settings, copy the gateway's URL from the status bar.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshot } from '../support/browser';
import { startLtServer, type LtServer } from '../support/lt-server';
import { postLifecycles } from './seed';
import { useServeSession } from './session';

let lt: LtServer;
beforeAll(async () => {
  lt = await startLtServer();
});
afterAll(async () => {
  await lt?.stop();
});

// each test gets a `serve` (and a data folder) of its own: one of them restarts it, another rotates its link
const s = useServeSession({
  viewport: { width: 1440, height: 880 },
  colorScheme: 'light',
  clipboard: true,
  servePerTest: true,
  serveArgs: () => ['--tunnel', 'localtunnel', '--tunnel-host', lt.url],
});

/** the inspector is really working: its status came through the API and its live socket is open */
async function expectWorking(page: Page): Promise<void> {
  await page.getByTestId('statusbar').locator('[data-connection="open"]').waitFor({ timeout: 30_000 });
  await page.getByTestId('deliveries-today').waitFor();
  expect(await page.getByTestId('open-the-link').count()).toBe(0);
  expect(await page.getByText('missing or wrong token').count()).toBe(0);
}

async function openSettings(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await page.getByTestId('settings').waitFor();
}

describe('the inspector link', () => {
  it('opened once, the bare address works in a new tab of the same browser, and the token leaves the address bar', async () => {
    const { page } = await s.openPage();
    await expectWorking(page);
    expect(page.url()).not.toContain('token=');
    const tab = await page.context().newPage();
    await tab.goto(new URL('/', s.serve.uiUrl).href);
    await expectWorking(tab);
    // the API works from the new tab: the test callback is stored and shown live
    await tab.getByRole('button', { name: 'Send a test callback' }).click();
    await tab.locator('[data-reference]').first().waitFor({ timeout: 15_000 });
    await tab.close();
  });

  it('after a restart of serve on the same data folder the bookmarked link, the bare address and the open tab all work', async () => {
    const { page } = await s.openPage();
    await expectWorking(page);
    const printed = s.serve.uiUrl;
    const restarted = await s.restartServe();
    expect(restarted.uiUrl).toBe(printed);
    // a bookmark of the printed link, in a browser that never saw it
    const { page: bookmark } = await s.openPage();
    await expectWorking(bookmark);
    // the bare address in the browser that opened the link before the restart
    const tab = await page.context().newPage();
    await tab.goto(new URL('/', printed).href);
    await expectWorking(tab);
    await tab.close();
    // and the tab left open across the restart reconnects by itself
    await expectWorking(page);
  });

  it('without the link, or with a wrong one, says where the link is instead of showing an empty inspector', async () => {
    const { page } = await s.openPage('/');
    const card = page.getByTestId('open-the-link');
    await card.waitFor();
    expect(await card.getAttribute('data-reason')).toBe('missing');
    await page.getByRole('heading', { name: 'Open the link printed by serve' }).waitFor();
    expect(await page.getByTestId('command-hint').textContent()).toBe(`npm run serve -- --data-dir ${s.serve.dataDir}`);
    expect(await page.getByTestId('link-shape').textContent()).toContain(`${new URL(s.serve.uiUrl).origin}/?token=…`);
    expect(await page.getByText('No messages yet').count()).toBe(0);
    expect(await page.getByText('disconnected').count()).toBe(0);
    await screenshot(page, 'link-open-the-link-1440');
    await page.setViewportSize({ width: 1024, height: 768 });
    await screenshot(page, 'link-open-the-link-1024');

    const { page: wrong } = await s.openPage('/?token=not-the-token');
    await wrong.getByTestId('open-the-link').waitFor();
    expect(await wrong.getByTestId('open-the-link').getAttribute('data-reason')).toBe('wrong');
  });

  it('making a new link in the settings signs out old links and other browsers; this tab keeps working', async () => {
    const oldLink = s.serve.uiUrl;
    const { page } = await s.openPage();
    const { page: other } = await s.openPage();
    await expectWorking(page);
    await expectWorking(other);

    await openSettings(page);
    const section = page.getByTestId('inspector-link');
    await section.scrollIntoViewIfNeeded();
    // the key stays off screen; the copy carries it
    // shown as "…" until the link is read from the core: poll, do not read it once
    await expect.poll(() => page.getByTestId('inspector-link-url').textContent()).toBe(`${new URL(oldLink).origin}/?token=…`);
    await page.getByTestId('copy-inspector-link').click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(oldLink);
    await page.getByTestId('rotate-link').click();
    await page.getByTestId('rotate-link-confirm').click();
    await page.getByTestId('inspector-link-result').waitFor();
    await section.screenshot({ path: 'test-results/link-settings-link.png' });
    const changed = await s.serve.waitForLine((l) => l.event === 'uiUrlChanged');
    const newLink = changed.uiUrl as string;
    expect(newLink).not.toBe(oldLink);
    await page.getByTestId('copy-inspector-link').click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(newLink);

    // the other browser finds out by itself and says where the link is
    await other.getByTestId('open-the-link').waitFor({ timeout: 30_000 });
    expect(await other.getByTestId('open-the-link').getAttribute('data-reason')).toBe('wrong');
    // the old link is dead, the new one works; this tab is still live
    const { page: old } = await s.openPage(oldLink);
    await old.getByTestId('open-the-link').waitFor();
    const { page: fresh } = await s.openPage(newLink);
    await expectWorking(fresh);
    await page.keyboard.press('Escape');
    await expectWorking(page);
  });

  it("copies the gateway's callback URL (public URL with /callbacks) from the status bar and the settings", async () => {
    // `ready` comes as soon as serve listens; the tunnel's URL follows on its own line
    const online = await s.serve.waitForLine((l) => l.event === 'tunnel' && l.state === 'online' && typeof l.publicUrl === 'string');
    const publicUrl = online.publicUrl as string;
    await postLifecycles(s.serve);
    const { page } = await s.openPage();
    await expectWorking(page);
    const bar = page.getByTestId('statusbar');
    await bar.getByTestId('statusbar-copy-public-url').click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${publicUrl}/callbacks`);
    await bar.screenshot({ path: 'test-results/link-statusbar-1440.png' });
    await page.setViewportSize({ width: 1024, height: 768 });
    // still one click away when the window is narrow
    expect(await bar.getByTestId('statusbar-copy-public-url').isVisible()).toBe(true);
    const box = (await bar.getByTestId('statusbar-copy-public-url').boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(1024);
    await bar.screenshot({ path: 'test-results/link-statusbar-1024.png' });
    await screenshot(page, 'link-statusbar-page-1024');

    await page.evaluate(() => navigator.clipboard.writeText(''));
    await openSettings(page);
    await page.getByTestId('settings-copy-public-url').click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${publicUrl}/callbacks`);
    await screenshot(page, 'link-settings-1024');
  });
});
