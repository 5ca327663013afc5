// The inspector UI gets one Content-Security-Policy wherever it is served: `serve`'s page and the desktop window
// (app:// and the dev server) differ only in the sockets they may open and, in development, inline code.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlServer, type ControlServer } from '../../electron/core/control-server';
import { createAppProtocolHandler } from '../../electron/shell/app-protocol';
import type { RendererSource } from '../../electron/shell/origin';
import { contentSecurityPolicy, isAllowedRequest } from '../../electron/shell/security';
import type { ApiHandlers } from '../../shared/api';
import { ROOT, tempDir } from '../support/serve';

const bundled: RendererSource = { kind: 'bundled', dir: '/opt/app/dist/renderer' };
const dev: RendererSource = { kind: 'dev-server', url: 'http://localhost:5173/' };

const directives = (csp: string) => Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
const without = (d: Record<string, string[]>, ...names: string[]) => Object.fromEntries(Object.entries(d).filter(([k]) => !names.includes(k)));

let server: ControlServer;
let servedPolicy: string;
let appPolicy: string;

beforeAll(async () => {
  const dir = tempDir('rci-policy-');
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>inspector</title>');
  server = await startControlServer({ handlers: {} as ApiHandlers, subscribe: () => () => {}, token: 't'.repeat(32), port: 0, staticDir: dir });
  const page = await fetch(`http://127.0.0.1:${server.port}/`);
  servedPolicy = page.headers.get('content-security-policy') ?? '';
  const handler = createAppProtocolHandler(dir, contentSecurityPolicy(bundled));
  appPolicy = (await handler(new Request('app://rci/index.html'))).headers.get('content-security-policy') ?? '';
});
afterAll(async () => {
  await server?.close();
});

describe('the UI policy', () => {
  it("serve's page gets the desktop window's policy, with its live-event socket as the only addition", () => {
    const served = directives(servedPolicy);
    const desktop = directives(appPolicy);
    expect(without(served, 'connect-src')).toEqual(without(desktop, 'connect-src'));
    expect(desktop['connect-src']).toEqual(["'self'"]);
    expect(served['connect-src']).toEqual(["'self'", `ws://127.0.0.1:${server.port}`, `ws://localhost:${server.port}`]);
    expect(served['style-src']).toEqual(["'self'"]);
  });

  it('the dev server adds only inline code and its HMR socket', () => {
    const d = directives(contentSecurityPolicy(dev));
    const b = directives(appPolicy);
    expect(without(d, 'script-src', 'style-src', 'connect-src')).toEqual(without(b, 'script-src', 'style-src', 'connect-src'));
    expect(d['script-src']).toEqual(["'self'", "'unsafe-inline'"]);
    expect(d['connect-src']).toEqual(["'self'", 'ws://localhost:5173']);
  });

  it('lets images in over https only, since the UI never asks for a plain-http one', () => {
    for (const policy of [servedPolicy, appPolicy, contentSecurityPolicy(dev)]) {
      expect(directives(policy)['img-src']).toEqual(["'self'", 'data:', 'https:']);
    }
    expect(isAllowedRequest('https://media.example.com/a.png', bundled, 'image')).toBe(true);
    expect(isAllowedRequest('http://media.example.com/a.png', bundled, 'image')).toBe(false);
  });

  it('the page itself declares no second policy that could say otherwise', () => {
    const html = fs.readFileSync(path.join(ROOT, 'renderer', 'index.html'), 'utf8');
    expect(html).not.toMatch(/Content-Security-Policy/i);
  });
});
