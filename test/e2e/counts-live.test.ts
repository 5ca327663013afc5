// Counts during live traffic: a user watching a burst sees one total, not two. With no search the tabs
// ("Messages N", "All deliveries N") and the status bar show the same figures at every moment, and deliveries stored
// but not yet indexed are said apart ("N waiting to be indexed"); with a search the tabs count its matches and the
// status bar's store totals say they are the whole store's. In a real Chromium against a real `serve`, sampled many
// times while callbacks are posted by a few concurrent workers and after.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { postCallback, screenshot } from '../support/browser';
import { samples, uniqueTag } from './seed';
import { FakeCore } from './fake-core';
import { useFakeCoreSession, useServeSession } from './session';

interface Sample {
  query: string;
  tabMessages: number | null;
  tabDeliveries: number | null;
  /** the status bar's store totals, null when not shown */
  barDeliveries: number | null;
  barMessages: number | null;
  /** the words in front of the totals ("" when none) */
  barLabel: string;
  barText: string;
}

/** one synchronous read of the page, so the tabs and the status bar are read in the same frame */
function sample(page: Page): Promise<Sample> {
  return page.evaluate(() => {
    const digits = (t: string | null | undefined) => {
      const m = t?.match(/[\d,]+/);
      return m ? Number(m[0].replace(/,/g, '')) : null;
    };
    const bar = document.querySelector('[data-testid="statusbar"]')?.textContent ?? '';
    const totals = bar.match(/(?:([a-z][a-z ]*):\s*)?([\d,]+) deliver(?:y|ies) · ([\d,]+) messages?/);
    return {
      query: (document.querySelector('input[aria-label="Filter (query)"]') as HTMLInputElement | null)?.value.trim() ?? '',
      tabMessages: digits(document.querySelector('[data-testid="messages-count"]')?.textContent),
      tabDeliveries: digits(document.querySelector('[data-testid="deliveries-count"]')?.textContent),
      barDeliveries: totals ? Number(totals[2]!.replace(/,/g, '')) : null,
      barMessages: totals ? Number(totals[3]!.replace(/,/g, '')) : null,
      barLabel: totals?.[1] ?? '',
      barText: bar,
    };
  });
}

const base = samples.lifecycles.happy_path_with_click[0]!.body;
/** the i-th callback of a burst: `perMessage` deliveries under each reference */
const body = (tag: string, i: number, perMessage: number) => ({
  ...base,
  reference: `${tag}-m${Math.floor(i / perMessage)}`,
  event_id: `${tag}-ev${i}`,
  timestamp: new Date().toISOString(),
});

/** posts `total` callbacks from `workers` concurrent senders, as a gateway flushing a queue does */
async function burst(receiverUrl: string, tag: string, total: number, perMessage: number, workers = 4): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < total) {
        const i = next++;
        expect(await postCallback(receiverUrl, body(tag, i, perMessage))).toBe(200);
      }
    }),
  );
}

/** samples the page until `done` settles and then until `settled` holds for a sample (or the time is up) */
async function sampleWhile(page: Page, done: Promise<unknown>, settled: (s: Sample) => boolean, timeoutMs = 30_000): Promise<Sample[]> {
  let finished = false;
  void done.then(
    () => (finished = true),
    () => (finished = true),
  );
  const out: Sample[] = [];
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await sample(page);
    out.push(s);
    if (finished && settled(s)) break;
    if (Date.now() > until) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  await done;
  return out;
}

describe('counts during live traffic', () => {
  const s = useServeSession({ viewport: { width: 1440, height: 900 }, servePerTest: true });

  it('shows the same totals in the tabs and the status bar at every moment of a burst, and the query\'s own counts apart from the store\'s', { timeout: 120_000 }, async () => {
    const { page } = await s.openPage();
    await page.getByRole('button', { name: 'Settings', exact: true }).waitFor();

    // no search: the tabs and the status bar count the same thing
    const a = uniqueTag();
    const firstTotal = 1800;
    const firstMessages = firstTotal / 6;
    const first = await sampleWhile(page, burst(s.serve.receiverUrl, a, firstTotal, 6), (x) => x.barDeliveries === firstTotal && x.tabDeliveries === firstTotal && x.tabMessages === firstMessages);
    const shown = first.filter((x) => x.query === '' && x.barDeliveries !== null && x.tabDeliveries !== null && x.tabMessages !== null);
    // a burst seen at many moments, not only before and after it
    const moments = new Set(shown.map((x) => x.barDeliveries));
    expect(moments.size).toBeGreaterThan(3);
    const disagreeing = shown.filter((x) => x.tabDeliveries !== x.barDeliveries || x.tabMessages !== x.barMessages);
    expect(disagreeing.map((x) => `tabs ${x.tabMessages}/${x.tabDeliveries}, bar "${x.barText.slice(-120)}"`)).toEqual([]);
    const last = first.at(-1)!;
    expect([last.tabMessages, last.tabDeliveries, last.barMessages, last.barDeliveries]).toEqual([firstMessages, firstTotal, firstMessages, firstTotal]);
    expect(last.barText).not.toContain('waiting to be indexed');

    // a search: the tabs count its matches; the status bar keeps the store's totals and says so
    const b = uniqueTag();
    const box = page.getByLabel('Filter (query)');
    await box.fill(`ref:${b} `);
    await box.press('Enter');
    await expect.poll(async () => (await sample(page)).tabDeliveries, { timeout: 10_000 }).toBe(0);
    const secondTotal = 600;
    const matching = secondTotal / 2;
    const sent = Promise.all([burst(s.serve.receiverUrl, b, matching, 3, 2), burst(s.serve.receiverUrl, uniqueTag(), secondTotal - matching, 3, 2)]);
    const all = firstTotal + secondTotal;
    const second = await sampleWhile(page, sent, (x) => x.barDeliveries === all && x.tabDeliveries === matching && x.tabMessages === matching / 3);
    for (const x of second.filter((y) => y.query !== '' && y.barDeliveries !== null)) expect(x.barLabel).toMatch(/store/);
    const end = second.at(-1)!;
    expect([end.tabMessages, end.tabDeliveries]).toEqual([matching / 3, matching]);
    expect([end.barMessages, end.barDeliveries]).toEqual([firstMessages + secondTotal / 3, all]);
  });

  it('writes one message, one callback in the singular in the analytics view', { timeout: 60_000 }, async () => {
    const { page } = await s.openPage();
    await page.getByRole('button', { name: 'Settings', exact: true }).waitFor();
    expect(await postCallback(s.serve.receiverUrl, body(uniqueTag(), 0, 1))).toBe(200);
    await expect.poll(async () => (await sample(page)).tabDeliveries, { timeout: 10_000 }).toBe(1);
    await page.getByRole('tab', { name: /^Analytics/ }).click();
    const view = page.getByTestId('analytics');
    await expect.poll(() => view.getByTestId('an-funnel').textContent(), { timeout: 10_000 }).toContain('of 1 message');
    expect(await view.getByTestId('an-funnel').textContent()).not.toContain('of 1 messages');
    expect(await view.getByTestId('an-retries').textContent()).toContain('of 1 callback was delivered more than once');
  });
});

describe('counts while indexing is behind, and in the singular', () => {
  const s = useFakeCoreSession({ viewport: { width: 1440, height: 900 } });

  it('says how many deliveries wait to be indexed apart from the totals, and writes 1 delivery, 1 message', { timeout: 60_000 }, async () => {
    const core = new FakeCore();
    // a busy line: two tunnel outages listed beside the public URL
    core.tunnel = { downtime: [{ from: Date.now() - 600_000, to: Date.now() - 500_000, reason: 'probe failed' }, { from: Date.now() - 60_000, to: Date.now() - 30_000, reason: 'probe failed' }] };
    core.post({ ...base, reference: 'only-one', event_id: 'ev-1' });
    const { page } = await s.openCore(core);
    const totals = page.getByTestId('store-totals');
    await expect.poll(() => totals.textContent()).toBe('1 delivery · 1 message');
    expect(await page.getByTestId('deliveries-count').textContent()).toBe('1');
    expect(await page.getByTestId('indexing').count()).toBe(0);

    // a burst the indexer is behind on: 40 stored beyond what lists can show
    core.indexing = { pending: 40, lagMs: 2400 };
    const rows = Array.from({ length: 9 }, (_, i) => core.post({ ...base, reference: `burst-${i % 3}`, event_id: `ev-b${i}` }));
    await core.emit(page, rows);
    await expect.poll(() => totals.textContent()).toBe('10 deliveries · 4 messages');
    expect(await page.getByTestId('deliveries-count').textContent()).toBe('10');
    expect(await page.getByTestId('messages-count').textContent()).toBe('4');
    expect(await page.getByTestId('indexing').textContent()).toBe('40 waiting to be indexed · 2 s');
    // at 1024 px, beside the public URL, its copy button and the outages, the counts are whole (the store size and version give
    // way, then the receiver URL)
    await page.setViewportSize({ width: 1024, height: 768 });
    await expect.poll(() => page.getByTestId('statusbar-public-url').isVisible()).toBe(true);
    const clipped = await page.evaluate(() => {
      const bar = document.querySelector('[data-testid="statusbar"]')!.getBoundingClientRect();
      return ['store-totals', 'indexing', 'deliveries-today', 'statusbar-copy-public-url', 'downtime-button']
        .map((id) => [id, document.querySelector(`[data-testid="${id}"]`) as HTMLElement] as const)
        .filter(([, el]) => { const r = el.getBoundingClientRect(); return r.right > bar.right || r.left < bar.left || el.scrollWidth > el.clientWidth; })
        .map(([id]) => id);
    });
    await screenshot(page, 'counts-waiting-1024');
    expect(clipped).toEqual([]);

    core.indexing = { pending: 1, lagMs: 20 };
    await core.emit(page, [core.post({ ...base, reference: 'burst-0', event_id: 'ev-b9' })]);
    await expect.poll(() => page.getByTestId('indexing').textContent()).toBe('1 waiting to be indexed');
  });
});
