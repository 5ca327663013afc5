// Starting and stopping `serve` the way a user does: through `npm run serve`, stopped by a signal to npm or to serve
// itself; ready at once when the tunnel server cannot be reached; a taken UI port.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureRendererBuild, launchBrowser } from '../support/browser';
import { listenProblem } from '../../electron/serve-ports';
import { ROOT, runCli, startServe, tempDir, type ServeHandle } from '../support/serve';

type Line = Record<string, unknown>;

/** every tree started here; one a test left running (a failed stop) is killed after it */
const started: { killAll(): void }[] = [];
afterEach(() => {
  for (const s of started.splice(0)) s.killAll();
});

/** `npm run serve` minus its `preserve` build step (--ignore-scripts skips pre/post scripts, never the script itself). */
function npmServe(dataDir: string, extra: string[] = []) {
  // its own process group: a signal to it reaches npm alone, as `kill <pid>` from a process manager does
  const proc = spawn('npm', ['run', 'serve', '--ignore-scripts', '--silent', '--', '--port', '0', '--ui-port', '0', '--data-dir', dataDir, '--tunnel', 'none', ...extra], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const s = watch(proc);
  started.push(s);
  return s;
}

function watch(proc: ChildProcess) {
  const lines: Line[] = [];
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const waiters: (() => void)[] = [];
  readline.createInterface({ input: proc.stdout! }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text));
    } catch {
      return;
    }
    for (const w of waiters.splice(0)) w();
  });
  // stdout ends when the last process holding it (serve) is gone, whatever happened to npm
  let closed = false;
  const stdoutClosed = new Promise<void>((resolve) => proc.stdout!.once('close', () => ((closed = true), resolve())));
  /** whatever is left of the tree (a test that failed): npm's process group, serve included */
  const killAll = () => {
    if (closed) return;
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const line = async (event: string, timeoutMs = 30_000): Promise<Line> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = lines.find((l) => l.event === event);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${event} line; stderr:\n${err}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };
  return { proc, lines, stderr: () => err, line, stdoutClosed, exited, killAll };
}

/** Posts callbacks from 6 workers until the receiver stops answering; returns the ids it acknowledged with 200. */
function postUntilStopped(receiverUrl: string) {
  const acked: number[] = [];
  let n = 0;
  const worker = async () => {
    for (;;) {
      try {
        const res = await fetch(`${receiverUrl}/callbacks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ reference: `stop-${n++}`, event_id: `e-${n}`, type: 'Text', channel: 'RCS', timestamp: new Date().toISOString() }),
        });
        const body = (await res.json()) as { id?: number };
        if (res.status === 200 && typeof body.id === 'number') acked.push(body.id);
        else return;
      } catch {
        return; // refused or reset: serve has stopped taking requests
      }
    }
  };
  const done = Promise.all(Array.from({ length: 6 }, worker));
  const ackedAtLeast = async (k: number) => {
    while (acked.length < k) await new Promise((r) => setTimeout(r, 20));
  };
  return { acked, done, ackedAtLeast };
}

function refuses(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(u.port), u.hostname);
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
}

async function exportedIds(dataDir: string): Promise<Set<number>> {
  const r = await runCli(['export', '--data-dir', dataDir, '--format', 'ndjson']);
  expect(r.code, r.stderr).toBe(0);
  return new Set(r.stdout.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: number }).id));
}

/** A clean stop: every acknowledged delivery stored, both ports released, the store closed (SQLite removed its WAL). */
async function expectCleanStop(dataDir: string, ready: Line, acked: number[]) {
  expect(await refuses(ready.receiverUrl as string)).toBe(true);
  expect(await refuses(ready.uiUrl as string)).toBe(true);
  expect(fs.existsSync(path.join(dataDir, 'inspector.sqlite-wal'))).toBe(false);
  const ids = await exportedIds(dataDir);
  expect(acked.length).toBeGreaterThan(0);
  expect(acked.filter((id) => !ids.has(id))).toEqual([]);
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

describe('serve stops cleanly, whichever process of `npm run serve` is signalled', () => {
  for (const signal of SIGNALS) {
    it(`${signal} to npm stops serve: in-flight deliveries committed, store closed, ports released`, async () => {
      const dataDir = tempDir();
      const s = npmServe(dataDir);
      const ready = await s.line('ready');
      const load = postUntilStopped(ready.receiverUrl as string);
      await load.ackedAtLeast(20);
      process.kill(s.proc.pid!, signal);
      await load.done;
      await s.stdoutClosed;
      const stopped = await s.line('stopped', 1000);
      expect(stopped.reason, s.stderr()).toBeTruthy();
      // npm reports serve's 0 when it forwarded the signal; SIGHUP npm does not forward and dies of it
      const npmExit = await s.exited;
      if (signal === 'SIGHUP') expect(npmExit.signal).toBe('SIGHUP');
      else expect(npmExit.code).toBe(0);
      await expectCleanStop(dataDir, ready, load.acked);
    });

    it(`${signal} to serve itself ends the whole tree with status 0`, async () => {
      const dataDir = tempDir();
      const s = npmServe(dataDir);
      const ready = await s.line('ready');
      expect(ready.pid).not.toBe(s.proc.pid);
      const load = postUntilStopped(ready.receiverUrl as string);
      await load.ackedAtLeast(20);
      process.kill(ready.pid as number, signal);
      await load.done;
      expect((await s.exited).code).toBe(0);
      // npm's 'exit' can come before its stdout pipe is read to the end
      await s.stdoutClosed;
      expect((await s.line('stopped', 1000)).reason).toBe(signal);
      await expectCleanStop(dataDir, ready, load.acked);
    });
  }
});

/** A 127.0.0.1 port nothing listens on: a tunnel server that cannot be reached. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('serve with the tunnel server unreachable', () => {
  let s: ServeHandle;
  let host: string;
  beforeAll(async () => {
    host = `http://127.0.0.1:${await closedPort()}`;
    s = await startServe(['--tunnel', 'localtunnel', '--tunnel-host', host]);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('is ready without waiting for the tunnel, whose every state follows as its own lines', async () => {
    const ready = s.lines.findIndex((l) => l.event === 'ready');
    expect(s.lines[ready]!.publicUrl).toBeNull();
    const failed = await s.waitForLine((l) => l.event === 'tunnel' && l.state === 'reconnecting' && typeof l.reason === 'string');
    const tunnel = s.lines.filter((l) => l.event === 'tunnel');
    // the first attempt is reported, not swallowed while serve waited for it
    expect(tunnel[0]).toMatchObject({ state: 'connecting' });
    expect(s.lines.indexOf(tunnel[0]!)).toBeGreaterThan(ready);
    expect(failed.reason).toMatch(/ECONNREFUSED/);
  });

  it('says on stderr what to do: a self-hosted server, no tunnel, or the proxy/firewall', async () => {
    // a second failed attempt, so that "once" means something
    let reconnecting = 0; // each retry is two lines: the failure, then the next attempt starting
    await s.waitForLine((l) => l.event === 'tunnel' && l.state === 'reconnecting' && ++reconnecting >= 3);
    const err = await s.waitForStderr('npm run serve -- --tunnel none');
    expect(err).toContain(`The tunnel cannot be opened: cannot reach tunnel server ${host}`);
    expect(err).toContain('--tunnel-host URL');
    expect(err).toContain('--tunnel none');
    expect(err).toMatch(/proxy or firewall/);
    // said once, not once per retry
    expect(err.split('The tunnel cannot be opened').length - 1).toBe(1);
  });

  it('shows the same advice on the first-run screen', async () => {
    ensureRendererBuild();
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(s.uiUrl);
      const help = page.getByTestId('tunnel-help');
      await help.waitFor({ timeout: 20_000 });
      const text = await help.innerText();
      expect(text).toContain(host);
      expect(text).toContain('--tunnel-host URL');
      expect(text).toContain('--tunnel none');
      expect(text).toMatch(/proxy/);
    } finally {
      await browser.close();
    }
  });

  // last: the first delivery ends the first-run screen
  it('receives meanwhile', async () => {
    const res = await fetch(`${s.receiverUrl}/callbacks`, { method: 'POST', body: '{"type":"Text"}' });
    expect(res.status).toBe(200);
  });
});

describe('serve with the UI port taken', () => {
  let blocker: net.Server;
  let s: ServeHandle | undefined;
  afterAll(async () => {
    await s?.stop();
    await new Promise<void>((r) => blocker?.close(() => r()));
  });

  it('falls back to a free port and says which one, as the receiver does', async () => {
    blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as net.AddressInfo).port;
    // startServe passes --ui-port 0 first; a later flag wins
    s = await startServe(['--ui-port', String(taken)]);
    const used = Number(new URL(s.uiUrl).port);
    expect(used).not.toBe(taken);
    expect(s.lines.find((l) => l.event === 'warning' && l.code === 'ui-port-in-use')?.message).toContain(`--ui-port`);
    const res = await fetch(s.uiUrl);
    expect(res.status).toBe(200);
    expect(s.stderr()).not.toMatch(/\n\s+at /);
  });

  it('names the flags in one sentence when a port cannot be used at all', () => {
    // (root may listen anywhere, so the error itself is made up here: it is the one Node gives for port 1 otherwise)
    const err = Object.assign(new Error('listen EACCES: permission denied 127.0.0.1:1'), { code: 'EACCES', syscall: 'listen', address: '127.0.0.1', port: 1 });
    expect(listenProblem(err)).toMatch(/^cannot listen on 127\.0\.0\.1:1 \(permission denied\)\. .*--ui-port N/);
    expect(listenProblem(new Error('something else'))).toBeNull();
  });
});
