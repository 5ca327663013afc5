// The shell's security policy: window preferences, CSP, session permission/request policy, navigation and
// window-open guards, and the app:// file server. Electron objects are replaced by small recording fakes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const created = vi.hoisted(() => [] as { options: any; loaded: string[]; events: Map<string, (...a: any[]) => void> }[]);
vi.mock('electron', () => {
  class BrowserWindow {
    record: (typeof created)[number];
    webContents = { on: () => {}, closeDevTools: () => {} };
    constructor(options: any) {
      this.record = { options, loaded: [], events: new Map() };
      created.push(this.record);
    }
    once(ev: string, l: any) {
      this.record.events.set(ev, l);
    }
    loadURL(url: string) {
      this.record.loaded.push(url);
      return Promise.resolve();
    }
    maximize() {}
    show() {}
  }
  return { BrowserWindow };
});

import { createAppProtocolHandler, resolveAppFile, APP_SCHEME_PRIVILEGES } from '../../electron/shell/app-protocol';
import { createMainWindow } from '../../electron/shell/main-window';
import { APP_ENTRY_URL, entryUrl, isAppUrl, isSafeExternalUrl, rendererSource, type RendererSource } from '../../electron/shell/origin';
import { contentSecurityPolicy, guardWebContents, hardenSession, isAllowedRequest } from '../../electron/shell/security';
import { DEFAULT_WINDOW_STATE } from '../../electron/shell/window-state';

const bundled: RendererSource = { kind: 'bundled', dir: '/opt/app/dist/renderer' };
const dev: RendererSource = { kind: 'dev-server', url: 'http://localhost:5173/' };

describe('window preferences', () => {
  const open = (isDev: boolean, state = DEFAULT_WINDOW_STATE) => {
    createMainWindow({ preload: '/p/preload.cjs', isDev, state, url: APP_ENTRY_URL });
    return created.at(-1)!;
  };

  it('are the secure ones in production and development', () => {
    for (const isDev of [false, true]) {
      const { options, loaded } = open(isDev);
      expect(options.webPreferences).toMatchObject({
        preload: '/p/preload.cjs',
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        experimentalFeatures: false,
        navigateOnDragDrop: false,
      });
      expect(options.webPreferences.devTools).toBe(isDev);
      // nothing that re-enables Blink features or loosens isolation sneaks in
      expect(options.webPreferences).not.toHaveProperty('enableBlinkFeatures');
      expect(options.webPreferences).not.toHaveProperty('additionalArguments');
      expect(loaded).toEqual([APP_ENTRY_URL]);
    }
  });

  it('use the remembered bounds, and never show before the first paint', () => {
    const { options } = open(false, { x: 10, y: 20, width: 900, height: 700, maximized: true });
    expect(options).toMatchObject({ x: 10, y: 20, width: 900, height: 700, show: false });
    expect(open(false).options).not.toHaveProperty('x');
  });
});

describe('origin', () => {
  it('accepts only the app page (bundled) or the dev server origin (development)', () => {
    expect(isAppUrl(APP_ENTRY_URL, bundled)).toBe(true);
    expect(isAppUrl('app://rci/assets/index-abc.js', bundled)).toBe(true);
    for (const foreign of [
      'app://evil/index.html',
      'file:///opt/app/dist/renderer/index.html',
      'https://example.com/',
      'http://localhost:5173/',
      'app://user:pw@rci/index.html',
      '',
      null,
      undefined,
      'not a url',
    ]) {
      expect(isAppUrl(foreign, bundled), String(foreign)).toBe(false);
    }
    expect(isAppUrl('http://localhost:5173/src/main.tsx', dev)).toBe(true);
    expect(isAppUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isAppUrl('http://127.0.0.1:5173/', dev)).toBe(false);
    expect(isAppUrl(APP_ENTRY_URL, dev)).toBe(false);
  });

  it('takes the dev server from VITE_DEV_SERVER_URL only when it is on this machine', () => {
    expect(rendererSource({}, '/r')).toEqual({ kind: 'bundled', dir: '/r' });
    expect(rendererSource({ VITE_DEV_SERVER_URL: 'http://localhost:5173' }, '/r')).toEqual({ kind: 'dev-server', url: 'http://localhost:5173/' });
    expect(() => rendererSource({ VITE_DEV_SERVER_URL: 'https://example.com/' }, '/r')).toThrow(/localhost/);
    expect(() => rendererSource({ VITE_DEV_SERVER_URL: 'file:///etc/passwd' }, '/r')).toThrow();
    expect(entryUrl(bundled)).toBe('app://rci/index.html');
  });

  it('treats only credential-free http(s) links as safe to open externally', () => {
    expect(isSafeExternalUrl('https://docs.example.com/rcs?x=1')).toBe(true);
    expect(isSafeExternalUrl('http://example.com')).toBe(true);
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://u:p@example.com/', 'app://rci/', 'ms-msdt:foo', `https://e.com/${'a'.repeat(2100)}`]) {
      expect(isSafeExternalUrl(bad), bad).toBe(false);
    }
  });
});

describe('content security policy', () => {
  const directives = (csp: string) => new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));

  it('production: no inline code, no eval, no frames, no plugins, no remote scripts or connections', () => {
    const d = directives(contentSecurityPolicy(bundled));
    expect(d.get('default-src')).toEqual(["'none'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('style-src')).toEqual(["'self'"]);
    expect(d.get('connect-src')).toEqual(["'self'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('frame-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    const all = [...d.values()].flat().join(' ');
    expect(all).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it('development allows the dev server socket and inline code, nothing remote', () => {
    const d = directives(contentSecurityPolicy(dev));
    expect(d.get('connect-src')).toEqual(["'self'", 'ws://localhost:5173']);
    expect(d.get('script-src')).not.toContain("'unsafe-eval'");
  });
});

describe('session policy', () => {
  function fakeSession() {
    const calls: Record<string, any> = {};
    const ses = {
      setPermissionRequestHandler: (h: any) => (calls.request = h),
      setPermissionCheckHandler: (h: any) => (calls.check = h),
      setDevicePermissionHandler: (h: any) => (calls.device = h),
      on: (ev: string, h: any) => (calls[`on:${ev}`] = h),
      webRequest: {
        onBeforeRequest: (h: any) => (calls.beforeRequest = h),
        onHeadersReceived: (h: any) => (calls.headers = h),
      },
    };
    return { ses: ses as any, calls };
  }

  it('denies every permission request and check', () => {
    const { ses, calls } = fakeSession();
    hardenSession(ses, { src: bundled });
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen']) {
      const cb = vi.fn();
      calls.request({}, permission, cb, {});
      expect(cb).toHaveBeenCalledWith(false);
      expect(calls.check({}, permission, 'app://rci', {})).toBe(false);
    }
    expect(calls.device({ deviceType: 'usb' })).toBe(false);
    const download = { preventDefault: vi.fn() };
    calls['on:will-download'](download);
    expect(download.preventDefault).toHaveBeenCalled();
  });

  it('cancels requests to anything but the app itself (images over https excepted)', () => {
    const { ses, calls } = fakeSession();
    hardenSession(ses, { src: bundled });
    const verdict = (url: string, resourceType = 'script') => {
      let res: any;
      calls.beforeRequest({ url, resourceType }, (r: any) => (res = r));
      return res.cancel;
    };
    expect(verdict('app://rci/assets/index.js')).toBe(false);
    expect(verdict('https://cdn.example.com/evil.js')).toBe(true);
    expect(verdict('https://example.com/api', 'xhr')).toBe(true);
    expect(verdict('wss://example.com/', 'webSocket')).toBe(true);
    expect(verdict('file:///etc/passwd', 'xhr')).toBe(true);
    expect(verdict('app://other/x', 'script')).toBe(true);
    expect(verdict('https://example.com/frame', 'subFrame')).toBe(true);
    expect(verdict('https://media.example.com/a.png', 'image')).toBe(false);
    expect(verdict('http://media.example.com/a.png', 'image')).toBe(true);
    expect(verdict('file:///home/u/a.png', 'image')).toBe(true);
    expect(isAllowedRequest('ws://localhost:5173/', dev, 'webSocket')).toBe(true);
    expect(isAllowedRequest('ws://localhost:9999/', dev, 'webSocket')).toBe(false);
  });

  it('puts the CSP on dev-server responses and leaves other responses alone', () => {
    const { ses, calls } = fakeSession();
    hardenSession(ses, { src: dev });
    let res: any;
    calls.headers({ url: 'http://localhost:5173/', responseHeaders: { 'content-security-policy': ['default-src *'] } }, (r: any) => (res = r));
    expect(res.responseHeaders['Content-Security-Policy']).toEqual([contentSecurityPolicy(dev)]);
    expect(res.responseHeaders).not.toHaveProperty('content-security-policy');
    calls.headers({ url: 'https://media.example.com/a.png', responseHeaders: {} }, (r: any) => (res = r));
    expect(res).toEqual({});
  });
});

describe('web contents guards', () => {
  function fakeContents(type = 'window') {
    const handlers: Record<string, (...a: any[]) => void> = {};
    let openHandler: any;
    const contents = {
      on: (ev: string, h: any) => (handlers[ev] = h),
      setWindowOpenHandler: (h: any) => (openHandler = h),
      getType: () => type,
    };
    return { contents: contents as any, handlers, open: (url: string) => openHandler({ url }) };
  }

  it('blocks navigation and redirects away from the page', () => {
    const { contents, handlers } = fakeContents();
    guardWebContents(contents, { openExternal: vi.fn() });
    for (const ev of ['will-navigate', 'will-redirect']) {
      for (const url of ['https://evil.example/', 'file:///etc/passwd', 'app://rci/index.html']) {
        const e = { preventDefault: vi.fn() };
        handlers[ev](e, url);
        expect(e.preventDefault, `${ev} ${url}`).toHaveBeenCalled();
      }
    }
  });

  it('denies every new window; safe http(s) links go to the OS browser, others nowhere', async () => {
    const openExternal = vi.fn();
    const { contents, open } = fakeContents();
    guardWebContents(contents, { openExternal });
    expect(open('https://docs.example.com/')).toEqual({ action: 'deny' });
    expect(open('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(open('javascript:alert(1)')).toEqual({ action: 'deny' });
    expect(open('app://rci/index.html')).toEqual({ action: 'deny' });
    await Promise.resolve();
    expect(openExternal.mock.calls).toEqual([['https://docs.example.com/']]);
  });

  it('refuses webviews', () => {
    const { contents, handlers } = fakeContents();
    guardWebContents(contents, { openExternal: vi.fn() });
    const e = { preventDefault: vi.fn() };
    handlers['will-attach-webview'](e, {}, {});
    expect(e.preventDefault).toHaveBeenCalled();
  });

  it('leaves DevTools contents free to navigate internally but still denies their new windows', () => {
    const { contents, handlers, open } = fakeContents('remote');
    guardWebContents(contents, { openExternal: vi.fn() });
    expect(handlers['will-navigate']).toBeUndefined();
    expect(open('https://x.example/')).toEqual({ action: 'deny' });
  });
});

describe('app:// protocol', () => {
  let dir: string;
  let outside: string;
  beforeAll(() => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-proto-'));
    dir = path.join(root, 'renderer');
    fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>x</title>');
    fs.writeFileSync(path.join(dir, 'assets', 'index-1.js'), 'console.log(1)');
    fs.writeFileSync(path.join(dir, 'assets', 'a b.css'), 'body{}');
    outside = path.join(root, 'secret.txt');
    fs.writeFileSync(outside, 'secret');
  });
  afterAll(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('is registered as a standard, secure scheme without CSP bypass', () => {
    expect(APP_SCHEME_PRIVILEGES.scheme).toBe('app');
    expect(APP_SCHEME_PRIVILEGES.privileges).toMatchObject({ standard: true, secure: true });
    expect(APP_SCHEME_PRIVILEGES.privileges?.bypassCSP).toBeFalsy();
  });

  it('serves renderer files with their type and the CSP header', async () => {
    const handler = createAppProtocolHandler(dir, "default-src 'none'");
    const res = await handler(new Request('app://rci/index.html'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('<title>x</title>');
    const js = await handler(new Request('app://rci/assets/index-1.js'));
    expect(js.headers.get('content-type')).toMatch(/text\/javascript/);
    const css = await handler(new Request('app://rci/assets/a%20b.css'));
    expect(css.status).toBe(200);
    expect((await handler(new Request('app://rci/'))).status).toBe(200);
  });

  it('never serves anything outside the renderer folder', async () => {
    const handler = createAppProtocolHandler(dir, 'x');
    for (const url of [
      'app://rci/../secret.txt',
      'app://rci/%2e%2e/secret.txt',
      'app://rci/%2e%2e%2fsecret.txt',
      'app://rci/assets/..%2f..%2fsecret.txt',
      'app://rci/..%5csecret.txt',
      'app://rci/index.html%00.js',
      'app://evil/index.html',
    ]) {
      const res = await handler(new Request(url));
      expect(res.status, url).toBe(404);
      expect(await res.text(), url).not.toContain('secret');
    }
    // a climbing path is clamped to the renderer folder (and then simply not found there)
    expect(resolveAppFile(dir, 'app://rci/%2e%2e%2fsecret.txt')).toBe(path.join(dir, 'secret.txt'));
    expect(resolveAppFile(dir, 'app://rci/a%00b')).toBeNull();
    expect((await handler(new Request('app://rci/missing.js'))).status).toBe(404);
    expect((await handler(new Request('app://rci/assets'))).status).toBe(404);
    expect((await handler(new Request('app://rci/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });
});
