// A localtunnel-protocol server for tests, on 127.0.0.1 only. Behaves like localtunnel/server (lib/TunnelAgent.js,
// lib/Client.js, server.js) where it matters:
//   GET /?new          -> {id, ip, port, max_conn_count, url} with a random id
//   GET /{subdomain}   -> that id, or a random one when it is taken (or refuseSubdomains is set); 403 when invalid
//   anything else at the root (e.g. "//?new") -> 404, which the stock client retries forever
// The client then opens up to max_conn_count raw TCP sockets to `port` (more are refused). Public requests are
// routed by the Host subdomain (`{id}.localhost:{port}`), as the real server does; because `*.localhost` does not
// resolve here, the granted URL is the alias `http://127.0.0.1:{port}/t/{id}`, relayed exactly as the subdomain
// form (prefix stripped, Host set to `{id}.localhost:{port}`).
// Relaying is the real server's: an http.Agent with keepAlive and maxFreeSockets 1 whose createConnection hands out
// the client's raw sockets. A request that finds none free waits in an unbounded queue that only a newly connected
// client socket serves (a socket freed by a finished request goes back to the agent: kept as its one free socket,
// or destroyed, and the client then opens a replacement). Bodies are piped both ways. Upgrade requests take a raw
// socket and are piped to it for as long as either side keeps it open.
// A tunnel is forgotten 1 s (graceMs) after its last socket closed, or 1 s after registration if none connected.
// Differences on purpose: a relay failure is answered 502 and listed in `relayErrors` (the real server just drops
// the public connection), and X-Forwarded-For/-Proto are added (localtunnel.me's proxy in front adds them).
import http from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';

export interface LtServerOptions {
  /** public port; 0 = any free port (kept across stop()/restart()) */
  port?: number;
  maxConnCount?: number;
  /** remove a tunnel this long after its last socket closed */
  graceMs?: number;
}

interface LtTunnelInfo extends TunnelCounts {
  id: string;
  port: number;
  sockets: number;
}

/** what the server counted for one tunnel since it registered */
interface TunnelCounts {
  /** tunnel sockets the client closed (its FIN came first): e.g. because the app behind it closed the connection */
  clientClosed: number;
  /** tunnel sockets accepted since registration (the client's first ones plus every reconnect) */
  accepted: number;
  /** tunnel sockets this server closed itself (the agent keeps one free socket and destroys the others) */
  serverClosed: number;
  /** public requests relayed, and how many of them went out on a socket that had carried a request before */
  relayed: number;
  reused: number;
  /** summed over relayed requests: ms waiting for a tunnel socket, and ms from getting one to the answer's head */
  waitMs: number;
  serviceMs: number;
}

export interface LtServer {
  url: string;
  port: number;
  /** paths of every request that was not for a tunnel's public URL: "/?new", "/my-sub", a malformed "//?new" */
  handshakes: string[];
  /** bytes a client sent on a tunnel socket while no request was in flight (e.g. a 408 from the local server) */
  unsolicited: { id: string; firstLine: string }[];
  /** why public requests failed to cross a tunnel (answered 502) */
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

interface Tunnel extends TunnelCounts {
  id: string;
  server: net.Server;
  port: number;
  sockets: Set<net.Socket>;
  /** connected client sockets never handed out yet (TunnelAgent.availableSockets) */
  available: net.Socket[];
  /** createConnection calls waiting for a socket (TunnelAgent.waitingCreateConn): unbounded, served by new sockets only */
  waiting: ((err: Error | null, s: net.Socket | null) => void)[];
  /** sockets piped raw to a public upgrade request */
  piped: WeakSet<net.Socket>;
  agent: http.Agent;
  grace: NodeJS.Timeout | null;
  /** sockets that carried a request */
  used: WeakSet<net.Socket>;
}

export async function startLtServer(opts: LtServerOptions = {}): Promise<LtServer> {
  const maxConn = opts.maxConnCount ?? 10;
  const graceMs = opts.graceMs ?? 1000;
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
    for (const w of t.waiting.splice(0)) w(new Error('closed'), null);
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
      available: [],
      waiting: [],
      piped: new WeakSet(),
      agent: null as unknown as http.Agent,
      grace: null,
      clientClosed: 0,
      accepted: 0,
      serverClosed: 0,
      relayed: 0,
      reused: 0,
      waitMs: 0,
      serviceMs: 0,
      used: new WeakSet(),
    };
    class TunnelAgent extends http.Agent {
      override createConnection(
        _o: http.ClientRequestArgs,
        cb?: (err: Error | null, s: import('node:stream').Duplex) => void,
      ): undefined {
        const take = (err: Error | null, s: net.Socket | null) => (s ? cb?.(null, s) : cb?.(err, undefined as never));
        if (tunnels.get(id) !== t) return void take(new Error('closed'), null);
        const s = t.available.shift();
        if (s) return void take(null, s);
        t.waiting.push(take);
        return undefined;
      }
    }
    // "only allow keepalive to hold on to one socket" (TunnelAgent.js); maxSockets stays unlimited, so the agent
    // never queues by itself: every request it cannot serve from its one free socket goes to createConnection
    t.agent = new TunnelAgent({ keepAlive: true, maxFreeSockets: 1 });
    t.server.on('connection', (s) => {
      if (t.sockets.size >= maxConn || tunnels.get(id) !== t) return void s.destroy();
      t.sockets.add(s);
      t.accepted++;
      if (t.grace) clearTimeout(t.grace);
      // the agent destroys a freed socket when it already keeps one: count the closes that come from our side
      const destroy = s.destroy.bind(s);
      s.destroy = (err?: Error) => {
        if (!s.destroyed && !s.readableEnded) t.serverClosed++;
        return destroy(err);
      };
      s.setNoDelay(true);
      s.on('data', (d: Buffer) => {
        // the agent sets _httpMessage while a request is in flight on this socket and clears it when freed
        if (!(s as unknown as { _httpMessage?: unknown })._httpMessage && !t.piped.has(s)) {
          unsolicited.push({ id, firstLine: d.toString('latin1').split('\r\n')[0] });
        }
      });
      s.on('error', () => s.destroy());
      s.once('end', () => t.clientClosed++);
      s.on('close', () => {
        t.sockets.delete(s);
        t.available = t.available.filter((x) => x !== s);
        if (t.sockets.size === 0 && tunnels.get(id) === t) armGrace(t);
      });
      const w = t.waiting.shift();
      if (w) setTimeout(() => w(null, s), 0);
      else t.available.push(s);
    });
    await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', resolve));
    t.port = (t.server.address() as net.AddressInfo).port;
    tunnels.set(id, t);
    armGrace(t);
    return t;
  }

  /** The tunnel a public request is for, by Host subdomain or by the /t/{id} alias; `path` is what the client gets. */
  function route(req: http.IncomingMessage): { id: string; path: string; host: string } | null {
    const url = req.url ?? '/';
    const m = /^\/t\/([^/?#]+)(.*)$/.exec(url);
    if (m) {
      const rest = m[2] || '/';
      return { id: m[1], path: rest.startsWith('/') ? rest : `/${rest}`, host: `${m[1]}.localhost:${port}` };
    }
    const host = req.headers.host ?? '';
    const sub = /^([^.:]+)\.localhost(?::\d+)?$/i.exec(host);
    return sub ? { id: sub[1].toLowerCase(), path: url, host } : null;
  }

  function relay(t: Tunnel, req: http.IncomingMessage, res: http.ServerResponse, path: string, host: string) {
    const headers = { ...req.headers, host, 'x-forwarded-for': req.socket.remoteAddress ?? '', 'x-forwarded-proto': 'http' };
    t.relayed++;
    const asked = performance.now();
    let got = asked;
    const out = http.request({ agent: t.agent, method: req.method, path, headers }, (up) => {
      t.serviceMs += performance.now() - got;
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
      up.on('error', () => res.destroy());
    });
    out.once('socket', (sock) => {
      const s = sock as net.Socket;
      got = performance.now();
      t.waitMs += got - asked;
      if (t.used.has(s)) t.reused++;
      else t.used.add(s);
    });
    out.on('error', (e) => {
      relayErrors.push(`${req.method} ${path}: ${e.message}`);
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`tunnel error: ${e.message}`);
      } else res.destroy();
    });
    // the sender went away mid-request: stop relaying it (pump in the real server destroys both sides)
    req.on('close', () => {
      if (!req.complete) out.destroy();
    });
    req.pipe(out);
  }

  /** Client.handleUpgrade: a raw tunnel socket, the request head written again, then bytes piped both ways. */
  function relayUpgrade(t: Tunnel, req: http.IncomingMessage, socket: import('node:stream').Duplex, path: string, host: string) {
    socket.on('error', () => {});
    t.agent.createConnection({}, (err, conn) => {
      if (err || !conn) return void socket.end();
      if (!socket.readable || !socket.writable) {
        conn.destroy();
        return void socket.end();
      }
      const s = conn as net.Socket;
      t.piped.add(s);
      const lines = [`${req.method} ${path} HTTP/${req.httpVersion}`];
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
        lines.push(`${req.rawHeaders[i]}: ${/^host$/i.test(req.rawHeaders[i]) ? host : req.rawHeaders[i + 1]}`);
      }
      // like pump: either side ending or failing destroys both
      const both = () => {
        s.destroy();
        socket.destroy();
      };
      s.pipe(socket).on('error', both);
      socket.pipe(s).on('error', both);
      s.once('close', both);
      socket.once('close', both);
      s.write(lines.join('\r\n') + '\r\n\r\n');
    });
  }

  const pub = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (!req.headers.host) {
      res.writeHead(400);
      return void res.end('Host header is required');
    }
    const r = route(req);
    if (r) {
      const t = tunnels.get(r.id);
      if (!t) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ message: `no active client for '${r.id}'` }));
      }
      return relay(t, req, res, r.path, r.host);
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
  pub.on('upgrade', (req, socket) => {
    // the real server drops the bytes read past the head (`head`): so do we
    const r = route(req);
    const t = r && tunnels.get(r.id);
    if (!r || !t) return void socket.destroy();
    relayUpgrade(t, req, socket, r.path, r.host);
  });

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
    tunnels: () =>
      [...tunnels.values()].map((t) => ({
        id: t.id,
        port: t.port,
        sockets: t.sockets.size,
        clientClosed: t.clientClosed,
        accepted: t.accepted,
        serverClosed: t.serverClosed,
        relayed: t.relayed,
        reused: t.reused,
        waitMs: t.waitMs,
        serviceMs: t.serviceMs,
      })),
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
