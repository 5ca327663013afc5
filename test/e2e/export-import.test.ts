// Export and import from the UI of `serve` in a real Chromium: the filtered list exported as CSV arrives as a
// browser download holding exactly the matching rows, and an NDJSON file chosen with Import… is uploaded and
// imported, its result (added, already stored, the skipped line by number) shown. Screenshots at 1440 and 1024 px
// go to /tmp/shots-export/.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiOf } from '../reliability/support/api';
import { postLifecycles, uniqueTag } from './seed';
import { useServeSession } from './session';

const SHOTS = '/tmp/shots-export';

async function search(page: Page, q: string) {
  const box = page.getByLabel('Filter (query)');
  await box.fill(`${q} `);
  await box.press('Enter');
}

for (const width of [1440, 1024]) {
  describe(`export and import from the UI at ${width} px`, () => {
    const session = useServeSession({ viewport: { width, height: 860 }, servePerTest: true });

    it('exports the filtered deliveries as CSV to a download, and imports an NDJSON file with its result', async () => {
      fs.mkdirSync(SHOTS, { recursive: true });
      const { tag } = await postLifecycles(session.serve);
      const query = `ref:${tag} type:READ`;
      const api = apiOf(session.serve);
      const matching = await api('listDeliveries', { query, offset: 0, limit: 500 });
      expect(matching.total).toBeGreaterThan(0);

      const { page, watch } = await session.openPage();
      // the toolbar holds these two buttons without pushing Settings off screen
      const gear = await page.getByRole('button', { name: 'Settings' }).boundingBox();
      expect(gear!.x + gear!.width).toBeLessThanOrEqual(width);
      await page.getByRole('tab', { name: /All deliveries/ }).click();
      await search(page, query);
      const narrow = width <= 1280;
      if (narrow) {
        // the folded button says what it holds, and its menu offers Export and Import each in one click
        expect(await page.getByTestId('open-data').innerText()).toMatch(/Data/);
        await page.getByTestId('open-data').click();
        await page.getByTestId('menu-export').click();
      } else {
        await page.getByTestId('open-export').click();
      }
      const dialog = page.getByTestId('export-dialog');
      await dialog.getByLabel('Export format').selectOption('csv');
      // the dialog says which formats come back in, before the user picks one that does not
      expect(await dialog.getByTestId('export-reimport').innerText()).toMatch(/cannot be imported back.*NDJSON or HAR/);
      await dialog.getByLabel('Export rows').selectOption('deliveries');
      await page.screenshot({ path: path.join(SHOTS, `export-dialog-${width}.png`) });
      const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByTestId('export-start').click()]);
      expect(download.suggestedFilename()).toMatch(/^rci-deliveries-.*\.csv$/);
      const csv = fs.readFileSync((await download.path())!, 'utf8');
      const records = csv.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
      expect(records[0]).toMatch(/^id,received_at,reference,event_id,type/);
      const ids = records.slice(1).map((r) => Number(r.split(',')[0]));
      expect(ids.sort((a, b) => a - b)).toEqual(matching.rows.map((d) => d.id).sort((a, b) => a - b));
      await expect.poll(() => dialog.getByTestId('export-result').textContent()).toMatch(new RegExp(`Exported ${matching.total} deliver`));
      await page.screenshot({ path: path.join(SHOTS, `export-done-${width}.png`) });
      await dialog.getByRole('button', { name: 'Close' }).first().click();

      // an NDJSON file of two deliveries with a corrupt second line
      const ref = `${uniqueTag()}-imported`;
      const line = (i: number) =>
        JSON.stringify({
          receivedAt: new Date(Date.UTC(2025, 10, 28, 10, 0, i)).toISOString(),
          outcome: 'stored',
          request: {
            method: 'POST', path: '/callbacks', query: '', headers: [['content-type', 'application/json']],
            bodyBase64: Buffer.from(JSON.stringify({ reference: ref, event_id: `${ref}-${i}`, type: 'DELIVERED', channel: 'RCS', timestamp: '2025-11-28T10:00:00Z', user_id: '5511900000000' })).toString('base64'),
          },
          response: { status: 200, ms: 3 },
        });
      const file = path.join(session.serve.dataDir, '..', `import-${width}.ndjson`);
      fs.writeFileSync(file, [line(1), '{"receivedAt": broken', line(2)].join('\n') + '\n');
      if (narrow) {
        await page.getByTestId('open-data').click();
        await page.getByTestId('menu-import').click();
      } else {
        await page.getByTestId('open-import').click();
      }
      const imp = page.getByTestId('import-dialog');
      await imp.getByTestId('import-file').setInputFiles(file);
      await expect.poll(() => imp.getByTestId('import-added').textContent(), { timeout: 20_000 }).toBe('2');
      expect(await imp.getByTestId('import-duplicates').textContent()).toBe('0');
      expect(await imp.getByTestId('import-skipped').textContent()).toBe('1');
      expect(await imp.getByTestId('import-problems').textContent()).toMatch(/line 2:/);
      await page.screenshot({ path: path.join(SHOTS, `import-done-${width}.png`) });
      expect((await api('listDeliveries', { query: `ref:${ref}`, offset: 0, limit: 10 })).total).toBe(2);
      fs.rmSync(file, { force: true });

      // the CSV just exported, brought to Import: the failure names the user's file and says what to do, with no
      // path of the server's and no full bar beside it
      const csvFile = path.join(session.serve.dataDir, '..', 'export.csv');
      fs.writeFileSync(csvFile, csv);
      await imp.getByTestId('import-file').setInputFiles(csvFile);
      await expect.poll(() => imp.getByTestId('import-progress').getAttribute('data-state'), { timeout: 20_000 }).toBe('failed');
      const failure = await imp.getByTestId('import-progress').getByRole('status').innerText();
      expect(failure).toMatch(/export\.csv/);
      expect(failure).toMatch(/CSV exports are for spreadsheets and can't be imported; export as NDJSON \(or HAR\) to bring deliveries back/);
      expect(failure).not.toMatch(/uploads|\.upload\b|\/tmp/);
      expect(await imp.getByRole('progressbar').count()).toBe(0);
      // nor counts of nothing, as if a file had been read
      expect(await imp.getByTestId('import-added').count()).toBe(0);
      await page.screenshot({ path: path.join(SHOTS, `import-csv-${width}.png`) });
      fs.rmSync(csvFile, { force: true });
      expect(watch.pageErrors).toEqual([]);
    });
  });
}
