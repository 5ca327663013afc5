// `npm run soak [-- --seed N] [--cycles N] [--fuzz-seconds N]`: the reliability tests (test/reliability) at full
// scale: 20 kill -9 cycles, 2 minutes of fuzz, repeated store locks, the slow-body timeout. Same tests and
// invariants as in `npm test`, only bigger; a failure prints the seed that reproduces it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { seed: { type: 'string' }, cycles: { type: 'string' }, 'fuzz-seconds': { type: 'string' } },
});
const root = path.resolve(__dirname, '..');
const env: NodeJS.ProcessEnv = { ...process.env, RCI_SOAK: '1' };
if (values.seed) env.RCI_SEED = values.seed;
if (values.cycles) env.RCI_CRASH_CYCLES = values.cycles;
if (values['fuzz-seconds']) env.RCI_FUZZ_SECONDS = values['fuzz-seconds'];

const started = Date.now();
const child = spawn(
  process.execPath,
  [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/reliability', '--maxWorkers', '1', '--reporter', 'verbose'],
  { cwd: root, env, stdio: 'inherit' },
);
child.on('exit', (code) => {
  process.stderr.write(`soak finished in ${Math.round((Date.now() - started) / 1000)} s with exit code ${code}\n`);
  process.exit(code ?? 1);
});
