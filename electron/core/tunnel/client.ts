// The tunnel's socket pools, both fed with a registration we did ourselves (see handshake.ts):
// - openTunnelSockets (below): ours, handing each tunnel socket straight to the receiver's HTTP server; what the app uses.
// - openGrantedTunnel: the localtunnel library's (lib/TunnelCluster.js: keeps max_conn_count raw TCP sockets to the
//   tunnel server and pipes each one to a fresh connection to a local port), for a server reached only by its port.
//   Only `_init` is replaced; everything after registration is the library's own code.
import net, { type Socket } from 'node:net';
import HeaderHostTransformer from '@n8n/localtunnel/lib/HeaderHostTransformer';
import Tunnel from '@n8n/localtunnel/lib/Tunnel';
import type { TunnelGrant } from './handshake';

// The library rewrites the Host header of the first request on each tunnel socket by decoding the incoming chunk
// as UTF-8 and re-encoding it. A chunk that ends inside a multi-byte character (any large non-ASCII body) comes
// out with U+FFFD in place of those bytes: the body is corrupted and its length no longer matches Content-Length,
// so the receiver answers 400. Same rewrite, byte for byte: latin1 maps every byte to one character and back.
HeaderHostTransformer.prototype._transform = function (
  this: HeaderHostTransformer,
  data: Buffer | string,
  _enc: BufferEncoding,
  cb: (err: Error | null, out?: Buffer) => void,
): void {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (this.replaced) return cb(null, buf);
  const text = buf.toString('latin1').replace(/(\r\n[Hh]ost: )\S+/, (_m, prefix: string) => {
    this.replaced = true;
    return prefix + this.host;
  });
  cb(null, Buffer.from(text, 'latin1'));
};

type LtClient = Tunnel;

class GrantedTunnel extends Tunnel {
  constructor(
    opts: Record<string, unknown>,
    private readonly grant: TunnelGrant,
  ) {
    super(opts);
  }
  override _init(cb: (err: Error | null, info?: unknown) => void): void {
    cb(null, this._getInfo(this.grant));
  }
}

export interface ClientOptions {
  host: string;
  localPort: number;
  localHost: string;
}

/**
 * Opens the library's socket pool for an already granted tunnel. Always attaches an 'error' listener first: the
 * library re-emits socket errors (e.g. "connection refused" when the server forgot the tunnel) and an EventEmitter
 * without one throws, which kills the process.
 */
export function openGrantedTunnel(
  grant: TunnelGrant,
  opts: ClientOptions,
  onError: (err: Error) => void,
  onSocket: (s: Socket) => void,
): LtClient {
  const client = new GrantedTunnel(
    {
      port: opts.localPort,
      host: opts.host,
      // Without local_host the library connects to "localhost", which may resolve to ::1 while we listen on 127.0.0.1.
      local_host: opts.localHost,
    },
    grant,
  );
  client.on('error', onError);
  client.open((err) => {
    if (err) onError(err);
  });
  client.tunnelCluster?.on('open', (s: Socket) => onSocket(s));
  return client;
}

export interface TunnelSocketPool {
  /** stop reopening and destroy every tunnel socket */
  close(): void;
}

/**
 * Our own socket pool for a granted tunnel: keeps max_conn_count raw TCP sockets to the tunnel server and hands
 * each one, as it connects, straight to `accept` (the receiver's HTTP server serves requests on it). Unlike the
 * library's pool there is no second connection to a local port per tunnel socket, and a socket carries request
 * after request (keep-alive) for as long as the tunnel server keeps it; the tunnel server closes the ones it does
 * not want to keep idle (localtunnel/server keeps one free socket), and each one closed is reopened at once.
 * Measured through a localtunnel-protocol server: the library's second hop, with Nagle on its sockets, costs a
 * delayed ACK (~40 ms) whenever a request crosses it in two segments on a connection past its first exchange.
 * Like the library, a refused connection is reported through `onError` and not retried: the supervisor decides.
 */
export function openTunnelSockets(
  grant: TunnelGrant,
  opts: { host: string; accept: (s: Socket) => void },
  onError: (err: Error) => void,
  onSocket: (s: Socket) => void,
): TunnelSocketPool {
  const remoteHost = grant.ip || new URL(opts.host).hostname;
  const remotePort = grant.port;
  const count = Math.max(1, grant.max_conn_count ?? 1);
  const open = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const later = (ms: number) => {
    const t = setTimeout(() => {
      timers.delete(t);
      connect();
    }, ms);
    timers.add(t);
  };

  function connect(): void {
    if (closed) return;
    const s = net.connect({ host: remoteHost, port: remotePort, noDelay: true, keepAlive: true });
    open.add(s);
    let connected = false;
    let carried = false;
    let replaced = false;
    const replace = () => {
      if (replaced || closed || !connected) return;
      replaced = true;
      // a socket that carried requests was closed by the server's pool (or after a last answer): replace it now;
      // one closed unused (server refusing extra sockets, or dropping us) is retried a little later, not in a loop
      if (carried) connect();
      else later(250);
    };
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected && err.code === 'ECONNREFUSED') {
        onError(new Error(`connection refused: ${remoteHost}:${remotePort} (check your firewall settings)`));
      } else if (!connected) onError(err);
      s.destroy();
    });
    s.once('data', () => (carried = true));
    s.once('connect', () => {
      connected = true;
      if (closed) return void s.destroy();
      onSocket(s);
      opts.accept(s);
    });
    // the server's FIN already says this socket carries nothing more: its replacement need not wait for the close
    s.once('end', replace);
    s.once('close', () => {
      open.delete(s);
      replace();
    });
  }

  for (let i = 0; i < count; i++) connect();
  return {
    close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of open) s.destroy();
      open.clear();
    },
  };
}
