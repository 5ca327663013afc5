// The analytics view in Chromium against a real `serve`: every figure shown equals what getAnalytics returns for
// traffic whose figures are known, the search box scopes it, figures open the list of exactly their rows, a bad
// filter and an empty result say why, it follows live arrivals, exports CSV, and reads in both colour schemes.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { Report } from '../../shared/analytics';
import { formatDuration } from '../../shared/explain';
import { MESSAGE_STATES } from '../../shared/domain';
import { apiOf } from '../reliability/support/api';
import { postCallback, screenshot, type PageWatch } from '../support/browser';
import { campaignTraffic, type Traffic } from './analytics-traffic';
import { dataRows, deliveriesGrid, messagesGrid } from './lists';
import { samples, uniqueTag, waitIndexed } from './seed';
import { useServeSession, type ServeSession } from './session';

const count = (text: string | null) => Number((text ?? '').replace(/[^\d]/g, ''));
const ms = (v: number | null) => (v === null ? '—' : formatDuration(v));

/** posts a tag's campaign traffic and waits until the lists have all of it */
async function seed(s: ServeSession, tag = uniqueTag()): Promise<Traffic & { tag: string }> {
  const traffic = campaignTraffic(tag);
  for (const body of traffic.bodies) expect(await postCallback(s.serve.receiverUrl, body)).toBe(200);
  await waitIndexed(s.serve, `ref:${tag}`, traffic.bodies.length);
  return { ...traffic, tag };
}

const searchBox = (page: Page) => page.getByRole('textbox', { name: 'Filter (query)' });
const tab = (page: Page, name: string) => page.getByRole('tab', { name: new RegExp(`^${name}`) });
const analytics = (page: Page) => page.getByTestId('analytics');

/** types a whole query and runs it; the closing space ends the last term, so no completion of it is open to accept */
async function setQuery(page: Page, q: string) {
  await searchBox(page).fill(q ? `${q} ` : '');
  await searchBox(page).press('Enter');
}

/** the Analytics tab open on a query, once the figures of that query are shown */
async function openAnalytics(page: Page, q: string, messages: number) {
  await tab(page, 'Analytics').click();
  await setQuery(page, q);
  await expect.poll(() => analytics(page).locator('.an-scope code').textContent()).toBe(q);
  await expect.poll(async () => count(await analytics(page).getByTestId('an-messages').textContent())).toBe(messages);
}

const fig = async (scope: Locator, testId: string) => count(await scope.getByTestId(testId).first().textContent());

/** every figure the view shows, read off the page, next to the same figure of the report */
async function expectShown(page: Page, r: Report) {
  const view = analytics(page);
  expect(await fig(view, 'an-messages')).toBe(r.messages);
  for (const step of ['sent', 'delivered', 'read', 'replied'] as const) expect(await fig(view, `an-funnel-${step}`), step).toBe(r.funnel[step]);
  for (const st of MESSAGE_STATES) expect(await fig(view, `an-state-${st}`), st).toBe(r.states[st] ?? 0);

  const rows = view.getByTestId('an-campaign-row');
  expect(await rows.count()).toBe(r.byCampaign.length);
  const check = async (row: Locator, c: Pick<Report, 'funnel' | 'states'> & { messages: number }) => {
    expect(await fig(row, 'messages')).toBe(c.messages);
    for (const step of ['sent', 'delivered', 'read', 'replied'] as const) expect(await fig(row, step)).toBe(c.funnel[step]);
    for (const st of ['failed', 'fell-back', 'blocked', 'sent'] as const) expect(await fig(row, `state-${st}`)).toBe(c.states[st] ?? 0);
  };
  for (const c of r.byCampaign) {
    const messages = Object.values(c.states).reduce((a, b) => a + (b ?? 0), 0);
    await check(view.locator(`[data-testid="an-campaign-row"][data-campaign="${c.campaign ?? ''}"]`), { ...c, messages });
  }
  await check(view.getByTestId('an-campaign-total'), r);

  const fl = r.failures;
  for (const [kind, n] of Object.entries(fl.exception)) if (n > 0) expect(await fig(view, `an-exception-${kind}`)).toBe(n);
  for (const [code, n] of Object.entries(fl.error)) expect(await fig(view, `an-error-${code}`)).toBe(n);
  for (const scope of ['customer', 'account'] as const) if (fl.prepaidBlocked[scope] > 0) expect(await fig(view, `an-prepaid-${scope}`)).toBe(fl.prepaidBlocked[scope]);
  for (const id of Object.keys(fl.prepaidBlocked.accounts)) expect(await view.getByTestId('an-accounts').textContent()).toContain(id);
  expect(await fig(view, 'an-fellback')).toBe(r.fallback.fellBack);
  expect(await fig(view, 'an-fallback-missing')).toBe(r.fallback.fallbackMissing);
  expect(await fig(view, 'an-double-delivery')).toBe(r.fallback.doubleDelivery);
  expect(await fig(view, 'an-events-retried')).toBe(r.retries.eventsRetried);
  const repeats = Object.entries(r.retries.attempts).reduce((s, [a, n]) => s + (Number(a) - 1) * n, 0);
  expect(await fig(view, 'an-repeats')).toBe(repeats);
  if (r.retries.offSchedule !== undefined) expect(await fig(view, 'an-off-schedule')).toBe(r.retries.offSchedule);
  // the Nth attempts: one per callback delivered N times or more
  for (const a of Object.keys(r.retries.attempts)) {
    const atLeast = Object.entries(r.retries.attempts).reduce((s, [b, n]) => s + (Number(b) >= Number(a) ? n : 0), 0);
    expect(await fig(view.getByTestId('an-attempts').locator(`[data-attempt="${a}"]`), 'an-attempt-n')).toBe(atLeast);
  }

  for (const [key, l] of Object.entries(r.latencyMs)) {
    const card = view.getByTestId(`an-latency-${key}`);
    expect(await card.getByTestId('p50').textContent(), key).toBe(ms(l.p50));
    expect(await card.getByTestId('p90').textContent(), key).toBe(ms(l.p90));
    expect(await card.getByTestId('p99').textContent(), key).toBe(ms(l.p99));
    expect(await fig(card, 'n')).toBe(l.n);
  }
  if (r.replies) {
    for (const [list, items] of Object.entries(r.replies)) {
      const shown = await view.getByTestId(`an-top-${list}`).locator('li').allTextContents();
      expect(shown.length, list).toBe(items.length);
      items.forEach((it, i) => expect(shown[i]).toBe(`${it.value}${it.n}`));
    }
  }
}

describe('analytics view', () => {
  const s = useServeSession({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
  let page: Page;
  let watch: PageWatch;
  const open = async () => ({ page, watch } = await s.openPage());

  it('shows exactly the figures getAnalytics returns for known traffic, scoped by the search box', async () => {
    const t = await seed(s);
    await open();
    const api = apiOf(s.serve);
    const q = `ref:${t.tag}`;
    const r = await api('getAnalytics', { query: q });
    // the traffic's known figures: the report is right, so the page is checked against right numbers
    expect(r.messages).toBe(12);
    expect(r.funnel).toEqual({ sent: 11, delivered: 9, read: 6, replied: 3 });
    expect(r.states).toEqual({ delivered: 2, read: 3, replied: 3, failed: 1, 'fell-back': 1, blocked: 1, sent: 1 });
    expect(r.failures.exception).toEqual({ auth: 0, 'rcs-unsupported': 1, other: 0 });
    expect(r.failures.error).toEqual({ '503': 1 });
    expect(r.failures.prepaidBlocked).toEqual({ customer: 0, account: 1, accounts: { '778899': 1 } });
    expect(r.fallback.fellBack).toBe(1);
    expect(r.retries.eventsRetried).toBe(1);
    expect(r.retries.attempts['3']).toBe(1);

    await openAnalytics(page, q, 12);
    await expectShown(page, r);
    await screenshot(page, 'analytics-1440-light');
    // the campaign table sorts by any column: most messages first, then by name when its header is clicked
    const order = () => analytics(page).getByTestId('an-campaign-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-campaign')));
    expect(await order()).toEqual([t.campaigns.promo, t.campaigns.billing, t.campaigns.vip]);
    await analytics(page).getByRole('columnheader', { name: 'Campaign' }).getByRole('button').click();
    expect(await order()).toEqual([t.campaigns.vip, t.campaigns.billing, t.campaigns.promo].sort((a, b) => a.localeCompare(b)));
    expect(await analytics(page).getByRole('columnheader', { name: 'Campaign' }).getAttribute('aria-sort')).toBe('ascending');

    // the same view follows the box: one campaign
    const q2 = `${q} campaign:${t.campaigns.billing}`;
    const r2 = await api('getAnalytics', { query: q2 });
    expect(r2.messages).toBe(3);
    await setQuery(page, q2);
    await expect.poll(async () => count(await analytics(page).getByTestId('an-messages').textContent())).toBe(3);
    await expectShown(page, r2);
    expect(watch.pageErrors).toEqual([]);
    expect(watch.consoleErrors).toEqual([]);
  });

  it('opens the list of exactly the rows behind a figure, a campaign cell or a bar', async () => {
    const t = await seed(s);
    await open();
    const q = `ref:${t.tag}`;
    const r = await apiOf(s.serve)('getAnalytics', { query: q });
    await openAnalytics(page, q, 12);
    const view = analytics(page);

    /** clicks a figure and checks the list it lands on: the tab, the query in the box, and the rows */
    const drill = async (target: Locator, expected: { tab: 'Messages' | 'All deliveries'; query: string; rows: number }, at?: { x: number; y: number }, key?: string) => {
      expect(expected.rows, expected.query).toBeGreaterThan(0);
      if (key) await target.press(key);
      else await target.click(at ? { position: at } : undefined);
      await expect.poll(() => tab(page, expected.tab).getAttribute('aria-selected')).toBe('true');
      // the box follows the store's query on its next render
      await expect.poll(() => searchBox(page).inputValue()).toBe(expected.query);
      const grid = expected.tab === 'Messages' ? messagesGrid(page) : deliveriesGrid(page);
      await expect.poll(() => dataRows(grid).count()).toBe(expected.rows);
      await openAnalytics(page, q, 12);
    };

    await drill(view.getByTestId('an-state-read'), { tab: 'Messages', query: `${q} state:read`, rows: 3 });
    await drill(view.getByTestId('an-funnel-replied'), { tab: 'Messages', query: `${q} kind:reply`, rows: 3 });
    const promo = view.locator(`[data-testid="an-campaign-row"][data-campaign="${t.campaigns.promo}"]`);
    await drill(promo.getByTestId('replied'), { tab: 'Messages', query: `${q} campaign:${t.campaigns.promo} kind:reply`, rows: 3 });
    await drill(promo.getByTestId('messages'), { tab: 'Messages', query: `${q} campaign:${t.campaigns.promo}`, rows: 8 });
    await drill(view.getByTestId('an-fellback'), { tab: 'Messages', query: `${q} reason:rcs-unsupported flag:fallback`, rows: 1 });
    await drill(view.getByTestId('an-error-503'), { tab: 'Messages', query: `${q} reason:503`, rows: r.failures.error['503']! });
    await drill(view.getByTestId('an-account-778899'), { tab: 'Messages', query: `${q} account:778899`, rows: r.failures.prepaidBlocked.accounts['778899']! });
    await drill(view.getByTestId('an-repeats'), { tab: 'All deliveries', query: `${q} flag:duplicate`, rows: 2 });
    // "reached at least": every message with a callback of that step or a later one
    await drill(view.getByTestId('an-funnel-sent'), { tab: 'Messages', query: `${q} kind:sent,delivered,read,reply`, rows: r.funnel.sent });
    await drill(view.getByTestId('an-funnel-delivered'), { tab: 'Messages', query: `${q} kind:delivered,read,reply`, rows: r.funnel.delivered });
    // a bar of the attempts: the 3rd deliveries, one per callback delivered three times or more
    await drill(view.getByTestId('an-attempts').locator('[data-attempt="3"]').getByTestId('an-attempt-n'), { tab: 'All deliveries', query: `${q} attempt:3`, rows: r.retries.attempts['3']! });
    await drill(view.getByTestId('an-events-retried'), { tab: 'All deliveries', query: `${q} attempt:2`, rows: r.retries.eventsRetried });
    // a top reply: its words are in no other callback of these messages, so the list holds exactly its count
    const tapped = r.replies.suggestions.find((v) => v.value === 'Quero a oferta')!;
    await drill(view.getByTestId('an-top-suggestions').locator('li', { hasText: 'Quero a oferta' }).locator('button'), { tab: 'Messages', query: `${q} kind:reply "Quero a oferta"`, rows: tapped.n });
    // a histogram bar no filter reproduces says so
    expect(await view.getByTestId('an-latency-sentToDelivered').getByTestId('an-histogram').getAttribute('title')).toMatch(/no filter picks messages by the time between/);

    // the lowest segment of a bar of the chart: the sent echoes received in that bucket
    const ot = r.overTime;
    const idx = ot.t.findIndex((_, i) => ot.byKind.sent[i]! > 0);
    const over = view.getByTestId('an-overtime-chart').locator('.u-over');
    const box = (await over.boundingBox())!;
    const x0 = ot.t[0]!;
    const x1 = ot.t[ot.t.length - 1]! + ot.bucketMs;
    const x = ((ot.t[idx]! + ot.bucketMs / 2 - x0) / (x1 - x0)) * box.width;
    const from = new Date(ot.t[idx]!).toISOString();
    const to = new Date(ot.t[idx]! + ot.bucketMs).toISOString();
    const query = `${q} after:${from} before:${to} kind:sent -flag:duplicate`;
    await drill(over, { tab: 'All deliveries', query, rows: ot.byKind.sent[idx]! }, { x, y: box.height - 2 });

    // from the keyboard: arrows pick a bar, Enter lists every delivery of its bucket
    const keys = view.getByTestId('an-overtime-keys');
    await keys.focus();
    for (let i = 0; i <= idx; i++) await keys.press('ArrowRight');
    const all = Object.values(ot.byKind).reduce((n, k) => n + (k[idx] ?? 0), 0) + (ot.repeats[idx] ?? 0);
    await drill(keys, { tab: 'All deliveries', query: `${q} after:${from} before:${to}`, rows: all }, undefined, 'Enter');
  });

  it('lists exactly the deliveries a bar counts: none without a message reference', async () => {
    // one message of a user no other test has, and a callback of the same user that carries no reference
    const tag = uniqueTag();
    const user = `55${String(Date.now()).slice(-9)}${String(Math.floor(Math.random() * 100)).padStart(2, '0')}`;
    const sent = { ...samples.events.outbound_text, user_id: user, reference: `${tag}-one`, event_id: `${tag}-a`, timestamp: new Date().toISOString() };
    const { reference: _none, ...noRef } = { ...sent, event_id: `${tag}-b` };
    for (const body of [sent, noRef]) expect(await postCallback(s.serve.receiverUrl, body)).toBe(200);
    const q = `user:${user}`;
    await waitIndexed(s.serve, q, 2);
    await open();
    const r = await apiOf(s.serve)('getAnalytics', { query: q });
    const ot = r.overTime;
    const idx = ot.t.findIndex((_, i) => ot.byKind.sent[i]! > 0);
    const inBar = Object.values(ot.byKind).reduce((n, k) => n + (k[idx] ?? 0), 0) + (ot.repeats[idx] ?? 0);
    expect(inBar).toBe(1);
    await openAnalytics(page, q, 1);
    const keys = analytics(page).getByTestId('an-overtime-keys');
    await keys.focus();
    for (let i = 0; i <= idx; i++) await keys.press('ArrowRight');
    await keys.press('Enter');
    await expect.poll(() => tab(page, 'All deliveries').getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => dataRows(deliveriesGrid(page)).count()).toBe(inBar);
    expect(await searchBox(page).inputValue()).toContain('attempt:1+');
    // the lowest segment by the mouse: the same one delivery
    await openAnalytics(page, q, 1);
    const over = analytics(page).getByTestId('an-overtime-chart').locator('.u-over');
    const box = (await over.boundingBox())!;
    const x = ((ot.t[idx]! + ot.bucketMs / 2 - ot.t[0]!) / (ot.t[ot.t.length - 1]! + ot.bucketMs - ot.t[0]!)) * box.width;
    await over.click({ position: { x, y: box.height - 2 } });
    await expect.poll(() => tab(page, 'All deliveries').getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => dataRows(deliveriesGrid(page)).count()).toBe(ot.byKind.sent[idx]!);
  });

  it('reads the chart’s times in the clock chosen in Settings, and says which', async () => {
    const t = await seed(s);
    await open();
    const q = `ref:${t.tag}`;
    const r = await apiOf(s.serve)('getAnalytics', { query: q });
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('dialog', { name: 'Settings' }).getByRole('radio', { name: 'São Paulo', exact: true }).check();
    await page.getByRole('button', { name: 'Close settings' }).click();
    await openAnalytics(page, q, 12);
    const card = analytics(page).getByTestId('an-overtime');
    expect(await card.getByTestId('an-overtime-zone').textContent()).toBe('São Paulo time');
    // the legend of the bucket the keyboard reached: its start in São Paulo's wall clock (UTC−3, no DST)
    await card.getByTestId('an-overtime-keys').focus();
    await card.getByTestId('an-overtime-keys').press('ArrowRight');
    const start = new Date(r.overTime.t[0]! - 3 * 3600_000);
    const hm = `${String(start.getUTCHours()).padStart(2, '0')}:${String(start.getUTCMinutes()).padStart(2, '0')}`;
    const legend = card.locator('.u-legend .u-series').first();
    await expect.poll(() => legend.textContent()).toContain(`bucket (São Paulo)`);
    expect(await legend.textContent()).toContain(hm);
    await screenshot(page, 'analytics-zone-1440');
    // the header's window follows the clock too, and names it; switched while the view is open, it re-reads at once
    const wall = (ms: number, timeZone: string) => {
      const f = new Intl.DateTimeFormat('en-US', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
      return `${f.format(ms)}.${String(ms % 1000).padStart(3, '0')}`;
    };
    const win = analytics(page).getByTestId('an-window');
    expect(await win.textContent()).toContain(wall(r.window.from!, 'America/Sao_Paulo'));
    expect(await win.getByTestId('an-window-zone').textContent()).toBe('(São Paulo)');
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('dialog', { name: 'Settings' }).getByRole('radio', { name: 'UTC', exact: true }).check();
    await page.getByRole('button', { name: 'Close settings' }).click();
    await expect.poll(() => win.textContent()).toContain(wall(r.window.from!, 'UTC'));
    expect(await win.textContent()).toContain(wall(r.window.to!, 'UTC'));
    expect(await win.getByTestId('an-window-zone').textContent()).toBe('(UTC)');
    // the failure, retry and reply figures that now open their lists, at both widths
    for (const width of [1440, 1024]) {
      await page.setViewportSize({ width, height: 900 });
      await analytics(page).getByTestId('an-retries').scrollIntoViewIfNeeded();
      await screenshot(page, `analytics-drills-${width}`);
    }
  });

  it('says why when the filter does not parse or matches nothing, as the lists do', async () => {
    const t = await seed(s);
    await open();
    await tab(page, 'Analytics').click();
    await setQuery(page, `ref:${t.tag} state:bogus`);
    const error = analytics(page).getByTestId('an-error');
    await error.waitFor();
    const boxError = page.locator('.search').getByRole('alert');
    const message = await boxError.textContent();
    expect(message).toContain('unknown state "bogus"');
    expect(await error.textContent()).toContain(message!);
    // the lists show the same message for the same query
    await tab(page, 'Messages').click();
    expect(await boxError.textContent()).toBe(message);
    // and no count: neither the tabs nor the chips keep the figures of the query before
    await expect.poll(() => page.getByTestId('messages-count').count()).toBe(0);
    expect(await page.getByTestId('deliveries-count').count()).toBe(0);
    expect(await page.getByTestId('chip-count').count()).toBe(0);

    await tab(page, 'Analytics').click();
    await setQuery(page, `ref:${t.tag}-nothing`);
    const empty = analytics(page).getByTestId('an-empty');
    await empty.waitFor();
    expect(await empty.textContent()).toContain(`No message matches ref:${t.tag}-nothing`);
    await empty.getByRole('button', { name: 'Clear the filter' }).click();
    await expect.poll(() => searchBox(page).inputValue()).toBe('');
  });

  it('follows callbacks as they arrive while it is shown', async () => {
    const t = await seed(s);
    await open();
    const q = `ref:${t.tag}`;
    await openAnalytics(page, q, 12);
    expect(await fig(analytics(page), 'an-funnel-sent')).toBe(11);
    // a new message of the same traffic: its sent echo, then its DELIVERED
    const more = campaignTraffic(t.tag).bodies[0]!;
    await postCallback(s.serve.receiverUrl, { ...more, reference: `${t.tag}-late`, event_id: `${t.tag}-late` });
    await expect.poll(async () => count(await analytics(page).getByTestId('an-messages').textContent()), { timeout: 20_000 }).toBe(13);
    expect(await fig(analytics(page), 'an-state-sent')).toBe(2);
    // the list behind the view was not refreshed meanwhile; shown again, it has the new message
    await tab(page, 'Messages').click();
    await expect.poll(() => dataRows(messagesGrid(page)).count()).toBe(13);
  });

  it('keeps the chart, and the bar picked from the keyboard, through a live refresh; the pick is announced', async () => {
    const t = await seed(s);
    await open();
    const q = `ref:${t.tag}`;
    const r = await apiOf(s.serve)('getAnalytics', { query: q });
    await openAnalytics(page, q, 12);
    const card = analytics(page).getByTestId('an-overtime');
    const keys = card.getByTestId('an-overtime-keys');
    await keys.focus();
    await keys.press('ArrowRight');
    const ot = r.overTime;
    const first = Object.values(ot.byKind).reduce((n, k) => n + (k[0] ?? 0), 0) + (ot.repeats[0] ?? 0);
    const picked = card.getByTestId('an-overtime-picked');
    await expect.poll(() => picked.textContent()).toContain(`: ${first} deliveries — `);
    expect(await picked.getAttribute('aria-live')).toBe('polite');
    const bucket = (await picked.textContent())!.split(': ')[0];
    const legend = card.locator('.u-legend .u-series').first();
    const before = await legend.textContent();
    expect(before).not.toContain('—');
    const canvas = card.getByTestId('an-overtime-chart').locator('canvas');
    await canvas.evaluate((c) => c.setAttribute('data-kept', 'yes'));

    const more = campaignTraffic(t.tag).bodies[0]!;
    await postCallback(s.serve.receiverUrl, { ...more, reference: `${t.tag}-late`, event_id: `${t.tag}-late` });
    await expect.poll(async () => count(await analytics(page).getByTestId('an-messages').textContent()), { timeout: 20_000 }).toBe(13);
    // the same canvas, given the new figures: the picked bar, its legend and its announcement stay
    expect(await canvas.getAttribute('data-kept')).toBe('yes');
    expect(await legend.textContent()).toBe(before);
    expect((await picked.textContent())!.split(': ')[0]).toBe(bucket);
    await keys.press('ArrowRight');
    if (ot.t.length > 1) await expect.poll(() => picked.textContent()).not.toContain(bucket);
  });

  it('holds its figures while live updates are paused, says so, and reads them once on resume', async () => {
    const t = await seed(s);
    await open();
    const q = `ref:${t.tag}`;
    await openAnalytics(page, q, 12);
    const live = analytics(page).getByTestId('an-live');
    expect(await live.textContent()).toBe('live');
    await page.getByRole('button', { name: 'Pause live' }).click();
    await expect.poll(() => live.textContent()).toBe('paused');
    const more = campaignTraffic(t.tag).bodies[0]!;
    await postCallback(s.serve.receiverUrl, { ...more, reference: `${t.tag}-late`, event_id: `${t.tag}-late` });
    // the arrival reached the view (it now says its figures are out of date) and the figures stayed
    await expect.poll(() => live.textContent(), { timeout: 20_000 }).toBe('paused · new callbacks not counted');
    expect(count(await analytics(page).getByTestId('an-messages').textContent())).toBe(12);
    await page.getByRole('button', { name: 'Resume live' }).click();
    await expect.poll(async () => count(await analytics(page).getByTestId('an-messages').textContent()), { timeout: 20_000 }).toBe(13);
    await expect.poll(() => live.textContent()).toBe('live');
  });

  it('exports the campaign table and each chart as CSV, with formula-like cells escaped', async () => {
    const t = await seed(s);
    await open();
    await openAnalytics(page, `ref:${t.tag}`, 12);
    const save = async (card: string) => {
      const [download] = await Promise.all([page.waitForEvent('download'), analytics(page).getByTestId(card).getByRole('button', { name: 'Export CSV' }).click()]);
      return fs.readFileSync((await download.path())!, 'utf8');
    };
    const campaigns = (await save('an-campaigns')).trim().split('\r\n');
    expect(campaigns[0]).toBe('campaign,messages,sent,delivered,read,replied,state sent,state delivered,state read,state replied,state failed,state fell-back,state blocked');
    expect(campaigns).toContain(`${t.campaigns.promo},8,8,7,5,3,1,1,2,3,0,1,0`);
    expect(campaigns).toContain(`'${t.campaigns.vip},1,1,1,0,0,0,1,0,0,0,0,0`);
    expect(campaigns.at(-1)).toBe('(total),12,11,9,6,3,1,2,3,3,1,1,1');
    const overTime = (await save('an-overtime')).trim().split('\r\n');
    expect(overTime[0]).toMatch(/^bucket start,bucket end,sent echo,delivered,/);
    const total = overTime.slice(1).reduce((n, line) => n + line.split(',').slice(2).reduce((a, v) => a + Number(v), 0), 0);
    expect(total).toBe(t.bodies.length);
    const delay = (await save('an-latency-callbackDelay')).trim().split('\r\n');
    expect(delay.slice(1).reduce((n, line) => n + Number(line.split(',')[2]), 0)).toBe(t.bodies.length);
  });

  it('marks the tunnel outages that fall in the chart’s window', async () => {
    const t = await seed(s);
    await open();
    // serve runs without a tunnel here: its status is given two outages, one during this traffic, one long before
    const now = Date.now();
    await page.route('**/api/call/getStatus', async (route) => {
      const res = await route.fetch();
      const status = await res.json();
      status.tunnel.downtime = [
        { from: now - 86_400_000, to: now - 86_000_000, reason: 'long ago' },
        { from: now - 60_000, to: null, reason: 'tunnel server unreachable' },
      ];
      await route.fulfill({ response: res, json: status });
    });
    await page.reload();
    await openAnalytics(page, `ref:${t.tag}`, 12);
    const key = analytics(page).getByTestId('an-downtime');
    expect(await key.textContent()).toBe('tunnel down (1)');
    expect(await key.getAttribute('title')).toContain('tunnel server unreachable');
  });

  it('reads in light and dark, resizes its charts with the window, and loads nothing the policy refuses', async () => {
    const t = await seed(s);
    await open();
    await openAnalytics(page, `ref:${t.tag}`, 12);
    const card = analytics(page).getByTestId('an-funnel');
    const look = () => card.evaluate((e) => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]);
    const canvasWidth = () => analytics(page).getByTestId('an-overtime-chart').locator('canvas').evaluate((c) => (c as HTMLCanvasElement).getBoundingClientRect().width);
    const light = await look();
    const wide = await canvasWidth();
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(look).not.toEqual(light);
    await screenshot(page, 'analytics-1440-dark');
    await analytics(page).getByTestId('an-latency-readToReply').scrollIntoViewIfNeeded();
    await screenshot(page, 'analytics-latency-1440-dark');
    await page.setViewportSize({ width: 1024, height: 800 });
    await expect.poll(canvasWidth).toBeLessThan(wide - 300);
    await screenshot(page, 'analytics-1024-dark');
    await analytics(page).getByTestId('an-latency-readToReply').scrollIntoViewIfNeeded();
    await screenshot(page, 'analytics-latency-1024-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(look).toEqual(light);
    await screenshot(page, 'analytics-1024-light');
    await analytics(page).getByTestId('an-latency-readToReply').scrollIntoViewIfNeeded();
    await screenshot(page, 'analytics-latency-1024-light');
    expect(watch.pageErrors).toEqual([]);
    expect(watch.consoleErrors).toEqual([]);
  });
});

describe('analytics view of an empty store', () => {
  const s = useServeSession({ viewport: { width: 1280, height: 800 }, servePerTest: true });

  it('says no callbacks have arrived yet', async () => {
    const { page } = await s.openPage();
    await tab(page, 'Analytics').click();
    const empty = analytics(page).getByTestId('an-empty');
    await empty.waitFor();
    expect(await empty.textContent()).toContain('No callbacks yet');
  });
});
