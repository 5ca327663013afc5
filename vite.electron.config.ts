import { defineConfig, type UserConfig } from 'vite';
import { MAIN_EXTERNALS } from './electron/shell/bundle-externals';

// Builds the Electron main process and the preload as CommonJS into dist-electron/, in two passes
// (`--mode main`, `--mode preload`): the sandboxed preload must be ONE file whose only require is 'electron',
// which a shared-chunk multi-entry build would not guarantee.
function isExternal(list: string[]) {
  return (id: string) => list.some((x) => id === x || id.startsWith(`${x}/`));
}

export default defineConfig(({ mode }): UserConfig => {
  if (mode !== 'main' && mode !== 'preload') throw new Error(`vite.electron.config.ts: use --mode main or --mode preload (got ${mode})`);
  const preload = mode === 'preload';
  return {
    publicDir: false,
    logLevel: 'warn',
    build: {
      outDir: 'dist-electron',
      // Both passes write into the same folder; the main pass (first) clears it.
      emptyOutDir: !preload,
      target: 'node20',
      ssr: preload ? 'electron/preload.ts' : 'electron/main.ts',
      sourcemap: true,
      minify: preload,
      reportCompressedSize: false,
      rollupOptions: {
        external: isExternal(preload ? ['electron'] : MAIN_EXTERNALS),
        output: {
          format: 'cjs',
          entryFileNames: preload ? 'preload.cjs' : 'main.cjs',
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
