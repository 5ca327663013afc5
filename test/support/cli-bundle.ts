// The command line as `npm run serve` runs it: the bundle `npm run build:cli` makes in dist-cli/ (vite.electron.config.ts).
// Tests and benchmarks start serve from it, so they run what users run. It is built again when a source file under
// electron/ or shared/ is newer than it (a test run after an edit never runs yesterday's code); vitest builds it
// once before its workers start (cli-bundle-setup.ts), so two workers never build it at the same time.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI_BUNDLE = path.join(ROOT, 'dist-cli', 'cli.cjs');
const SOURCES = ['electron', 'shared', 'vite.electron.config.ts', 'package.json'].map((p) => path.join(ROOT, p));

function newestSource(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const e of fs.readdirSync(p, { withFileTypes: true })) {
    if (e.isDirectory() || /\.(ts|tsx|json)$/.test(e.name)) newest = Math.max(newest, newestSource(path.join(p, e.name)));
  }
  return newest;
}

let checked = false;

/** Builds dist-cli/ unless it is newer than every source it is built from; once per process. */
export function ensureCliBundle(): string {
  if (checked) return CLI_BUNDLE;
  const built = fs.existsSync(CLI_BUNDLE) ? fs.statSync(CLI_BUNDLE).mtimeMs : -1;
  if (built < Math.max(...SOURCES.map(newestSource))) {
    execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '-s', 'build:cli'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  checked = true;
  return CLI_BUNDLE;
}
