// The supervised tunnel end to end: lt-server (test/support) <-> @n8n/localtunnel sockets <-> a local app.
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
    handshakeTimeoutMs: 1000,
    probeTimeoutMs: 500,
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
});
