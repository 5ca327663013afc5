// The real desktop app driven by Playwright's Electron support: launch, the inspector in the first window, the
// bridge, a callback posted to the receiver showing up live, navigation blocked, clean quit. Runs where an
// Electron binary is installed (with a private Xvfb on Linux); elsewhere every test is skipped with the reason.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareNativeBinding, currentTarget, electronAbiOf } from '../../electron/shell/prepare-native';
import { ensureDisplay, findElectronBinary, ROOT, type Display } from './electron-env';

const binary = findElectronBinary();
const skipReason = 'missing' in binary ? binary.missing : null;
if (skipReason) console.warn(`[test/electron] skipped: ${skipReason}`);

describe.skipIf(skipReason !== null)('desktop app (Electron)', () => {
  let app: ElectronApplication;
  let page: Page;
  let display: Display | null = null;
  let dataDir: string;
  let displaySkip: string | null = null;

  beforeAll(async () => {
    const d = await ensureDisplay();
    if ('missing' in d) {
      displaySkip = d.missing;
      console.warn(`[test/electron] skipped: ${d.missing}`);
      return;
    }
    display = d;
    // What `npm start` does before launching: renderer, main + preload, Electron's better-sqlite3.
    await build({ configFile: path.join(ROOT, 'vite.config.ts'), root: path.join(ROOT, 'renderer'), logLevel: 'error' });
    for (const mode of ['main', 'preload']) {
      await build({ configFile: path.join(ROOT, 'vite.electron.config.ts'), root: ROOT, mode, logLevel: 'error' });
    }
    prepareNativeBinding({ rootDir: ROOT, target: currentTarget(ROOT), electronAbi: electronAbiOf(ROOT) });

    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-electron-'));
    const args = [ROOT];
    // Chromium refuses to start as root with its OS sandbox on (CI containers); the renderer sandbox flag stays.
    if (process.getuid?.() === 0) args.unshift('--no-sandbox');
    app = await _electron.launch({
      executablePath: (binary as { path: string }).path,
      args,
      cwd: ROOT,
      env: { ...(process.env as Record<string, string>), ...display.env, RCI_DATA_DIR: dataDir, RCI_RECEIVER_PORT: '0', RCI_TUNNEL: 'off' },
      timeout: 60_000,
    });
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
  }, 300_000);

  afterAll(async () => {
    await app?.close().catch(() => {});
    display?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const ready = () => {
    if (displaySkip) {
      console.warn(`[test/electron] skipped: ${displaySkip}`);
      return false;
    }
    return true;
  };

  it('opens one window with the inspector from app://', async (ctx) => {
    if (!ready()) return ctx.skip();
    expect(page.url()).toBe('app://rci/index.html');
    await expect.poll(() => page.title()).toMatch(/RCS Callback Inspector/);
    await expect.poll(() => page.evaluate(() => document.getElementById('root')?.childElementCount ?? 0)).toBeGreaterThan(0);
    expect(app.windows()).toHaveLength(1);
  });

  it('exposes window.rci and nothing of Node', async (ctx) => {
    if (!ready()) return ctx.skip();
    const shape = await page.evaluate(() => ({
      keys: Object.keys(window.rci ?? {}).sort(),
      getStatus: typeof window.rci?.api.getStatus,
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process,
    }));
    expect(shape).toEqual({ keys: ['api', 'onEvents', 'platform'], getStatus: 'function', require: 'undefined', process: 'undefined' });
    const status = await page.evaluate(() => window.rci!.api.getStatus({}));
    expect(status.dataDir).toBe(dataDir);
    expect(status.tunnel.state).toBe('disabled');
  });

  it('shows a callback posted to the receiver', async (ctx) => {
    if (!ready()) return ctx.skip();
    const { receiverUrl, callbackPath } = await page.evaluate(() => window.rci!.api.getStatus({}));
    const reference = `e2e-${randomUUID().slice(0, 8)}`;
    const res = await fetch(`${receiverUrl}${callbackPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        reference,
        campaign_name: 'electron_test',
        event_id: randomUUID(),
        direction: 'outbound',
        user_id: '5511999990000',
        timestamp: new Date().toISOString(),
        channel: 'RCS',
        type: 'DELIVERED',
        message: null,
      }),
    });
    expect(res.status).toBe(200);
    await page.getByText(reference).first().waitFor({ state: 'visible', timeout: 15_000 });
  });

  it('blocks navigation away from the app and new windows', async (ctx) => {
    if (!ready()) return ctx.skip();
    await page.evaluate(() => {
      window.location.href = 'https://example.com/';
    });
    await page.waitForTimeout(1000);
    expect(page.url()).toBe('app://rci/index.html');
    const opened = await page.evaluate(() => window.open('app://rci/index.html') === null);
    expect(opened).toBe(true);
    expect(app.windows()).toHaveLength(1);
  });

  it('quits cleanly, leaving the database closed and intact', async (ctx) => {
    if (!ready()) return ctx.skip();
    await app.close();
    const files = fs.readdirSync(dataDir);
    expect(files).toContain('inspector.sqlite');
    expect(files).toContain('window-state.json');
    // WAL checkpointed and removed on a clean close
    expect(files.filter((f) => f.endsWith('-wal') && fs.statSync(path.join(dataDir, f)).size > 0)).toEqual([]);
  });
});
