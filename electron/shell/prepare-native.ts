// `npm start` step: make sure the Electron build of better-sqlite3 exists in its own folder (see native-binding.ts).
// Does nothing when it is already there. Never touches node_modules/better-sqlite3/build, so `npm test` keeps the
// Node build. First choice: the prebuilt binary for this Electron (prebuild-install); fallback: compile with
// node-gyp against Electron's headers. Both need internet the first time.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { electronNativeBindingFile, packageVersion, type NativeTarget } from './native-binding';

export type Runner = (cmd: string, args: string[], cwd: string) => { ok: boolean; output: string };

/**
 * The tools' environment without npm's nodedir/target settings: under npm (e.g. Debian's npmrc sets
 * nodedir=/usr), node-gyp would otherwise compile against the local Node headers and produce a Node build.
 */
export function toolEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (/^npm_config_(nodedir|target|runtime|disturl|dist_url|arch|platform|build_from_source)$/i.test(k)) continue;
    out[k] = v;
  }
  return out;
}

export const spawnRunner: Runner = (cmd, args, cwd) => {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], env: toolEnv(process.env) });
  return { ok: r.status === 0, output: r.error ? String(r.error) : '' };
};

/** The ABI a compiled addon was built for, read from its registration symbol (node_register_module_v<ABI>). */
export function addonAbi(file: string): number | null {
  const m = /node_register_module_v(\d+)/.exec(fs.readFileSync(file).toString('latin1'));
  return m ? Number(m[1]) : null;
}

export interface PrepareResult {
  file: string;
  action: 'present' | 'prebuilt' | 'compiled';
}

export function prepareNativeBinding(opts: {
  rootDir: string;
  target: NativeTarget;
  /** Electron's NODE_MODULE_VERSION (node_modules/electron/abi_version); a build for any other ABI is refused */
  electronAbi: number;
  run?: Runner;
  log?: (line: string) => void;
}): PrepareResult {
  const { rootDir, target } = opts;
  const run = opts.run ?? spawnRunner;
  const log = opts.log ?? ((l) => console.log(l));
  const file = electronNativeBindingFile(rootDir, target);
  if (fs.existsSync(file) && fs.statSync(file).size > 0 && addonAbi(file) === opts.electronAbi) return { file, action: 'present' };

  const req = createRequire(path.join(rootDir, 'package.json'));
  const pkgDir = path.dirname(req.resolve('better-sqlite3/package.json'));
  // Work on a copy of the package so neither tool writes into the Node build.
  const stage = `${path.dirname(file)}.stage`;
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });
  fs.cpSync(pkgDir, stage, { recursive: true, filter: (src) => path.relative(pkgDir, src).split(path.sep)[0] !== 'build' });
  const built = path.join(stage, 'build', 'Release', 'better_sqlite3.node');

  try {
    log(`better-sqlite3 ${target.betterSqliteVersion} for Electron ${target.electronVersion} (${target.platform}-${target.arch}): fetching prebuilt binary`);
    const prebuild = run(
      process.execPath,
      [
        req.resolve('prebuild-install/bin.js'),
        '--runtime', 'electron',
        '--target', target.electronVersion,
        '--platform', target.platform,
        '--arch', target.arch,
        '--tag-prefix', 'v',
      ],
      stage,
    );
    let action: PrepareResult['action'] = 'prebuilt';
    const rightAbi = () => {
      if (!fs.existsSync(built)) return false;
      const abi = addonAbi(built);
      if (abi === opts.electronAbi) return true;
      log(`the binary was built for ABI ${abi ?? 'unknown'}, Electron ${target.electronVersion} needs ${opts.electronAbi}; discarding it`);
      fs.rmSync(built);
      return false;
    };
    if (!prebuild.ok || !rightAbi()) {
      log('no prebuilt binary; compiling against the Electron headers with node-gyp');
      const gyp = run(
        process.execPath,
        [
          req.resolve('node-gyp/bin/node-gyp.js'),
          'rebuild',
          '--release',
          `--target=${target.electronVersion}`,
          `--arch=${target.arch}`,
          '--runtime=electron',
          '--dist-url=https://electronjs.org/headers',
        ],
        stage,
      );
      if (!gyp.ok || !rightAbi()) {
        throw new Error(
          `could not get better-sqlite3 for Electron ${target.electronVersion}: prebuild-install and node-gyp both failed ` +
            '(first run needs internet; node-gyp also needs Python and a C++ toolchain)',
        );
      }
      action = 'compiled';
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.copyFileSync(built, `${file}.tmp`);
    fs.renameSync(`${file}.tmp`, file);
    return { file, action };
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

export function electronAbiOf(rootDir: string): number {
  const req = createRequire(path.join(rootDir, 'package.json'));
  const text = fs.readFileSync(path.join(path.dirname(req.resolve('electron/package.json')), 'abi_version'), 'utf8');
  const abi = Number(text.trim());
  if (!Number.isInteger(abi) || abi <= 0) throw new Error(`unreadable Electron ABI version: ${text}`);
  return abi;
}

export function currentTarget(rootDir: string): NativeTarget {
  return {
    betterSqliteVersion: packageVersion(rootDir, 'better-sqlite3'),
    electronVersion: packageVersion(rootDir, 'electron'),
    platform: process.env.npm_config_platform || process.platform,
    arch: process.env.npm_config_arch || process.arch,
  };
}

function isEntryPoint(): boolean {
  const entry = process.argv[1] ? path.resolve(process.argv[1]) : '';
  return /prepare-native(\.ts|\.js|\.cjs)?$/.test(entry);
}

if (isEntryPoint()) {
  try {
    const root = process.cwd();
    const r = prepareNativeBinding({ rootDir: root, target: currentTarget(root), electronAbi: electronAbiOf(root) });
    console.log(r.action === 'present' ? `Electron native build present: ${r.file}` : `Electron native build ready (${r.action}): ${r.file}`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
