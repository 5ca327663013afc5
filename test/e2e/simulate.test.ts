// "Simulate a campaign" on the first-run screen: a new user with no gateway clicks it and sees a realistic
// inspector within seconds — messages of every outcome in the lists, each delivery marked "simulated". In a real
// Chromium against a real `serve` child; screenshots at 1440 and 1024 px go to /tmp/shots-sim/.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiOf } from '../reliability/support/api';
import { dataRows, deliveriesGrid, messagesGrid } from './lists';
import { useServeSession } from './session';

const SHOTS = '/tmp/shots-sim';

describe('simulate a campaign from the first-run screen', () => {
  const s = useServeSession({ viewport: { width: 1440, height: 900 }, serveArgs: () => ['--tunnel', 'none'] });

  it('fills the lists with simulated messages of every outcome, each delivery marked simulated', async () => {
    const { page } = await s.openPage();
    const firstRun = page.getByTestId('first-run');
    await firstRun.waitFor();
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'first-run-1440.png') });
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.screenshot({ path: path.join(SHOTS, 'first-run-1024.png') });
    await page.setViewportSize({ width: 1440, height: 900 });
    await firstRun.getByTestId('simulate-campaign').click();

    // the first-run screen gives way to the lists as the first callbacks arrive
    await dataRows(messagesGrid(page)).first().waitFor({ timeout: 15_000 });
    const api = apiOf(s.serve);
    // 50 messages; their reads and replies follow over about ten seconds
    await expect.poll(async () => (await api('getStatus', {})).messagesTotal, { timeout: 30_000 }).toBe(50);
    await expect.poll(async () => (await api('getStatus', {})).indexing.pending, { timeout: 30_000 }).toBe(0);
    const counts = await api('getCounts', { query: '' });
    expect(Object.keys(counts.states).length).toBeGreaterThanOrEqual(5);
    expect(await dataRows(messagesGrid(page)).count()).toBeGreaterThan(10);
    await page.screenshot({ path: path.join(SHOTS, 'messages-1440.png') });

    await page.getByRole('tab', { name: /^All deliveries/ }).click();
    await dataRows(deliveriesGrid(page)).first().click();
    const detail = page.getByTestId('delivery-detail');
    await detail.waitFor();
    await detail.getByTestId('simulated-badge').waitFor();
    expect(await detail.getByTestId('simulated-badge').textContent()).toBe('simulated');
    await page.screenshot({ path: path.join(SHOTS, 'delivery-1440.png') });

    await page.setViewportSize({ width: 1024, height: 768 });
    await page.screenshot({ path: path.join(SHOTS, 'delivery-1024.png') });
    await page.getByRole('tab', { name: /^Messages/ }).click();
    await page.screenshot({ path: path.join(SHOTS, 'messages-1024.png') });

    // the end of the run is told in a notice; until then a second campaign would be refused
    await page.getByText(/^Simulated campaign sent: 50 messages/).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SHOTS, 'done-notice-1024.png') });
    // Settings offers the same
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByTestId('settings');
    const section = settings.locator('section', { has: page.getByRole('heading', { name: 'Simulated traffic' }) });
    await section.scrollIntoViewIfNeeded();
    await section.getByTestId('simulate-campaign').click();
    await section.getByRole('status').waitFor();
    expect(await section.getByRole('status').textContent()).toMatch(/^Sending 50 simulated messages/);
    await page.screenshot({ path: path.join(SHOTS, 'settings-1024.png') });
    await expect.poll(async () => (await api('getStatus', {})).messagesTotal, { timeout: 30_000 }).toBe(100);
  });
});
