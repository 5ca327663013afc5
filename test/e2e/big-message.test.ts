// One reference with hundreds of events and a retry storm: the message opens with a page of its timeline, says
// how much is not shown, and pages in more on request (a sender can put any number of callbacks on one reference).
import { describe, expect, it } from 'vitest';
import { postCallback, screenshot } from '../support/browser';
import { messageRow } from './lists';
import { uniqueTag, waitIndexed } from './seed';
import { useServeSession } from './session';

const T0 = Date.parse('2026-11-28T10:00:00.000Z');
const body = (reference: string, over: Record<string, unknown>) => ({
  reference,
  campaign_name: 'storm',
  event_id: 'ev-1',
  direction: 'outbound',
  session_id: null,
  user_id: '5511900000001',
  timestamp: new Date(T0).toISOString(),
  channel: 'RCS',
  type: 'Text',
  message: { contentType: 'text', text: 'hello' },
  vars: null,
  ...over,
});

describe('a message with hundreds of events', () => {
  const s = useServeSession({ viewport: { width: 1440, height: 880 } });

  it('opens with the first page of events, the true totals, and pages in more', async () => {
    // one sent message, 450 replies and its DELIVERED retried 60 times: 511 deliveries for 452 events
    const serve = s.serve;
    const ref = `${uniqueTag()}-big`;
    const posts: Promise<number>[] = [postCallback(serve.receiverUrl, body(ref, {}))];
    for (let k = 0; k < 450; k++) {
      const ts = new Date(T0 + 10_000 + k * 1000).toISOString();
      posts.push(postCallback(serve.receiverUrl, body(ref, { type: 'TEXT', direction: 'inbound', event_id: `r-${k}`, timestamp: ts, message: { text: `reply ${k}` } })));
    }
    for (let k = 0; k < 60; k++) {
      posts.push(postCallback(serve.receiverUrl, body(ref, { type: 'DELIVERED', message: null, timestamp: new Date(T0 + 2_000).toISOString() })));
    }
    const statuses = await Promise.all(posts);
    expect(statuses.every((s) => s === 200)).toBe(true);
    await waitIndexed(serve, `ref:${ref}`, 511);
    const { page, watch } = await s.openPage();

    const row = messageRow(page, ref);
    await row.waitFor();
    await row.click();
    const timeline = page.getByTestId('timeline');
    await expect.poll(() => timeline.textContent()).toContain('511 deliveries for 452 events');
    await expect.poll(() => timeline.textContent()).toContain('200 of 452 events shown');
    // the retried DELIVERED lists its first and latest attempts and says how many lie between
    await expect.poll(() => page.getByTestId('attempts-omitted').first().textContent()).toContain('20 more attempts (60 in all');
    await screenshot(page, 'big-message-1440');
    await page.getByRole('button', { name: 'Show 200 more' }).click();
    await expect.poll(() => timeline.textContent()).toContain('400 of 452 events shown');
    await page.getByRole('button', { name: 'Show 52 more' }).click();
    await expect.poll(() => timeline.getByRole('button', { name: /^Show [\d,]+ more$/ }).count()).toBe(0);
    await expect.poll(() => timeline.getByTestId('event').count()).toBe(452);
    expect(watch.pageErrors).toEqual([]);
  }, 60_000);
});
