// What ends `serve`: SIGINT, SIGTERM or SIGHUP sent to it, or the npm process that started it going away.
// npm forwards SIGINT and SIGTERM to its own child only, which is the shell running the script (`sh -c "node …"`),
// and forwards nothing on SIGHUP. dash dies of SIGTERM without passing it on, and a SIGHUP kills npm outright, so a
// `kill <npm pid>` (what process managers and many terminals send) used to leave serve running with its ports
// held. Under npm, serve therefore also watches the processes between itself and npm and stops when one is gone.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** how often the launcher chain is looked at; a stop is noticed within this long */
const LAUNCHER_POLL_MS = 300;

/** Calls `stop` once, with the reason (a signal name, or the launcher that went away). */
export function onStopRequest(stop: (why: string) => void): void {
  let requested = false;
  const request = (why: string) => {
    if (requested) return;
    requested = true;
    if (timer) clearInterval(timer);
    stop(why);
  };
  for (const s of STOP_SIGNALS) process.on(s, () => request(s));
  const chain = launcherChain(process.env);
  const timer = chain
    ? setInterval(() => {
        if (!chainIntact(chain)) request('the npm run that started serve is gone');
      }, LAUNCHER_POLL_MS)
    : null;
  timer?.unref();
}

const SHELLS = new Set(['sh', 'dash', 'bash', 'zsh', 'ash', 'ksh', 'mksh', 'fish', 'busybox']);

/**
 * The pids from serve's parent up to npm: the shell npm runs the script in (if it did not exec), then npm.
 * null when serve was not started by one of this package's npm scripts, or the platform cannot tell (Windows):
 * a serve started by hand and detached (nohup, &) must outlive the shell that started it.
 */
function launcherChain(env: NodeJS.ProcessEnv): number[] | null {
  if (process.platform === 'win32' || !env.npm_lifecycle_event || !/(electron[\\/]cli\.ts|dist-cli[\\/]cli\.cjs)\b/.test(env.npm_lifecycle_script ?? '')) return null;
  const chain: number[] = [];
  let pid = process.ppid;
  for (let depth = 0; depth < 4 && pid > 1; depth++) {
    const info = processInfo(pid);
    if (!info) return chain.length > 0 ? chain : null;
    chain.push(pid);
    if (!SHELLS.has(info.name)) return chain;
    pid = info.ppid;
  }
  return chain.length > 0 ? chain : null;
}

/**
 * Every link still in place. Linux reads each parent again, so a launcher that exited but was not reaped yet (a
 * zombie still answers signal 0) counts as gone; elsewhere a link is alive while its pid answers signal 0.
 */
function chainIntact(chain: number[]): boolean {
  if (process.ppid !== chain[0]) return false;
  for (let i = 1; i < chain.length; i++) {
    if (procFs()) {
      if (processInfo(chain[i - 1]!)?.ppid !== chain[i]) return false;
    } else if (!alive(chain[i]!)) return false;
  }
  return true;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let hasProcFs: boolean | undefined;
function procFs(): boolean {
  return (hasProcFs ??= fs.existsSync('/proc/self/stat'));
}

function processInfo(pid: number): { ppid: number; name: string } | null {
  try {
    if (procFs()) {
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read from the last ')'
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      return Number.isInteger(ppid) ? { ppid, name } : null;
    }
    const out = execFileSync('ps', ['-o', 'ppid=,comm=', '-p', String(pid)], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] });
    const m = /^\s*(\d+)\s+(.+?)\s*$/.exec(out);
    return m ? { ppid: Number(m[1]), name: m[2]!.split('/').pop()!.replace(/^-/, '') } : null;
  } catch {
    return null;
  }
}
