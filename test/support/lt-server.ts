// A localtunnel-protocol server for tests, on 127.0.0.1 only. Behaves like localtunnel/server where it matters:
//   GET /?new          -> {id, ip, port, max_conn_count, url} with a random id
//   GET /{subdomain}   -> that id, or a random one when it is taken (or refuseSubdomains is set); 403 when invalid
//   anything else at the root (e.g. "//?new") -> 404, which the stock client retries forever
// The client then opens up to max_conn_count raw TCP sockets to `port`; public requests to
// `{url}/...` = `http://127.0.0.1:{port}/t/{id}/...` are sent as plain HTTP/1.1 over those sockets (one request at a
// time per socket, sockets kept alive between requests) and the answer is relayed back.
// A tunnel whose sockets all went away is removed after graceMs (the real server waits 1 s).
import http from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';

export interface LtServerOptions {
  /** public port; 0 = any free port (kept across stop()/restart()) */
  port?: number;
  maxConnCount?: number;
  /** remove a tunnel this long after its last socket closed */
  graceMs?: number;
  /** a public request waits this long for a free tunnel socket before getting 504 */
  socketWaitMs?: number;
}

export interface LtTunnelInfo {
  id: string;
  port: number;
  sockets: number;
}

export interface LtServer {
  url: string;
  port: number;
  /** paths of every request that was not for a tunnel's public URL: "/?new", "/my-sub", a malformed "//?new" */
  handshakes: string[];
  /** bytes a client sent on a tunnel socket while no request was in flight (e.g. a 408 from the local server) */
  unsolicited: { id: string; firstLine: string }[];
  /** why public requests failed to cross a tunnel (answered 502/504) */
  relayErrors: string[];
  /** grant a random id instead of the requested subdomain */
  refuseSubdomains: boolean;
  /** registration requests get no answer at all */
  hangHandshake: boolean;
  tunnels(): LtTunnelInfo[];
  tunnel(id: string): LtTunnelInfo | undefined;
  /** destroy every tunnel socket; the tunnels stay registered (the client may reconnect within graceMs) */
  dropAllSockets(): void;
  /**
   * Forget a tunnel: its public URL answers 404 and its port refuses new sockets. `silent` (default) keeps the
   * already-connected sockets open but unused, like a server that lost its state or a NAT that dropped the
   * mapping: the client sees no error and no close.
   */
  forgetTunnel(id: string, opts?: { silent?: boolean }): void;
  stop(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
  waitFor(pred: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
}

const SUBDOMAIN_RE = /^(?:[a-z0-9][a-z0-9-]{4,63}[a-z0-9]|[a-z0-9]{4,63})$/;

interface Tunnel {
  id: string;
  server: net.Server;
  port: number;
  sockets: Set<net.Socket>;
  idle: net.Socket[];
  waiting: ((s: net.Socket | null) => void)[];
  agent: http.Agent;
  grace: NodeJS.Timeout | null;
}

export async function startLtServer(opts: LtServerOptions = {}): Promise<LtServer> {
  const maxConn = opts.maxConnCount ?? 10;
  const graceMs = opts.graceMs ?? 1000;
  const socketWaitMs = opts.socketWaitMs ?? 5000;
  let tunnels = new Map<string, Tunnel>();
  const zombies = new Set<net.Socket>();
  const handshakes: string[] = [];
  const unsolicited: { id: string; firstLine: string }[] = [];
  const relayErrors: string[] = [];
  let port = opts.port ?? 0;

  const randomId = () => `t${randomBytes(5).toString('hex')}`;

  function removeTunnel(t: Tunnel, destroySockets: boolean) {
    if (tunnels.get(t.id) === t) tunnels.delete(t.id);
    if (t.grace) clearTimeout(t.grace);
    t.server.close();
    for (const w of t.waiting.splice(0)) w(null);
    if (destroySockets) {
      t.agent.destroy();
      for (const s of t.sockets) s.destroy();
    } else {
      // keep them connected but useless: whatever the client sends is ignored, nothing is answered
      for (const s of t.sockets) {
        s.removeAllListeners('data');
        s.on('data', () => {});
        zombies.add(s);
      }
    }
  }

  function armGrace(t: Tunnel) {
    if (t.grace) clearTimeout(t.grace);
    t.grace = setTimeout(() => {
      if (t.sockets.size === 0) removeTunnel(t, true);
    }, graceMs);
  }

  async function createTunnel(id: string): Promise<Tunnel> {
    const t: Tunnel = {
      id,
      server: net.createServer(),
      port: 0,
      sockets: new Set(),
      idle: [],
      waiting: [],
      agent: null as unknown as http.Agent,
      grace: null,
    };
    class TunnelAgent extends http.Agent {
      override createConnection(
        _o: http.ClientRequestArgs,
        cb?: (err: Error | null, s: import('node:stream').Duplex) => void,
      ): undefined {
        const take = (s: net.Socket | null) =>
          s ? cb?.(null, s) : cb?.(new Error('no tunnel socket available'), undefined as never);
        const s = t.idle.shift();
        if (s) return void take(s);
        const waiter = (sock: net.Socket | null) => {
          clearTimeout(timer);
          take(sock);
        };
        const timer = setTimeout(() => {
          t.waiting = t.waiting.filter((w) => w !== waiter);
          take(null);
        }, socketWaitMs);
        t.waiting.push(waiter);
        return undefined;
      }
    }
    t.agent = new TunnelAgent({ keepAlive: true, maxSockets: maxConn });
    t.server.on('connection', (s) => {
      if (t.sockets.size >= maxConn || tunnels.get(id) !== t) return void s.destroy();
      t.sockets.add(s);
      if (t.grace) clearTimeout(t.grace);
      s.setNoDelay(true);
      s.on('data', (d: Buffer) => {
        // the agent sets _httpMessage while a request is in flight on this socket and clears it when freed
        if (!(s as unknown as { _httpMessage?: unknown })._httpMessage) {
          unsolicited.push({ id, firstLine: d.toString('latin1').split('\r\n')[0] });
        }
      });
      s.on('error', () => {});
      s.on('close', () => {
        t.sockets.delete(s);
        t.idle = t.idle.filter((x) => x !== s);
        if (t.sockets.size === 0 && tunnels.get(id) === t) armGrace(t);
      });
      const w = t.waiting.shift();
      if (w) w(s);
      else t.idle.push(s);
    });
    await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', resolve));
    t.port = (t.server.address() as net.AddressInfo).port;
    tunnels.set(id, t);
    armGrace(t);
    return t;
  }

  function relay(t: Tunnel, req: http.IncomingMessage, res: http.ServerResponse, path: string) {
    const headers = { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '', 'x-forwarded-proto': 'http' };
    const out = http.request({ agent: t.agent, method: req.method, path, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
      up.on('error', () => res.destroy());
    });
    out.on('error', (e) => {
      relayErrors.push(`${req.method} ${path}: ${e.message}`);
      if (!res.headersSent) {
        res.writeHead(e.message === 'no tunnel socket available' ? 504 : 502, { 'content-type': 'text/plain' });
        res.end(`tunnel error: ${e.message}`);
      } else res.destroy();
    });
    req.pipe(out);
  }

  const pub = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const m = /^\/t\/([^/?#]+)(.*)$/.exec(url);
    if (m) {
      const t = tunnels.get(m[1]);
      if (!t) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ message: `no active client for '${m[1]}'` }));
      }
      const rest = m[2] || '/';
      return relay(t, req, res, rest.startsWith('/') ? rest : `/${rest}`);
    }
    handshakes.push(url);
    const reg = /^\/(?:\?new|([^/?#]+))$/.exec(url);
    if (req.method !== 'GET' || !reg) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ message: 'Not Found' }));
    }
    if (api.hangHandshake) return; // never answered; stop()/close() cut it
    const requested = reg[1] ?? null;
    if (requested !== null && !SUBDOMAIN_RE.test(requested)) {
      res.writeHead(403, { 'content-type': 'application/json' });
      return void res.end(
        JSON.stringify({ message: 'Invalid subdomain. Subdomains must be lowercase and between 4 and 63 alphanumeric characters.' }),
      );
    }
    const id = requested && !api.refuseSubdomains && !tunnels.has(requested) ? requested : randomId();
    createTunnel(id).then(
      (t) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ id, ip: '127.0.0.1', port: t.port, max_conn_count: maxConn, url: `http://127.0.0.1:${port}/t/${id}` }),
        );
      },
      (e) => {
        res.writeHead(500);
        res.end(String(e));
      },
    );
  });
  pub.keepAliveTimeout = 1000;

  async function listen() {
    await new Promise<void>((resolve, reject) => {
      pub.once('error', reject);
      pub.listen(port, '127.0.0.1', () => {
        pub.off('error', reject);
        resolve();
      });
    });
    port = (pub.address() as net.AddressInfo).port;
  }

  async function stop() {
    for (const t of [...tunnels.values()]) removeTunnel(t, true);
    for (const s of zombies) s.destroy();
    zombies.clear();
    tunnels = new Map();
    if (!pub.listening) return;
    const closed = new Promise<void>((resolve) => pub.close(() => resolve()));
    pub.closeAllConnections();
    await closed;
  }

  await listen();

  const api: LtServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    handshakes,
    unsolicited,
    relayErrors,
    refuseSubdomains: false,
    hangHandshake: false,
    tunnels: () => [...tunnels.values()].map((t) => ({ id: t.id, port: t.port, sockets: t.sockets.size })),
    tunnel: (id) => api.tunnels().find((t) => t.id === id),
    dropAllSockets() {
      for (const t of tunnels.values()) for (const s of t.sockets) s.destroy();
    },
    forgetTunnel(id, o = {}) {
      const t = tunnels.get(id);
      if (!t) throw new Error(`lt-server: no tunnel ${id}`);
      removeTunnel(t, o.silent === false);
    },
    stop,
    async restart() {
      await stop();
      await listen();
    },
    close: stop,
    async waitFor(pred, timeoutMs = 5000, what = 'condition') {
      const end = Date.now() + timeoutMs;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`lt-server: timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
  return api;
}

// ---- the app behind the tunnel ----

export interface LocalApp {
  port: number;
  /** every non-probe request that reached the app */
  received: { method: string; path: string; body: string; headers: http.IncomingHttpHeaders }[];
  probes: number;
  server: http.Server;
  close(): Promise<void>;
}

/**
 * A stand-in for the receiver: answers the tunnel probe (200 `ok` when the token matches, not recorded) and
 * answers every other request 200 after reading its body. Uses the receiver's tunnel-safe timeouts unless
 * `serverOptions` overrides them.
 */
export async function startLocalApp(
  probeToken: string,
  serverOptions: http.ServerOptions = { requestTimeout: 0, headersTimeout: 0, keepAliveTimeout: 0 },
  behaviour: { /** answer every non-probe request only after this long */ delayMs?: number } = {},
): Promise<LocalApp> {
  const received: LocalApp['received'] = [];
  const app: LocalApp = { port: 0, received, probes: 0, server: null as unknown as http.Server, close: async () => {} };
  const server = http.createServer(serverOptions, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/__rci/probe' && req.headers['x-rci-probe'] === probeToken) {
        app.probes++;
        res.writeHead(200, { 'content-type': 'text/plain' });
        return void res.end('ok');
      }
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', path: req.url ?? '', body, headers: req.headers });
      const answer = { ok: true, n: received.length, bytes: Buffer.concat(chunks).length };
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      }, behaviour.delayMs ?? 0);
    });
  });
  if (serverOptions.keepAliveTimeout !== undefined) server.keepAliveTimeout = serverOptions.keepAliveTimeout;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  app.port = (server.address() as net.AddressInfo).port;
  app.server = server;
  app.close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };
  return app;
}
