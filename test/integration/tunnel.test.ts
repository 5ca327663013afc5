// The supervised tunnel end to end: lt-server (test/support) <-> @n8n/localtunnel sockets <-> a local app.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { TunnelStatus } from '../../shared/api';
import { createTunnelSupervisor, type TunnelOptions, type TunnelSupervisor, type UrlChange, type TunnelWarning } from '../../electron/core/tunnel/supervisor';
import { startLocalApp, startLtServer, type LocalApp, type LtServer } from '../support/lt-server';

const TOKEN = 'probe-token-for-tests';
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Rig {
  lt: LtServer;
  app: LocalApp;
  sup: TunnelSupervisor;
  statuses: TunnelStatus[];
  urlChanges: UrlChange[];
  warnings: TunnelWarning[];
}

async function rig(over: Partial<TunnelOptions> = {}, lt?: LtServer): Promise<Rig> {
  lt ??= await startLtServer();
  cleanups.push(() => lt!.close());
  const app = await startLocalApp(TOKEN);
  cleanups.push(() => app.close());
  const sup = createTunnelSupervisor({
    localPort: app.port,
    enabled: true,
    host: lt.url,
    subdomain: null,
    probeToken: TOKEN,
    probeIntervalMs: 200,
    handshakeTimeoutMs: 2000,
    probeTimeoutMs: 1500,
    backoffInitialMs: 100,
    backoffMaxMs: 500,
    ...over,
  });
  cleanups.push(() => sup.stop());
  const statuses: TunnelStatus[] = [];
  const urlChanges: UrlChange[] = [];
  const warnings: TunnelWarning[] = [];
  sup.on('status', (s) => statuses.push(s));
  sup.on('urlChanged', (e) => urlChanges.push(e));
  sup.on('warning', (w) => warnings.push(w));
  return { lt, app, sup, statuses, urlChanges, warnings };
}

async function until<T>(fn: () => T | undefined | false | null, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const online = (sup: TunnelSupervisor, ms = 5000) =>
  until(() => (sup.status().state === 'online' ? sup.status() : null), ms, `online (now ${JSON.stringify(sup.status())})`);

describe('tunnel supervisor against a localtunnel server', () => {
  it('goes online with a public URL that carries a POST to the local app', async () => {
    const r = await rig();
    r.sup.start();
    const s = await online(r.sup);
    expect(s.publicUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/t\/\w+$/);
    expect(r.statuses.map((x) => x.state)).toEqual(['connecting', 'online']);
    const res = await fetch(`${s.publicUrl}/callbacks?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reference: 'r-1', event: 'DELIVERED' }),
    });
    expect(res.status).toBe(200);
    expect(r.app.received).toHaveLength(1);
    expect(r.app.received[0]).toMatchObject({ method: 'POST', path: '/callbacks?x=1', body: '{"reference":"r-1","event":"DELIVERED"}' });
    expect(r.app.probes).toBeGreaterThan(0);
    expect(r.urlChanges).toEqual([]);
  });

  it('answers 25 concurrent POSTs through the public URL, each with its own body', async () => {
    const r = await rig();
    r.sup.start();
    const { publicUrl } = await online(r.sup);
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        fetch(`${publicUrl}/callbacks`, { method: 'POST', body: JSON.stringify({ i, pad: 'x'.repeat(i * 500) }) }).then(
          async (res) => ({ status: res.status, body: await res.text() }),
        ),
      ),
    );
    expect([results.map((x) => x.status), r.lt.relayErrors]).toEqual([Array(25).fill(200), []]);
    expect(r.app.received).toHaveLength(25);
    expect(r.app.received.map((x) => (JSON.parse(x.body) as { i: number }).i).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 25 }, (_, i) => i),
    );
    expect(r.sup.status().state).toBe('online');
  });

  it('does not take the tunnel down when a burst of slow requests makes the probe wait', async () => {
    const lt = await startLtServer();
    cleanups.push(() => lt.close());
    const app = await startLocalApp(TOKEN, undefined, { delayMs: 600 });
    cleanups.push(() => app.close());
    const sup = createTunnelSupervisor({
      localPort: app.port, enabled: true, host: lt.url, subdomain: null, probeToken: TOKEN,
      probeIntervalMs: 100, probeTimeoutMs: 250, probeFailures: 2,
    });
    cleanups.push(() => sup.stop());
    const states: string[] = [];
    sup.on('status', (s) => states.push(s.state));
    sup.start();
    const { publicUrl } = await online(sup);
    // 40 requests of 600 ms over 10 tunnel sockets keep every socket busy for ~2.4 s; probes queue behind them
    const res = await Promise.all(
      Array.from({ length: 40 }, (_, i) => fetch(`${publicUrl}/slow`, { method: 'POST', body: String(i) }).then((x) => x.status)),
    );
    expect([res, lt.relayErrors]).toEqual([Array(40).fill(200), []]);
    expect(states).toEqual(['connecting', 'online']);
  });

  it('still notices a forgotten tunnel while a slow request is pending on it', async () => {
    const lt = await startLtServer();
    cleanups.push(() => lt.close());
    const app = await startLocalApp(TOKEN, undefined, { delayMs: 4000 });
    cleanups.push(() => app.close());
    const sup = createTunnelSupervisor({
      localPort: app.port, enabled: true, host: lt.url, subdomain: null, probeToken: TOKEN,
      probeIntervalMs: 100, probeTimeoutMs: 250, backoffInitialMs: 100,
    });
    cleanups.push(() => sup.stop());
    sup.start();
    const { publicUrl } = await online(sup);
    const slow = fetch(`${publicUrl}/slow`, { method: 'POST', body: 'pending' }).catch(() => null);
    await until(() => app.received.length === 1, 2000, 'the slow request to arrive');
    const t0 = Date.now();
    lt.forgetTunnel(publicUrl!.split('/').pop()!, { silent: true });
    await until(() => sup.status().state === 'reconnecting', 3000, 'reconnecting');
    expect(Date.now() - t0).toBeLessThan(1500);
    await slow;
  });

  it('carries a large multi-byte body byte for byte', async () => {
    const r = await rig();
    r.sup.start();
    const { publicUrl } = await online(r.sup);
    const id = publicUrl!.split('/').pop()!;
    // The first request on a fresh tunnel socket goes through the client's Host rewrite; with these sizes its
    // first chunk ends inside a multi-byte character (é = 2 bytes, 🙂 = 4).
    for (const n of [10_001, 23_456, 40_000, 77_777, 123_457]) {
      r.lt.dropAllSockets();
      await r.lt.waitFor(() => (r.lt.tunnel(id)?.sockets ?? 0) >= 5, 3000, 'fresh sockets');
      const text = JSON.stringify({ n, text: 'é🙂'.repeat(n) });
      const res = await fetch(`${publicUrl}/big`, { method: 'POST', body: text });
      // (a probe in flight when the sockets were dropped fails; that is the point of dropping them)
      expect([res.status, r.lt.relayErrors.filter((e) => !e.includes('/__rci/probe'))]).toEqual([200, []]);
      expect(r.app.received.at(-1)!.body).toBe(text);
    }
    expect(r.app.received).toHaveLength(5);
  });

  it('stays online with the same URL when the server resets every tunnel socket', async () => {
    const r = await rig();
    r.sup.start();
    const { publicUrl } = await online(r.sup);
    const id = publicUrl!.split('/').pop()!;
    r.lt.dropAllSockets();
    await r.lt.waitFor(() => (r.lt.tunnel(id)?.sockets ?? 0) > 0, 3000, 'sockets to come back');
    const res = await fetch(`${publicUrl}/after-reset`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(200);
    expect(r.sup.status()).toMatchObject({ state: 'online', publicUrl });
    expect(r.urlChanges).toEqual([]);
  });

  it('is back online within 5 s after the server restarts, and reports the new URL', async () => {
    const r = await rig();
    r.sup.start();
    const first = await online(r.sup);
    await r.lt.stop();
    await until(() => r.sup.status().state === 'reconnecting', 3000, 'reconnecting');
    expect(r.sup.status().attempt).toBeGreaterThanOrEqual(1);
    expect(r.sup.status().downtime).toHaveLength(1);
    expect(r.sup.status().downtime[0].to).toBeNull();
    await new Promise((res) => setTimeout(res, 300));
    const restartedAt = Date.now();
    await r.lt.restart();
    const back = await online(r.sup, 5000);
    expect(Date.now() - restartedAt).toBeLessThan(5000);
    expect(back.publicUrl).not.toBe(first.publicUrl); // the restarted server forgot the id
    expect(r.urlChanges).toEqual([{ oldUrl: first.publicUrl, newUrl: back.publicUrl, reason: expect.stringContaining('re-opened') }]);
    const w = back.downtime[0];
    expect(w.to).not.toBeNull();
    expect(w.to! - w.from).toBeGreaterThanOrEqual(300);
    const res = await fetch(`${back.publicUrl}/callbacks`, { method: 'POST', body: 'after restart' });
    expect(res.status).toBe(200);
  });

  it('keeps the URL across a restart when the subdomain is granted again; a callback retried after the outage arrives', async () => {
    const r = await rig({ subdomain: 'rci-test-sub' });
    r.sup.start();
    const first = await online(r.sup);
    expect(first.publicUrl).toBe(`${r.lt.url}/t/rci-test-sub`);
    await r.lt.stop();
    // the gateway's first attempt during the outage fails...
    const during = await fetch(`${first.publicUrl}/callbacks`, { method: 'POST', body: 'cb-1' }).then(
      (res) => res.status,
      () => 'refused',
    );
    expect(during).toBe('refused');
    await until(() => r.sup.status().state === 'reconnecting', 3000, 'reconnecting');
    await r.lt.restart();
    await until(() => r.sup.status().state === 'online', 5000, 'back online');
    // ...and its retry to the same URL gets through
    const retry = await fetch(`${first.publicUrl}/callbacks`, { method: 'POST', body: 'cb-1' });
    expect(retry.status).toBe(200);
    expect(r.app.received.map((x) => x.body)).toEqual(['cb-1']);
    expect(r.sup.status().publicUrl).toBe(first.publicUrl);
    expect(r.urlChanges).toEqual([]);
  });

  it('notices through the probe that the server forgot the tunnel, and registers a new one', async () => {
    const r = await rig();
    r.sup.start();
    const first = await online(r.sup);
    const id = first.publicUrl!.split('/').pop()!;
    const handshakesBefore = r.lt.handshakes.length;
    // silent: the client's sockets stay connected, no error and no close reach it
    r.lt.forgetTunnel(id, { silent: true });
    expect((await fetch(`${first.publicUrl}/callbacks`, { method: 'POST', body: 'lost' })).status).toBe(404);
    await until(() => r.sup.status().state === 'reconnecting', 3000, 'reconnecting');
    expect(r.sup.status().reason).toMatch(/probe answered 404/);
    const back = await online(r.sup);
    expect(r.lt.handshakes.length).toBeGreaterThan(handshakesBefore);
    expect(back.publicUrl).not.toBe(first.publicUrl);
    expect(r.urlChanges).toHaveLength(1);
    expect(back.downtime).toEqual([{ from: expect.any(Number), to: expect.any(Number), reason: expect.stringMatching(/404/) }]);
    expect((await fetch(`${back.publicUrl}/callbacks`, { method: 'POST', body: 'found' })).status).toBe(200);
    expect(r.app.received.map((x) => x.body)).toEqual(['found']);
  });

  it('survives the client\'s socket errors when the server drops the tunnel loudly, and re-registers', async () => {
    const r = await rig({ probeIntervalMs: 60_000 }); // only the error path can notice quickly
    r.sup.start();
    const first = await online(r.sup);
    const id = first.publicUrl!.split('/').pop()!;
    r.lt.forgetTunnel(id, { silent: false }); // sockets closed, port refuses: the client emits 'error'
    const back = await until(
      () => (r.sup.status().state === 'online' && r.sup.status().publicUrl !== first.publicUrl ? r.sup.status() : null),
      5000,
      'a new tunnel',
    );
    expect(r.statuses.some((s) => s.state === 'reconnecting')).toBe(true);
    expect((await fetch(`${back.publicUrl}/x`, { method: 'POST', body: 'y' })).status).toBe(200);
  });

  it('gives up on a handshake that never answers, retries with backoff, and connects once the server answers', async () => {
    const lt = await startLtServer();
    lt.hangHandshake = true;
    const r = await rig({ handshakeTimeoutMs: 300, backoffInitialMs: 100, backoffMaxMs: 300 }, lt);
    r.sup.start();
    const rec = await until(() => (r.sup.status().state === 'reconnecting' ? r.sup.status() : null), 2000, 'reconnecting');
    expect(rec.reason).toMatch(/did not answer within 300 ms/);
    expect(rec.attempt).toBe(1);
    expect(rec.nextTryAt).toBeGreaterThan(Date.now() - 50);
    await until(() => r.sup.status().attempt >= 3, 3000, 'further attempts');
    expect(lt.handshakes.length).toBeGreaterThanOrEqual(3);
    lt.hangHandshake = false;
    const s = await online(r.sup, 3000);
    expect(s.attempt).toBe(0);
    expect(s.nextTryAt).toBeNull();
  });

  it('accepts a tunnel host with a trailing slash', async () => {
    const lt = await startLtServer();
    const r = await rig({ host: `${lt.url}/` }, lt);
    r.sup.start();
    await online(r.sup);
    expect(lt.handshakes).toEqual(['/?new']);
  });

  it('ignores HTTP_PROXY/HTTPS_PROXY without NO_PROXY (the tunnel sockets cannot use a proxy anyway)', async () => {
    const trap = await proxyTrap();
    const saved = { ...process.env };
    cleanups.push(() => {
      for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'NO_PROXY', 'no_proxy']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    });
    for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) process.env[k] = trap.url;
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    const r = await rig();
    r.sup.start();
    const s = await online(r.sup);
    expect((await fetch(`${s.publicUrl}/p`, { method: 'POST', body: 'z' })).status).toBe(200);
    expect(trap.connections).toBe(0);
  });

  it('warns that the URL changed when the requested subdomain is not granted', async () => {
    const lt = await startLtServer();
    lt.refuseSubdomains = true;
    const r = await rig({ subdomain: 'my-wanted-name' }, lt);
    r.sup.start();
    const s = await online(r.sup);
    expect(s.publicUrl).not.toContain('my-wanted-name');
    expect(s.requestedSubdomain).toBe('my-wanted-name');
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ code: 'subdomain-not-granted' });
    expect(r.warnings[0].message).toContain('the URL changed');
    expect(r.warnings[0].message).toContain(s.publicUrl);
    expect(r.urlChanges).toEqual([{ oldUrl: null, newUrl: s.publicUrl, reason: expect.stringContaining('my-wanted-name') }]);
  });

  it('reports a URL different from the one the gateway was given before the app restarted', async () => {
    const r = await rig({ previousUrl: 'http://127.0.0.1:1/t/old-one' });
    r.sup.start();
    const s = await online(r.sup);
    expect(r.urlChanges).toEqual([{ oldUrl: 'http://127.0.0.1:1/t/old-one', newUrl: s.publicUrl, reason: expect.any(String) }]);
  });

  it('stays offline with the reason when the subdomain can never be granted', async () => {
    const r = await rig({ subdomain: 'Bad_Name' });
    r.sup.start();
    const s = await until(() => (r.sup.status().state === 'offline' ? r.sup.status() : null), 2000, 'offline');
    expect(s.reason).toMatch(/subdomain "Bad_Name" is not allowed/);
    await new Promise((res) => setTimeout(res, 300));
    expect(r.sup.status().state).toBe('offline'); // no retry storm
    expect(r.lt.handshakes).toEqual([]);
    r.sup.update({ subdomain: 'good-name' });
    expect((await online(r.sup)).publicUrl).toBe(`${r.lt.url}/t/good-name`);
  });

  it('switches off and on, and follows a host change', async () => {
    const r = await rig();
    r.sup.start();
    const first = await online(r.sup);
    r.sup.update({ enabled: false });
    expect(r.sup.status()).toMatchObject({ state: 'disabled', publicUrl: null });
    await r.lt.waitFor(() => r.lt.tunnels().length === 0, 3000, 'the server to drop the closed tunnel');
    expect((await fetch(`${first.publicUrl}/x`)).status).toBe(404);
    r.sup.update({ enabled: true });
    await online(r.sup);
    const lt2 = await startLtServer();
    cleanups.push(() => lt2.close());
    r.sup.update({ host: lt2.url });
    const s = await until(() => (r.sup.status().publicUrl?.startsWith(lt2.url) ? r.sup.status() : null), 3000, 'new host');
    expect(s).toMatchObject({ state: 'online', host: lt2.url });
    expect(r.urlChanges.at(-1)).toMatchObject({ newUrl: s.publicUrl, reason: expect.stringContaining('setting changed') });
    // user-initiated gaps are not outages... but they are recorded only when the tunnel was online and enabled
    expect(r.sup.status().downtime.every((d) => d.to !== null)).toBe(true);
  });

  it('starts disabled when switched off, and stop() closes every tunnel socket', async () => {
    const r = await rig({ enabled: false });
    r.sup.start();
    expect(r.sup.status().state).toBe('disabled');
    await new Promise((res) => setTimeout(res, 100));
    expect(r.lt.handshakes).toEqual([]);
    r.sup.update({ enabled: true });
    const s = await online(r.sup);
    const id = s.publicUrl!.split('/').pop()!;
    expect(r.lt.tunnel(id)!.sockets).toBeGreaterThan(0);
    await r.sup.stop();
    expect(r.sup.status()).toMatchObject({ state: 'offline', reason: 'stopped', publicUrl: null });
    await r.lt.waitFor(() => (r.lt.tunnel(id)?.sockets ?? 0) === 0, 2000, 'sockets closed');
  });

  it('gets its subdomain back when the server still holds the previous tunnel for a moment', async () => {
    const lt = await startLtServer({ graceMs: 800 });
    const r = await rig({ subdomain: 'keep-me-please' }, lt);
    r.sup.start();
    const first = await online(r.sup);
    r.sup.reconnect(); // the old tunnel's sockets close; the server keeps the id for 800 ms
    await until(() => r.sup.status().state === 'reconnecting', 2000, 'the id to be refused at first');
    const s = await online(r.sup, 5000);
    expect(s.publicUrl).toBe(first.publicUrl);
    expect(lt.handshakes.filter((h) => h === '/keep-me-please').length).toBeGreaterThan(2);
    expect(r.urlChanges).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('accepts another id once the reclaim window is over, and says so', async () => {
    const lt = await startLtServer({ graceMs: 5000 });
    const r = await rig({ subdomain: 'keep-me-please', subdomainReclaimMs: 300 }, lt);
    r.sup.start();
    const first = await online(r.sup);
    r.sup.reconnect();
    const s = await until(
      () => (r.sup.status().state === 'online' && r.sup.status().publicUrl !== first.publicUrl ? r.sup.status() : null),
      3000,
      'a different URL',
    );
    expect(r.warnings.map((w) => w.code)).toEqual(['subdomain-not-granted']);
    expect(r.urlChanges).toEqual([{ oldUrl: first.publicUrl, newUrl: s.publicUrl, reason: expect.stringContaining('not granted') }]);
  });

  it('reconnect() opens a fresh tunnel', async () => {
    const r = await rig();
    r.sup.start();
    const first = await online(r.sup);
    r.sup.reconnect();
    expect(r.sup.status().state).toBe('connecting');
    const s = await online(r.sup);
    expect(s.publicUrl).not.toBe(first.publicUrl);
    expect(r.urlChanges).toEqual([{ oldUrl: first.publicUrl, newUrl: s.publicUrl, reason: 'a reconnect was requested' }]);
  });
});

/** A "proxy" that accepts connections and never answers: anything routed through it hangs. */
async function proxyTrap(): Promise<{ url: string; connections: number }> {
  const t = { url: '', connections: 0 };
  const socks = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    t.connections++;
    socks.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  t.url = `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`;
  cleanups.push(
    () =>
      new Promise<void>((res) => {
        for (const s of socks) s.destroy();
        srv.close(() => res());
      }),
  );
  return t;
}
