// Simulated traffic with a "fail first 2" rule, as a user sees it: the retry ladder calls the simulator's retries
// on schedule at its speed-up (never "not a retry"), the list rows and the message header say "sim", and the
// end-of-run notice is a success that counts deliveries and retries apart from callbacks. Screenshots of the ladder
// at 1440 and 1024 px go to /tmp/shots-u1/.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiOf } from '../reliability/support/api';
import { dataRows, deliveriesGrid, messagesGrid } from './lists';
import { useServeSession } from './session';

const SHOTS = '/tmp/shots-u1';

describe('simulated retries in the ladder', () => {
  const s = useServeSession({ viewport: { width: 1440, height: 900 }, serveArgs: () => ['--tunnel', 'none'] });

  it('are on schedule at 60× speed, marked sim in the lists, and the notice counts the retries', async () => {
    const { page } = await s.openPage();
    await page.getByTestId('first-run').waitFor();
    const api = apiOf(s.serve);
    await api('setRules', { rules: [{ name: 'fail first 2', action: { kind: 'status', status: 503 }, firstAttempts: 2 }] });
    const started = await api('simulate', { messages: 3, speed: 60, seed: 7 });

    const toast = page.locator('[data-testid="toast"][data-code="simulate-done"]');
    await toast.waitFor({ timeout: 60_000 });
    expect(await toast.getAttribute('class')).toMatch(/tone-good/);
    expect(await toast.textContent()).toContain(`${started.deliveries} callbacks, ${3 * started.deliveries} deliveries (${2 * started.deliveries} retries after our non-200`);
    await expect.poll(async () => (await api('getStatus', {})).indexing.pending, { timeout: 30_000 }).toBe(0);

    await page.getByRole('tab', { name: /^All deliveries/ }).click();
    const rows = dataRows(deliveriesGrid(page));
    await rows.first().waitFor();
    expect(await rows.first().getByTestId('sim-mark').count()).toBe(1);
    // the newest row is a 3rd attempt (every callback ends 503, 503, 200)
    const third = rows.filter({ hasText: '3rd' }).first();
    await third.click();
    const detail = page.getByTestId('delivery-detail');
    const ladder = detail.getByTestId('retry-ladder');
    await ladder.waitFor();
    const gaps = await ladder.getByTestId('retry-gap').allTextContents();
    expect(gaps).toHaveLength(2);
    for (const g of gaps) {
      expect(g).toMatch(/on schedule .*simulated at 60× speed/);
      expect(g).not.toMatch(/not a retry|off schedule/);
    }
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'ladder-1440.png') });
    await page.setViewportSize({ width: 1024, height: 768 });
    await ladder.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'ladder-1024.png') });

    // the message header says sim too
    await detail.getByRole('button', { name: /Timeline/ }).click();
    const timeline = page.getByTestId('timeline');
    await timeline.waitFor();
    await timeline.getByTestId('sim-mark').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'timeline-1024.png') });
    // and the message list's rows (wide enough for every badge of a row)
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByRole('tab', { name: /^Messages/ }).click();
    const messages = dataRows(messagesGrid(page));
    await messages.first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'messages-1440.png') });
    expect(await messages.count()).toBe(3);
    // shown where the row's badges fit (a row with many flags keeps the rest behind "+N")
    await messages.first().getByTestId('sim-mark').waitFor();
  });
});
