// Starts `serve` as a real child process (the way a user runs it: `npm run serve` runs the bundle in dist-cli/) and
// waits for its ready line.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { ensureCliBundle } from './cli-bundle';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface ServeHandle {
  proc: ChildProcess;
  receiverUrl: string;
  /** from the tunnel's first outcome (null: off, or its first attempt failed) */
  publicUrl: string | null;
  uiUrl: string;
  dataDir: string;
  /** every JSON line printed on stdout so far */
  lines: Record<string, unknown>[];
  stderr: () => string;
  /** stdout and stderr are separate pipes: a JSON line can be read before the words written just after it */
  waitForStderr(text: string, timeoutMs?: number): Promise<string>;
  waitForLine(pred: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGTERM and wait for exit */
  stop(): Promise<number | null>;
  /** SIGKILL, no goodbye */
  kill(): Promise<void>;
}

export function tempDir(prefix = 'rci-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startServe(args: string[] = [], opts: { dataDir?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ServeHandle> {
  const dataDir = opts.dataDir ?? tempDir();
  // the bundle `npm run serve` runs (cli-bundle.ts), source maps on as there; RCI_SERVE_SOURCE=1 runs the sources
  // through tsx instead (to compare the two, as docs/benchmarks.md does)
  const cli = process.env.RCI_SERVE_SOURCE === '1' ? ['--import', 'tsx', path.join(ROOT, 'electron', 'cli.ts')] : ['--enable-source-maps', ensureCliBundle()];
  const full = [...cli, 'serve', '--port', '0', '--ui-port', '0', '--data-dir', dataDir];
  if (!args.includes('--tunnel')) full.push('--tunnel', 'none');
  full.push(...args);
  const proc = spawn(process.execPath, full, { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  const waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let err = '';
  const errWaiters: { text: string; resolve: () => void }[] = [];
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (d: string) => {
    err += d;
    for (const w of [...errWaiters]) if (err.includes(w.text)) (errWaiters.splice(errWaiters.indexOf(w), 1), w.resolve());
  });
  readline.createInterface({ input: proc.stdout! }).on('line', (text) => {
    let l: Record<string, unknown>;
    try {
      l = JSON.parse(text);
    } catch {
      return;
    }
    lines.push(l);
    for (const w of [...waiters]) if (w.pred(l)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(l));
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const waitForLine = (pred: (l: Record<string, unknown>) => boolean, timeoutMs = 20_000) => {
    const found = lines.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for a line; stderr:\n${err}`)), timeoutMs);
      waiters.push({ pred, resolve: (l) => (clearTimeout(t), resolve(l)) });
      exited.then((code) => reject(new Error(`serve exited (${code}) before the line; stderr:\n${err}`)));
    });
  };
  const waitForStderr = (text: string, timeoutMs = 20_000) => {
    if (err.includes(text)) return Promise.resolve(err);
    return new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${JSON.stringify(text)} on stderr; stderr:\n${err}`)), timeoutMs);
      errWaiters.push({ text, resolve: () => (clearTimeout(t), resolve(err)) });
      exited.then((code) => reject(new Error(`serve exited (${code}) before ${JSON.stringify(text)} on stderr; stderr:\n${err}`)));
    });
  };
  const ready = await waitForLine((l) => l.event === 'ready', opts.timeoutMs ?? 30_000);
  // serve is ready before its tunnel; the tunnel's first outcome (online, switched off, or a failed attempt) follows
  const tunnel = await waitForLine(
    (l) => l.event === 'tunnel' && (l.state === 'online' || l.state === 'disabled' || l.state === 'offline' || (l.state === 'reconnecting' && !!l.reason)),
    opts.timeoutMs ?? 30_000,
  );
  return {
    proc,
    receiverUrl: ready.receiverUrl as string,
    publicUrl: (tunnel.publicUrl as string | null) ?? null,
    uiUrl: ready.uiUrl as string,
    dataDir,
    lines,
    stderr: () => err,
    waitForStderr,
    waitForLine,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs the CLI to completion (export, replay, bad arguments). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'electron', 'cli.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    // decoded as a stream: a character split across two chunks stays whole
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (d: string) => (stdout += d));
    proc.stderr.on('data', (d: string) => (stderr += d));
    // 'close', not 'exit': the process can exit before its pipes are read to the end
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The sample payloads and lifecycles shipped beside the project (read-only). */
export function loadSamples(): {
  events: Record<string, Record<string, unknown>>;
  lifecycles: Record<string, { seq: number; received_at: string; response_status: number | null; body: Record<string, unknown>; note?: string }[]>;
} {
  // A copy lives in the repo so a clone is self-contained; the provided original is used when it is beside us.
  const candidates = [path.join(ROOT, 'test', 'fixtures', 'callbacks.json'), path.join(ROOT, '..', 'shared', 'samples', 'callbacks.json')];
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) throw new Error(`samples not found in ${candidates.join(' or ')}`);
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}
