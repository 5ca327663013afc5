// The control server's guards, route by route: its static files stay inside their folder, a foreign Host is refused
// everywhere (DNS rebinding), and the live-event WebSocket needs the token and a local Origin (CSRF from a page).
// In-process, with a stand-in core, so each check sees exactly which handler ran.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ApiEventBatch, ApiHandlers } from '../../shared/api';
import { API_CALL_NAME_LIST } from '../../shared/api-names';
import { startControlServer, type ControlServer } from '../../electron/core/control-server';
import { rawExchange } from '../reliability/support/raw-http';
import { tempDir } from '../support/serve';

const TOKEN = 'test-token-0123456789abcdef';
const SECRET = 'SIBLING FOLDER CONTENT';

let server: ControlServer;
let base: string;
const called: string[] = [];
const listeners = new Set<(b: ApiEventBatch) => void>();

beforeAll(async () => {
  base = tempDir('rci-control-');
  const root = path.join(base, 'renderer');
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>inspector</title>');
  fs.writeFileSync(path.join(root, 'app.js'), 'console.log("app")');
  // a folder beside the static root whose name starts with the root's name
  fs.mkdirSync(path.join(base, 'renderer-x'));
  fs.writeFileSync(path.join(base, 'renderer-x', 'secret.txt'), SECRET);
  const handlers = new Proxy({}, { get: (_t, name) => async () => (called.push(String(name)), { handled: String(name) }) }) as ApiHandlers;
  server = await startControlServer({
    handlers,
    subscribe: (l) => (listeners.add(l), () => listeners.delete(l)),
    token: TOKEN,
    port: 0,
    staticDir: root,
  });
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(base, { recursive: true, force: true });
});

const origin = () => `http://127.0.0.1:${server.port}`;

function request(method: string, target: string, headers: Record<string, string | null>, body = '') {
  const lines = [`${method} ${target} HTTP/1.1`, 'Connection: close'];
  for (const [k, v] of Object.entries(headers)) if (v !== null) lines.push(`${k}: ${v}`);
  if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return rawExchange(origin(), [Buffer.from(lines.join('\r\n') + '\r\n\r\n' + body, 'latin1')]).then((ex) => ex.responses[0]);
}

describe('static files', () => {
  it('serves its own files and nothing from a sibling folder whose name starts like its own', async () => {
    const own = await request('GET', '/app.js', { Host: `127.0.0.1:${server.port}` });
    expect(own?.status).toBe(200);
    expect(own?.body).toBe('console.log("app")');
    for (const target of ['/..%2Frenderer-x%2Fsecret.txt', '/../renderer-x/secret.txt', '/%2e%2e/renderer-x/secret.txt', '/%2E%2E%2Frenderer-x/secret.txt']) {
      const r = await request('GET', target, { Host: `127.0.0.1:${server.port}` });
      expect(r?.status, target).toBe(403);
      expect(r?.body, target).not.toContain(SECRET);
    }
  });
});

describe('a foreign Host is refused on every route', () => {
  const upgrade = { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' };
  const routes = () => [
    { name: 'GET /?token=', send: (host: string | null) => request('GET', `/?token=${TOKEN}`, { Host: host }) },
    { name: 'GET /app.js', send: (host: string | null) => request('GET', '/app.js', { Host: host }) },
    ...API_CALL_NAME_LIST.map((call) => ({
      name: `POST /api/call/${call}`,
      send: (host: string | null) => request('POST', `/api/call/${call}`, { Host: host, Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, '{}'),
    })),
    { name: 'WebSocket /api/events', send: (host: string | null) => request('GET', `/api/events?token=${TOKEN}`, { Host: host, Origin: origin(), ...upgrade }) },
  ];

  it('answers each route when the Host is ours (so the refusals below are the Host check)', async () => {
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`]) {
      for (const route of routes()) {
        const status = (await route.send(host))?.status;
        // a stand-in handler may refuse a call's empty argument (400), but never the caller
        expect([101, 200, 400], `${route.name} with Host ${host}`).toContain(status);
      }
    }
  });

  it('refuses every route with 403 and runs no handler', async () => {
    const p = server.port;
    called.length = 0;
    for (const host of ['evil.example', `evil.example:${p}`, `127.0.0.1:${p + 1}`, '127.0.0.1', 'localhost', `127.0.0.1:${p}.evil.example`, `[::1]:${p}`, '']) {
      for (const route of routes()) {
        expect((await route.send(host))?.status, `${route.name} with Host ${JSON.stringify(host)}`).toBe(403);
      }
    }
    // no Host at all: Node's HTTP/1.1 parser refuses it (400) before we see it, on every route alike
    for (const route of routes()) expect([400, 403], `${route.name} without Host`).toContain((await route.send(null))?.status);
    expect(called).toEqual([]);
  });
});

describe('the live-event WebSocket', () => {
  function connect(target: string, wsOrigin?: string): Promise<{ status: number; ws?: WebSocket }> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}${target}`, wsOrigin ? { origin: wsOrigin } : {});
      ws.once('open', () => resolve({ status: 101, ws }));
      ws.once('unexpected-response', (req, res) => {
        resolve({ status: res.statusCode ?? 0 });
        req.destroy();
      });
      ws.once('error', () => resolve({ status: -1 }));
    });
  }

  it('refuses a connection without the token, with a wrong one, or from a foreign Origin', async () => {
    const cases: [string, string, string | undefined][] = [
      ['no token', '/api/events', origin()],
      ['empty token', '/api/events?token=', origin()],
      ['wrong token', '/api/events?token=wrong', origin()],
      ['token with an extra character', `/api/events?token=${TOKEN}x`, origin()],
      ['token cut short', `/api/events?token=${TOKEN.slice(0, -1)}`, origin()],
      ['foreign Origin', `/api/events?token=${TOKEN}`, 'http://evil.example'],
      ['Origin on another local port', `/api/events?token=${TOKEN}`, `http://127.0.0.1:${server.port + 1}`],
      ['Origin over https', `/api/events?token=${TOKEN}`, `https://127.0.0.1:${server.port}`],
      ['opaque Origin (sandboxed page)', `/api/events?token=${TOKEN}`, 'null'],
      ['another path', `/api/other?token=${TOKEN}`, origin()],
    ];
    for (const [name, target, wsOrigin] of cases) expect((await connect(target, wsOrigin)).status, name).toBe(403);
  });

  it('accepts the token with our own Origin (the UI) or none (a script), and delivers live events', async () => {
    for (const wsOrigin of [origin(), `http://localhost:${server.port}`, undefined]) {
      const { status, ws } = await connect(`/api/events?token=${TOKEN}`, wsOrigin);
      expect(status, `Origin ${wsOrigin}`).toBe(101);
      const got = new Promise<string>((resolve) => ws!.once('message', (d) => resolve(String(d))));
      const batch = [{ event: 'status', data: { probe: wsOrigin ?? 'none' } }] as unknown as ApiEventBatch;
      for (const l of listeners) l(batch);
      expect(JSON.parse(await got)).toEqual(batch);
      ws!.close();
    }
  });
});
