// The Electron build of better-sqlite3 lives apart from the Node build: preparing it never touches
// node_modules/better-sqlite3/build (so `npm test` keeps working after `npm start`), happens only when missing,
// and main hands its path to better-sqlite3's nativeBinding option. The download/compile itself needs internet
// and is replaced here by a runner that plays the tool's part.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({}));

import { electronNativeBindingFile, MissingNativeBindingError, packageVersion, resolveNativeBinding } from '../../electron/shell/native-binding';
import { addonAbi, electronAbiOf, prepareNativeBinding, toolEnv, type Runner } from '../../electron/shell/prepare-native';

const repo = path.resolve(__dirname, '../..');
const req = createRequire(path.join(repo, 'package.json'));
const nodeBuild = path.join(path.dirname(req.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

let root: string;
beforeAll(() => {
  // A project root whose node_modules point at the real packages, so nothing is written into the repo.
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-native-'));
  fs.writeFileSync(path.join(root, 'package.json'), '{"name":"x","version":"0.0.0"}');
  fs.mkdirSync(path.join(root, 'node_modules'));
  for (const pkg of ['better-sqlite3', 'prebuild-install', 'node-gyp', 'electron']) {
    fs.symlinkSync(path.dirname(req.resolve(`${pkg}/package.json`)), path.join(root, 'node_modules', pkg), 'dir');
  }
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const target = { betterSqliteVersion: '12.11.1', electronVersion: '45.5.0', platform: 'linux', arch: 'x64' };

const electronAbi = 150;

/** Plays prebuild-install/node-gyp: writes a binary (with the ABI it was built for) where the real tool would, or fails. */
function fakeTools(outcome: { prebuild: boolean; gyp: boolean }, abi: { prebuild?: number; gyp?: number } = {}) {
  const calls: { tool: string; args: string[]; cwd: string }[] = [];
  const run: Runner = (_cmd, args, cwd) => {
    const tool = args[0].includes('prebuild-install') ? 'prebuild' : 'gyp';
    calls.push({ tool, args, cwd });
    const ok = outcome[tool as 'prebuild' | 'gyp'];
    if (ok) {
      fs.mkdirSync(path.join(cwd, 'build', 'Release'), { recursive: true });
      const builtFor = abi[tool as 'prebuild' | 'gyp'] ?? electronAbi;
      fs.writeFileSync(path.join(cwd, 'build', 'Release', 'better_sqlite3.node'), `electron build by ${tool}\0node_register_module_v${builtFor}\0`);
    }
    return { ok, output: '' };
  };
  return { run, calls };
}

describe('preparing the Electron build', () => {
  it('fetches the prebuilt binary into its own folder, once, leaving the Node build alone', () => {
    const before = sha(nodeBuild);
    const tools = fakeTools({ prebuild: true, gyp: false });
    const r = prepareNativeBinding({ rootDir: root, target, run: tools.run, electronAbi, log: () => {} });
    expect(r.action).toBe('prebuilt');
    expect(r.file).toBe(electronNativeBindingFile(root, target));
    expect(r.file).toContain(path.join('node_modules', '.cache', 'rci-electron-native', 'better-sqlite3-12.11.1-electron-45.5.0-linux-x64'));
    expect(fs.readFileSync(r.file, 'utf8')).toMatch(/^electron build by prebuild/);
    expect(addonAbi(r.file)).toBe(150);
    expect(tools.calls).toHaveLength(1);
    const { args, cwd } = tools.calls[0];
    expect(args).toEqual(expect.arrayContaining(['--runtime', 'electron', '--target', '45.5.0', '--arch', 'x64', '--platform', 'linux']));
    // the tool ran in a staging copy, which is gone afterwards
    expect(cwd).not.toBe(path.dirname(path.dirname(path.dirname(nodeBuild))));
    expect(fs.existsSync(cwd)).toBe(false);
    expect(sha(nodeBuild)).toBe(before);

    const again = fakeTools({ prebuild: true, gyp: true });
    expect(prepareNativeBinding({ rootDir: root, target, run: again.run, electronAbi, log: () => {} }).action).toBe('present');
    expect(again.calls).toHaveLength(0);
  });

  it('compiles against the Electron headers when no prebuilt binary exists', () => {
    const t = { ...target, electronVersion: '45.0.1' };
    const tools = fakeTools({ prebuild: false, gyp: true });
    const r = prepareNativeBinding({ rootDir: root, target: t, run: tools.run, electronAbi, log: () => {} });
    expect(r.action).toBe('compiled');
    expect(tools.calls.map((c) => c.tool)).toEqual(['prebuild', 'gyp']);
    expect(tools.calls[1].args).toEqual(expect.arrayContaining(['rebuild', '--runtime=electron', '--target=45.0.1', '--dist-url=https://electronjs.org/headers']));
    expect(fs.readFileSync(r.file, 'utf8')).toMatch(/^electron build by gyp/);
  });

  it('says what went wrong and leaves nothing half-made when both ways fail', () => {
    const t = { ...target, electronVersion: '44.0.0' };
    const tools = fakeTools({ prebuild: false, gyp: false });
    expect(() => prepareNativeBinding({ rootDir: root, target: t, run: tools.run, electronAbi, log: () => {} })).toThrow(/prebuild-install and node-gyp both failed.*internet/);
    expect(fs.existsSync(electronNativeBindingFile(root, t))).toBe(false);
    expect(fs.existsSync(`${path.dirname(electronNativeBindingFile(root, t))}.stage`)).toBe(false);
  });
});

describe('the ABI check', () => {
  it('refuses a build for the wrong ABI (e.g. node-gyp using the local Node headers)', () => {
    const t = { ...target, electronVersion: '43.0.0' };
    const wrongPrebuilt = fakeTools({ prebuild: true, gyp: true }, { prebuild: 115 });
    const r = prepareNativeBinding({ rootDir: root, target: t, run: wrongPrebuilt.run, electronAbi, log: () => {} });
    expect(r.action).toBe('compiled');
    expect(addonAbi(r.file)).toBe(150);

    const t2 = { ...target, electronVersion: '42.0.0' };
    const allWrong = fakeTools({ prebuild: true, gyp: true }, { prebuild: 115, gyp: 115 });
    expect(() => prepareNativeBinding({ rootDir: root, target: t2, run: allWrong.run, electronAbi, log: () => {} })).toThrow(/both failed/);
    expect(fs.existsSync(electronNativeBindingFile(root, t2))).toBe(false);
  });

  it('replaces a cached file that is not an Electron build', () => {
    const t = { ...target, electronVersion: '41.0.0' };
    const file = electronNativeBindingFile(root, t);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'x\0node_register_module_v115\0');
    const tools = fakeTools({ prebuild: true, gyp: false });
    expect(prepareNativeBinding({ rootDir: root, target: t, run: tools.run, electronAbi, log: () => {} }).action).toBe('prebuilt');
    expect(addonAbi(file)).toBe(150);
  });

  it('reads ABIs from real binaries and from the electron package', () => {
    expect(addonAbi(nodeBuild)).toBe(Number(process.versions.modules));
    expect(electronAbiOf(repo)).toBe(Number(fs.readFileSync(path.join(repo, 'node_modules/electron/abi_version'), 'utf8')));
  });

  it("runs the tools without npm's nodedir/target overrides", () => {
    const env = toolEnv({ PATH: '/bin', npm_config_nodedir: '/usr', NPM_CONFIG_TARGET: '20.0.0', npm_config_cache: '/c' });
    expect(env).toEqual({ PATH: '/bin', npm_config_cache: '/c' });
  });
});

describe('choosing the binding at run time', () => {
  it('packaged apps use the copy electron-builder rebuilt; development uses the prepared file', () => {
    expect(resolveNativeBinding({ isPackaged: true, appPath: root, electronVersion: '45.5.0' })).toBeUndefined();
    const file = resolveNativeBinding({ isPackaged: false, appPath: root, electronVersion: '45.5.0', platform: 'linux', arch: 'x64', exists: () => true });
    expect(file).toBe(electronNativeBindingFile(root, { ...target, betterSqliteVersion: packageVersion(repo, 'better-sqlite3') }));
  });

  it('a missing build is a clear error that names the fix', () => {
    expect(() => resolveNativeBinding({ isPackaged: false, appPath: root, electronVersion: '1.2.3', exists: () => false })).toThrow(MissingNativeBindingError);
    expect(() => resolveNativeBinding({ isPackaged: false, appPath: root, electronVersion: '1.2.3', exists: () => false })).toThrow(/npm start/);
  });

  it("better-sqlite3 loads its addon from a nativeBinding path outside its package", () => {
    // The same mechanism main uses, shown with the Node build copied to a separate folder.
    const copy = path.join(root, 'elsewhere', 'better_sqlite3.node');
    fs.mkdirSync(path.dirname(copy), { recursive: true });
    fs.copyFileSync(nodeBuild, copy);
    const Database = req('better-sqlite3') as typeof import('better-sqlite3');
    const db = new Database(':memory:', { nativeBinding: copy });
    expect(db.prepare('select 41 + 1 as n').get()).toEqual({ n: 42 });
    db.close();
    expect(() => new Database(':memory:', { nativeBinding: path.join(root, 'missing.node') })).toThrow();
  });
});
