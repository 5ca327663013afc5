// The index bench (index.ts) run as the app runs its code: built by vite into one CommonJS file, as dist-electron/
// and dist-cli/ are, and run in a child process. Run through tsx in process it measured ~8 % more per delivery (tsx
// compiles with esbuild's keepNames, which wraps every closure made at run time in a defineProperty call), so
// `npm run bench -- --only index` reports the built figures. `node --import tsx test/bench/index.ts` still runs
// the sources directly, for profiling.
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { build } from 'vite';
import { ROOT } from '../support/serve';
import type { IndexBenchResult } from './index';

/**
 * Beside test/bench/ so that the fixtures' own paths (`__dirname/../fixtures`, test/support/store-fixtures.ts) still
 * lead to test/fixtures from the built file. Ignored by git.
 */
const OUT_DIR = path.join(ROOT, 'test', '.built');
const OUT_FILE = 'index-bench.cjs';

async function buildIndexBench(): Promise<string> {
  // the command line's build (vite.electron.config.ts, mode cli: externals, target, CommonJS), with the bench as entry
  await build({
    configFile: path.join(ROOT, 'vite.electron.config.ts'),
    configLoader: 'runner',
    mode: 'cli',
    build: {
      outDir: OUT_DIR,
      emptyOutDir: true,
      ssr: path.join(ROOT, 'test', 'bench', 'index.ts'),
      sourcemap: false,
      rollupOptions: { output: { entryFileNames: OUT_FILE } },
    },
  });
  return path.join(OUT_DIR, OUT_FILE);
}

/** Builds the index bench, runs it in a child (its progress lines go to `log`) and returns what it printed. */
export async function runIndexBenchBuilt(opts: { deliveries: number; runs: number; log: (s: string) => void }): Promise<IndexBenchResult> {
  const file = await buildIndexBench();
  const proc = spawn(process.execPath, [file, String(opts.deliveries), String(opts.runs)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  readline.createInterface({ input: proc.stderr }).on('line', (l) => ((err += l + '\n'), opts.log(l)));
  const code = await new Promise<number | null>((resolve) => proc.once('close', (c) => resolve(c)));
  if (code !== 0) throw new Error(`the built index bench exited with ${code}: ${err.slice(-2000)}`);
  return JSON.parse(out.trim().split('\n').pop()!) as IndexBenchResult;
}
