// `npm start` step: make sure the Electron build of better-sqlite3 exists in its own folder (see native-binding.ts).
// Does nothing when it is already there. Never touches node_modules/better-sqlite3/build, so `npm test` keeps the
// Node build. First choice: the prebuilt binary for this Electron (prebuild-install); fallback: compile with
// node-gyp against Electron's headers. Both need internet the first time, and so does Electron's own binary, which
// is fetched here too. The tools' output goes to a log file: when they fail, a person reads one paragraph saying
// what failed and what to do, not node-gyp's stack.
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
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: toolEnv(process.env) });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
};

/** The tools failed: `failures` holds one line per tool for a person, `transcript` everything they printed. */
type PrepareFailure = Error & { failures: string[]; transcript: string };

function isPrepareFailure(err: unknown): err is PrepareFailure {
  return err instanceof Error && Array.isArray((err as Partial<PrepareFailure>).failures);
}

/** Runs a tool and keeps what it printed, under the command line, for the log file. */
function recorded(run: Runner, transcript: string[]): Runner {
  return (cmd, args, cwd) => {
    const r = run(cmd, args, cwd);
    transcript.push(`$ ${[cmd, ...args].join(' ')}\n(in ${cwd}; ${r.ok ? 'succeeded' : 'failed'})\n${r.output}\n`);
    return r;
  };
}

/** Why a tool failed, in one line a person can act on (the log has the rest). */
function failureLine(tool: 'prebuild-install' | 'node-gyp' | 'electron', output: string): string {
  if (tool === 'node-gyp') {
    if (/network connectivity|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN/.test(output)) return "could not download Electron's headers (no network)";
    if (/find Python|Python is not set|python.*not found/i.test(output)) return 'no Python found';
    if (/not found: make|g\+\+|c\+\+.*not found|No Xcode|Visual Studio/i.test(output)) return 'no C++ toolchain found';
  }
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const picked =
    lines.find((l) => /ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|fetch failed|\b40[34]\b/.test(l)) ?? lines.find((l) => /err|warn|fail/i.test(l));
  if (!picked) return 'failed (see the log)';
  const why = picked.replace(/^(gyp ERR! |prebuild-install (warn|err!?) (install )?)/i, '').replace(/^\w*Error: /, '');
  return /ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|fetch failed/.test(why) ? `could not download it (${why})` : why;
}

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
  const transcript: string[] = [];
  const run = recorded(opts.run ?? spawnRunner, transcript);
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
      log('no prebuilt binary; compiling against the Electron headers with node-gyp (a few minutes)');
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
        throw Object.assign(
          new Error(
            `could not get better-sqlite3 for Electron ${target.electronVersion}: prebuild-install and node-gyp both failed ` +
              '(first run needs internet; node-gyp also needs Python and a C++ toolchain)',
          ),
          {
            failures: [
              `a prebuilt better-sqlite3 for Electron ${target.electronVersion}: ${prebuild.ok ? 'built for another Electron' : failureLine('prebuild-install', prebuild.output)}`,
              `compiling better-sqlite3 instead: ${gyp.ok ? 'built for another Electron' : failureLine('node-gyp', gyp.output)}`,
            ],
            transcript: transcript.join('\n'),
          },
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

/**
 * Electron's own binary, which `electron .` would otherwise download on first launch with its output on the
 * console. Its installer exits at once when the binary is there.
 */
function prepareElectronBinary(rootDir: string, run: Runner = spawnRunner): { ok: true } | { ok: false; failure: string; transcript: string } {
  const req = createRequire(path.join(rootDir, 'package.json'));
  const transcript: string[] = [];
  const electronDir = path.dirname(req.resolve('electron/package.json'));
  if (!fs.existsSync(path.join(electronDir, 'path.txt'))) console.log(`Electron ${packageVersion(rootDir, 'electron')}: downloading its binary (once)`);
  const r = recorded(run, transcript)(process.execPath, [path.join(electronDir, 'install.js')], rootDir);
  if (r.ok) return { ok: true };
  return { ok: false, failure: `the Electron ${packageVersion(rootDir, 'electron')} binary: ${failureLine('electron', r.output)}`, transcript: transcript.join('\n') };
}

/** Electron's tooling (its installer, @electron/get) asks for this Node; older ones may fail in odd ways. */
const ELECTRON_TOOLING_NODE = [22, 12] as const;

/** The paragraph `npm start` prints when Electron cannot be prepared, before anything else about the failure. */
function cannotPrepareParagraph(failures: string[], logFile: string, nodeVersion = process.versions.node): string {
  const [major = 0, minor = 0] = nodeVersion.split('.').map(Number);
  const oldNode = major < ELECTRON_TOOLING_NODE[0] || (major === ELECTRON_TOOLING_NODE[0] && minor < ELECTRON_TOOLING_NODE[1]);
  return (
    `\nnpm start could not prepare Electron, so the desktop app cannot start here yet.\n` +
    failures.map((f) => `  Failed: ${f}\n`).join('') +
    `  The first \`npm start\` needs internet once: it downloads Electron and a build of better-sqlite3 for it, then keeps\n` +
    `  them in node_modules (compiling better-sqlite3 instead needs Python and a C++ toolchain).\n` +
    (oldNode
      ? `  Electron's tooling needs Node.js ${ELECTRON_TOOLING_NODE.join('.')} or newer; this is Node.js ${nodeVersion}.\n`
      : '') +
    `  Without any of this, \`npm run serve\` runs the same inspector in a browser (Node.js 20.19+, no download).\n` +
    `  What the tools printed: ${logFile}\n\n`
  );
}

function isEntryPoint(): boolean {
  const entry = process.argv[1] ? path.resolve(process.argv[1]) : '';
  return /prepare-native(\.ts|\.js|\.cjs)?$/.test(entry);
}

if (isEntryPoint()) {
  const root = process.cwd();
  const logFile = path.join(root, 'node_modules', '.cache', 'rci-electron-native', 'prepare-native.log');
  const failures: string[] = [];
  const transcripts: string[] = [];
  try {
    const r = prepareNativeBinding({ rootDir: root, target: currentTarget(root), electronAbi: electronAbiOf(root) });
    console.log(r.action === 'present' ? `Electron native build present: ${r.file}` : `Electron native build ready (${r.action}): ${r.file}`);
  } catch (err) {
    failures.push(...(isPrepareFailure(err) ? err.failures : [err instanceof Error ? err.message : String(err)]));
    transcripts.push(isPrepareFailure(err) ? err.transcript : err instanceof Error ? (err.stack ?? err.message) : String(err));
  }
  const electron = prepareElectronBinary(root);
  if (!electron.ok) {
    failures.push(electron.failure);
    transcripts.push(electron.transcript);
  }
  if (failures.length > 0) {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    fs.writeFileSync(logFile, transcripts.join('\n'));
    process.stderr.write(cannotPrepareParagraph(failures, logFile));
    process.exit(1);
  }
}
