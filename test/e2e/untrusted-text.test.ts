// Text written by strangers, in a real Chromium against `serve`: bidi overrides and invisible characters are shown
// as codes (so "gnp.exe" behind U+202E cannot pose as "exe.png"), and a plain-http image says why it cannot load.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { PageWatch } from '../support/browser';
import { deliveryRow, messageRow } from './lists';
import { samples, uniqueTag, waitIndexed } from './seed';
import { useServeSession, type ServeSession } from './session';

const RLO = '\u202E';
const SHOWN = '⟨U+202E⟩';
const now = () => new Date().toISOString();

/** the callbacks of one test, under references of its own */
function bodiesFor(tag: string) {
  const spoofed = {
    ...samples.events.outbound_richcard,
    reference: `${tag}-bidi-1`,
    event_id: 'bidi-ev-1',
    campaign_name: `promo${RLO}gnp.exe`,
    user_id: `5511${RLO}99990001`,
    timestamp: now(),
    message: {
      contentType: 'richCard',
      message: {
        title: `invoice${RLO}gnp.exe`,
        description: `first line\nfree${RLO}fdp.bat`,
        suggestions: [{ type: 'reply', title: `ok${RLO}yap`, value: `post${RLO}back` }],
      },
    },
    vars: { [`k${RLO}ey`]: `va${RLO}lue` },
  };
  const reply = {
    ...samples.events.inbound_text,
    reference: `${tag}-bidi-2`,
    event_id: 'bidi-ev-2',
    timestamp: now(),
    message: { contentType: 'text', text: `see attached${RLO}gnp.exe\u200B\nthanks` },
  };
  const httpImage = {
    ...samples.events.inbound_image,
    reference: `${tag}-http-image`,
    event_id: 'http-image-ev-1',
    timestamp: now(),
    message: { contentType: 'image', image: { mimeType: 'image/jpeg', fileName: 'photo.jpg', fileUri: 'http://127.0.0.1:9/photo.jpg' } },
  };
  const httpsImage = { ...samples.events.inbound_image, reference: `${tag}-https-image`, event_id: 'https-image-ev-1', timestamp: now() };
  return { spoofed, reply, httpImage, httpsImage };
}

let s: ServeSession;
let page: Page;
let watch: PageWatch;

async function post(body: unknown): Promise<number> {
  const res = await fetch(`${s.serve.receiverUrl}/callbacks`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: number }).id;
}

/** posts this test's callbacks, waits until they are indexed, and opens a page on them */
async function seed() {
  const tag = uniqueTag();
  const bodies = bodiesFor(tag);
  const ids = {} as Record<keyof typeof bodies, number>;
  for (const [name, body] of Object.entries(bodies)) ids[name as keyof typeof bodies] = await post(body);
  await waitIndexed(s.serve, `ref:${tag}`, Object.keys(bodies).length);
  ({ page, watch } = await s.openPage());
  return { tag, bodies, ids };
}

/** Every piece of text the page shows or would show as a tooltip or label that still holds a bidi or zero-width character. */
const rawHiddenOnPage = () =>
  page.evaluate(() => {
    const hidden = /[\u202A-\u202E\u2066-\u2069\u200B-\u200F\u061C\uFEFF]/;
    const texts = [document.body.textContent ?? ''];
    for (const el of document.querySelectorAll('[title], [aria-label]')) texts.push(el.getAttribute('title') ?? '', el.getAttribute('aria-label') ?? '');
    return texts.filter((t) => hidden.test(t));
  });

async function showDeliveries(tag: string) {
  await page.getByLabel('Filter (query)').fill(`ref:${tag} `);
  await page.getByLabel('Filter (query)').press('Enter');
  await page.getByRole('tab', { name: /All deliveries/ }).click();
}

async function openDelivery(id: number) {
  await deliveryRow(page, id).click();
  const dd = page.getByTestId('delivery-detail');
  await dd.filter({ has: page.getByText(`#${id}`, { exact: true }) }).waitFor();
  return dd;
}

describe('untrusted text and media in the inspector UI', () => {
  s = useServeSession({ viewport: { width: 1440, height: 880 }, clipboard: true, sharedContext: true });

  it('shows U+202E as a code in the message list, never the raw character', async () => {
    const { bodies } = await seed();
    const row = messageRow(page, bodies.spoofed.reference);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.getByTestId('campaign').textContent()).toBe(`promo${SHOWN}gnp.exe`);
    expect(await row.getByTestId('user').textContent()).toBe(`5511${SHOWN}99990001`);
    expect(await row.getByTestId('user').getAttribute('title')).toBe(`5511${SHOWN}99990001`);
    expect(await rawHiddenOnPage()).toEqual([]);
  });

  it('shows the codes in the message timeline', async () => {
    const { bodies } = await seed();
    await messageRow(page, bodies.spoofed.reference).click();
    const timeline = page.getByTestId('timeline');
    await timeline.waitFor();
    await expect.poll(() => timeline.textContent()).toContain(`promo${SHOWN}gnp.exe`);
    expect(await timeline.textContent()).toContain(`5511${SHOWN}99990001`);
    expect(await rawHiddenOnPage()).toEqual([]);
    await page.getByRole('button', { name: 'Close detail' }).click();
  });

  it('shows the codes in the deliveries list and in every tab of a delivery', async () => {
    const { tag, ids } = await seed();
    await showDeliveries(tag);
    await deliveryRow(page, ids.reply).waitFor({ timeout: 10_000 });
    expect(await deliveryRow(page, ids.reply).getByTestId('body-preview').textContent()).toContain(`attached${SHOWN}gnp.exe⟨U+200B⟩`);
    expect(await rawHiddenOnPage()).toEqual([]);

    let dd = await openDelivery(ids.spoofed);
    const preview = dd.getByTestId('preview');
    expect(await preview.getByTestId('card-title').textContent()).toBe(`invoice${SHOWN}gnp.exe`);
    expect(await preview.getByTestId('card-description').textContent()).toBe(`first line\nfree${SHOWN}fdp.bat`);
    expect(await preview.getByTestId('suggestion').textContent()).toContain(`ok${SHOWN}yap`);
    expect(await preview.getByTestId('var').textContent()).toBe(`k${SHOWN}ey=va${SHOWN}lue`);
    expect(await rawHiddenOnPage()).toEqual([]);

    await dd.getByRole('tab', { name: 'JSON' }).click();
    await dd.getByTestId('json-tree').waitFor();
    expect(await dd.locator('[data-path="$.message.message.title"]').textContent()).toContain(`"invoice${SHOWN}gnp.exe"`);
    expect(await rawHiddenOnPage()).toEqual([]);

    // the raw view shows the code too; what is copied or replayed is still the original text
    await dd.getByRole('tab', { name: 'Raw request' }).click();
    expect(await dd.getByTestId('raw-body').textContent()).toContain(`"title":"invoice${SHOWN}gnp.exe"`);
    expect(await rawHiddenOnPage()).toEqual([]);
    await dd.getByRole('button', { name: 'Copy body' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toContain(`invoice${RLO}gnp.exe`);

    dd = await openDelivery(ids.reply);
    // a message body keeps its line break; the zero-width space is shown
    expect(await dd.getByTestId('bubble').textContent()).toBe(`see attached${SHOWN}gnp.exe⟨U+200B⟩\nthanks`);
    expect(await rawHiddenOnPage()).toEqual([]);
    expect(watch.pageErrors).toEqual([]);
  });

  it('a plain-http image says the security policy blocks it and offers the browser instead of "Load image"', async () => {
    const { tag, ids } = await seed();
    await showDeliveries(tag);
    const dd = await openDelivery(ids.httpImage);
    const media = dd.getByTestId('preview').getByTestId('media');
    await media.waitFor();
    expect(await media.getByRole('button', { name: 'Load image' }).count()).toBe(0);
    expect(await media.textContent()).toMatch(/plain-http images are blocked by the app's security policy/i);
    const open = media.getByRole('link', { name: 'Open in browser' });
    expect(await open.getAttribute('href')).toBe('http://127.0.0.1:9/photo.jpg');
    expect(await open.getAttribute('rel')).toBe('noopener noreferrer');
    await media.getByRole('button', { name: 'Copy URL' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('http://127.0.0.1:9/photo.jpg');
    expect(await page.locator('img').count()).toBe(0);

    // an https image still offers to load (not clicked: tests stay on 127.0.0.1)
    const other = await openDelivery(ids.httpsImage);
    expect(await other.getByTestId('preview').getByRole('button', { name: 'Load image' }).count()).toBe(1);
  });
});
