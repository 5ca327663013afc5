// Packaging inputs checked offline: electron-builder.yml against electron-builder's own schema (scheme.json with
// ajv, and electron-builder's validator), its consistency with the Vite externals and package.json, and the
// built bundles themselves (the sandboxed preload may require only 'electron').
import { builtinModules, createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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
    for (const dep of ['better-sqlite3', '@n8n/localtunnel', 'ws', 'undici']) {
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
    expect(pkg.scripts.start).toMatch(/build:electron.*prepare-native.*electron \./);
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
    const allowed = new Set(['electron', 'better-sqlite3', '@n8n/localtunnel', 'ws', 'undici', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const got = requires(path.join(out, 'main.cjs'));
    expect(got).toContain('electron');
    expect(got).toContain('better-sqlite3');
    expect(got.filter((r) => !allowed.has(r))).toEqual([]);
  });
});
