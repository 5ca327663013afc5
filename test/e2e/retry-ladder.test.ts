// Retry forensics in a real Chromium against a real `serve`: one event posted three times reads as an attempt ladder
// in the timeline and in a delivery's detail (times, our answers, gaps off the documented schedule, why the gateway
// sent each repeat), the message says how often and why its callbacks were retried, and retry:after-200 lists the
// repeats we had already answered 200 in time, with their badge. Over the stand-in core (whose arrival times can be
// set) the ladder names a response rule's answer and finds an attempt lost while the tunnel was down. Screenshots
// at 1440 and 1024 px in /tmp/shots-ladder.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { postCallback } from '../support/browser';
import { dataRows, deliveriesGrid, messageRow } from './lists';
import { FakeCore } from './fake-core';
import { samples, uniqueTag, waitIndexed } from './seed';
import { useFakeCoreSession, useServeSession } from './session';

const SHOTS = '/tmp/shots-ladder';

describe('retry ladder', () => {
  const s = useServeSession({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });

  it('shows the attempts of a repeated event, why each was sent, and finds the retries after 200', async () => {
    const tag = uniqueTag();
    const reference = `${tag}-ladder`;
    const delivered = { ...(samples.events.delivered as Record<string, unknown>), reference };
    // the gateway's three attempts, posted at once: each answered 200 within milliseconds
    for (let i = 0; i < 3; i++) expect(await postCallback(s.serve.receiverUrl, delivered)).toBe(200);
    await waitIndexed(s.serve, `ref:${reference}`, 3);
    // the answer times land up to a second after the answers: then both repeats are retries after 200
    await waitIndexed(s.serve, `ref:${reference} retry:after-200`, 2);

    const { page, watch } = await s.openPage();
    const search = page.getByLabel('Filter (query)');
    await search.fill(`ref:${reference} `);
    await search.press('Enter');
    await messageRow(page, reference).click();
    const timeline = page.getByTestId('timeline');
    const ladder = timeline.getByTestId('retry-ladder');
    const rows = ladder.getByRole('row', { name: /^attempt \d+/ });
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.nth(0).getByTestId('attempt-answer').textContent()).toMatch(/^answered 200 in \d+ ms$/);
    // posted within a second: far sooner than the documented 10 s and 30 s retry gaps
    const gaps = ladder.getByTestId('retry-gap');
    expect(await gaps.count()).toBe(2);
    expect(await gaps.nth(0).textContent()).toMatch(/after the previous attempt: off schedule, far sooner than the documented 10 s retry gap/);
    expect(await gaps.nth(1).textContent()).toMatch(/off schedule, .*documented 30 s retry gap/);
    const causes = ladder.getByTestId('retry-cause');
    expect(await causes.evaluateAll((els) => els.map((e) => e.getAttribute('data-cause')))).toEqual(['after-200', 'after-200']);
    expect(await causes.nth(0).textContent()).toMatch(/^retry after 200 — Sent again although we answered the attempt before with 200 in \d+ ms/);
    expect(await rows.nth(1).getByTestId('retry-after-200').count()).toBe(1);
    expect(await rows.nth(0).getByTestId('retry-after-200').count()).toBe(0);
    // attempt times are in the chosen zone, named in the header
    expect(await timeline.getByTestId('clock-zone').textContent()).toMatch(/^local/);
    expect(await timeline.getByTestId('message-retries').textContent()).toBe("this message's callbacks were retried 2 times; cause: retry after 200");
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'timeline-1440.png') });

    // a repeat's detail: the badge explained, and the ladder of its event
    await rows.nth(2).click();
    const detail = page.getByTestId('delivery-detail');
    await detail.waitFor();
    expect(await detail.locator('.flag-explain').textContent()).toMatch(/retry after 200\s*we answered the attempt before with 200 within the gateway's 10 s/);
    const own = detail.getByTestId('retry-ladder').getByRole('row', { name: /^attempt \d+/ });
    await expect.poll(() => own.count()).toBe(3);
    expect(await detail.getByTestId('retry-cause').count()).toBe(2);
    await page.screenshot({ path: path.join(SHOTS, 'detail-1440.png') });
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.screenshot({ path: path.join(SHOTS, 'detail-1024.png') });
    await page.keyboard.press('Escape');
    await page.screenshot({ path: path.join(SHOTS, 'timeline-1024.png') });

    // the search finds exactly the two repeats, each with its badge (the list alone, as wide as the window)
    await page.keyboard.press('Escape');
    await page.getByRole('tab', { name: /All deliveries/ }).click();
    await search.fill(`ref:${reference} retry:after-200 `);
    await search.press('Enter');
    const listed = dataRows(deliveriesGrid(page));
    await expect.poll(() => listed.count()).toBe(2);
    await page.screenshot({ path: path.join(SHOTS, 'deliveries-1024.png') });
    expect(await listed.getByTestId('retry-after-200').count()).toBe(2);
    expect(await listed.first().getByTestId('retry-after-200').getAttribute('title')).toMatch(/^Retry after 200: we answered the attempt before with 200 within the gateway's 10 s/);
    expect(watch.pageErrors).toEqual([]);
  });
});

describe('retry ladder over attempts hours apart', () => {
  const s = useFakeCoreSession({ viewport: { width: 1024, height: 768 }, colorScheme: 'light' });

  it('names the rule that answered 503 and an attempt lost while the tunnel was down', async () => {
    const core = new FakeCore();
    const T = Date.now() - 3_600_000;
    const reference = 'ladder-lost';
    const delivered = { ...(samples.events.delivered as Record<string, unknown>), reference };
    const rule = { rule: 'fail first 2', action: 'status' as const, status: 503, delayMs: null };
    // attempts 1 and 2 answered 503 by a rule; the gateway's 30 s retry never arrived; its 4th came 2 min after that
    const first = core.post(delivered, T);
    const second = core.post(delivered, T + 10_500);
    for (const d of [first, second]) Object.assign(d, { responseStatus: 503, responseMs: 3, answeredBy: rule });
    core.post(delivered, T + 10_500 + 150_000);
    core.tunnel = { downtime: [{ from: T + 35_000, to: T + 70_000, reason: 'tunnel server unreachable' }] };
    const { page, watch } = await s.openCore(core);
    await messageRow(page, reference).click();
    const ladder = page.getByTestId('timeline').getByTestId('retry-ladder');
    const rows = ladder.getByRole('row', { name: /^attempt \d+/ });
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.nth(0).getByTestId('attempt-answer').textContent()).toBe("answered 503 in 3 ms by rule 'fail first 2'");
    const gaps = ladder.getByTestId('retry-gap');
    expect(await gaps.nth(0).textContent()).toMatch(/^ ?10\.5 s after the previous attempt: on schedule/);
    expect(await gaps.nth(1).textContent()).toMatch(/fits the documented schedule if 1 attempt in between never reached us \(this one is the gateway's attempt 4\)/);
    expect(await ladder.getByTestId('attempts-lost').textContent()).toMatch(/1 attempt lost: recorded tunnel downtime covers when they were due/);
    expect(await ladder.getByTestId('retry-cause').first().textContent()).toMatch(/^our non-200 \(503\) \(rule 'fail first 2'\) — Retried because we answered the attempt before with 503 by rule 'fail first 2'/);
    expect(await page.getByTestId('message-retries').textContent()).toBe("this message's callbacks were retried 2 times; cause: our non-200 (503) (rule 'fail first 2')");
    expect(await ladder.getByTestId('retry-after-200').count()).toBe(0);
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'lost-1024.png') });
    expect(watch.pageErrors).toEqual([]);
  });
});
