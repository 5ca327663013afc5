// `npm start` on a machine that cannot prepare Electron (no internet, here played by tools that fail the way the real
// ones do offline): one paragraph saying what failed and what to do, the tools' output in a log file, not on screen.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');

// what node-gyp printed on this machine offline, abridged
const GYP_OFFLINE = `gyp info it worked if it ends with ok
gyp http GET https://electronjs.org/headers/v45.5.0/node-v45.5.0-headers.tar.gz
gyp WARN install got an error, rolling back install
gyp ERR! configure error
gyp ERR! stack Error: This is most likely not a problem with node-gyp or the package itself and
gyp ERR! stack is related to network connectivity. In most cases you are behind a proxy or have bad
gyp ERR! stack network settings.
gyp ERR! stack at go (node_modules/node-gyp/lib/install.js:244:21)
gyp ERR! System Linux
gyp ERR! node -v v20.20.2
gyp ERR! not ok`;

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-prepare-'));
  const put = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  const failing = (text: string) => `process.stderr.write(${JSON.stringify(text + '\n')}); process.exit(1);\n`;
  put('package.json', '{"name":"x","version":"0.0.0"}');
  put('node_modules/better-sqlite3/package.json', '{"name":"better-sqlite3","version":"12.11.1"}');
  put('node_modules/prebuild-install/package.json', '{"name":"prebuild-install","version":"7.1.3"}');
  put('node_modules/prebuild-install/bin.js', failing('prebuild-install warn install getaddrinfo ENOTFOUND github.com'));
  put('node_modules/node-gyp/package.json', '{"name":"node-gyp","version":"12.4.0"}');
  put('node_modules/node-gyp/bin/node-gyp.js', failing(GYP_OFFLINE));
  put('node_modules/electron/package.json', '{"name":"electron","version":"45.5.0"}');
  put('node_modules/electron/abi_version', '140');
  put('node_modules/electron/install.js', failing('TypeError: fetch failed\n    at node:internal/deps/undici/undici:14976:13'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('npm start without the means to prepare Electron', () => {
  it('prints one paragraph on what failed and what to do, and keeps the raw output in a log file', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(ROOT, 'electron', 'shell', 'prepare-native.ts')], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    const screen = r.stdout + r.stderr;
    expect(screen).not.toMatch(/gyp ERR!|prebuild-install warn|undici/);
    const logFile = path.join(root, 'node_modules', '.cache', 'rci-electron-native', 'prepare-native.log');
    expect(r.stderr).toContain('npm start could not prepare Electron');
    expect(r.stderr).toContain('a prebuilt better-sqlite3 for Electron 45.5.0: could not download it (getaddrinfo ENOTFOUND github.com)');
    expect(r.stderr).toContain("could not download Electron's headers (no network)");
    expect(r.stderr).toContain('the Electron 45.5.0 binary: could not download it (fetch failed)');
    expect(r.stderr).toContain('needs internet once');
    expect(r.stderr).toContain('`npm run serve`');
    expect(r.stderr).toContain(logFile);
    const [major, minor] = process.versions.node.split('.').map(Number);
    if (major! < 22 || (major === 22 && minor! < 12)) expect(r.stderr).toContain(`needs Node.js 22.12 or newer; this is Node.js ${process.versions.node}`);
    const log = fs.readFileSync(logFile, 'utf8');
    expect(log).toContain('gyp ERR! not ok');
    expect(log).toContain('getaddrinfo ENOTFOUND github.com');
    expect(log).toContain('TypeError: fetch failed');
  });
});
