// The localtunnel client's socket pool (lib/TunnelCluster.js: keeps max_conn_count raw TCP sockets to the tunnel
// server and pipes each one to a fresh connection to our receiver), fed with a registration we did ourselves
// (see handshake.ts). Only `_init` is replaced; everything after registration is the library's own code.
import type { Socket } from 'node:net';
import Tunnel from '@n8n/localtunnel/lib/Tunnel';
import type { TunnelGrant } from './handshake';

export type LtClient = Tunnel;

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
