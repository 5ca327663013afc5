// "Test my endpoint" in Settings, in a real Chromium against a real `serve`: the battery runs against a replay
// target on 127.0.0.1, the pass/fail table shows each check with its reason, and earlier runs stay listed and can
// be opened again to compare. Screenshots at 1440 and 1024 px go to /tmp/shots-conform/.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { apiOf } from '../reliability/support/api';
import { answers, startTarget, type TargetServer } from '../support/targets';
import { useServeSession } from './session';

const SHOTS = '/tmp/shots-conform';
let servers: TargetServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((t) => t.close()));
  servers = [];
});

async function shot(page: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

describe('Test my endpoint', () => {
  const s = useServeSession({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });

  it("warns when the target is this inspector's own receiver: its probes are stored here, and response rules answer them", async () => {
    const api = apiOf(s.serve);
    const status = await api('getStatus', {});
    const own = await api('saveTarget', { url: status.receiverUrl.replace(/\/$/, '') + status.callbackPath, headers: [], isDefault: true });
    const other = await startTarget(answers.ok());
    servers.push(other);
    await api('saveTarget', { url: other.url, headers: [], isDefault: false });
    // a rule answering the receiver, as one made in the Rules editor before opening Settings
    await api('setRules', { rules: [{ name: 'fail first 2', match: { attempt: { max: 2 } }, action: { kind: 'status', status: 503 } }] });
    const { page, watch } = await s.openPage();
    const openPanel = async () => {
      await page.getByRole('button', { name: 'Settings', exact: true }).click();
      const panel = page.getByTestId('conform-panel');
      await panel.scrollIntoViewIfNeeded();
      return panel;
    };
    try {
      let panel = await openPanel();
      // the blurb says what the Burst row will show
      expect(await page.getByTestId('settings').textContent()).toContain('a burst of 100 requests, 20 at a time');
      expect(await panel.getByLabel('Endpoint to test').inputValue()).toBe(String(own.id));
      await expect.poll(() => panel.getByTestId('conform-rules-warning').textContent({ timeout: 1000 }).catch(() => null)).toBe(
        " 1 response rule is answering this inspector's receiver: the battery will see its answers.",
      );
      expect(await panel.getByTestId('conform-own').textContent()).toContain('stored here, as campaign rci_conformance');
      await shot(page, 'conform-own-rules-1440');
      // another endpoint: neither note
      await panel.getByLabel('Endpoint to test').selectOption({ label: other.url });
      expect(await panel.getByTestId('conform-own').count()).toBe(0);

      // no rule answering: where the probes go is still said, the warning is not
      await api('setRules', { rules: [] });
      await page.reload();
      panel = await openPanel();
      await expect.poll(() => panel.getByTestId('conform-own').textContent({ timeout: 1000 }).catch(() => null)).toContain('campaign rci_conformance');
      expect(await panel.getByTestId('conform-rules-warning').count()).toBe(0);
    } finally {
      await api('setRules', { rules: [] });
    }
    expect(watch.pageErrors).toEqual([]);
  });

  it('runs the battery against a target, shows each check with its reason, and keeps the runs to compare', { timeout: 120_000 }, async () => {
    const good = await startTarget(answers.ok());
    const seen = new Set<string>();
    const dupHater = await startTarget((req) => {
      const j = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
      const key = [j.reference, j.event_id, String(j.type).toLowerCase(), j.channel].join('|');
      if (seen.has(key)) return answers.status(500, '{"error":"duplicate"}');
      seen.add(key);
      return answers.ok();
    });
    servers.push(good, dupHater);
    const api = apiOf(s.serve);
    await api('saveTarget', { url: good.url, headers: [], isDefault: true });
    await api('saveTarget', { url: dupHater.url, headers: [], isDefault: false });
    await api('saveTarget', { url: 'http://127.0.0.1:1/callbacks', headers: [], isDefault: false });

    const { page, watch } = await s.openPage();
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const panel = page.getByTestId('conform-panel');
    await panel.scrollIntoViewIfNeeded();
    const endpoint = panel.getByLabel('Endpoint to test');
    await expect.poll(() => endpoint.inputValue()).not.toBe('');
    await panel.getByRole('button', { name: 'Run the battery' }).click();
    const report = panel.getByTestId('conform-report');
    await expect.poll(() => report.locator('h4').textContent(), { timeout: 60_000 }).toContain('PASSED');
    const verdicts = () => report.locator('tr[data-check]').evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-check')}:${r.getAttribute('data-verdict')}`));
    expect(await verdicts()).toEqual([
      'lifecycle:pass', 'exact-retry:pass', 'reordered-retry:pass', 'out-of-order:pass', 'sms-fallback:pass',
      'types:pass', 'unknown-fields:pass', 'large-bodies:pass', 'burst:pass',
    ]);

    // the endpoint that refuses duplicates: the retry checks fail, with the retry named
    await endpoint.selectOption({ label: dupHater.url });
    await panel.getByRole('button', { name: 'Run the battery' }).click();
    await expect.poll(() => report.locator('h4').textContent(), { timeout: 60_000 }).toContain('FAILED');
    expect(await report.locator('h4').textContent()).toContain('2 of 9 checks failed a MUST');
    const exact = report.locator('tr[data-check="exact-retry"]');
    expect(await exact.getAttribute('data-verdict')).toBe('fail');
    expect(await exact.locator('.conform-reason').textContent()).toMatch(/^answered 500 to exact retry 1 of \S+ of reference [\w-]+ \(6 of 9 probes failed\)$/);
    expect(await report.getByTestId('conform-summary').textContent()).toContain('non-200: 500 ×10');
    await panel.getByTestId('conform-runs').scrollIntoViewIfNeeded();
    await shot(page, 'conform-1440');

    // both runs are listed, newest first; the earlier one opens again
    const runs = panel.getByTestId('conform-runs').getByRole('button');
    expect(await runs.count()).toBe(2);
    expect(await runs.nth(0).textContent()).toContain('FAILED');
    await runs.nth(1).click();
    await expect.poll(() => report.locator('h4').textContent()).toContain('PASSED');
    expect(await runs.nth(1).getAttribute('aria-pressed')).toBe('true');

    // at 1024 px the table and the reasons still read whole (wrapped, not cut)
    await runs.nth(0).click();
    await page.setViewportSize({ width: 1024, height: 768 });
    await exact.scrollIntoViewIfNeeded();
    const reasonBox = await exact.locator('.conform-reason').boundingBox();
    const drawerBox = await page.getByTestId('settings').boundingBox();
    expect(reasonBox!.x + reasonBox!.width).toBeLessThanOrEqual(drawerBox!.x + drawerBox!.width);
    await shot(page, 'conform-1024');

    // an endpoint nobody listens at: one sentence, and no run added
    await endpoint.selectOption({ label: 'http://127.0.0.1:1/callbacks' });
    await panel.getByRole('button', { name: 'Run the battery' }).click();
    await expect.poll(() => panel.getByTestId('conform-error').textContent()).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:1\/callbacks: connection refused/);
    expect(await runs.count()).toBe(2);

    // runs are kept by the core: a reload lists them again
    await page.reload();
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await expect.poll(() => page.getByTestId('conform-runs').getByRole('button').count()).toBe(2);
    expect(watch.pageErrors).toEqual([]);
    // the browser logs the refused call itself (the control API answers it 503); nothing else may show up
    expect(watch.consoleErrors.filter((e) => !/status of 503/.test(e))).toEqual([]);
    expect(watch.consoleErrors.length).toBeLessThanOrEqual(1);
  });
});
