// The inspector link as a user keeps it: opened once, it leaves a cookie so the bare address works in a new tab; its
// token lives in the data folder, so the printed link (and a bookmark of it) works after a restart; rotating it from
// the settings ends every old link and cookie. None of that may open the control API to other pages.
// The first describe runs the control server in-process; the last one restarts a real `serve` (heavy: run under
// the shared lock).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ApiEventBatch, ApiHandlers } from '../../shared/api';
import { startControlServer, type ControlServer } from '../../electron/core/control-server';
import { openUiSession, UI_TOKEN_FILE } from '../../electron/core/ui-session';
import { rawExchange, type RawResponse } from '../reliability/support/raw-http';
import { startServe, tempDir } from '../support/serve';

const PAGE = '<!doctype html><title>inspector</title><div id="root">INSPECTOR</div>';

let server: ControlServer;
let base: string;
let dataDir: string;
const rotations: string[] = [];
const listeners = new Set<(b: ApiEventBatch) => void>();

async function start(): Promise<ControlServer> {
  const handlers = new Proxy({}, { get: (_t, name) => async () => ({ handled: String(name) }) }) as ApiHandlers;
  return startControlServer({
    handlers,
    subscribe: (l) => (listeners.add(l), () => listeners.delete(l)),
    session: openUiSession(dataDir),
    dataDir,
    onRotate: (url) => rotations.push(url),
    port: 0,
    staticDir: path.join(base, 'renderer'),
  });
}

beforeAll(async () => {
  base = tempDir('rci-session-');
  dataDir = path.join(base, 'data');
  fs.mkdirSync(dataDir);
  fs.mkdirSync(path.join(base, 'renderer'));
  fs.writeFileSync(path.join(base, 'renderer', 'index.html'), PAGE);
  fs.writeFileSync(path.join(base, 'renderer', 'app.js'), 'console.log("app")');
  server = await start();
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(base, { recursive: true, force: true });
});

const own = () => `http://127.0.0.1:${server.port}`;
const host = () => `127.0.0.1:${server.port}`;
const tokenOf = (uiUrl: string) => new URL(uiUrl).searchParams.get('token')!;

function request(method: string, target: string, headers: Record<string, string | null>, body = ''): Promise<RawResponse> {
  const lines = [`${method} ${target} HTTP/1.1`, 'Connection: close', `Host: ${host()}`];
  for (const [k, v] of Object.entries(headers)) if (v !== null) lines.push(`${k}: ${v}`);
  if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return rawExchange(own(), [Buffer.from(lines.join('\r\n') + '\r\n\r\n' + body, 'latin1')]).then((ex) => ex.responses[0]!);
}

/** what our own page sends with a call: its Origin, same-origin fetch metadata and the cookie */
const fromOurPage = (cookie: string) => ({ Origin: own(), 'Sec-Fetch-Site': 'same-origin', Cookie: cookie, 'Content-Type': 'application/json' });
const callStatus = (headers: Record<string, string | null>) => request('POST', '/api/call/getStatus', headers, '{}').then((r) => r.status);

/** Opens the link the way a browser does and hands back the cookie it would keep (`name=value`). */
async function openLink(uiUrl: string): Promise<{ page: RawResponse; cookie: string; attributes: string[] }> {
  const u = new URL(uiUrl);
  const page = await request('GET', u.pathname + u.search, { 'Sec-Fetch-Site': 'none' });
  const [pair = '', ...attributes] = (page.headers['set-cookie'] ?? '').split(';').map((p) => p.trim());
  return { page, cookie: pair, attributes };
}

function connect(headers: Record<string, string>, target = '/api/events'): Promise<{ status: number; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://${host()}${target}`, { origin: headers.Origin, headers });
    ws.once('open', () => resolve({ status: 101, ws }));
    ws.once('unexpected-response', (req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      req.destroy();
    });
    ws.once('error', () => resolve({ status: -1 }));
  });
}

async function receivesEvents(ws: WebSocket): Promise<void> {
  const got = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
  const batch = [{ event: 'warning', data: { code: 'probe', message: 'hello', at: 1 } }] as ApiEventBatch;
  for (const l of listeners) l(batch);
  expect(JSON.parse(await got)).toEqual(batch);
}

describe('the printed link and the cookie it leaves', () => {
  it('keeps one token in the data folder, readable by its owner only, and prints it in the link', () => {
    const file = path.join(dataDir, UI_TOKEN_FILE);
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(tokenOf(server.uiUrl));
    expect(tokenOf(server.uiUrl).length).toBeGreaterThanOrEqual(32);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o077).toBe(0);
  });

  it('opening the link shows the inspector and sets an HttpOnly, SameSite=Strict cookie that is not the token', async () => {
    const { page, cookie, attributes } = await openLink(server.uiUrl);
    expect(page.status).toBe(200);
    expect(page.body).toContain('INSPECTOR');
    const [name, value] = cookie.split('=');
    expect(name).toBe(`rci_ui_${server.port}`);
    expect(value!.length).toBeGreaterThanOrEqual(32);
    expect(value).not.toContain(tokenOf(server.uiUrl));
    const attrs = attributes.map((a) => a.toLowerCase());
    expect(attrs).toContain('httponly');
    expect(attrs).toContain('samesite=strict');
    expect(attrs).toContain('path=/');
    expect(attrs.some((a) => a.startsWith('domain='))).toBe(false);
    expect(Number(attrs.find((a) => a.startsWith('max-age='))?.slice(8))).toBeGreaterThan(24 * 3600);
  });

  it('with the cookie the bare address works: the page, API calls and live events', async () => {
    const { cookie } = await openLink(server.uiUrl);
    const bare = await request('GET', '/', { Cookie: cookie, 'Sec-Fetch-Site': 'none' });
    expect(bare.status).toBe(200);
    expect(bare.body).toContain('INSPECTOR');
    expect(await callStatus(fromOurPage(cookie))).toBe(200);
    const { status, ws } = await connect({ Origin: own(), Cookie: cookie });
    expect(status).toBe(101);
    await receivesEvents(ws!);
    ws!.close();
  });

  it('without the link shows a page that says where the link is, not an empty inspector', async () => {
    for (const target of ['/', '/index.html', '/messages/some-deep-link']) {
      const r = await request('GET', target, { 'Sec-Fetch-Site': 'none' });
      expect(r.status, target).toBe(403);
      expect(r.body, target).not.toContain('INSPECTOR');
      expect(r.body).toContain('Open the link printed by <code>serve</code>');
      expect(r.body).toContain(`Inspector UI:   http://127.0.0.1:${server.port}/?token=…`);
      expect(r.body).toContain(`npm run serve -- --data-dir ${dataDir}`);
      expect(r.body).toContain(path.join(dataDir, UI_TOKEN_FILE));
      expect(r.body).toContain('data-reason="missing"');
      expect(r.body).not.toContain(tokenOf(server.uiUrl));
      // the page's own stylesheet comes under the same policy as the inspector's
      expect(r.headers['content-security-policy']).toContain("style-src 'self'");
    }
    expect((await request('GET', '/__rci/open-link.css', {})).status).toBe(200);
    // the app's scripts are not secret: only the page that would show data is held back
    expect((await request('GET', '/app.js', {})).status).toBe(200);
  });

  it('refuses a wrong cookie, and a wrong token even beside a good cookie', async () => {
    const { cookie } = await openLink(server.uiUrl);
    const wrong = `rci_ui_${server.port}=${'A'.repeat(43)}`;
    const page = await request('GET', '/', { Cookie: wrong });
    expect(page.status).toBe(403);
    expect(page.body).toContain('data-reason="wrong"');
    expect(await callStatus(fromOurPage(wrong))).toBe(403);
    expect((await connect({ Origin: own(), Cookie: wrong })).status).toBe(403);
    // another port's cookie (another serve on this machine) is not ours
    expect(await callStatus(fromOurPage(cookie.replace(`rci_ui_${server.port}=`, `rci_ui_${server.port + 1}=`)))).toBe(403);
    expect(await callStatus({ ...fromOurPage(cookie), Authorization: 'Bearer wrong' })).toBe(403);
    expect((await connect({ Origin: own(), Cookie: cookie }, '/api/events?token=wrong')).status).toBe(403);
    const wrongLink = await request('GET', '/?token=wrong', { Cookie: cookie });
    expect(wrongLink.status).toBe(403);
    expect(wrongLink.body).toContain('data-reason="wrong"');
  });

  it('still refuses other pages that carry the cookie: foreign or other-port Origin, cross-site fetch metadata', async () => {
    const { cookie } = await openLink(server.uiUrl);
    const foreign = ['http://evil.example', `http://127.0.0.1:${server.port + 1}`, 'null'];
    for (const origin of foreign) {
      expect(await callStatus({ ...fromOurPage(cookie), Origin: origin }), origin).toBe(403);
      expect((await connect({ Origin: origin, Cookie: cookie })).status, origin).toBe(403);
    }
    // a page on another port of this host is the same *site*, so SameSite=Strict sends the cookie along
    for (const site of ['same-site', 'cross-site', 'none']) {
      expect(await callStatus({ Cookie: cookie, 'Sec-Fetch-Site': site }), site).toBe(403);
    }
    expect((await request('POST', '/api/session/rotate', { ...fromOurPage(cookie), Origin: 'http://evil.example' })).status).toBe(403);
  });
});

describe('rotating the link', () => {
  it('needs the link or its cookie', async () => {
    const before = server.uiUrl;
    expect((await request('POST', '/api/session/rotate', { Origin: own(), 'Sec-Fetch-Site': 'same-origin' })).status).toBe(403);
    expect((await request('GET', '/api/session/rotate', {})).status).toBe(405);
    expect(server.uiUrl).toBe(before);
  });

  it('ends the old link, the old cookie and sockets opened with them; the page that rotated keeps working', async () => {
    const oldUrl = server.uiUrl;
    const oldToken = tokenOf(oldUrl);
    const { cookie: oldCookie } = await openLink(oldUrl);
    const info = await request('POST', '/api/session', fromOurPage(oldCookie));
    expect(info.status).toBe(200);
    expect(JSON.parse(info.body)).toEqual({ uiUrl: oldUrl });
    const open = await connect({ Origin: own(), Cookie: oldCookie });
    expect(open.status).toBe(101);
    const closed = new Promise<void>((resolve) => open.ws!.once('close', () => resolve()));

    const r = await request('POST', '/api/session/rotate', fromOurPage(oldCookie));
    expect(r.status).toBe(200);
    const newUrl = JSON.parse(r.body).uiUrl as string;
    expect(tokenOf(newUrl)).not.toBe(oldToken);
    expect(server.uiUrl).toBe(newUrl);
    expect(rotations.at(-1)).toBe(newUrl);
    expect(fs.readFileSync(path.join(dataDir, UI_TOKEN_FILE), 'utf8').trim()).toBe(tokenOf(newUrl));
    await closed;

    // old link, old token, old cookie: refused everywhere
    const oldLink = await request('GET', `/?token=${oldToken}`, {});
    expect(oldLink.status).toBe(403);
    expect(oldLink.body).toContain('data-reason="wrong"');
    expect(await callStatus({ Authorization: `Bearer ${oldToken}` })).toBe(403);
    expect(await callStatus(fromOurPage(oldCookie))).toBe(403);
    expect((await request('GET', '/', { Cookie: oldCookie })).status).toBe(403);
    expect((await connect({ Origin: own(), Cookie: oldCookie })).status).toBe(403);
    expect((await connect({ Origin: own() }, `/api/events?token=${oldToken}`)).status).toBe(403);

    // the rotating page got the new cookie with the answer
    const newCookie = (r.headers['set-cookie'] ?? '').split(';')[0]!;
    expect(newCookie).not.toBe(oldCookie);
    expect(await callStatus(fromOurPage(newCookie))).toBe(200);
    const again = await connect({ Origin: own(), Cookie: newCookie });
    expect(again.status).toBe(101);
    again.ws!.close();
    expect((await openLink(newUrl)).page.status).toBe(200);
  });

  it('a restart on the same data folder keeps the rotated link', async () => {
    const rotated = server.uiUrl;
    await server.close();
    server = await start();
    expect(tokenOf(server.uiUrl)).toBe(tokenOf(rotated));
  });

  it('a mangled token file is replaced by a fresh token rather than trusted', () => {
    const dir = tempDir('rci-token-');
    fs.writeFileSync(path.join(dir, UI_TOKEN_FILE), 'short\n');
    const s = openUiSession(dir);
    expect(s.token()).not.toBe('short');
    expect(s.token().length).toBeGreaterThanOrEqual(32);
    expect(openUiSession(dir).token()).toBe(s.token());
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('serve restarted on the same data folder', () => {
  it('prints the same link, and a cookie from before the restart still opens the bare address', async () => {
    const dir = tempDir('rci-serve-link-');
    const uiPort = await freePort();
    const first = await startServe(['--ui-port', String(uiPort)], { dataDir: dir });
    let cookie: string;
    try {
      const res = await fetch(first.uiUrl);
      expect(res.status).toBe(200);
      cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
      expect(cookie).toMatch(new RegExp(`^rci_ui_${uiPort}=`));
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const second = await startServe(['--ui-port', String(uiPort)], { dataDir: dir });
    try {
      expect(second.uiUrl).toBe(first.uiUrl);
      const origin = new URL(second.uiUrl).origin;
      const bare = await fetch(`${origin}/`, { headers: { cookie } });
      expect(bare.status).toBe(200);
      const call = await fetch(`${origin}/api/call/getStatus`, { method: 'POST', headers: { cookie, origin, 'content-type': 'application/json' }, body: '{}' });
      expect(call.status).toBe(200);
    } finally {
      await second.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
