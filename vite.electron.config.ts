import { defineConfig, type UserConfig } from 'vite';
import { MAIN_EXTERNALS } from './electron/shell/bundle-externals';

// Builds the Electron main process and the preload as CommonJS into dist-electron/, in two passes
// (`--mode main`, `--mode preload`): the sandboxed preload must be ONE file whose only require is 'electron',
// which a shared-chunk multi-entry build would not guarantee. A third pass (`--mode worker`) builds the analytics
// worker thread (electron/core/analytics-worker.ts) into analytics-worker.cjs beside main.cjs, where
// analytics-runner.ts looks for it.
//
// `--mode cli` and `--mode cli-worker` build the command line (electron/cli.ts, which `npm run serve` runs) and its
// analytics worker the same way into dist-cli/: serve then runs the code the app runs. Through tsx it ran ~8 %
// slower at indexing (tsx compiles with esbuild's keepNames, which wraps every closure made at run time in a
// defineProperty call).
function isExternal(list: string[]) {
  return (id: string) => list.some((x) => id === x || id.startsWith(`${x}/`));
}

export default defineConfig(({ mode }): UserConfig => {
  if (mode !== 'main' && mode !== 'preload' && mode !== 'worker' && mode !== 'cli' && mode !== 'cli-worker') {
    throw new Error(`vite.electron.config.ts: use --mode main, preload, worker, cli or cli-worker (got ${mode})`);
  }
  const preload = mode === 'preload';
  const cli = mode === 'cli' || mode === 'cli-worker';
  const entry = {
    main: 'electron/main.ts',
    preload: 'electron/preload.ts',
    worker: 'electron/core/analytics-worker.ts',
    cli: 'electron/cli.ts',
    'cli-worker': 'electron/core/analytics-worker.ts',
  }[mode];
  const output = { main: 'main.cjs', preload: 'preload.cjs', worker: 'analytics-worker.cjs', cli: 'cli.cjs', 'cli-worker': 'analytics-worker.cjs' }[mode];
  return {
    publicDir: false,
    logLevel: 'warn',
    build: {
      // cli.ts reads ../package.json and serves ../dist/renderer: its folder sits beside dist-electron/ for that
      outDir: cli ? 'dist-cli' : 'dist-electron',
      // Every pass writes into its folder; the first pass of each (main, cli) clears it.
      emptyOutDir: mode === 'main' || mode === 'cli',
      target: 'node20',
      ssr: entry,
      sourcemap: true,
      minify: preload,
      reportCompressedSize: false,
      rollupOptions: {
        external: isExternal(preload ? ['electron'] : MAIN_EXTERNALS),
        output: {
          format: 'cjs',
          entryFileNames: output,
          codeSplitting: false,
        },
      },
    },
    ssr: {
      // Bundle every other dependency (zod, shared/, core) so the app does not depend on node_modules layout.
      noExternal: true,
      target: 'node',
    },
  };
});
