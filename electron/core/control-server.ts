// `serve` mode's control API: the same contract as the Electron bridge, over HTTP (calls) and WebSocket (live
// events). It binds 127.0.0.1 only, on a port the tunnel never forwards, needs the per-run token and checks
// Host and Origin so a web page the user visits cannot drive it (DNS rebinding, CSRF).
import { timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiEventBatch, ApiHandlers } from '../../shared/api';
import { ApiError } from '../../shared/api-error';
import { dispatch, toErrorBody } from './api-dispatch';
import { uiContentSecurityPolicy } from './ui-policy';

export interface ControlServerOptions {
  handlers: ApiHandlers;
  subscribe: (listener: (batch: ApiEventBatch) => void) => () => void;
  token: string;
  port: number;
  /** the renderer build (dist/renderer); absent → a page that says how to build it */
  staticDir: string;
}

export interface ControlServer {
  port: number;
  uiUrl: string;
  close(): Promise<void>;
}

const MAX_CALL_BODY = 8 * 1024 * 1024;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  let port = 0;
  const allowedHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`];
  const tokenOk = (given: string | null | undefined) => {
    if (!given) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(opts.token);
    return a.length === b.length && timingSafeEqual(a, b);
  };
  const originOk = (origin: string | undefined) => !origin || allowedHosts().some((h) => origin === `http://${h}`);

  // A page on any other loopback origin can make the browser send us arbitrary request lines (an <img> is
  // enough), so no request may throw out of its handler: a bad one is answered 400, a bug of ours 500.
  const server = http.createServer((req, res) => {
    route(req, res).catch((err) => {
      if (res.headersSent) return void res.destroy();
      const bad = err instanceof ApiError && err.code === 'bad-request';
      plain(res, bad ? 400 : 500, bad ? err.message : 'internal error');
    });
  });

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!allowedHosts().includes(req.headers.host ?? '')) return plain(res, 403, 'forbidden host');
    if (!originOk(req.headers.origin)) return plain(res, 403, 'forbidden origin');
    const { pathname } = splitTarget(req.url);
    if (pathname.startsWith('/api/call/')) return call(req, res, pathname.slice('/api/call/'.length));
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'method not allowed');
    serveStatic(res, pathname);
  }

  async function call(req: http.IncomingMessage, res: http.ServerResponse, name: string): Promise<void> {
    const auth = req.headers.authorization ?? '';
    if (req.method !== 'POST') return json(res, 405, { error: { code: 'bad-request', message: 'use POST' } });
    if (!tokenOk(auth.startsWith('Bearer ') ? auth.slice(7) : null)) {
      return json(res, 403, { error: { code: 'forbidden', message: 'missing or wrong token' } });
    }
    try {
      const text = await readText(req);
      let arg: unknown = {};
      if (text.trim()) {
        try {
          arg = JSON.parse(text);
        } catch {
          throw new ApiError('bad-request', 'the request body is not JSON');
        }
      }
      const result = await dispatch(opts.handlers, decode(name), arg);
      json(res, 200, result ?? null);
    } catch (err) {
      const { status, body } = toErrorBody(err);
      json(res, status, body);
    }
  }

  function serveStatic(res: http.ServerResponse, pathname: string): void {
    const root = path.resolve(opts.staticDir);
    let file = path.resolve(root, '.' + decode(pathname));
    // root + sep: a bare prefix test would also let `/..%2Frenderer-x/…` into a sibling folder named like root
    if (file !== root && !file.startsWith(root + path.sep)) return plain(res, 403, 'forbidden');
    if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(root, 'index.html');
    if (!fs.existsSync(file)) {
      return plain(res, 503, 'The renderer is not built. Run `npm run build:renderer` (or `npm run serve`, which builds it).');
    }
    const body = fs.readFileSync(file);
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Cache-Control': file.endsWith('index.html') ? 'no-store' : 'max-age=3600',
      'Content-Security-Policy': uiContentSecurityPolicy({ connect: [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`] }),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    res.end(body);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket: Duplex, head) => {
    // Node hands the socket over with no error listener: a sender that resets it must not end the process.
    socket.on('error', () => socket.destroy());
    const refuse = (status: number) =>
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    try {
      const { pathname, query } = splitTarget(req.url);
      if (
        pathname !== '/api/events' ||
        !allowedHosts().includes(req.headers.host ?? '') ||
        !originOk(req.headers.origin) ||
        !tokenOk(query.get('token'))
      ) {
        return refuse(403);
      }
      wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
    } catch (err) {
      refuse(err instanceof ApiError && err.code === 'bad-request' ? 400 : 500);
    }
  });
  // without a listener Node drops CONNECT silently; say what this server is instead
  server.on('connect', (_req, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  function attach(ws: WebSocket): void {
    const unsubscribe = opts.subscribe((batch) => {
      // a client that cannot keep up gets dropped rather than growing our memory without bound
      if (ws.bufferedAmount > 16 * 1024 * 1024) return ws.terminate();
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(batch));
    });
    ws.on('close', unsubscribe);
    ws.on('error', unsubscribe);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    uiUrl: `http://127.0.0.1:${port}/?token=${opts.token}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The path and query of an origin-form request-target. Anything else (absolute-form `http://x/y`, `*`) is refused:
 * a browser never sends it to a server that is not its proxy, and absolute-form would name a host we never checked.
 * Split by hand rather than with `new URL`, which throws on `//` and resolves `/\\x` to another host.
 */
function splitTarget(target = ''): { pathname: string; query: URLSearchParams } {
  if (!target.startsWith('/')) throw new ApiError('bad-request', 'the request target must be a path');
  const q = target.indexOf('?');
  if (q < 0) return { pathname: target, query: new URLSearchParams() };
  return { pathname: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ApiError('bad-request', 'malformed percent-encoding in the path');
  }
}

function readText(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_CALL_BODY) {
        reject(new ApiError('bad-request', 'request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
