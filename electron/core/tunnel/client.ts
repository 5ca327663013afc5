// The localtunnel client's socket pool (lib/TunnelCluster.js: keeps max_conn_count raw TCP sockets to the tunnel
// server and pipes each one to a fresh connection to our receiver), fed with a registration we did ourselves
// (see handshake.ts). Only `_init` is replaced; everything after registration is the library's own code.
import type { Socket } from 'node:net';
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
