// Where the Electron tests can run: an Electron binary (without triggering electron's download, which
// require('electron') would do) and, on Linux, a display (a private Xvfb when none is set).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

/** The Electron executable `electron .` would run, or why there is none. Never downloads. */
export function findElectronBinary(root = ROOT, env = process.env): { path: string } | { missing: string } {
  const pkgDir = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(pkgDir, 'path.txt');
  const rel = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : null;
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = path.join(env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron');
    return fs.existsSync(p) ? { path: p } : { missing: `ELECTRON_OVERRIDE_DIST_PATH is set but ${p} does not exist` };
  }
  if (!rel) return { missing: `the Electron binary is not installed (${pathFile} is missing; run \`npx install-electron\` with internet access)` };
  const p = path.join(pkgDir, 'dist', rel);
  return fs.existsSync(p) ? { path: p } : { missing: `the Electron binary ${p} is missing (run \`npx install-electron\`)` };
}

export interface Display {
  env: Record<string, string>;
  stop(): void;
}

/** On Linux without DISPLAY, starts a private Xvfb; elsewhere, or with a display, uses what is there. */
export async function ensureDisplay(): Promise<Display | { missing: string }> {
  if (process.platform !== 'linux' || process.env.DISPLAY || process.env.WAYLAND_DISPLAY) return { env: {}, stop: () => {} };
  const xvfb = spawnSync('sh', ['-c', 'command -v Xvfb'], { encoding: 'utf8' }).stdout.trim();
  if (!xvfb) return { missing: 'no DISPLAY and no Xvfb; run the tests under xvfb-run' };
  for (let n = 90; n < 110; n++) {
    if (fs.existsSync(`/tmp/.X11-unix/X${n}`) || fs.existsSync(`/tmp/.X${n}-lock`)) continue;
    const proc: ChildProcess = spawn(xvfb, [`:${n}`, '-screen', '0', '1400x900x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
    for (let i = 0; i < 50 && proc.exitCode === null; i++) {
      if (fs.existsSync(`/tmp/.X11-unix/X${n}`)) return { env: { DISPLAY: `:${n}` }, stop: () => void proc.kill() };
      await new Promise((r) => setTimeout(r, 100));
    }
    proc.kill();
  }
  return { missing: 'could not start Xvfb' };
}
