// No single request may end `serve`: a page on another loopback origin can send the UI port anything an <img> tag
// can, and anyone with the public URL can send the receiver anything at all. Request lines and upgrades a browser
// or an attacker could produce go to BOTH ports of a real `serve` child as raw bytes; after each one the process must
// still be running, must have answered with an HTTP status (never a hang), and must still serve both ports.
import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startServe, type ServeHandle } from '../support/serve';
import { rawExchange, type RawExchange } from './support/raw-http';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND'];

let s: ServeHandle | null = null;
/** `serve` instances a crash forced us to replace: the crash is reported by the case that caused it */
const crashed: string[] = [];

beforeEach(async () => {
  if (s && (await alive())) return;
  if (s) {
    crashed.push(s.stderr());
    await s.kill();
  }
  s = await startServe();
});
afterAll(async () => {
  await s?.stop();
});

type Port = 'ui' | 'receiver';
const ui = () => new URL(s!.uiUrl);
const urlOf = (port: Port) => (port === 'ui' ? ui().origin : s!.receiverUrl);
const hostOf = (port: Port) => new URL(urlOf(port)).host;
const token = () => ui().searchParams.get('token')!;

/** A request head as raw bytes: the target is sent exactly as given (fetch would normalise or refuse it). */
function head(method: string, target: string, headers: Record<string, string | null>, body = ''): Buffer {
  const lines = [`${method} ${target} HTTP/1.1`];
  for (const [k, v] of Object.entries({ Connection: 'close', ...headers })) if (v !== null) lines.push(`${k}: ${v}`);
  if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n' + body, 'latin1');
}

/** Sends one raw request and checks the invariants: an HTTP answer, the process alive, both ports still serving. */
async function survives(port: Port, bytes: Buffer, opts: { head?: boolean } = {}): Promise<RawExchange> {
  const ex = await rawExchange(urlOf(port), [bytes], { waitMs: 10_000, head: opts.head });
  const shown = JSON.stringify(bytes.toString('latin1').slice(0, 120));
  // a crash shows as a lost connection first; give the exit a moment to be seen, so the message names it
  if (ex.responses.length === 0) await Promise.race([once(s!.proc, 'exit'), new Promise((r) => setTimeout(r, 1000))]);
  expect(s!.proc.exitCode, `serve exited after ${shown}\n${s!.stderr().slice(-2000)}`).toBeNull();
  expect(ex.responses.length, `no HTTP answer to ${shown}: ${JSON.stringify(ex.raw.slice(0, 200))} ${ex.error ?? ''}`).toBeGreaterThan(0);
  const status = ex.responses[0]!.status;
  expect(status >= 200 && status <= 599, `${shown} → ${status}`).toBe(true);
  await expectBothPortsServe(shown);
  return ex;
}

async function alive(): Promise<boolean> {
  if (s!.proc.exitCode !== null || s!.proc.signalCode !== null) return false;
  const r = await fetch(`${ui().origin}/api/call/getStatus`, { method: 'POST', headers: { authorization: `Bearer ${token()}` }, body: '{}' }).catch(() => null);
  return r?.status === 200;
}

async function expectBothPortsServe(after: string): Promise<void> {
  const call = await fetch(`${ui().origin}/api/call/getStatus`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json' },
    body: '{}',
  }).catch((e: Error) => ({ status: `fetch failed: ${e.message}` }));
  expect(call.status, `control API after ${after}`).toBe(200);
  const post = await fetch(`${s!.receiverUrl}/callbacks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"READ"}' }).catch(
    (e: Error) => ({ status: `fetch failed: ${e.message}` }),
  );
  expect(post.status, `receiver after ${after}`).toBe(200);
}

/** Targets an attacker controls, sent exactly as written. */
const TARGETS = [
  '/%ff',
  '/%',
  '/%zz',
  '/%E0%A4%A',
  '/%c0%ae%c0%ae/',
  '/a%00b',
  '/api/call/%ff',
  '/api/call/getStatus%',
  '/api/call/',
  '/api/call/..%2F..%2Fx',
  '/api/events',
  '/api/events?token=%ff',
  '/?token=%ff&%zz',
  '//',
  '///x',
  '//evil.example/x',
  '/..%2F..%2Fetc%2Fpasswd',
  '/../../etc/passwd',
  '/%2e%2e/%2e%2e/etc/passwd',
  'http://evil.example/',
  'http://127.0.0.1/',
  'https://[::1]:1/%ff',
  '*',
  '/' + 'a'.repeat(8_000),
  '/' + 'a'.repeat(20_000),
  '/%ff'.repeat(2_000),
  '/a\x00b',
  '/a\x01b',
  '/a\x7fb',
  '/a\tb',
  '/\\evil.example',
  '/\u00e9\u00ff',
];

for (const port of ['ui', 'receiver'] as const) {
  describe(`${port} port: hostile request lines`, () => {
    for (const target of TARGETS) {
      it(`GET ${JSON.stringify(target.slice(0, 40))}${target.length > 40 ? `… (${target.length})` : ''}`, async () => {
        await survives(port, head('GET', target, { Host: hostOf(port) }));
      });
    }

    it('every method (and its lowercase), on ordinary and hostile targets', async () => {
      for (const method of [...METHODS, ...METHODS.map((m) => m.toLowerCase())]) {
        for (const target of ['/', '//', '/%ff', '/api/call/getStatus', '/api/call/%ff', '*']) {
          await survives(port, head(method, target, { Host: hostOf(port) }, method === 'POST' ? '{}' : ''), { head: method === 'HEAD' });
        }
      }
    });

    it('CONNECT in every form', async () => {
      for (const target of ['127.0.0.1:1', 'evil.example:443', '//', '/%ff', '*']) {
        await survives(port, head('CONNECT', target, { Host: hostOf(port) }));
      }
    });

    it('hostile Host headers on hostile targets', async () => {
      for (const host of [null, '', 'evil.example', '%ff', '[', 'a b', hostOf(port) + '\x01']) {
        for (const target of ['/', '//', '/%ff', '/api/call/getStatus']) await survives(port, head('GET', target, { Host: host }));
      }
    });

    it('upgrade requests of every kind', async () => {
      const ws = (target: string, extra: Record<string, string | null> = {}) =>
        head('GET', target, {
          Host: hostOf(port),
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
          ...extra,
        });
      const events = `/api/events?token=${token()}`;
      const variants: [string, Buffer][] = [
        ['websocket to //', ws('//')],
        ['websocket to // with a foreign Host', ws('//', { Host: 'evil.example' })],
        ['websocket to // without Host', ws('//', { Host: null })],
        ['websocket to ///x', ws('///x')],
        ['websocket to /%ff', ws('/%ff')],
        ['websocket to absolute-form', ws('http://evil.example/api/events')],
        ['websocket to *', ws('*')],
        ['websocket to /api/events?token=%ff', ws('/api/events?token=%ff')],
        ['events without a key', ws(events, { 'Sec-WebSocket-Key': null })],
        ['events with a bad key', ws(events, { 'Sec-WebSocket-Key': 'not-base64!' })],
        ['events with an unknown version', ws(events, { 'Sec-WebSocket-Version': '99' })],
        ['events as POST', Buffer.from(ws(events).toString('latin1').replace(/^GET/, 'POST'), 'latin1')],
        ['h2c to /', head('GET', '/', { Host: hostOf(port), Connection: 'Upgrade, HTTP2-Settings', Upgrade: 'h2c', 'HTTP2-Settings': 'AAMAAABkAARAAAAAAAIAAAAA' })],
        ['h2c to events', head('GET', events, { Host: hostOf(port), Connection: 'Upgrade', Upgrade: 'h2c' })],
        ['empty Upgrade', ws('/', { Upgrade: '' })],
        ['unknown protocol', ws('/', { Upgrade: 'x/%ff' })],
      ];
      for (const [name, bytes] of variants) {
        const ex = await survives(port, bytes);
        // only a complete, authorised handshake may switch protocols, and none of these is one
        expect(ex.responses[0]!.status, name).not.toBe(101);
      }
    });

    it('senders that vanish (connection reset) while their hostile request is being answered', async () => {
      const bytes = [
        head('CONNECT', '127.0.0.1:1', { Host: hostOf(port) }),
        head('GET', '/api/events?token=wrong', { Host: hostOf(port), Connection: 'Upgrade', Upgrade: 'websocket' }),
        head('GET', '//', { Host: hostOf(port), Connection: 'Upgrade', Upgrade: 'websocket' }),
        head('GET', '/%ff', { Host: hostOf(port) }),
      ];
      for (let round = 0; round < 5; round++) {
        for (const b of bytes) await sendAndReset(urlOf(port), b);
      }
      await new Promise((r) => setTimeout(r, 200));
      expect(s!.proc.exitCode, s!.stderr().slice(-2000)).toBeNull();
      await expectBothPortsServe('connection resets');
    });
  });
}

describe('ui port: what the sender got wrong is answered 400', () => {
  it('bad percent-encoding, a target that is not a path, a call name that does not decode', async () => {
    const h = { Host: hostOf('ui') };
    const status = async (bytes: Buffer) => (await survives('ui', bytes)).responses[0]!.status;
    expect(await status(head('GET', '/%ff', h))).toBe(400);
    expect(await status(head('GET', '/assets/%zz.js', h))).toBe(400);
    // absolute-form names a host the Host check never saw: refused rather than answered as if it were ours
    expect(await status(head('GET', 'http://evil.example/', h))).toBe(400);
    expect(await status(head('OPTIONS', '*', h))).toBe(400);
    expect(await status(head('POST', '/api/call/%ff', { ...h, Authorization: `Bearer ${token()}` }, '{}'))).toBe(400);
    expect(await status(head('GET', '//', { ...h, Connection: 'Upgrade', Upgrade: 'websocket' }))).toBe(403);
  });
});

it('no case above ended serve', () => {
  expect(crashed, crashed.join('\n----\n').slice(-4000)).toEqual([]);
});

/** Writes the request and resets the connection (RST, not FIN) as soon as it is out. */
function sendAndReset(url: string, bytes: Buffer): Promise<void> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port) }, () => {
      socket.write(bytes, () => setImmediate(() => (socket.resetAndDestroy(), resolve())));
    });
    socket.on('error', () => resolve());
  });
}
