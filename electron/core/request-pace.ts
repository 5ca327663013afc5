// How long a sender may take on a connection of the receiver.
//
// The gateway gives up on a callback after 10 s, so a request whose headers and body have not all arrived 10 s after
// its first byte can never be a real gateway's: it is cut. A request that stalls or trickles is cut sooner, because
// the tunnel carries at most 10 requests at a time and every request held open holds one of the gateway's slots:
// ten slow uploads held for 30 s each used to shut the gateway out entirely. A cut request is answered 408 and its
// rejection recorded, by the caller.
//
// Between requests, a connection on the receiver's own port is closed after a short keep-alive. The tunnel client's
// connections (accepted on the receiver's tunnel entrance) never are: the client opens them ahead of time and the
// tunnel server hands a public request to one at any moment, so closing one just then would lose that callback
// (the tunnel server answers 502 or drops the sender). They are the tunnel server's pool, not a sender's: through the
// tunnel, a sender holds one only for the duration of a request, which the limits above bound.
import type http from 'node:http';
import type net from 'node:net';

export interface PaceLimits {
  /** headers and body must have arrived this long after the request's first byte (the gateway's own timeout) */
  requestMs: number;
  /** a request with no new byte for this long is cut */
  stallMs: number;
  /** the average rate is judged from this long after the first byte on */
  rateAfterMs: number;
  /** minimum average rate (bytes/s) of a request whose remaining size is unknown (headers, chunked bodies) */
  minBytesPerSec: number;
  /** a connection on the receiver's port with no request for this long is closed (keep-alive) */
  idleMs: number;
  /** after an answer that closes the connection, how long the sender has to close its side before it is cut */
  lingerMs: number;
}

// 2 s without a byte: a callback of a few KB arrives in one or two TCP segments; a gap of 2 s needs three
// consecutive losses of the same segment, and at that point the gateway's 10 s are at risk anyway.
// 1 KiB/s after 2 s: headers and chunked bodies have no known end; a legitimate sender delivers far more.
export const DEFAULT_PACE: PaceLimits = {
  requestMs: 10_000,
  stallMs: 2_000,
  rateAfterMs: 2_000,
  minBytesPerSec: 1024,
  idleMs: 5_000,
  lingerMs: 2_000,
};

const now = () => performance.now();
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const limit = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/** One request's arrival, from its first byte until its body is complete. */
export class RequestClock {
  phase: 'head' | 'body' = 'head';
  readonly start = now();
  last = this.start;
  /** bytes of this request on the socket so far (head and body) */
  bytes = 0;
  /** body bytes so far, and the declared Content-Length (null: chunked or none); kept up to date by the reader */
  body = 0;
  declared: number | null = null;
  /** the first raw bytes while no header was parsed yet, for the record of a cut */
  readonly head: Buffer[] = [];
  private headKept = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly limits: PaceLimits,
    private readonly keepHeadBytes: number,
    public onTrip: (reason: string) => void,
  ) {
    this.arm(Math.min(limits.stallMs, limits.rateAfterMs, limits.requestMs));
  }

  feed(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.last = now();
    if (this.phase === 'head' && this.headKept < this.keepHeadBytes) {
      const part = chunk.subarray(0, this.keepHeadBytes - this.headKept);
      this.head.push(part);
      this.headKept += part.length;
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Why this request must be cut now, or null. */
  verdict(t = now()): string | null {
    const { requestMs, stallMs, rateAfterMs, minBytesPerSec } = this.limits;
    const elapsed = t - this.start;
    const what = this.phase === 'head' ? 'headers' : 'body';
    const progress =
      this.phase === 'head'
        ? `${this.bytes} bytes`
        : this.declared !== null
          ? `${this.body} of ${this.declared} bytes`
          : `${this.body} bytes (chunked)`;
    if (elapsed >= requestMs) return `${what} not received within ${limit(requestMs)}: ${progress} arrived`;
    if (t - this.last >= stallMs) {
      return `${what} stalled: ${progress} after ${secs(elapsed)} (nothing for ${secs(t - this.last)})`;
    }
    if (elapsed < rateAfterMs) return null;
    const rate = this.bytes / (elapsed / 1000);
    const shownRate = `${Math.round(rate)} B/s`;
    if (this.phase === 'body' && this.declared !== null) {
      // at its average rate so far it would need more than twice the time it has left: it cannot make it
      const needS = (this.declared - this.body) / Math.max(rate, 1e-9);
      const leftS = (requestMs - elapsed) / 1000;
      if (needS > 2 * leftS) {
        return `${what} too slow: ${progress} after ${secs(elapsed)} (${shownRate}; it cannot arrive within ${limit(requestMs)})`;
      }
      return null;
    }
    if (rate < minBytesPerSec) return `${what} too slow: ${progress} after ${secs(elapsed)} (${shownRate})`;
    return null;
  }

  private arm(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.check(), Math.max(1, delayMs));
    this.timer.unref();
  }

  private check(): void {
    this.timer = null;
    if (this.stopped) return;
    const t = now();
    const reason = this.verdict(t);
    if (reason) {
      this.stop();
      return this.onTrip(reason);
    }
    // next moment a rule could fire: the deadline, the stall mark, the rate's start, or a periodic rate check
    const { requestMs, stallMs, rateAfterMs } = this.limits;
    const elapsed = t - this.start;
    const rateNext = elapsed < rateAfterMs ? rateAfterMs - elapsed : Math.min(250, stallMs / 4);
    this.arm(Math.min(requestMs - elapsed, this.last + stallMs - t, rateNext));
  }
}

interface Conn {
  tunnel: boolean;
  /** requests that reached the handler and whose answer is not finished */
  open: number;
  /** the request now arriving on this connection, from its first byte */
  clock: RequestClock | null;
  idle: NodeJS.Timeout | null;
  /** answered for the last time (or given up): whatever else arrives is discarded until it closes */
  closing: boolean;
}

export interface ConnectionPace {
  /**
   * Called by the request handler as it starts: the clock of this request (running since the request's first
   * byte). `onTrip` is told why if the rest does not arrive in time; the clock stops when the body is complete.
   */
  begin(req: http.IncomingMessage, res: http.ServerResponse, onTrip: (reason: string) => void): RequestClock;
  /** this connection was answered for the last time: discard whatever else arrives */
  markClosing(socket: net.Socket | import('node:stream').Duplex): void;
  isClosing(socket: net.Socket | import('node:stream').Duplex): boolean;
  isTunnel(socket: net.Socket | import('node:stream').Duplex): boolean;
  /** hand a connection from the tunnel entrance to the HTTP server: it is never closed for being idle */
  acceptTunnel(socket: net.Socket): void;
  /** end the connection without losing the answer just written to it */
  linger(socket: net.Socket | import('node:stream').Duplex): void;
}

/**
 * Watches every connection of `server`. A request that is still in its headers when its clock runs out goes to
 * `onHeadTrip` (the caller records it, answers and lingers); later ones go to the handler's `onTrip`.
 */
export function paceConnections(
  server: http.Server,
  limits: PaceLimits,
  keepHeadBytes: number,
  onHeadTrip: (socket: net.Socket, head: Buffer, reason: string) => void,
): ConnectionPace {
  const conns = new WeakMap<object, Conn>();
  const fromTunnel = new WeakSet<object>();

  const linger = (socket: net.Socket | import('node:stream').Duplex) => {
    const s = socket as net.Socket;
    if (s.destroyed) return;
    // Destroying a socket with unread bytes sends a reset, which can discard the answer we just wrote (and, through
    // the tunnel client, costs it that tunnel socket). So: our FIN, then keep reading and discarding until the
    // sender's FIN; a sender that never closes is cut after lingerMs.
    s.end();
    s.resume();
    const cut = setTimeout(() => s.destroy(), limits.lingerMs);
    cut.unref();
    s.once('close', () => clearTimeout(cut));
  };

  const armIdle = (socket: net.Socket, c: Conn) => {
    if (c.tunnel || c.closing || c.open > 0 || c.clock) return;
    if (c.idle) clearTimeout(c.idle);
    c.idle = setTimeout(() => {
      c.idle = null;
      if (c.open > 0 || c.clock || c.closing) return;
      c.closing = true;
      linger(socket);
    }, limits.idleMs);
    c.idle.unref();
  };

  server.on('connection', (socket: net.Socket) => {
    const c: Conn = { tunnel: fromTunnel.has(socket), open: 0, clock: null, idle: null, closing: false };
    conns.set(socket, c);
    // Node closes the connection after an answer with `Connection: close` through destroySoon(), which destroys the
    // socket as soon as the answer is written: replaced by the lingering close.
    (socket as net.Socket & { destroySoon: () => void }).destroySoon = () => linger(socket);
    // Prepended, so it sees each chunk before the parser (and the request it completes) does. Listening to 'data'
    // makes Node feed its parser from JS instead of straight from the handle.
    socket.prependListener('data', (chunk: Buffer) => {
      if (c.closing) return;
      if (c.idle) {
        clearTimeout(c.idle);
        c.idle = null;
      }
      if (!c.clock) {
        // bytes while an earlier request is being answered belong to a pipelined one: timed from its headers
        if (c.open > 0) return;
        const clock: RequestClock = new RequestClock(limits, keepHeadBytes, (reason) => {
          if (c.clock === clock) c.clock = null;
          c.closing = true;
          onHeadTrip(socket, Buffer.concat(clock.head), reason);
        });
        c.clock = clock;
      }
      c.clock.feed(chunk);
    });
    socket.once('close', () => {
      c.clock?.stop();
      if (c.idle) clearTimeout(c.idle);
    });
    armIdle(socket, c);
  });

  return {
    begin(req, res, onTrip) {
      const socket = req.socket;
      const c = conns.get(socket) ?? { tunnel: false, open: 0, clock: null, idle: null, closing: false };
      c.open++;
      let clock = c.clock;
      if (clock && clock.phase === 'head') {
        clock.phase = 'body';
        clock.onTrip = onTrip;
        clock.head.length = 0; // the request object has the head now
      } else {
        clock = new RequestClock(limits, 0, onTrip);
        clock.phase = 'body';
        c.clock = clock;
      }
      const arrived = () => {
        clock.stop();
        if (c.clock === clock) c.clock = null;
        // the answer may have gone out before the body ended (the probe, a refusal): the idle timer starts now
        armIdle(socket, c);
      };
      req.once('end', arrived);
      res.once('close', () => {
        arrived();
        c.open--;
        armIdle(socket, c);
      });
      return clock;
    },
    markClosing(socket) {
      const c = conns.get(socket);
      if (!c) return;
      c.closing = true;
      c.clock?.stop();
      c.clock = null;
      if (c.idle) clearTimeout(c.idle);
    },
    isClosing: (socket) => conns.get(socket)?.closing ?? false,
    isTunnel: (socket) => conns.get(socket)?.tunnel ?? false,
    acceptTunnel(socket) {
      fromTunnel.add(socket);
      server.emit('connection', socket);
    },
    linger,
  };
}
