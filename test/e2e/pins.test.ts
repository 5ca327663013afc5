// Pins, notes and deleting in a real Chromium against a real `serve`: pin a message and write a note on it from its
// detail, see the pin in the list and find it with pinned:yes and note:, then delete what a search matches after the
// dialog's count, the pinned message kept. Screenshots at 1440 and 1024 px in /tmp/shots-pins.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiOf } from '../reliability/support/api';
import type { Locator, Page } from 'playwright-core';
import { dataRows, deliveryRow, messageRow, messagesGrid } from './lists';
import { postLifecycles } from './seed';
import { useServeSession } from './session';

const SHOTS = '/tmp/shots-pins';

/** the row's pin drawn whole inside its own cell and inside the window */
async function expectPinSeen(page: Page, row: Locator, where: string) {
  const mark = row.getByTestId('pin-mark');
  await mark.waitFor();
  const box = await mark.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const c = el.closest('[role=gridcell]')!.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, inCell: r.left >= c.left - 0.5 && r.right <= c.right + 0.5 && r.width > 0 };
  });
  const vw = page.viewportSize()!.width;
  expect(box.inCell, `${where}: the pin inside its cell`).toBe(true);
  expect(box.width, `${where}: the pin has a size`).toBeGreaterThan(6);
  expect(box.left >= 0 && box.right <= vw, `${where}: the pin on screen`).toBe(true);
}

describe('pins, notes and deleting', () => {
  const s = useServeSession({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });

  it('pins a message, notes it, finds it, and keeps it when deleting what the search matches', async () => {
    const lc = await postLifecycles(s.serve);
    const api = apiOf(s.serve);
    const messages = (await api('listMessages', { query: `ref:${lc.tag}`, offset: 0, limit: 100 })).rows.map((m) => m.reference);
    expect(messages.length).toBeGreaterThan(3);
    const keep = lc.ref('happy_path_with_click');

    const { page, watch } = await s.openPage();
    fs.mkdirSync(SHOTS, { recursive: true });
    const search = page.getByLabel('Filter (query)');
    await search.fill(`ref:${lc.tag} `);
    await search.press('Enter');
    await expect.poll(() => dataRows(messagesGrid(page)).count()).toBe(messages.length);
    await messageRow(page, keep).click();

    const bar = page.getByTestId('mark-bar');
    await bar.getByTestId('pin-toggle').click();
    await expect.poll(() => bar.getByTestId('pin-toggle').getAttribute('aria-pressed')).toBe('true');
    await bar.getByTestId('note-edit').click();
    const note = 'Customer says the offer never arrived, call back Monday';
    await bar.getByTestId('note-input').fill(note);
    expect(await bar.textContent()).toContain(`${note.length} / 2,000`);
    await bar.getByTestId('note-save').click();
    await expect.poll(() => bar.getByTestId('note-text').textContent()).toBe(note);
    // the list marks the pinned row
    await expect.poll(() => messageRow(page, keep).getByTestId('pin-mark').getAttribute('aria-label')).toBe('Pinned, with a note');
    // the pin is seen at both widths, with the detail open beside the list: whole inside its own cell and on screen,
    // and the state beside it is not cut for it
    const keptDelivery = (await api('listDeliveries', { query: `ref:${keep}`, offset: 0, limit: 1 })).rows[0]!.id;
    await api('setMark', { kind: 'delivery', key: keptDelivery, pinned: true });
    // a "fell back" message, the longest state, pinned too for a moment
    const fellBack = lc.ref('rcs_unsupported_sms_fallback');
    await messageRow(page, fellBack).click();
    await bar.getByTestId('pin-toggle').click();
    await expect.poll(() => messageRow(page, fellBack).getByTestId('pin-mark').count()).toBe(1);
    for (const width of [1440, 1024]) {
      await page.setViewportSize({ width, height: width === 1440 ? 900 : 768 });
      for (const ref of [keep, fellBack]) {
        await expectPinSeen(page, messageRow(page, ref), `messages at ${width}`);
        const state = await messageRow(page, ref).getByTestId('state').evaluate((el) => el.scrollWidth <= el.clientWidth);
        expect(state, `the state beside the pin is whole at ${width}`).toBe(true);
      }
      await page.screenshot({ path: path.join(SHOTS, `pinned-note-${width}.png`) });
    }
    await bar.getByTestId('pin-toggle').click();
    await expect.poll(() => messageRow(page, fellBack).getByTestId('pin-mark').count()).toBe(0);
    await messageRow(page, keep).click();
    await search.fill(`ref:${keep} `);
    await search.press('Enter');
    await page.getByRole('tab', { name: /^All deliveries/ }).click();
    const pinnedDelivery = deliveryRow(page, keptDelivery);
    await pinnedDelivery.click();
    for (const width of [1024, 1440]) {
      await page.setViewportSize({ width, height: width === 1440 ? 900 : 768 });
      await expectPinSeen(page, pinnedDelivery, `deliveries at ${width}`);
      await page.screenshot({ path: path.join(SHOTS, `pinned-delivery-${width}.png`) });
    }
    await page.getByRole('tab', { name: /^Messages/ }).click();

    // the search language finds it by pin and by note
    await page.keyboard.press('Escape');
    await search.fill(`ref:${lc.tag} pinned:yes note:"call back" `);
    await search.press('Enter');
    await expect.poll(() => dataRows(messagesGrid(page)).count()).toBe(1);
    expect(await dataRows(messagesGrid(page)).first().getAttribute('data-reference')).toBe(keep);
    // the same search in All deliveries finds no delivery (the pin and note are the message's): the empty list says
    // where they are, and its button brings the search back to Messages
    await page.getByRole('tab', { name: /^All deliveries/ }).click();
    const hint = page.getByTestId('mark-search-hint');
    await expect.poll(() => hint.textContent()).toContain("Pins and notes are on what you pinned: a message's pin is found in Messages");
    await page.screenshot({ path: path.join(SHOTS, 'pinned-search-deliveries-1440.png') });
    await hint.getByTestId('mark-search-messages').click();
    await expect.poll(() => page.getByRole('tab', { name: /^Messages/ }).getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => dataRows(messagesGrid(page)).count()).toBe(1);

    // delete every message of the tag: the dialog counts first, the pinned one is kept
    await search.fill(`ref:${lc.tag} `);
    await search.press('Enter');
    await expect.poll(() => dataRows(messagesGrid(page)).count()).toBe(messages.length);
    await page.getByTestId('delete-matching').click();
    const dialog = page.getByTestId('delete-dialog');
    const kept = (await api('getMessage', { reference: keep }))!.summary.deliveryCount;
    const total = (await api('listDeliveries', { query: `ref:${lc.tag}`, offset: 0, limit: 1 })).total;
    await expect.poll(() => dialog.getByTestId('delete-count').textContent()).toBe(
      `${total - kept} deliveries of ${messages.length - 1} messages will be deleted; ${kept} are kept because pinned (or of a pinned message). This cannot be undone.`,
    );
    expect(await dialog.getByTestId('delete-confirm').textContent()).toBe(`Delete ${total - kept} deliveries`);
    await page.screenshot({ path: path.join(SHOTS, 'delete-dialog-1440.png') });
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.screenshot({ path: path.join(SHOTS, 'delete-dialog-1024.png') });
    await dialog.getByTestId('delete-confirm').click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => dataRows(messagesGrid(page)).count()).toBe(1);
    expect(await dataRows(messagesGrid(page)).first().getAttribute('data-reference')).toBe(keep);
    expect((await api('listDeliveries', { query: `ref:${lc.tag}`, offset: 0, limit: 1 })).total).toBe(kept);
    await page.screenshot({ path: path.join(SHOTS, 'after-delete-1024.png') });
    // Settings → Stored data: retention and Clear all
    await page.getByRole('button', { name: 'Settings' }).click();
    const data = page.getByTestId('data-settings');
    await data.scrollIntoViewIfNeeded();
    await data.getByLabel('Keep at most days').fill('30');
    await data.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await api('getRetention', {})).maxDays).toBe(30);
    await page.screenshot({ path: path.join(SHOTS, 'settings-data-1024.png') });
    expect(watch.pageErrors).toEqual([]);
    expect(watch.consoleErrors).toEqual([]);
  });
});
