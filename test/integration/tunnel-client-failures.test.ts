// The localtunnel client's own failure modes, reproduced against the test server, each next to the supervisor
// behaviour that handles it. The raw client runs in a child process: several of these failures are endless retry
// loops or process crashes that must not leak into the test worker.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTunnelSupervisor } from '../../electron/core/tunnel/supervisor';
import { startLocalApp, startLtServer, type LtServer } from '../support/lt-server';

const TOKEN = 'client-failure-token';
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const CHILD = `
const Tunnel = require('@n8n/localtunnel/lib/Tunnel');
const [host, port, withErrorListener] = process.argv.slice(1);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
const t = new Tunnel({ host, port: Number(port), local_host: '127.0.0.1' });
if (withErrorListener === 'yes') t.on('error', (e) => out({ ev: 'error', message: e.message }));
t.on('close', () => out({ ev: 'close' }));
t.open((err) => out(err ? { ev: 'open-error', message: err.message } : { ev: 'url', url: t.url }));
process.stdin.on('data', (d) => { if (String(d).includes('close')) { t.close(); out({ ev: 'close-called' }); } });
out({ ev: 'started' });
`;

interface Child {
  proc: ChildProcess;
  events: { ev: string; url?: string; message?: string }[];
  stderr: string;
  exit: Promise<number | null>;
  waitFor(ev: string, ms?: number): Promise<{ ev: string; url?: string; message?: string }>;
}

function rawClient(host: string, port: number, opts: { errorListener: boolean; env?: NodeJS.ProcessEnv }): Child {
  const proc = spawn(process.execPath, ['-e', CHILD, host, String(port), opts.errorListener ? 'yes' : 'no'], {
    cwd: process.cwd(),
    env: opts.env ?? { PATH: process.env.PATH },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const c: Child = {
    proc,
    events: [],
    stderr: '',
    exit: new Promise((res) => proc.on('close', (code) => res(code))),
    async waitFor(ev, ms = 15_000) {
      const end = Date.now() + ms;
      for (;;) {
        const hit = c.events.find((e) => e.ev === ev);
        if (hit) return hit;
        if (Date.now() > end) throw new Error(`child: no "${ev}" within ${ms} ms; events ${JSON.stringify(c.events)} stderr ${c.stderr}`);
        await sleep(20);
      }
    },
  };
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      c.events.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
  });
  proc.stderr!.on('data', (d: Buffer) => (c.stderr += d.toString()));
  cleanups.push(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  return c;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function servers(opts: Parameters<typeof startLtServer>[0] = {}): Promise<{ lt: LtServer; appPort: number }> {
  const lt = await startLtServer(opts);
  cleanups.push(() => lt.close());
  const app = await startLocalApp(TOKEN);
  cleanups.push(() => app.close());
  return { lt, appPort: app.port };
}

function supervise(lt: LtServer, appPort: number, over: Record<string, unknown> = {}) {
  const sup = createTunnelSupervisor({
    localPort: appPort,
    enabled: true,
    host: lt.url,
    subdomain: null,
    probeToken: TOKEN,
    probeIntervalMs: 200,
    handshakeTimeoutMs: 2000,
    backoffInitialMs: 100,
    backoffMaxMs: 400,
    ...over,
  });
  cleanups.push(() => sup.stop());
  return sup;
}

async function until(pred: () => boolean, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('localtunnel client failure modes', () => {
  it('crashes the process on a socket error when nobody listens for "error"; the supervisor always listens', async () => {
    const { lt, appPort } = await servers();
    const child = rawClient(lt.url, appPort, { errorListener: false });
    const { url } = await child.waitFor('url');
    await lt.waitFor(() => (lt.tunnel(url!.split('/').pop()!)?.sockets ?? 0) > 0, 10_000, 'child sockets');
    lt.forgetTunnel(url!.split('/').pop()!, { silent: false });
    expect(await child.exit).not.toBe(0);
    expect(child.stderr).toMatch(/connection refused/);

    // same fault under the supervisor: this worker survives (vitest fails a run on an uncaught exception)
    const sup = supervise(lt, appPort);
    sup.start();
    await until(() => sup.status().state === 'online', 10_000, 'online');
    const first = sup.status().publicUrl!;
    lt.forgetTunnel(first.split('/').pop()!, { silent: false });
    await until(() => sup.status().state === 'online' && sup.status().publicUrl !== first, 10_000, 'a new tunnel');
  });

  it('never emits "close" on its own and never re-registers after the server forgot it', async () => {
    const { lt, appPort } = await servers();
    const child = rawClient(lt.url, appPort, { errorListener: true });
    const { url } = await child.waitFor('url');
    const id = url!.split('/').pop()!;
    await lt.waitFor(() => (lt.tunnel(id)?.sockets ?? 0) > 0, 10_000, 'child sockets');
    lt.forgetTunnel(id, { silent: false });
    await child.waitFor('error');
    await sleep(1500);
    expect(child.events.map((e) => e.ev)).not.toContain('close');
    expect(lt.handshakes).toEqual(['/?new']); // no new registration, ever
    expect(lt.tunnels()).toEqual([]);
    expect((await fetch(`${url}/x`)).status).toBe(404);
    child.proc.stdin!.write('close\n');
    await child.waitFor('close'); // only an explicit close() emits it
  });

  it('retries a failing handshake every second forever, even after close(), and a trailing slash makes it fail', async () => {
    const { lt, appPort } = await servers();
    const child = rawClient(`${lt.url}/`, appPort, { errorListener: true });
    await child.waitFor('started');
    await until(() => lt.handshakes.length >= 2, 10_000, 'a second handshake');
    expect(child.events.map((e) => e.ev)).toEqual(['started']); // open() neither succeeds nor fails
    expect(new Set(lt.handshakes)).toEqual(new Set(['//?new']));
    child.proc.stdin!.write('close\n');
    await child.waitFor('close-called');
    const afterClose = lt.handshakes.length;
    // close() does not stop the loop
    await until(() => lt.handshakes.length > afterClose, 10_000, 'a handshake after close()');

    // the supervisor normalises the host and registers once
    const sup = supervise(lt, appPort, { host: `${lt.url}//` });
    lt.handshakes.length = 0;
    child.proc.kill('SIGKILL');
    sup.start();
    await until(() => sup.status().state === 'online', 10_000, 'online');
    expect(lt.handshakes).toEqual(['/?new']);
  });

  it('hangs when HTTP_PROXY/HTTPS_PROXY is set without NO_PROXY; the supervisor does not use the proxy', async () => {
    const { lt, appPort } = await servers();
    let proxied = 0;
    const socks = new Set<net.Socket>();
    const trap = net.createServer((s) => {
      proxied++;
      socks.add(s);
      s.on('error', () => {});
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => (socks.forEach((s) => s.destroy()), trap.close(() => r()))));
    const proxyUrl = `http://127.0.0.1:${(trap.address() as net.AddressInfo).port}`;
    const env = { PATH: process.env.PATH, HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl, http_proxy: proxyUrl, https_proxy: proxyUrl };
    const child = rawClient(lt.url, appPort, { errorListener: true, env });
    await child.waitFor('started');
    await until(() => proxied >= 1, 10_000, 'a connection to the proxy');
    expect(child.events.map((e) => e.ev)).toEqual(['started']);
    expect(lt.handshakes).toEqual([]);
    child.proc.kill('SIGKILL');

    // with NO_PROXY for the tunnel host the library would work; the supervisor does not need it
    const saved = { ...process.env };
    cleanups.push(() => {
      for (const k of Object.keys(env)) {
        if (k === 'PATH') continue;
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    });
    Object.assign(process.env, { HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl, http_proxy: proxyUrl, https_proxy: proxyUrl });
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    const before = proxied;
    const sup = supervise(lt, appPort);
    sup.start();
    await until(() => sup.status().state === 'online', 10_000, 'online');
    expect(proxied).toBe(before);
  });

  it('idle pre-opened tunnel connections get a 408 from a Node server with request timeouts; not with the receiver settings', async () => {
    const lt = await startLtServer();
    cleanups.push(() => lt.close());
    // Node's defaults are headersTimeout 60 s (checked every 30 s); shortened here to see it happen
    const strict = await startLocalApp(TOKEN, { headersTimeout: 300, requestTimeout: 600, connectionsCheckingInterval: 100 });
    cleanups.push(() => strict.close());
    const sup1 = supervise(lt, strict.port, { probeIntervalMs: 5000 });
    sup1.start();
    await until(() => sup1.status().state === 'online', 10_000, 'online');
    await until(() => lt.unsolicited.some((u) => u.firstLine === 'HTTP/1.1 408 Request Timeout'), 10_000, 'a 408 on an idle tunnel connection');
    await sup1.stop();

    lt.unsolicited.length = 0;
    const safe = await startLocalApp(TOKEN, { headersTimeout: 0, requestTimeout: 0, keepAliveTimeout: 0, connectionsCheckingInterval: 100 });
    cleanups.push(() => safe.close());
    const sup2 = supervise(lt, safe.port, { probeIntervalMs: 5000 });
    sup2.start();
    await until(() => sup2.status().state === 'online', 10_000, 'online');
    await sleep(1000);
    expect(lt.unsolicited).toEqual([]);
    const pub = sup2.status().publicUrl!;
    const res = await Promise.all(Array.from({ length: 10 }, () => fetch(`${pub}/after-idle`, { method: 'POST', body: 'x' })));
    expect(res.map((r) => r.status)).toEqual(Array(10).fill(200));
  });

  it('keeps working when the receiver closes idle keep-alive connections (the client reopens its sockets)', async () => {
    const lt = await startLtServer();
    cleanups.push(() => lt.close());
    const app = await startLocalApp(TOKEN, { headersTimeout: 0, requestTimeout: 0, keepAliveTimeout: 150 });
    cleanups.push(() => app.close());
    const sup = supervise(lt, app.port, { probeIntervalMs: 5000 });
    sup.start();
    await until(() => sup.status().state === 'online', 10_000, 'online');
    const pub = sup.status().publicUrl!;
    const id = pub.split('/').pop()!;
    for (let round = 0; round < 3; round++) {
      const res = await Promise.all(Array.from({ length: 12 }, () => fetch(`${pub}/r${round}`, { method: 'POST', body: 'x' })));
      expect(res.map((r) => r.status)).toEqual(Array(12).fill(200));
      await sleep(400); // every used connection is closed by the app meanwhile
      await lt.waitFor(() => (lt.tunnel(id)?.sockets ?? 0) === 10, 10_000, 'sockets to be reopened');
    }
    expect(sup.status()).toMatchObject({ state: 'online', publicUrl: pub });
  });
});
