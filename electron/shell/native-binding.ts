// Node (tests, `serve`) and Electron need different builds of better-sqlite3's native addon. The Node build stays
// where npm put it (node_modules/better-sqlite3/build); the Electron build for `npm start` lives in its own folder,
// keyed by both versions, and main hands its path to better-sqlite3's `nativeBinding` option. Packaged apps use
// the copy electron-builder rebuilt for Electron inside the app, so they pass nothing.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface NativeTarget {
  betterSqliteVersion: string;
  electronVersion: string;
  platform: string;
  arch: string;
}

const NATIVE_CACHE_DIR = path.join('node_modules', '.cache', 'rci-electron-native');

export function electronNativeBindingFile(rootDir: string, t: NativeTarget): string {
  const key = `better-sqlite3-${t.betterSqliteVersion}-electron-${t.electronVersion}-${t.platform}-${t.arch}`;
  return path.join(rootDir, NATIVE_CACHE_DIR, key, 'better_sqlite3.node');
}

export function packageVersion(rootDir: string, pkg: string): string {
  const req = createRequire(path.join(rootDir, 'package.json'));
  return (JSON.parse(fs.readFileSync(req.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;
}

export class MissingNativeBindingError extends Error {
  constructor(readonly file: string) {
    super(
      `The Electron build of better-sqlite3 is missing (${file}). ` +
        'Start the app with `npm start`, which prepares it, or run `npx tsx electron/shell/prepare-native.ts`.',
    );
  }
}

/** What main passes to the core as `nativeBinding`; undefined means "use better-sqlite3's own build". */
export function resolveNativeBinding(opts: {
  isPackaged: boolean;
  appPath: string;
  electronVersion: string;
  platform?: string;
  arch?: string;
  exists?: (file: string) => boolean;
}): string | undefined {
  if (opts.isPackaged) return undefined;
  const file = electronNativeBindingFile(opts.appPath, {
    betterSqliteVersion: packageVersion(opts.appPath, 'better-sqlite3'),
    electronVersion: opts.electronVersion,
    platform: opts.platform ?? process.platform,
    arch: opts.arch ?? process.arch,
  });
  if (!(opts.exists ?? fs.existsSync)(file)) throw new MissingNativeBindingError(file);
  return file;
}
