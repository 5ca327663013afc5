// One clock: every time on screen (lists, timeline, delivery detail) is in the zone chosen in settings, the zone is
// named where the times are, the raw ISO timestamp is a tooltip away, and the choice survives a reload. The browser
// runs in Asia/Tokyo, so "local", UTC and the gateway's America/Sao_Paulo all read differently.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { apiOf } from '../reliability/support/api';
import { screenshot } from '../support/browser';
import { deliveriesGrid, deliveryRow, messageRow } from './lists';
import { postLifecycles } from './seed';
import { useServeSession } from './session';

/** hh:mm:ss.mmm of an instant in a zone, worked out here rather than by the code under test */
function wallClock(ms: number, timeZone: string): string {
  const f = new Intl.DateTimeFormat('en-US', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  return `${f.format(ms)}.${String(ms % 1000).padStart(3, '0')}`;
}
function dateOf(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}
const full = (ms: number, timeZone: string, label: string) => `${dateOf(ms, timeZone)} ${wallClock(ms, timeZone)} ${label}`;

const ZONES = [
  { choice: 'Local', tz: 'Asia/Tokyo', name: 'local', offset: 'UTC+09:00' },
  { choice: 'UTC', tz: 'UTC', name: 'UTC', offset: 'UTC' },
  { choice: 'São Paulo', tz: 'America/Sao_Paulo', name: 'São Paulo', offset: 'UTC−03:00' },
] as const;

async function chooseZone(page: Page, choice: string) {
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('dialog', { name: 'Settings' }).getByRole('radio', { name: choice, exact: true }).check();
  if (choice === 'São Paulo') await screenshot(page, 'settings-clock');
  await page.getByRole('button', { name: 'Close settings' }).click();
}

describe('one clock', () => {
  const s = useServeSession({ viewport: { width: 1440, height: 880 }, colorScheme: 'light', timezoneId: 'Asia/Tokyo' });

  it('shows every time in the chosen zone, names it, keeps the raw timestamp as a tooltip and remembers the choice', async () => {
    const lc = await postLifecycles(s.serve);
    const HAPPY = lc.ref('happy_path_with_click');
    const rows = (await apiOf(s.serve)('listDeliveries', { query: `ref:${HAPPY}`, offset: 0, limit: 10 })).rows;
    // the first delivery: the RichCard's sent echo, stamped 12:00:02.017Z by the gateway
    const sent = rows.reduce((a, b) => (a.id < b.id ? a : b));
    const stamp = Date.parse(lc.bodies.happy_path_with_click[0]!.timestamp as string);
    const { page } = await s.openPage();
    const search = page.getByLabel('Filter (query)');
    await search.fill(`ref:${HAPPY} `);
    await search.press('Enter');
    await messageRow(page, HAPPY).waitFor();

    const received = () => deliveryRow(page, sent.id).getByTestId('received');
    const receivedHeader = () => deliveriesGrid(page).getByRole('columnheader', { name: /^Received/ });
    const detailReceived = () => page.getByTestId('delivery-detail').getByTestId('received-at');

    for (const z of ZONES) {
      if (z.choice !== 'Local') await chooseZone(page, z.choice);
      else expect(await page.evaluate(() => localStorage.length)).toBe(0); // nothing chosen yet: local is the default

      // the messages list: relative time, with the full zoned time and the raw instant as its tooltip
      await page.getByRole('tab', { name: /^Messages/ }).click();
      const firstSeen = await messageRow(page, HAPPY).getByTestId('first-seen').getAttribute('title');
      expect(firstSeen).toContain(full(sent.receivedAt, z.tz, z.offset));
      expect(firstSeen).toContain(new Date(sent.receivedAt).toISOString());

      // the deliveries list: the column names the zone, the cell is in it
      await page.getByRole('tab', { name: /^All deliveries/ }).click();
      await expect.poll(() => receivedHeader().textContent()).toContain(z.name);
      expect(await received().textContent()).toContain(wallClock(sent.receivedAt, z.tz));
      expect(await received().getAttribute('title')).toContain(new Date(sent.receivedAt).toISOString());

      // the delivery detail: a time that stands alone carries its zone
      await deliveryRow(page, sent.id).click();
      await expect.poll(() => detailReceived().textContent()).toBe(full(sent.receivedAt, z.tz, z.offset));
      expect(await detailReceived().getAttribute('title')).toContain(new Date(sent.receivedAt).toISOString());
      await page.getByTestId('delivery-detail').getByTestId('event-timestamp').waitFor();
      expect(await page.getByTestId('delivery-detail').getByTestId('event-timestamp').textContent()).toBe(full(stamp, z.tz, z.offset));

      // the timeline: the gateway's timestamps and our receive times in the same zone, the zone named once
      await page.getByTestId('delivery-detail').getByRole('button', { name: 'Timeline', exact: true }).click();
      const timeline = page.getByTestId('timeline');
      await timeline.waitFor();
      expect(await timeline.getByTestId('clock-zone').textContent()).toContain(z.name);
      const sentEvent = timeline.getByRole('group', { name: 'sent event' });
      expect(await sentEvent.getByTestId('event-time').textContent()).toBe(`${dateOf(stamp, z.tz)} ${wallClock(stamp, z.tz)}`);
      // the tooltip holds the timestamp as the gateway sent it
      expect(await sentEvent.getByTestId('event-time').getAttribute('title')).toContain(lc.bodies.happy_path_with_click[0]!.timestamp as string);
      expect(await sentEvent.getByTestId('attempt-time').first().textContent()).toContain(wallClock(sent.receivedAt, z.tz));
      expect(await timeline.getByTestId('sent-at').textContent()).toBe(full(stamp, z.tz, z.offset));
      await page.keyboard.press('Escape');
    }

    // the choice outlives a reload
    await page.reload();
    await page.getByRole('tab', { name: /^All deliveries/ }).click();
    await expect.poll(() => receivedHeader().textContent()).toContain('São Paulo');
  }, 60_000);
});
