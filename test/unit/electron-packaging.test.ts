// Packaging inputs checked offline: electron-builder.yml against electron-builder's own schema (scheme.json with
// ajv, and electron-builder's validator), its consistency with the Vite externals and package.json, and the
// built bundles themselves (the sandboxed preload may require only 'electron').
import { builtinModules, createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { spawnSync } from 'node:child_process';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_CALL_NAMES } from '../../shared/api';
import { MAIN_EXTERNALS } from '../../electron/shell/bundle-externals';

/** Packages the main bundle keeps external: they load from node_modules at run time. */
const RUNTIME_PACKAGES = MAIN_EXTERNALS.filter((m) => m !== 'electron' && !builtinModules.includes(m) && !m.startsWith('node:'));

const repo = path.resolve(__dirname, '../..');
// js-yaml ships no types; electron-builder itself reads the file with it
const yaml = createRequire(path.join(repo, 'package.json'))('js-yaml') as { load(text: string): unknown };
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
  main: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};
const config = yaml.load(fs.readFileSync(path.join(repo, 'electron-builder.yml'), 'utf8')) as Record<string, any>;
const schema = JSON.parse(fs.readFileSync(path.join(repo, 'node_modules/app-builder-lib/scheme.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

/** electron-builder's own validator (the one `electron-builder` runs before packaging). */
async function builderValidate(cfg: unknown): Promise<void> {
  const { validateConfiguration } = await import('app-builder-lib/out/util/config/config' as string);
  const { DebugLogger } = await import('builder-util' as string);
  await validateConfiguration(cfg, new DebugLogger(false));
}

describe('electron-builder.yml', () => {
  it("is valid against electron-builder's JSON schema", () => {
    const ok = validate(config);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check is real: misspelt options are rejected', async () => {
    expect(validate({ ...config, asarUnpak: ['x'] })).toBe(false);
    expect(validate({ ...config, electronFuses: { runAsNod: false } })).toBe(false);
    await expect(builderValidate({ ...config, electronFuses: { runAsNod: false } })).rejects.toThrow(/electronFuses/);
  });

  it("passes electron-builder's own validation", async () => {
    await expect(builderValidate(structuredClone(config))).resolves.toBeUndefined();
  });

  it('names the app and builds AppImage + deb, dmg, nsis', () => {
    expect(config.appId).toMatch(/^[a-z0-9.-]+$/);
    expect(config.productName).toBe('RCS Callback Inspector');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
  });

  it('rebuilds better-sqlite3 for Electron at packaging and unpacks it from the asar', () => {
    expect(config.npmRebuild).toBe(true);
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toContain('node_modules/better-sqlite3/**/*');
  });

  it('sets the security fuses', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('packages the entry point package.json names, the preload and the renderer', () => {
    expect(pkg.main).toBe('dist-electron/main.cjs');
    expect(config.files).toEqual(expect.arrayContaining(['package.json', 'dist/renderer/**/*', 'dist-electron/main.cjs', 'dist-electron/preload.cjs']));
  });

  it('every package main.cjs loads at run time is a production dependency and is not excluded', () => {
    const excluded = (config.files as string[]).filter((f) => f.startsWith('!node_modules/'));
    expect(RUNTIME_PACKAGES).toEqual(expect.arrayContaining(['better-sqlite3', '@n8n/localtunnel', 'ws']));
    for (const dep of RUNTIME_PACKAGES) {
      expect(pkg.dependencies, dep).toHaveProperty(dep);
      for (const pattern of excluded) {
        const names = /^!node_modules\/\{?([^}/]+(?:\/[^}/]+)?)\}?\//.exec(pattern)?.[1].split(',') ?? [];
        expect(names, `${pattern} must not exclude ${dep}`).not.toContain(dep);
      }
    }
  });

  it('npm scripts build what they launch or package', () => {
    expect(pkg.scripts['build:electron']).toMatch(/--mode main/);
    expect(pkg.scripts['build:electron']).toMatch(/--mode preload/);
    // what can fail on a machine without internet (Electron's binary, its native build) runs first, before the builds
    expect(pkg.scripts.start).toMatch(/^tsx electron\/shell\/prepare-native\.ts && .*build:electron.*electron \./);
    expect(pkg.scripts.dist).toMatch(/build:electron.*electron-builder --config electron-builder.yml/);
    // Electron's native build is never installed over the Node one
    expect(JSON.stringify(pkg.scripts)).not.toMatch(/electron-rebuild|@electron\/rebuild|postinstall/);
  });
});

describe('bundles', () => {
  let out: string;
  beforeAll(async () => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-bundle-'));
    for (const mode of ['main', 'preload']) {
      await build({
        configFile: path.join(repo, 'vite.electron.config.ts'),
        root: repo,
        mode,
        logLevel: 'silent',
        build: { outDir: out, emptyOutDir: false, sourcemap: false },
      });
    }
  }, 120_000);
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  const requires = (file: string) => [...new Set([...fs.readFileSync(file, 'utf8').matchAll(/\brequire\((["'])([^"']+)\1\)/g)].map((m) => m[2]))];

  it('the preload is one CommonJS file whose only require is electron', () => {
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.cjs')).sort()).toEqual(['main.cjs', 'preload.cjs']);
    expect(requires(path.join(out, 'preload.cjs'))).toEqual(['electron']);
    const text = fs.readFileSync(path.join(out, 'preload.cjs'), 'utf8');
    expect(text).toContain('exposeInMainWorld');
    expect(text).toContain('rci:api:');
  });

  it('main requires only electron, node builtins and the declared native/network packages', () => {
    const allowed = new Set(MAIN_EXTERNALS);
    const got = requires(path.join(out, 'main.cjs'));
    expect(got).toContain('electron');
    expect(got).toContain('better-sqlite3');
    const pkgName = (r: string) => (r.startsWith('@') ? r.split('/').slice(0, 2).join('/') : r.split('/')[0]);
    expect(got.filter((r) => !allowed.has(r) && !allowed.has(pkgName(r)))).toEqual([]);
  });

  it('main.cjs runs: starts the core, opens the secure window, answers IPC, forwards a callback, shuts down cleanly', () => {
    // Under Node with a stand-in 'electron' module (the real one is built into the Electron binary). This checks
    // the bundle itself: interop with require('electron'), externals resolving, start-up and shutdown order.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-smoke-'));
    try {
      fs.mkdirSync(path.join(dir, 'node_modules', 'electron'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'dist-electron'));
      fs.copyFileSync(path.join(out, 'main.cjs'), path.join(dir, 'dist-electron', 'main.cjs'));
      fs.writeFileSync(path.join(dir, 'node_modules', 'electron', 'index.js'), STAND_IN_ELECTRON);
      const r = spawnSync(process.execPath, [path.join(dir, 'dist-electron', 'main.cjs')], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, NODE_PATH: path.join(repo, 'node_modules'), SMOKE_APP_PATH: repo, RCI_DATA_DIR: path.join(dir, 'data'), RCI_TUNNEL: 'off', RCI_RECEIVER_PORT: '0' },
      });
      const lines = r.stdout.split('\n').filter((l) => l.startsWith('SMOKE ')).map((l) => JSON.parse(l.slice(6)) as Record<string, any>);
      const get = (k: string) => lines.find((l) => l.k === k);
      expect(get('window')?.webPreferences, r.stdout + r.stderr).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
      expect(get('load')?.url).toBe('app://rci/index.html');
      expect(get('ipc')?.channels).toBe(API_CALL_NAMES.length);
      expect(get('status')?.result).toMatchObject({ ok: true, value: { dataDir: path.join(dir, 'data'), tunnel: { state: 'disabled' } } });
      expect(get('foreign')?.result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(get('proto')?.csp).toMatch(/^default-src 'none'/);
      expect(get('post')?.status).toBe(200);
      expect(get('send')?.channel).toBe('rci:events');
      expect(get('send')?.refs).toContain('smoke-ref');
      expect(get('quit')).toBeDefined();
      expect(r.status).toBe(0);
      expect(fs.existsSync(path.join(dir, 'data', 'inspector.sqlite'))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

const STAND_IN_ELECTRON = String.raw`
const { EventEmitter } = require('events');
const say = (k, o) => console.log('SMOKE ' + JSON.stringify({ k, ...o }));
const handlers = new Map();
let proto = null;
const app = new EventEmitter();
Object.assign(app, {
  isPackaged: true,
  setPath(k, v) { this['p_' + k] = v; },
  getPath(k) { return this['p_' + k] || require('path').join(require('os').tmpdir(), 'rci-smoke-' + k); },
  getAppPath: () => process.env.SMOKE_APP_PATH, getVersion: () => '0.0.0-smoke', getName: () => 'RCI',
  enableSandbox() {}, requestSingleInstanceLock: () => true, whenReady: () => Promise.resolve(),
  quit() {
    const e = { prevented: false, preventDefault() { this.prevented = true; } };
    app.emit('before-quit', e);
    if (!e.prevented) { say('quit', {}); process.exit(0); }
  },
  exit(code) { say('exit', { code }); process.exit(code); },
});
class WebContents extends EventEmitter {
  send(channel, batch) {
    const refs = batch.flatMap((e) => e.event === 'deliveries' ? e.data.deliveries.map((d) => d.reference) : []);
    if (refs.length) say('send', { channel, refs });
  }
  isDestroyed() { return false; }
  closeDevTools() {}
}
class BrowserWindow extends EventEmitter {
  constructor(o) { super(); this.webContents = new WebContents(); say('window', { webPreferences: o.webPreferences }); }
  loadURL(url) { say('load', { url }); return Promise.resolve(); }
  getNormalBounds() { return { x: 0, y: 0, width: 800, height: 600 }; }
  isMaximized() { return false; }
  isDestroyed() { return false; }
}
const ses = new EventEmitter();
Object.assign(ses, { setPermissionRequestHandler() {}, setPermissionCheckHandler() {}, setDevicePermissionHandler() {}, webRequest: { onBeforeRequest() {}, onHeadersReceived() {} } });
module.exports = {
  app, BrowserWindow, session: { defaultSession: ses },
  ipcMain: { handle: (c, f) => handlers.set(c, f), removeHandler: (c) => handlers.delete(c) },
  protocol: { registerSchemesAsPrivileged() {}, handle: (s, f) => { proto = f; } },
  Menu: { buildFromTemplate: (t) => t, setApplicationMenu() {} },
  screen: { getAllDisplays: () => [] },
  clipboard: {}, shell: {}, Notification: class { static isSupported() { return false; } },
  dialog: { showErrorBox: (t, m) => say('errorbox', { t, m }) },
};
app.on('web-contents-created', () => {});
setTimeout(async () => {
  try {
    say('ipc', { channels: handlers.size });
    const status = await handlers.get('rci:api:getStatus')({ senderFrame: { url: 'app://rci/index.html' } }, {});
    say('status', { result: status });
    say('foreign', { result: await handlers.get('rci:api:getStatus')({ senderFrame: { url: 'https://evil.example/' } }, {}) });
    const page = await proto(new Request('app://rci/index.html'));
    say('proto', { status: page.status, csp: page.headers.get('content-security-policy') });
    const res = await fetch(status.value.receiverUrl + '/callbacks', { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reference: 'smoke-ref', event_id: 'e1', type: 'DELIVERED', channel: 'RCS', timestamp: new Date().toISOString() }) });
    say('post', { status: res.status });
  } catch (err) { say('error', { message: String(err && err.stack || err) }); }
  setTimeout(() => app.quit(), 400);
}, 800);
`;
