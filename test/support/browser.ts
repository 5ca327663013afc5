// Browser-side helpers for the e2e tests: a fresh renderer build, a headless Chromium, posting callbacks.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '..', '..');
const SHOTS_DIR = path.join(ROOT, 'test-results');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds dist/renderer when it is missing or older than the renderer or shared sources (the UI under test must be current). */
export function ensureRendererBuild(): void {
  const index = path.join(ROOT, 'dist', 'renderer', 'index.html');
  const built = fs.existsSync(index) ? fs.statSync(index).mtimeMs : 0;
  const sources = Math.max(newestMtime(path.join(ROOT, 'renderer')), newestMtime(path.join(ROOT, 'shared')));
  if (built >= sources) return;
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--configLoader', 'runner', '--logLevel', 'error'], {
    cwd: ROOT,
    stdio: 'inherit',
    // vitest runs with NODE_ENV=test, which vite would pass on to React: a development build (jsxDEV, extra
    // checks) several times slower than what users get, and what a later benchmark would then measure
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** What a hostile page would leave behind: dialogs opened, uncaught errors, console errors. */
export interface PageWatch {
  dialogs: string[];
  pageErrors: string[];
  consoleErrors: string[];
}

export function watchPage(page: Page): PageWatch {
  const w: PageWatch = { dialogs: [], pageErrors: [], consoleErrors: [] };
  page.on('dialog', (d) => {
    w.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on('pageerror', (e) => w.pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') w.consoleErrors.push(m.text());
  });
  return w;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SHOTS_DIR, { recursive: true });
  const file = path.join(SHOTS_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** POSTs one callback the way the gateway does; returns the HTTP status the receiver answered. */
export async function postCallback(receiverUrl: string, body: unknown): Promise<number> {
  const res = await fetch(`${receiverUrl}/callbacks`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'rcs-gateway-e2e' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}
