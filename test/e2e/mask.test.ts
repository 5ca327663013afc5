// "Mask personal data" in a real Chromium against `serve`: once switched on, no customer phone number, reply text or
// name is left anywhere the page shows or would show (text, titles, labels) in the lists, a timeline, a delivery's
// preview, JSON and raw body, search results and Analytics; the status bar says masking is on; the cURL copy and a
// masked CLI export hold none either. `serve --mask` starts masked; a window follows a switch made elsewhere. Screenshots go to /tmp/shots-mask/.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiOf } from '../reliability/support/api';
import { postCallback } from '../support/browser';
import { runCli, startServe } from '../support/serve';
import { dataRows, deliveriesGrid, messageRow, messagesGrid } from './lists';
import { samples, uniqueTag, waitIndexed } from './seed';
import { useServeSession, type ServeSession } from './session';

const SHOTS = '/tmp/shots-mask';

type Body = Record<string, unknown>;

/** realistic traffic: the sample lifecycles plus a campaign whose customers typed their own numbers and names */
function traffic(tag: string) {
  const ev = samples.events;
  const now = Date.now();
  const at = (i: number) => new Date(now - 60_000 + i * 500).toISOString();
  const bodies: Body[] = Object.values(samples.lifecycles).flatMap((l) => l.map((d) => ({ ...d.body, reference: `${tag}-${String(d.body.reference)}` })));
  const phones = ['5511987650021', '5521976540032', '5531965430043'];
  const replies = ['Pode me ligar no (11) 98123-4567 depois das 18h', 'Meu endereço é Rua das Acácias 123, Moema', 'Prefiro receber pelo WhatsApp da Juliana'];
  const names = ['Anastácia', 'Florisbela', 'Genivaldo'];
  phones.forEach((phone, i) => {
    const reference = `${tag}-cust-${i}`;
    const base = { reference, campaign_name: 'retencao_dez', user_id: phone, session_id: null, vars: { nome: names[i], pedido: `PX-${7301 + i}` } };
    bodies.push(
      { ...ev.outbound_text, ...base, event_id: `${reference}-e1`, timestamp: at(i * 4), message: { contentType: 'text', text: `Olá ${names[i]}, seu pedido PX-${7301 + i} chegou` } },
      { ...ev.delivered, ...base, event_id: `${reference}-e1`, timestamp: at(i * 4 + 1) },
      { ...ev.read, ...base, event_id: `${reference}-e1`, timestamp: at(i * 4 + 2) },
      { ...ev.inbound_text, ...base, event_id: `${reference}-e2`, timestamp: at(i * 4 + 3), message: { contentType: 'text', text: replies[i] } },
    );
  });
  // a tapped suggestion: its label and postback are the business's own words (shown), but a phone number the
  // business put in the postback is still masked
  bodies.push({ ...ev.suggestion_response, reference: `${tag}-cust-0`, user_id: phones[0], event_id: `${tag}-tap`, timestamp: at(20), message: { contentType: 'suggestionResponse', suggestionResponse: { type: 'REPLY', text: 'Cancelar assinatura', postbackData: 'cancel_9931_ligar_5511945670088' } } });
  // what customers sent besides words: a photo and where they are
  bodies.push(
    { ...ev.inbound_image, reference: `${tag}-cust-2`, user_id: phones[2], event_id: `${tag}-img`, timestamp: at(21) },
    { ...ev.inbound_location, reference: `${tag}-cust-2`, user_id: phones[2], event_id: `${tag}-loc`, timestamp: at(22) },
  );
  const allPhones = [...phones, '11981234567', '5511945670088', ...bodies.map((b) => String(b.user_id))];
  const secretTexts = [...replies, ...names, 'Qual o prazo de entrega', 'Campinas', 'Maria', 'Lucas', 'Paulo', 'A-10293', 'PX-7301', 'comprovante', '-23.561414', '-46.655881'];
  return { bodies, phones: [...new Set(allPhones)], secretTexts };
}

type Secrets = ReturnType<typeof traffic>;

/** everything the page shows or would show: visible text, the title, every tooltip and accessible label */
const pageTexts = (page: Page) =>
  page.evaluate(() => {
    const texts = [document.title, document.body.innerText];
    for (const el of document.querySelectorAll('[title], [aria-label], [data-tooltip], [placeholder], [alt]')) {
      for (const a of ['title', 'aria-label', 'data-tooltip', 'placeholder', 'alt']) {
        const v = el.getAttribute(a);
        if (v) texts.push(v);
      }
    }
    return texts.join('\n');
  });

/** phone numbers (by their last 8 digits, however spaced or punctuated) and customer words found in `text` */
function leaksIn(text: string, s: Secrets): string[] {
  // "(11) 98123-4567" and "5511 98123 4567" read as one run of digits
  const digits = text.replace(/(?<=\d)[\s().+-]{1,3}(?=\d)/g, '');
  const found = s.phones.filter((p) => digits.includes(p.slice(-8))).map((p) => `phone ${p}`);
  for (const t of s.secretTexts) if (text.includes(t)) found.push(`text "${t}"`);
  return found;
}

async function expectNoLeaks(page: Page, s: Secrets, where: string) {
  expect(leaksIn(await pageTexts(page), s), where).toEqual([]);
}

async function shots(page: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const width of [1440, 1024]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(150);
    await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`) });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

const searchBox = (page: Page) => page.getByRole('textbox', { name: 'Filter (query)' });
const tab = (page: Page, name: string) => page.getByRole('tab', { name: new RegExp(`^${name}`) });

async function setQuery(page: Page, q: string) {
  await searchBox(page).fill(q ? `${q} ` : '');
  await searchBox(page).press('Enter');
}

let s: ServeSession;

async function seed() {
  const tag = uniqueTag();
  const t = traffic(tag);
  for (const body of t.bodies) expect(await postCallback(s.serve.receiverUrl, body)).toBe(200);
  await waitIndexed(s.serve, `ref:${tag}`, t.bodies.length);
  return { tag, ...t };
}

describe('mask personal data', () => {
  s = useServeSession({ viewport: { width: 1440, height: 900 }, clipboard: true });

  it('hides every phone number, reply and name on every view once switched on, and search still finds the real words', async () => {
    const secrets = await seed();
    const { page, watch } = await s.openPage();
    const grid = messagesGrid(page);
    await dataRows(grid).first().waitFor();
    // unmasked, the same check finds them: it can fail
    await expect.poll(async () => leaksIn(await pageTexts(page), secrets).length).toBeGreaterThan(0);
    expect(await page.getByTestId('mask-badge').count()).toBe(0);

    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByTestId('mask-setting').check();
    await expect.poll(() => page.getByTestId('mask-badge').count()).toBe(1);
    await page.getByRole('button', { name: 'Close settings' }).click();
    expect(await page.getByTestId('mask-badge').textContent()).toContain('masked');

    // Messages
    await expect.poll(() => grid.getByTestId('user').first().textContent()).toMatch(/^55 \d\d \d•+-••\d\d$/);
    await expectNoLeaks(page, secrets, 'messages list');
    await shots(page, 'messages');

    // a timeline, then a reply delivery in each of its tabs
    await messageRow(page, `${secrets.tag}-cust-0`).click();
    await page.getByTestId('timeline').waitFor();
    // why a note cannot be added is said on screen, not only in a tooltip
    await expect.poll(() => page.getByTestId('mark-bar').first().innerText()).toContain('notes are hidden while personal data is masked');
    await expect.poll(() => page.getByTestId('event-content').count()).toBeGreaterThan(0);
    await expectNoLeaks(page, secrets, 'timeline');
    await shots(page, 'timeline');
    await page.locator('[data-testid=event][data-kind=reply] [data-attempt-row]').first().click();
    const detail = page.getByTestId('delivery-detail');
    await detail.waitFor();
    await page.getByTestId('preview').waitFor();
    await expectNoLeaks(page, secrets, 'delivery preview');
    await page.getByRole('tab', { name: 'JSON' }).click();
    await page.getByTestId('json-tree').waitFor();
    await expectNoLeaks(page, secrets, 'JSON tree');
    await page.getByRole('tab', { name: 'Raw request' }).click();
    await expect.poll(() => page.getByTestId('raw-body').textContent()).toContain('"user_id":"55 11 9••••-••21"');
    await expectNoLeaks(page, secrets, 'raw body');
    await shots(page, 'raw-body');
    await page.getByRole('button', { name: 'Copy as cURL' }).click();
    await page.getByText('cURL command copied').waitFor();
    const curl = await page.evaluate(() => navigator.clipboard.readText());
    expect(curl).toContain('"user_id":"55 11 9••••-••21"');
    expect(leaksIn(curl, secrets), 'cURL copy').toEqual([]);
    await page.getByRole('tab', { name: /^Replay/ }).click();
    await expectNoLeaks(page, secrets, 'replay tab');
    await page.getByRole('button', { name: 'Close detail' }).click();

    // All deliveries
    await tab(page, 'All deliveries').click();
    await dataRows(deliveriesGrid(page)).first().waitFor();
    await expectNoLeaks(page, secrets, 'deliveries list');
    await shots(page, 'deliveries');
    for (const type of ['LOCATION', 'IMAGE']) {
      await dataRows(deliveriesGrid(page)).filter({ hasText: type }).first().click();
      await page.getByTestId('preview').waitFor();
      await expect.poll(() => page.getByTestId('preview').textContent()).toContain('hidden: personal data is masked');
      await expectNoLeaks(page, secrets, `${type} preview`);
    }
    await shots(page, 'location');
    await page.getByRole('button', { name: 'Close detail' }).click();

    // Analytics, with its top replies
    await tab(page, 'Analytics').click();
    await page.getByTestId('an-top-texts').waitFor();
    await expect.poll(() => page.getByTestId('an-top-texts').textContent()).toContain('•••');
    // the tapped suggestion and its postback are the business's words: readable, the phone in the postback masked
    await expect.poll(() => page.getByTestId('an-top-suggestions').textContent()).toContain('Cancelar assinatura');
    expect(await page.getByTestId('an-top-postbacks').textContent()).toContain('cancel_9931_ligar_55 11 9••••-••88');
    await expectNoLeaks(page, secrets, 'analytics');
    await page.getByTestId('an-top-texts').scrollIntoViewIfNeeded();
    await shots(page, 'analytics');

    // search runs on the real words, and its results are masked
    await tab(page, 'Messages').click();
    await setQuery(page, 'Moema');
    await expect.poll(() => dataRows(grid).count()).toBe(1);
    expect(await grid.getByTestId('user').first().textContent()).toBe('55 21 9••••-••32');
    // the query is the user's own typing, in the box and echoed under "no match": only the rows are checked
    expect(leaksIn((await grid.innerText()) + (await grid.evaluate((g) => [...g.querySelectorAll('[title]')].map((e) => e.getAttribute('title')).join('\n'))), secrets)).toEqual([]);
    await shots(page, 'search');
    expect(watch.pageErrors).toEqual([]);
  });

  it('a masked CLI export holds no phone number nor reply, in NDJSON, CSV and HAR', async () => {
    const secrets = await seed();
    for (const args of [['--format', 'ndjson'], ['--format', 'csv'], ['--format', 'har'], ['--format', 'csv', '--messages'], ['--format', 'ndjson', '--messages']]) {
      const out = await runCli(['export', '--data-dir', s.serve.dataDir, ...args, '--filter', `ref:${secrets.tag}`, '--mask']);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout.length).toBeGreaterThan(100);
      expect(leaksIn(out.stdout, secrets), args.join(' ')).toEqual([]);
    }
    const plain = await runCli(['export', '--data-dir', s.serve.dataDir, '--format', 'ndjson', '--filter', `ref:${secrets.tag}`]);
    expect(leaksIn(plain.stdout, secrets).length).toBeGreaterThan(0);
  });

  it('serve --mask starts with masking on', async () => {
    const masked = await startServe(['--mask']);
    try {
      const tag = uniqueTag();
      const t = traffic(tag);
      for (const body of t.bodies.slice(-5)) expect(await postCallback(masked.receiverUrl, body)).toBe(200);
      await waitIndexed(masked, `ref:${tag}`, 5);
      const { page } = await s.openPage(masked.uiUrl);
      await dataRows(messagesGrid(page)).first().waitFor();
      await page.getByTestId('mask-badge').waitFor();
      await expectNoLeaks(page, t, 'serve --mask');
      // switched off elsewhere (another window): this one follows once brought forward
      await apiOf(masked)('updateSettings', { maskPersonalData: false });
      await page.evaluate(() => window.dispatchEvent(new Event('focus')));
      await expect.poll(() => page.getByTestId('mask-badge').count()).toBe(0);
      await expect.poll(async () => leaksIn(await pageTexts(page), t).length).toBeGreaterThan(0);
    } finally {
      await masked.stop();
    }
  });
});
