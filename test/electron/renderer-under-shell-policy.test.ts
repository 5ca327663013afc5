// What can be checked of the desktop app without an Electron binary: the built renderer, served by the shell's
// own app:// handler with the production CSP header, driven in Chromium against a real core through the shell's
// own IPC handlers (sender check, validation, result envelope). The page gets window.rci from a stand-in for the
// preload that forwards each named call to those handlers, as the real preload does over IPC.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_CALL_NAMES, type ApiEventBatch } from '../../shared/api';
import { ipcChannel } from '../../shared/bridge';
import { createCore, type Core } from '../../electron/core/app-core';
import { createAppProtocolHandler } from '../../electron/shell/app-protocol';
import { registerApiHandlers } from '../../electron/shell/ipc';
import { APP_ENTRY_URL, isAppUrl, type RendererSource } from '../../electron/shell/origin';
import { contentSecurityPolicy } from '../../electron/shell/security';
import { ROOT } from './electron-env';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const skipReason = fs.existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`;
if (skipReason) console.warn(`[test/electron] renderer policy test skipped: ${skipReason}`);

const rendererDir = path.join(ROOT, 'dist', 'renderer');
const src: RendererSource = { kind: 'bundled', dir: rendererDir };

/** A CSP violation the page reported (securitypolicyviolation event). */
interface Violation {
  directive: string;
  blocked: string;
  file: string;
  line: number;
  column: number;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

describe.skipIf(skipReason !== null)('built renderer under the shell policy', () => {
  let core: Core;
  let server: http.Server;
  let origin: string;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  const outside: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    const index = path.join(rendererDir, 'index.html');
    const sources = Math.max(newestMtime(path.join(ROOT, 'renderer')), newestMtime(path.join(ROOT, 'shared')));
    if (!fs.existsSync(index) || fs.statSync(index).mtimeMs < sources) {
      await build({ configFile: path.join(ROOT, 'vite.config.ts'), root: path.join(ROOT, 'renderer'), logLevel: 'error' });
    }

    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-policy-'));
    core = await createCore({ dataDir, receiverPort: 0, tunnel: { enabled: false }, version: 'test' });
    const channels = new Map<string, (event: unknown, arg: unknown) => Promise<unknown>>();
    registerApiHandlers(
      { handle: (ch, fn) => void channels.set(ch, fn as never), removeHandler: (ch) => void channels.delete(ch) },
      core.handlers,
      { isTrustedUrl: (url) => isAppUrl(url, src) },
    );

    const serveApp = createAppProtocolHandler(rendererDir, contentSecurityPolicy(src));
    server = http.createServer(async (req, res) => {
      const r = await serveApp(new Request(`app://rci${req.url ?? '/'}`, { method: req.method }));
      res.writeHead(r.status, Object.fromEntries(r.headers));
      res.end(Buffer.from(await r.arrayBuffer()));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('request', (r) => {
      if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) outside.push(r.url());
    });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    // The page is served over http here; the handlers see the URL it has in the app.
    await page.exposeFunction('__rciInvoke', (name: string, arg: unknown) => {
      const handler = channels.get(ipcChannel(name));
      if (!handler) return { ok: false, error: { code: 'not-found', message: `no handler for ${name}` } };
      return handler({ senderFrame: { url: APP_ENTRY_URL } }, arg);
    });
    await page.addInitScript((names: string[]) => {
      const w = window as unknown as Record<string, any>;
      w.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        w.__cspViolations.push({ directive: e.violatedDirective, blocked: e.blockedURI, file: e.sourceFile, line: e.lineNumber, column: e.columnNumber }),
      );
      const listeners = new Set<(b: unknown) => void>();
      w.__rciEmit = (batch: unknown) => listeners.forEach((l) => l(batch));
      const api: Record<string, (arg?: unknown) => Promise<unknown>> = {};
      for (const name of names) {
        api[name] = async (arg?: unknown) => {
          const r = await w.__rciInvoke(name, arg ?? {});
          if (r.ok) return r.value;
          throw Object.assign(new Error(r.error.message), { code: r.error.code });
        };
      }
      w.rci = {
        api: Object.freeze(api),
        onEvents: (l: (b: unknown) => void) => (listeners.add(l), () => void listeners.delete(l)),
        platform: 'linux',
      };
    }, API_CALL_NAMES as string[]);
    core.subscribe((batch: ApiEventBatch) => void page.evaluate((b) => (window as any).__rciEmit(b), batch).catch(() => {}));
    await page.goto(`${origin}/index.html`);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
    await core?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the inspector renders with the production CSP header and breaks none of it', async () => {
    const res = await page.request.get(`${origin}/index.html`);
    expect(res.headers()['content-security-policy']).toBe(contentSecurityPolicy(src));
    await expect.poll(() => page.evaluate(() => document.getElementById('root')?.childElementCount ?? 0)).toBeGreaterThan(0);
    await expect.poll(() => page.title()).toMatch(/RCS Callback Inspector/);
    await page.waitForTimeout(500);
    // nothing to explain away: the renderer bundles no code that probes eval (zod stays out: renderer-bundle.test.ts)
    expect(await page.evaluate(() => (window as any).__cspViolations as Violation[])).toEqual([]);
  });

  it('a callback posted to the receiver shows up live, through the shell handlers', async () => {
    const reference = `policy-${Date.now().toString(36)}`;
    const res = await fetch(`${core.receiverUrl}/callbacks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        reference,
        campaign_name: 'shell_policy',
        event_id: 'evt-1',
        direction: 'outbound',
        user_id: '5511999990000',
        timestamp: new Date().toISOString(),
        channel: 'RCS',
        type: 'EXCEPTION',
        message: 'Unauthorized: token expired (401)',
      }),
    });
    expect(res.status).toBe(200);
    await page.getByText(reference).first().waitFor({ state: 'visible', timeout: 15_000 });
    // nothing to explain away: the renderer bundles no code that probes eval (zod stays out: renderer-bundle.test.ts)
    expect(await page.evaluate(() => (window as any).__cspViolations as Violation[])).toEqual([]);
  });

  it('loaded nothing from anywhere but its own origin', () => {
    expect(outside).toEqual([]);
    // the one accepted violation (zod's eval probe) shows as "Refused to evaluate a string"; nothing else may
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e) && !/Refused to evaluate a string as JavaScript/.test(e))).toEqual([]);
  });
});
