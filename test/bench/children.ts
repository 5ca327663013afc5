// Child processes for the benchmarks: servers that print a JSON ready line, and the load generator.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { ROOT } from '../support/serve';
import type { LoadOptions, LoadResult } from './load-run';

export interface PeerHandle {
  url: string;
  proc: ChildProcess;
  lines: Record<string, unknown>[];
  stop(): Promise<void>;
}

/** a peer-server.ts peer in its own process; `bare-tunnel` takes the tunnel server's URL */
export async function startPeer(kind: 'bare' | 'mockttp' | 'bare-tunnel', ...args: string[]): Promise<PeerHandle> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test', 'bench', 'peer-server.ts'), kind, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const lines: Record<string, unknown>[] = [];
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${kind} did not start: ${err}`)), 30_000);
    readline.createInterface({ input: proc.stdout! }).on('line', (text) => {
      try {
        const l = JSON.parse(text) as Record<string, unknown>;
        lines.push(l);
        if (l.event === 'ready') (clearTimeout(t), resolve(l.url as string));
      } catch {
        // not ours
      }
    });
    void exited.then(() => reject(new Error(`${kind} exited: ${err}`)));
  });
  return {
    url,
    proc,
    lines,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs autocannon in its own process and returns its summary. */
export function runLoadChild(opts: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test', 'bench', 'load-run.ts'), JSON.stringify(opts)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (d: string) => (out += d));
    proc.stderr.on('data', (d: string) => (err += d));
    proc.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`load generator failed (${code}): ${err}`));
      try {
        resolve(JSON.parse(last) as LoadResult);
      } catch {
        reject(new Error(`load generator printed no result: ${out}\n${err}`));
      }
    });
  });
}

/** Resident set size of a process in bytes (Linux /proc), null elsewhere. */
export function rssOf(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Peak resident set size (VmHWM) of a process in bytes. */
export function peakRssOf(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
