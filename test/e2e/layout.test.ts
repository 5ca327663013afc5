// Nothing cut off, nothing ambiguous: at 1440 and 1024 px with the detail panel open, every column header reads
// whole, the columns a user needs most stay on screen, a cell cut short has its full text as a tooltip, the attempt
// column does not look like a delivery id, the time column means one thing for every message, the timeline shows
// what was sent and replied inline and is usable from the keyboard, and counts say "1 delivery", not "1 deliveries".
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { postCallback, screenshot } from '../support/browser';
import { apiOf } from '../reliability/support/api';
import { dataRows, deliveriesGrid, deliveryRow, messageRow, messagesGrid } from './lists';
import { postLifecycles, samples, uniqueTag, waitIndexed } from './seed';
import { useServeSession } from './session';

/** every header and cell of a grid as laid out, and the grid's own visible edges */
async function layoutOf(grid: Locator) {
  return grid.evaluate((g) => {
    const contentWidth = (el: HTMLElement) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      return range.getBoundingClientRect().width;
    };
    const padding = (el: HTMLElement) => parseFloat(getComputedStyle(el).paddingLeft) + parseFloat(getComputedStyle(el).paddingRight);
    const box = (el: Element) => {
      const r = el.getBoundingClientRect();
      const he = el as HTMLElement;
      return {
        text: (he.textContent ?? '').trim(),
        title: el.getAttribute('title') ?? '',
        left: r.left,
        right: r.right,
        width: r.width,
        hidden: getComputedStyle(el).visibility === 'hidden' || getComputedStyle(el).display === 'none' || r.width < 1,
        // a text cut by a fraction of a pixel still shows "…": measure the laid-out contents, not only scrollWidth
        cut: he.scrollWidth > he.clientWidth || contentWidth(he) > he.clientWidth - padding(he) + 0.01,
      };
    };
    const r = g.getBoundingClientRect();
    const scroller = g.querySelector('[data-testid$="-scroll"]') as HTMLElement;
    return {
      left: r.left,
      right: r.right,
      scrollsSideways: scroller.scrollWidth > scroller.clientWidth + 1,
      headers: [...g.querySelectorAll('[role=columnheader]')].map(box),
      rows: [...g.querySelectorAll('[role=row]')].filter((row) => row.querySelector('[role=gridcell]')).map((row) => [...row.querySelectorAll('[role=gridcell]')].map(box)),
    };
  });
}

const squash = (s: string) => s.replace(/\s+/g, '');

/** the checks that hold for either list at any width; every problem found is listed at once */
async function expectReadable(grid: Locator, needed: string[], where: string) {
  const l = await layoutOf(grid);
  const problems: string[] = [];
  if (l.scrollsSideways) problems.push('the list scrolls sideways');
  const shown = l.headers.filter((h) => !h.hidden);
  for (const h of shown) {
    if (h.cut) problems.push(`header "${h.text}" is cut`);
    if (h.right > l.right + 1) problems.push(`header "${h.text}" runs past the list`);
  }
  const names = shown.map((h) => h.text);
  for (const n of needed) if (!names.some((t) => t.startsWith(n))) problems.push(`column "${n}" is missing (shown: ${names.join(', ')})`);
  if (l.rows.length === 0) problems.push('no rows');
  for (const row of l.rows) {
    const cells = row.filter((c) => !c.hidden);
    if (cells.length !== shown.length) problems.push(`a row shows ${cells.length} cells under ${shown.length} headers`);
    cells.forEach((c, i) => {
      const under = shown[i]?.text;
      if (c.right > l.right + 1) problems.push(`"${c.text}" under ${under} runs past the list`);
      // a cell cut short tells the rest on hover
      // (a flags cell's "+N" is not among its words: its tooltip lists the badges)
      if (c.cut && !squash(c.title).includes(squash(c.text).replace(/…$/, '').replace(/\+\d+$/, ''))) problems.push(`"${c.text}" under ${under} is cut without a tooltip`);
    });
  }
  expect(problems, where).toEqual([]);
  return { headers: shown, rows: l.rows.map((r) => r.filter((c) => !c.hidden)) };
}

describe('layout with the detail panel open', () => {
  const s = useServeSession({ viewport: { width: 1440, height: 880 }, colorScheme: 'light' });

  async function seed() {
    const lc = await postLifecycles(s.serve);
    // a message whose last event is a button tap (the longest type name the gateway sends)
    const tapped = `${lc.tag}-tap`;
    expect(await postCallback(s.serve.receiverUrl, { ...samples.events.suggestion_response, reference: tapped })).toBe(200);
    await waitIndexed(s.serve, `ref:${lc.tag}`, Object.values(lc.bodies).flat().length + 1);
    return { lc, tapped };
  }

  async function filtered(page: Page, q: string) {
    const search = page.getByLabel('Filter (query)');
    await search.fill(`${q} `);
    await search.press('Enter');
  }

  for (const width of [1440, 1024]) {
    it(`at ${width} px keeps every header whole and the needed columns on screen, with tooltips on cut cells`, async () => {
      const { lc, tapped } = await seed();
      const { page } = await s.openPage();
      await page.setViewportSize({ width, height: 880 });
      await filtered(page, `ref:${lc.tag}`);
      const HAPPY = lc.ref('happy_path_with_click');
      const PREPAID = lc.ref('prepaid_blocked', 0);
      await messageRow(page, tapped).waitFor();
      await messageRow(page, PREPAID).click();
      await page.getByTestId('timeline').waitFor();

      const m = await expectReadable(messagesGrid(page), ['State', 'User', 'Last event', 'First seen', 'Flags'], `messages at ${width}`);
      // the time column is the same thing for every message: when its first callback reached us (just now for all
      // of these), not the gateway's sent stamp for some and our receive time for others
      const col = m.headers.findIndex((h) => h.text.startsWith('First seen'));
      for (const row of m.rows) expect(row[col]!.text).toMatch(/^\d+ s ago$|^\d+ min ago$/);
      expect(await messageRow(page, PREPAID).getByTestId('first-seen').getAttribute('title')).toMatch(/no sent echo/);
      expect(await messageRow(page, HAPPY).getByTestId('first-seen').getAttribute('title')).toMatch(/sent .*2025-11-28/);
      await screenshot(page, `layout-messages-${width}`);

      await page.getByRole('tab', { name: /^All deliveries/ }).click();
      const retries = dataRows(deliveriesGrid(page)).filter({ hasText: 'DELIVERED' }).first();
      await retries.click();
      await page.getByTestId('delivery-detail').waitFor();
      const d = await expectReadable(deliveriesGrid(page), ['ID', 'Received', 'Answered', 'Type', 'Attempt', 'Flags'], `deliveries at ${width}`);
      // attempts are not written like delivery ids (#12)
      const attempt = d.headers.findIndex((h) => h.text.startsWith('Attempt'));
      const id = d.headers.findIndex((h) => h.text === 'ID');
      for (const row of d.rows) {
        expect(row[id]!.text).toMatch(/^#\d+$/);
        expect(row[attempt]!.text).not.toMatch(/#/);
      }
      expect(d.rows.some((r) => /^\d+ of \d+$|^\d+(st|nd|rd|th)$/.test(r[attempt]!.text))).toBe(true);
      await screenshot(page, `layout-deliveries-${width}`);
      await deliveryRow(page, Number(d.rows[0]![id]!.text.slice(1))).click();
    }, 60_000);
  }

  it('at 1024 px shows the flag badges that fit whole and "+N" for the rest, with every badge in its tooltip', async () => {
    const { lc } = await seed();
    // a fell-back message whose first badge is long ("duplicate×12"): it does not fit beside "+2", yet it is shown
    const repeated = lc.bodies.rcs_unsupported_sms_fallback![0]!;
    for (let i = 0; i < 11; i++) expect(await postCallback(s.serve.receiverUrl, repeated)).toBe(200);
    await waitIndexed(s.serve, `ref:${lc.tag}`, Object.values(lc.bodies).flat().length + 1 + 11);
    const { page } = await s.openPage();
    await page.setViewportSize({ width: 1024, height: 880 });
    await filtered(page, `ref:${lc.tag}`);
    const PREPAID = lc.ref('prepaid_blocked', 0);
    await messageRow(page, PREPAID).waitFor();
    const cells = (grid: Locator = messagesGrid(page)) =>
      grid.getByTestId('flags').evaluateAll((els) =>
        els.map((cell) => {
          const c = cell.getBoundingClientRect();
          const badges = [...cell.querySelectorAll('[data-flag], [data-anomaly]')].map((b) => {
            const r = b.getBoundingClientRect();
            const seen = getComputedStyle(b).visibility !== 'hidden' && r.width > 0;
            return { text: (b.textContent ?? '').trim(), seen, whole: r.left >= c.left - 0.5 && r.right <= c.right + 0.5 };
          });
          const more = cell.querySelector('[data-testid="badges-more"]');
          const moreSeen = more !== null && getComputedStyle(more).visibility !== 'hidden';
          return { badges, more: moreSeen ? { text: more!.textContent ?? '', title: more!.getAttribute('title') ?? '', whole: more!.getBoundingClientRect().right <= c.right + 0.5 } : null };
        }),
      );
    const problemsOf = (list: Awaited<ReturnType<typeof cells>>) => {
      const problems: string[] = [];
      let withMore = 0;
      for (const cell of list) {
        const seen = cell.badges.filter((b) => b.seen);
        for (const b of seen) if (!b.whole) problems.push(`"${b.text}" is cut`);
        if (cell.more) {
          withMore++;
          // "+N" alone says nothing: the first badge is always there, shortened if it must be
          if (seen.length === 0) problems.push(`only "${cell.more.text}" is shown, no badge`);
          // the tooltip lists every badge, one a line: those shown and the N left out
          const listed = cell.more.title.split('\n');
          if (cell.more.text !== `+${listed.length - seen.length}`) problems.push(`"${cell.more.text}" for ${listed.length - seen.length} left out`);
          if (!cell.more.whole) problems.push(`"${cell.more.text}" is cut`);
          for (const b of seen) if (!listed.includes(b.text)) problems.push(`the "+N" tooltip does not list "${b.text}"`);
        }
      }
      return { problems, withMore };
    };
    for (const detail of [false, true]) {
      if (detail) {
        await messageRow(page, PREPAID).click();
        await page.getByTestId('timeline').waitFor();
      }
      const { problems, withMore } = problemsOf(await cells());
      expect(problems, detail ? 'detail open' : 'detail closed').toEqual([]);
      // the prepaid message's two badges do not both fit: the case is really there
      expect(withMore, detail ? 'detail open' : 'detail closed').toBeGreaterThan(0);
    }
    await screenshot(page, 'layout-flags-1024');

    // the deliveries list follows the same rule, with a delivery's detail open beside it (its narrowest case)
    await page.getByRole('tab', { name: /^All deliveries/ }).click();
    const grid = deliveriesGrid(page);
    await dataRows(grid).first().waitFor();
    const firstId = Number(((await dataRows(grid).first().getByTestId('delivery-id').textContent()) ?? '').replace(/\D/g, ''));
    await deliveryRow(page, firstId).click();
    await expect.poll(async () => (await cells(grid)).some((c) => c.badges.length > 0), { timeout: 10_000 }).toBe(true);
    expect(problemsOf(await cells(grid)).problems, 'deliveries, detail open').toEqual([]);
    await screenshot(page, 'layout-delivery-flags-1024');
  });

  it('at 1024 px keeps the search box usable and the status bar readable (items left out, not each cut)', async () => {
    const { lc } = await seed();
    // a rule answering puts its badge on the status bar, as when the reviewer saw it cut (it never matches here)
    const api = apiOf(s.serve);
    await api('setRules', { rules: [{ name: 'never', match: { reference: `${lc.tag}-none` }, action: { kind: 'status', status: 503 } }] });
    try {
      const { page } = await s.openPage();
      await page.setViewportSize({ width: 1024, height: 768 });
      // the box as seen (its border), and the field typed into inside it beside the clear and help buttons
      const box = page.locator('header.toolbar .search');
      const field = page.getByLabel('Filter (query)');
      const widths = async () => ({ box: (await box.boundingBox())!.width >= 260, field: (await field.boundingBox())!.width >= 200 });
      expect(await widths(), 'the empty box, its placeholder').toEqual({ box: true, field: true });
      await filtered(page, `ref:${lc.tag} type:EXCEPTION`);
      expect(await widths(), 'the box with a query').toEqual({ box: true, field: true });
      // the rest of the toolbar stays on screen
      const settings = (await page.getByRole('button', { name: 'Settings', exact: true }).boundingBox())!;
      expect(settings.x + settings.width).toBeLessThanOrEqual(1024);
      await page.getByTestId('store-totals').filter({ hasText: 'whole store' }).waitFor();
      await page.getByTestId('rules-badge').waitFor();
      // every item on the bar is whole or left out; only the receiver URL (whole in its tooltip) may be shortened
      const cut = await page.getByTestId('statusbar').evaluate((bar) => {
        const b = bar.getBoundingClientRect();
        return [...bar.children]
          .filter((el) => el.getBoundingClientRect().width > 0 && el.getAttribute('data-testid') !== 'statusbar-receiver' && !el.classList.contains('spacer'))
          .filter((el) => el.scrollWidth > el.clientWidth + 0.5 || el.getBoundingClientRect().right > b.right + 0.5)
          .map((el) => (el.textContent ?? '').trim());
      });
      expect(cut).toEqual([]);
      expect(await page.getByTestId('statusbar').locator('[data-tunnel-state]').textContent()).toMatch(/disabled/);
      await screenshot(page, 'layout-toolbar-statusbar-1024');
    } finally {
      await api('setRules', { rules: [] });
    }
  });

  it('shows what was sent and what the user answered inline in the timeline, and opens a delivery from the keyboard', async () => {
    const { lc } = await seed();
    const media = `${uniqueTag()}-media`;
    for (const e of ['inbound_image', 'inbound_location'] as const) {
      expect(await postCallback(s.serve.receiverUrl, { ...samples.events[e], reference: media })).toBe(200);
    }
    await waitIndexed(s.serve, `ref:${media}`, 2);
    const { page } = await s.openPage();
    const HAPPY = lc.ref('happy_path_with_click');
    await filtered(page, `ref:${HAPPY}`);
    await messageRow(page, HAPPY).click();
    const timeline = page.getByTestId('timeline');
    await timeline.waitFor();
    const content = (kind: string) => timeline.getByRole('group', { name: `${kind} event` }).getByTestId('event-content');
    expect(await content('sent').first().textContent()).toContain('Black Friday: 25% OFF para você, Maria');
    const replies = await content('reply').allTextContents();
    expect(replies.join('\n')).toMatch(/button.*Quero a oferta/);
    expect(replies.join('\n')).toContain('Qual o prazo de entrega para Campinas?');
    await screenshot(page, 'timeline-content-1440');
    await page.setViewportSize({ width: 1024, height: 880 });
    await screenshot(page, 'timeline-content-1024');
    // one delivery for one event reads as such
    await filtered(page, `ref:${lc.ref('prepaid_blocked', 0)}`);
    await messageRow(page, lc.ref('prepaid_blocked', 0)).click();
    await expect.poll(() => timeline.getByTestId('delivery-count').textContent()).toBe('1 delivery for 1 event');

    await filtered(page, `ref:${media}`);
    await messageRow(page, media).click();
    await expect.poll(async () => (await content('reply').allTextContents()).join('\n')).toMatch(/image.*comprovante\.jpg|image.*https:/);
    expect((await content('reply').allTextContents()).join('\n')).toMatch(/location.*-23\.561414.*-46\.655881/);

    // keyboard: Tab reaches the timeline's attempts, arrows move between them, Enter opens the delivery
    await filtered(page, `ref:${HAPPY}`);
    await messageRow(page, HAPPY).click();
    await timeline.waitFor();
    const focusedAttempt = () => page.evaluate(() => document.activeElement?.closest('[data-testid=timeline]') ? (document.activeElement as HTMLElement).dataset.deliveryId ?? null : null);
    let reached: string | null = null;
    for (let i = 0; i < 80 && reached === null; i++) {
      await page.keyboard.press('Tab');
      reached = await focusedAttempt();
    }
    expect(reached, 'Tab never reached an attempt of the timeline').not.toBeNull();
    await page.keyboard.press('ArrowDown');
    const second = await focusedAttempt();
    expect(second).not.toBeNull();
    expect(second).not.toBe(reached);
    await page.keyboard.press('ArrowUp');
    expect(await focusedAttempt()).toBe(reached);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('delivery-detail').getAttribute('data-delivery-id')).toBe(second);
    // the list underneath did not move with the arrows
    expect(await messageRow(page, HAPPY).getAttribute('aria-selected')).toBe('true');
  }, 60_000);
});
