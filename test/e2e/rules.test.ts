// Response rules in a real Chromium against a real `serve` child (issue 15 §1): a rule made in the editor changes
// what the receiver answers, the timeline and the delivery say which rule answered, the status bar's badge shows
// while rules answer and "All off" ends that at once, and a rule the core refuses shows the core's message at the
// field it names and changes nothing. Each test sets the rules it starts from through the API, so it passes alone
// and in any order. Screenshots go to /tmp/shots-rules/ (1440 and 1024 px, light and dark) to be looked at.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { ResponseRulesInput } from '../../shared/response-rules';
import { apiOf } from '../reliability/support/api';
import { postCallback, type PageWatch } from '../support/browser';
import { messageRow } from './lists';
import { samples, uniqueTag, waitIndexed } from './seed';
import { useServeSession, type ServeSession } from './session';

const SHOTS = '/tmp/shots-rules';
const FAIL_FIRST_2: ResponseRulesInput = { rules: [{ id: 'ff2', name: 'fail first 2', action: { kind: 'status', status: 503 }, firstAttempts: 2 }] };

let s: ServeSession;
let page: Page;
let watch: PageWatch;

const api = () => apiOf(s.serve);
const editor = () => page.getByRole('dialog', { name: 'Response rules' });
const badge = () => page.getByTestId('rules-badge');
const timeline = () => page.getByTestId('timeline');

/** one callback of an event of this test's own, as the gateway sends it (and, retrying, sends it again) */
function event(tag: string) {
  return { ...samples.events.delivered, reference: `${tag}-ref`, event_id: `${tag}-ev` };
}
async function openPage(rules: ResponseRulesInput) {
  await api()('setRules', rules);
  ({ page, watch } = await s.openPage());
  await page.getByRole('button', { name: 'Settings', exact: true }).waitFor();
}
async function shots(name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const [width, height] of [[1440, 900], [1024, 768]] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme: scheme });
      await page.screenshot({ path: path.join(SHOTS, `${name}-${width}-${scheme}.png`) });
    }
  }
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.emulateMedia({ colorScheme: 'light' });
}

describe('response rules', () => {
  s = useServeSession({ viewport: { width: 1440, height: 900 } });

  it("a 'fail first 2' rule made in the editor answers 503, 503, then 200, and the timeline says which rule answered", async () => {
    await openPage({ rules: [] });
    await expect.poll(() => badge().count()).toBe(0);

    // reachable from Settings
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const edit = page.getByTestId('settings').getByRole('button', { name: 'Edit response rules…' });
    await edit.scrollIntoViewIfNeeded();
    await shots('settings');
    await edit.click();
    await editor().getByRole('button', { name: '+ Fail the first 2 attempts with 503' }).click();
    const rule = editor().getByRole('listitem', { name: "Rule 1 'fail first 2'" });
    await expect.poll(() => rule.getByLabel('Status', { exact: true }).inputValue()).toBe('503');
    await expect.poll(() => rule.getByLabel('First N attempts of each event', { exact: true }).inputValue()).toBe('2');
    await editor().getByRole('button', { name: 'Save rules' }).click();
    await expect.poll(() => editor().getByRole('status').textContent()).toContain('1 rule answering');
    await expect.poll(() => badge().textContent()).toContain('1 rule answering');
    await shots('editor-saved');

    const tag = uniqueTag();
    const got: number[] = [];
    for (let i = 0; i < 3; i++) got.push(await postCallback(s.serve.receiverUrl, event(tag)));
    expect(got).toEqual([503, 503, 200]);
    await waitIndexed(s.serve, `ref:${tag}-ref`, 3);

    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    await messageRow(page, `${tag}-ref`).click();
    const attempts = timeline().getByRole('row', { name: /^attempt \d+/ });
    await expect.poll(() => attempts.count()).toBe(3);
    const answers = await attempts.allTextContents();
    expect(answers[0]).toMatch(/answered 503 .*by rule 'fail first 2'/);
    expect(answers[1]).toMatch(/answered 503 .*by rule 'fail first 2'/);
    expect(answers[2]).toMatch(/answered 200/);
    expect(answers[2]).not.toContain("rule 'fail first 2'");
    await shots('timeline');

    await attempts.first().click();
    const detail = page.getByTestId('delivery-detail');
    await expect.poll(() => detail.getByTestId('rule-answer').textContent()).toContain("by rule 'fail first 2'");
    await shots('delivery');
    expect(watch.pageErrors).toEqual([]);
  });

  it('the badge opens the editor, and "All off" removes it: the next delivery gets 200, the rules are kept', async () => {
    await openPage(FAIL_FIRST_2);
    await expect.poll(() => badge().textContent()).toContain('1 rule answering');
    await badge().click();
    await editor().getByRole('listitem', { name: "Rule 1 'fail first 2'" }).waitFor();

    await editor().getByRole('button', { name: 'All off' }).click();
    await expect.poll(() => badge().count()).toBe(0);
    await expect.poll(() => editor().getByRole('status').textContent()).toContain('All off');
    expect(await postCallback(s.serve.receiverUrl, event(uniqueTag()))).toBe(200);
    const kept = await api()('getRules', {});
    expect(kept.enabled).toBe(false);
    expect(kept.rules.map((r) => r.name)).toEqual(['fail first 2']);
    await shots('all-off');

    // and back on, from the same place
    await editor().getByRole('button', { name: 'Turn the rules back on' }).click();
    await expect.poll(() => badge().textContent()).toContain('1 rule answering');
    expect(await postCallback(s.serve.receiverUrl, event(uniqueTag()))).toBe(503);
    expect(watch.pageErrors).toEqual([]);
  });

  it("a rule the core refuses (status 999) shows the core's message at the field it names, and nothing changes", async () => {
    await openPage(FAIL_FIRST_2);
    await badge().click();
    const rule = editor().getByRole('listitem', { name: "Rule 1 'fail first 2'" });
    await rule.getByRole('button', { name: "Edit Rule 1 'fail first 2'" }).click();
    const status = rule.getByLabel('Status', { exact: true });
    await status.fill('999');
    // a second, valid rule in the same save: never half-applied
    await editor().getByRole('button', { name: '+ Close the connection' }).click();
    await editor().getByRole('button', { name: 'Save rules' }).click();

    const alert = editor().getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain("rule 1 'fail first 2': action.status must be 200–599");
    await expect.poll(() => status.getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => rule.getByTestId('rule-problem').textContent()).toBe('action.status must be 200–599');
    await shots('refused');

    const kept = await api()('getRules', {});
    expect(kept.rules).toHaveLength(1);
    expect(kept.rules[0]!.action).toMatchObject({ kind: 'status', status: 503 });
    expect(await postCallback(s.serve.receiverUrl, event(uniqueTag()))).toBe(503);
    await expect.poll(() => badge().textContent()).toContain('1 rule answering');

    // the fix clears the problem at its field; leaving unsaved edits asks first
    await status.fill('500');
    await expect.poll(() => status.getAttribute('aria-invalid')).toBe(null);
    await page.keyboard.press('Escape');
    expect(watch.dialogs.some((d) => d.startsWith('confirm:'))).toBe(true);
    await expect.poll(() => editor().count()).toBe(1);
    expect(watch.pageErrors).toEqual([]);
  });

  it('is driven from the keyboard: presets, moving and switching rules off', async () => {
    await openPage(FAIL_FIRST_2);
    await badge().focus();
    await page.keyboard.press('Enter');
    await editor().waitFor();
    await editor().getByRole('button', { name: '+ Hang until the gateway gives up' }).focus();
    await page.keyboard.press('Enter');
    const hang = editor().getByRole('listitem', { name: "Rule 2 'hang'" });
    await hang.getByRole('button', { name: "Move Rule 2 'hang' up" }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => editor().getByTestId('rule').first().getAttribute('aria-label')).toBe("Rule 1 'hang'");
    // at the top "up" is disabled: the keyboard is handed to "down" rather than dropped
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? null);
    await expect.poll(focused).toBe("Move Rule 1 'hang' down");
    await editor().getByRole('checkbox', { name: "Rule 1 'hang' enabled" }).focus();
    await page.keyboard.press('Space');
    // a rule deleted from the keyboard hands the focus to its neighbour
    await editor().getByRole('button', { name: '+ Close the connection' }).focus();
    await page.keyboard.press('Enter');
    await editor().getByRole('button', { name: "Delete Rule 3 'close the connection'" }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => editor().getByTestId('rule').count()).toBe(2);
    await expect.poll(focused).toBe('Rule 2 name');
    await editor().getByRole('button', { name: 'Save rules' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => editor().getByRole('status').textContent()).toContain('Saved');
    expect((await api()('getRules', {})).rules.map((r) => `${r.name}:${r.enabled}`)).toEqual(['hang:false', 'fail first 2:true']);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    expect(watch.pageErrors).toEqual([]);
  });
});
