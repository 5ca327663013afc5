// The library ships types for its entry point only; the supervisor extends its Tunnel class directly (client.ts).
declare module '@n8n/localtunnel/lib/Tunnel' {
  import { EventEmitter } from 'node:events';
  class Tunnel extends EventEmitter {
    constructor(opts: Record<string, unknown>);
    opts: Record<string, unknown>;
    url: string;
    clientId: string;
    closed: boolean;
    tunnelCluster?: EventEmitter;
    _init(cb: (err: Error | null, info?: unknown) => void): void;
    _getInfo(body: unknown): unknown;
    open(cb: (err?: Error) => void): void;
    close(): void;
  }
  export = Tunnel;
}

declare module '@n8n/localtunnel/lib/HeaderHostTransformer' {
  import { Transform } from 'node:stream';
  class HeaderHostTransformer extends Transform {
    host: string;
    replaced: boolean;
  }
  export = HeaderHostTransformer;
}
