// `serve` mode's control API: the same contract as the Electron bridge, over HTTP (calls) and WebSocket (live
// events). It binds 127.0.0.1 only, on a port the tunnel never forwards, needs the data folder's token (or the
// cookie a browser got for it, see ui-session.ts) and checks Host and Origin so a web page the user visits cannot
// drive it (DNS rebinding, CSRF).
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
import { openLinkPage, OPEN_LINK_CSS } from './ui-link-page';
import { fixedUiSession, type UiSession } from './ui-session';
import type { JobFiles } from './jobs';
import { MAX_IMPORT_UPLOAD_BYTES } from '../../shared/jobs';

export interface ControlServerOptions {
  handlers: ApiHandlers;
  subscribe: (listener: (batch: ApiEventBatch) => void) => () => void;
  /** who may use the UI: the data folder's session (serve, see ui-session.ts) … */
  session?: UiSession;
  /** … or a token fixed for this run (tests) */
  token?: string;
  port: number;
  /** the renderer build (dist/renderer); absent → a page that says how to build it */
  staticDir: string;
  /** the data folder, named on the page that says where the link is */
  dataDir?: string;
  /** the link was rotated from the settings: the old one is dead, this is the one to print */
  onRotate?: (uiUrl: string) => void;
  /** the UI's export downloads and import uploads (jobs/index.ts); absent: those routes answer 404 */
  files?: JobFiles;
  /** uploads above this many bytes are refused (default MAX_IMPORT_UPLOAD_BYTES) */
  maxUploadBytes?: number;
}

export interface ControlServer {
  port: number;
  /** the link to print: changes when the user rotates it */
  readonly uiUrl: string;
  close(): Promise<void>;
}

/** the session cookie lives this long after the last page load (each load renews it) */
const COOKIE_MAX_AGE_S = 90 * 24 * 3600;

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
  const session = opts.session ?? fixedUiSession(opts.token ?? '');
  if (!session.token()) throw new Error('startControlServer needs a session or a token');
  const allowedHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`];
  const originOk = (origin: string | undefined) => !origin || allowedHosts().some((h) => origin === `http://${h}`);
  const uiUrl = () => `http://127.0.0.1:${port}/?token=${session.token()}`;
  // Cookies are not kept apart by port: two `serve`s on one machine (two data folders) each need a name of their own.
  const cookieName = () => `rci_ui_${port}`;
  const setCookie = (res: http.ServerResponse) =>
    res.setHeader('Set-Cookie', `${cookieName()}=${session.cookieValue()}; Path=/; Max-Age=${COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Strict`);

  /**
   * An explicit token (Authorization: Bearer, or ?token= where a header cannot be sent) decides alone, so a wrong one
   * is refused even beside a good cookie. A cookie is taken only from our own page: SameSite=Strict still sends it
   * from a page on another port of this host (same site), which the Origin check and Sec-Fetch-Site keep out.
   */
  function authorized(req: http.IncomingMessage, queryToken: string | null): boolean {
    const auth = req.headers.authorization;
    if (auth !== undefined) return session.tokenOk(auth.startsWith('Bearer ') ? auth.slice(7) : null);
    if (queryToken !== null) return session.tokenOk(queryToken);
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return false;
    return readCookies(req.headers.cookie, cookieName()).some((v) => session.cookieOk(v));
  }

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
    const { pathname, query } = splitTarget(req.url);
    if (pathname.startsWith('/api/call/')) return call(req, res, pathname.slice('/api/call/'.length));
    if (pathname === '/api/session' || pathname === '/api/session/rotate') return sessionCall(req, res, pathname);
    if (pathname === '/api/upload/import') return upload(req, res, query);
    if (pathname.startsWith('/api/download/')) return download(req, res, decode(pathname.slice('/api/download/'.length)), query);
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'method not allowed');
    if (pathname === '/__rci/open-link.css') return asset(res, OPEN_LINK_CSS, TYPES['.css']!);
    serveStatic(req, res, pathname, query);
  }

  const refused = (res: http.ServerResponse) => json(res, 403, { error: { code: 'forbidden', message: 'missing or wrong token' } });

  async function call(req: http.IncomingMessage, res: http.ServerResponse, name: string): Promise<void> {
    if (req.method !== 'POST') return json(res, 405, { error: { code: 'bad-request', message: 'use POST' } });
    if (!authorized(req, null)) return refused(res);
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

  /**
   * A finished export, once: the link's key is good for one fetch (the file is deleted after it), and the caller
   * must hold the token or the cookie like any call, so a leaked link alone gives nothing.
   */
  function download(req: http.IncomingMessage, res: http.ServerResponse, jobId: string, query: URLSearchParams): void {
    if (req.method !== 'GET') return json(res, 405, { error: { code: 'bad-request', message: 'use GET' } });
    if (!authorized(req, null)) return refused(res);
    const taken = opts.files?.takeDownload(jobId, query.get('key') ?? '');
    if (!taken) return json(res, 404, { error: { code: 'not-found', message: 'no such download: it was fetched already, replaced by a newer export, or never existed' } });
    let size: number;
    try {
      size = fs.statSync(taken.file).size;
    } catch {
      taken.done();
      return json(res, 404, { error: { code: 'not-found', message: 'the exported file is gone' } });
    }
    const ext = path.extname(taken.fileName);
    res.writeHead(200, {
      'Content-Type': ext === '.csv' ? 'text/csv; charset=utf-8' : ext === '.har' ? 'application/json' : 'application/x-ndjson',
      'Content-Length': size,
      'Content-Disposition': `attachment; filename="${taken.fileName.replace(/[^\w.-]/g, '_')}"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    const stream = fs.createReadStream(taken.file);
    stream.pipe(res);
    stream.on('error', () => res.destroy());
    res.on('close', () => {
      stream.destroy();
      taken.done();
    });
  }

  /**
   * A file to import, streamed to the data folder as it arrives (never held in memory), refused above the cap
   * before or while it is read; once complete, the import job starts and its first state is the answer.
   */
  async function upload(req: http.IncomingMessage, res: http.ServerResponse, query: URLSearchParams): Promise<void> {
    if (req.method !== 'POST') return json(res, 405, { error: { code: 'bad-request', message: 'use POST' } });
    if (!authorized(req, null)) return refused(res);
    if (!opts.files) return json(res, 404, { error: { code: 'not-found', message: 'uploads are not taken here' } });
    const cap = opts.maxUploadBytes ?? MAX_IMPORT_UPLOAD_BYTES;
    const tooLarge = { error: { code: 'bad-request', message: `the file is larger than ${Math.round(cap / 1024 / 1024)} MiB, the most the inspector takes in an upload: import it with the command line (import FILE)` } };
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > cap) {
      res.setHeader('Connection', 'close');
      return json(res, 413, tooLarge);
    }
    const fileName = (query.get('name') ?? 'upload').slice(0, 200) || 'upload';
    const file = opts.files.uploadPath();
    const out = fs.createWriteStream(file);
    let size = 0;
    const ok = await new Promise<boolean>((resolve) => {
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > cap) {
          req.unpipe(out);
          req.pause();
          resolve(false);
        }
      });
      req.on('aborted', () => resolve(false));
      req.on('error', () => resolve(false));
      out.on('error', () => resolve(false));
      out.on('finish', () => resolve(size <= cap));
      req.pipe(out);
    });
    if (!ok) {
      out.destroy();
      fs.rmSync(file, { force: true });
      if (req.destroyed) return;
      // the rest of the body is not read: the connection closes once the answer is out
      res.setHeader('Connection', 'close');
      return json(res, size > cap ? 413 : 400, size > cap ? tooLarge : { error: { code: 'bad-request', message: 'the upload did not complete' } });
    }
    try {
      json(res, 200, opts.files.importUpload(file, fileName));
    } catch (err) {
      fs.rmSync(file, { force: true });
      const { status, body } = toErrorBody(err);
      json(res, status, body);
    }
  }

  /** Whether this browser holds the link (`POST /api/session`, answered with it), and making a new one. */
  async function sessionCall(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'POST') return json(res, 405, { error: { code: 'bad-request', message: 'use POST' } });
    if (!authorized(req, null)) return refused(res);
    if (pathname !== '/api/session/rotate') return json(res, 200, { uiUrl: uiUrl() });
    session.rotate();
    // the page that asked keeps working with the new cookie; every other tab, browser and script holding the old
    // token is out, including live-event sockets opened with it (the asking page's reconnects with its new cookie,
    // so they are closed only once its answer is on the way)
    setCookie(res);
    json(res, 200, { uiUrl: uiUrl() });
    for (const c of wss.clients) c.terminate();
    opts.onRotate?.(uiUrl());
  }

  function serveStatic(req: http.IncomingMessage, res: http.ServerResponse, pathname: string, query: URLSearchParams): void {
    const root = path.resolve(opts.staticDir);
    let file = path.resolve(root, '.' + decode(pathname));
    // root + sep: a bare prefix test would also let `/..%2Frenderer-x/…` into a sibling folder named like root
    if (file !== root && !file.startsWith(root + path.sep)) return plain(res, 403, 'forbidden');
    if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(root, 'index.html');
    if (!fs.existsSync(file)) {
      return plain(res, 503, 'The renderer is not built. Run `npm run build:renderer` (or `npm run serve`, which builds it).');
    }
    const isPage = path.basename(file) === 'index.html';
    if (isPage) {
      // The page is where a browser trades the link's token for the cookie. Without either it would only show an
      // empty, disconnected inspector, so it says where the link is instead. Scripts and styles are not secret.
      const given = query.get('token');
      const cookies = readCookies(req.headers.cookie, cookieName());
      const ok = given !== null ? session.tokenOk(given) : cookies.some((v) => session.cookieOk(v));
      if (!ok) {
        const reason = given !== null || cookies.length > 0 ? 'wrong' : 'missing';
        const page = openLinkPage({ port, reason, dataDir: opts.dataDir ?? null, tokenFile: session.file });
        return send(res, 403, Buffer.from(page), TYPES['.html']!, 'no-store');
      }
      setCookie(res);
    }
    send(res, 200, fs.readFileSync(file), TYPES[path.extname(file)] ?? 'application/octet-stream', isPage ? 'no-store' : 'max-age=3600');
  }

  function asset(res: http.ServerResponse, text: string, type: string): void {
    send(res, 200, Buffer.from(text), type, 'max-age=3600');
  }

  function send(res: http.ServerResponse, status: number, body: Buffer, type: string, cache: string): void {
    res.writeHead(status, {
      'Content-Type': type,
      'Content-Length': body.length,
      'Cache-Control': cache,
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
        !authorized(req, query.get('token'))
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
    get uiUrl() {
      return uiUrl();
    },
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

/** Every value sent under `name` (a browser may hold more than one, e.g. set by an older run on another path). */
function readCookies(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const found: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) found.push(part.slice(eq + 1).trim());
  }
  return found;
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
