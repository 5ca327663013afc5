// The banner for a damaged store file, in a real Chromium over the in-page fake core: shown from the status at
// start (the core reports damaged files on every start until recovered), back when another file is found damaged
// while running, with the recover command to copy.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { DamagedStore } from '../../shared/api';
import { screenshot, type PageWatch } from '../support/browser';
import { loadSamples } from '../support/serve';
import { FakeCore } from './fake-core';
import { messageRow } from './lists';
import { useFakeCoreSession } from './session';

const DIR = '/home/dev/.config/RCS Callback Inspector';
const damaged = (file: string, detectedAt: number): DamagedStore => ({
  file: `${DIR}/${file}`,
  detectedAt,
  problem: 'Tree 2 page 1292: btreeInitPage() returns error code 11\nTree 3 page 1293: btreeInitPage() returns error code 11',
  recoverCommand: `npm run cli -- recover --data-dir "${DIR}" --out "${DIR}-recovered"`,
});

let page: Page;
let watch: PageWatch;

describe('a damaged store file in the browser', () => {
  const s = useFakeCoreSession({ viewport: { width: 1280, height: 800 }, clipboard: true, sharedContext: true });
  /** a core whose status reports the store file damaged at start, and a page open on it */
  async function openDamaged(): Promise<FakeCore> {
    const core = new FakeCore();
    core.storeFile = `${DIR}/inspector-20251201-101500.sqlite`;
    core.damagedStores = [damaged('inspector.sqlite', Date.now() - 60_000)];
    core.post({ ...loadSamples().events.outbound_text, reference: 'after-damage-1' });
    ({ page, watch } = await s.openCore(core));
    return core;
  }

  it('says which file is damaged, where deliveries go now, and copies the recover command', async () => {
    const core = await openDamaged();
    const banner = page.getByTestId('store-damaged');
    await banner.waitFor();
    expect(await banner.getAttribute('role')).toBe('alert');
    expect(await banner.textContent()).toContain('The store file is damaged — its deliveries are not shown.');
    expect(await banner.getByTestId('damaged-file').textContent()).toBe(`${DIR}/inspector.sqlite`);
    expect(await banner.getByTestId('store-file').textContent()).toBe(core.storeFile);
    expect(await banner.getByTestId('recover-command').textContent()).toBe(core.damagedStores[0]!.recoverCommand);
    await banner.getByRole('button', { name: 'Copy command' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(core.damagedStores[0]!.recoverCommand);
    await screenshot(page, 'store-damaged-banner');
    await banner.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => banner.count()).toBe(0);
  });

  it('comes back when another file is found damaged while running, and reads the lists again', async () => {
    const core = await openDamaged();
    // dismissed first, so that what shows it again is the event
    await page.getByTestId('store-damaged').getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => page.getByTestId('store-damaged').count()).toBe(0);
    const second = damaged('inspector-20251201-101500.sqlite', Date.now());
    core.storeFile = `${DIR}/inspector-20251202-090000.sqlite`;
    core.damagedStores = [...core.damagedStores, second];
    // a delivery only a fresh read of the lists shows (no deliveries event carries it)
    core.post({ ...loadSamples().events.outbound_text, reference: 'in-the-fresh-file' });
    await core.emitBatch(page, [{ event: 'storeDamaged', data: { storeFile: core.storeFile, damagedStores: core.damagedStores } }]);
    const banner = page.getByTestId('store-damaged');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('2 store files are damaged');
    expect(await banner.getByTestId('damaged-file').allTextContents()).toEqual([`${DIR}/inspector.sqlite`, second.file]);
    expect(await banner.getByTestId('store-file').textContent()).toBe(core.storeFile);
    await messageRow(page, 'in-the-fresh-file').waitFor();
    expect(watch.pageErrors).toEqual([]);
  });
});
