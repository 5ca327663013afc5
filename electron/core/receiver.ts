// The webhook receiver: accepts callbacks on any path and method, records each delivery, and answers
// 200 only after the delivery is committed (see group-commit.ts). It never crashes on input: every failure
// mode has a defined answer, and every request that reaches a handler is either stored or its rejection recorded.
// Longer than most modules on purpose: one request's path (guards, body, record, answer) reads top to bottom in
// the closure that holds the server's state; reading the body and the small HTTP pieces live beside it.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { GATEWAY_TIMEOUT_MS, PROBE_HEADER, PROBE_PATH } from '../../shared/constants';
import type { DeliveryRequest } from '../../shared/domain';
import type { DeliverySink, Stored } from './ingest-pipeline';
import { DEFAULT_PACE, paceConnections, type PaceLimits } from './request-pace';
import { StoreWriteError, type IngestInput } from './store/types';
import { readBody, type ReadResult } from './receiver-body';
import { RECEIVER_REFUSED_KEEP_BYTES } from '../../shared/constants';
import { upgradeRefusal, rawAnswer, requestHead, pairs, forwardedFor, safeAnswer } from './receiver-http';
import type { RuleDecision, RulesHook } from './response-rules';


export interface ReceiverOptions {
  /** stores a delivery (resolves once committed) and records answer times: ingest-pipeline.ts */
  committer: DeliverySink;
  port: number;
  host?: string;
  maxBodyBytes: number;
  /** how long a request may take to arrive, and how long an idle connection stays open (see request-pace.ts) */
  pace?: Partial<PaceLimits>;
  /** answer for stored-but-invalid deliveries (default 200: the point is to see what the gateway sent) */
  invalidStatus?: number;
  /** token the tunnel supervisor's health probe carries; probes are answered, never stored */
  probeToken?: string;
  onWarning?: (code: string, message: string) => void;
  /**
   * Proxy mode: after the commit, answer the gateway with what the user's endpoint answered (so the gateway's own
   * retries exercise it). Resolves null to answer as usual. Given the time left within the gateway's 10 s.
   */
  proxy?: (deliveryId: number, budgetMs: number) => Promise<number | null>;
  /**
   * Response rules (response-rules.ts), for stored deliveries only: asked before the commit, so the row records the
   * answer the rule gives; the answer goes out after the commit, as always. A rule's answer replaces proxy mode's.
   */
  rules?: RulesHook;
  /**
   * How long a rule may hold an answer (hang, or a delay past it) on a tunnel socket before that socket is closed.
   * Default: the gateway's 10 s and a margin. The tunnel server never hangs up its side when the sender gives up,
   * so a held tunnel socket would stay held for good, and ten of them shut every delivery out.
   */
  tunnelHoldCapMs?: number;
}

/** past the gateway's timeout: the gateway has given up by then, so nobody is left to answer */
const TUNNEL_HOLD_MARGIN_MS = 2_000;

/** Proxy mode answers within this budget, safely under the gateway's 10 s limit. */
const PROXY_BUDGET_MS = 9_000;

export interface Receiver {
  readonly url: string;
  readonly port: number;
  /** the tunnel client's way in (127.0.0.1): the same receiver, but its idle connections are never closed */
  readonly tunnelPort: number;
  /** the tunnel's own way in: a connected tunnel socket served right here, like the entrance's (never idle-closed) */
  acceptTunnel(socket: net.Socket): void;
  server: http.Server;
  setProbeToken(token: string): void;
  /** stop accepting, let in-flight requests finish (their commits complete), then close */
  close(): Promise<void>;
}

export async function startReceiver(opts: ReceiverOptions): Promise<Receiver> {
  const host = opts.host ?? '127.0.0.1';
  const limits: PaceLimits = { ...DEFAULT_PACE, ...opts.pace };
  let probeToken = opts.probeToken ?? '';
  let lastBrowserWarning = 0;
  /** sockets whose current request reached the handler, with its answer */
  const inRequest = new WeakMap<object, http.ServerResponse>();
  /** requests being handled, on either port: close() waits for them (the server only counts its own connections) */
  let inFlight = 0;
  const idleWaiters: (() => void)[] = [];
  /** sockets whose request body is being read: a parse error mid-body is that request's answer */
  const bodyParseErrors = new WeakMap<object, (err: NodeJS.ErrnoException) => boolean>();
  /** answers a rule holds back (delay, hang), each with what lets it go now: close() does not wait for them */
  const held = new Set<() => void>();

  const server = http.createServer(
    {
      // Node's defaults answer an idle connection with 408 after 60 s (headersTimeout/requestTimeout): Node times
      // a fresh connection from its opening, not from its first byte. The localtunnel client pre-opens connections
      // to us and keeps them idle until a public request arrives, so those would break the tunnel. Slow senders
      // are bounded by request-pace.ts instead, which times each request from its first byte.
      requestTimeout: 0,
      headersTimeout: 0,
      // Header floods are bounded by Node's maxHeaderSize (16 KiB): 431, answered and recorded in clientError.
    },
    (req, res) => {
      handle(req, res).catch((err) => {
        // Last resort: an unexpected bug must still produce an answer and never a false 200.
        safeAnswer(res, 500, { error: 'internal error', detail: String(err) });
      });
    },
  );
  // Node's keep-alive timeout would also close the tunnel client's idle connections: the tunnel hands one a request
  // at any moment, and closing it just then turns that callback into a 502. request-pace.ts closes idle
  // connections on the receiver port only.
  server.keepAliveTimeout = 0;
  // Node keeps the first 1,000 header pairs and drops the rest silently, Content-Type included. The header block
  // is bounded by maxHeaderSize (16 KiB, 431 beyond), which holds at most ~4,000 pairs: keep every one.
  server.maxHeadersCount = 0;
  const pace = paceConnections(server, limits, RECEIVER_REFUSED_KEEP_BYTES, (socket, head, reason) => {
    // still in its headers: no request object exists, so the raw bytes are the record
    recordPreHandler(head, socket.remoteAddress ?? '', 408, reason).finally(() => endWith(socket, 408, reason));
  });
  /** A raw answer (no response object exists), then a lingering close. */
  function endWith(socket: Duplex, status: number, reason: string, id?: number): void {
    if (socket.writable) socket.write(rawAnswer(status, reason, id));
    pace.linger(socket);
  }
  // Requests Node's parser refuses never reach a handler. They are still answered and recorded, so a gateway
  // that sends, say, oversized headers is visible to the user instead of silently bounced.
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    // answered for the last time already: what the parser chokes on now is the rest we discard
    if (pace.isClosing(socket)) return;
    // mid-body: the request's own handler records it and answers, with what the parser said
    if (bodyParseErrors.get(socket)?.(err)) {
      pace.markClosing(socket);
      // the sender ended mid-body: nobody to answer (the handler records the attempt), and nothing left to read
      if (err.code === 'HPE_INVALID_EOF_STATE') socket.destroy();
      return;
    }
    const res = inRequest.get(socket);
    if (res) {
      // garbage after a request that was read completely: its own answer still goes out, then the connection closes
      pace.markClosing(socket);
      if (!res.headersSent) res.shouldKeepAlive = false;
      else res.once('finish', () => pace.linger(socket));
      return;
    }
    pace.markClosing(socket);
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'HPE_HEADERS_TIMEOUT' ? 408 : 400;
    const raw = err.rawPacket ?? Buffer.alloc(0);
    const reason =
      status === 431
        ? `request headers or URL larger than the server accepts (${err.code})`
        : `malformed HTTP request: ${err.message} (${err.code ?? 'parse error'})`;
    recordPreHandler(raw, (socket as net.Socket).remoteAddress ?? '', status, reason).finally(() => endWith(socket, status, reason));
  });
  server.on('checkExpectation', (req, res) => {
    // answered here, never by the handler: the connection closes after it, and its clock stops now
    pace.markClosing(req.socket);
    req.resume();
    const reason = `unsupported Expect header "${req.headers.expect}" (only 100-continue is supported)`;
    recordPreHandler(requestHead(req), req.socket.remoteAddress ?? '', 417, reason).finally(() =>
      safeAnswer(res, 417, { error: reason }, 'application/json', true),
    );
  });
  server.on('connect', (req, socket) => {
    // Node hands the socket over with no error listener: a sender that resets it must not end the process
    socket.on('error', () => socket.destroy());
    pace.markClosing(socket);
    const reason = 'CONNECT is not accepted: this is a webhook receiver, not a proxy';
    recordPreHandler(requestHead(req), req.socket.remoteAddress ?? '', 405, reason).finally(() => endWith(socket, 405, reason));
  });
  // A protocol upgrade (websocket, h2c...) would keep the connection for itself. Through the tunnel server it also
  // keeps a tunnel socket piped to the sender for as long as the sender likes: ten of them and the gateway is
  // shut out. Refused, recorded, closed.
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    pace.markClosing(socket);
    const reason = upgradeRefusal(req);
    opts.committer
      .submit({
        request: deliveryRequest(req, Buffer.alloc(0), 0, Date.now()),
        outcome: 'rejected',
        responseStatus: 400,
        rejectReason: reason,
        bodyTruncated: false,
      })
      .then(
        ({ summary }) => endWith(socket, 400, reason, summary.id),
        () => endWith(socket, 400, reason),
      );
  });

  function recordPreHandler(head: Buffer, remoteAddress: string, status: number, reason: string): Promise<unknown> {
    const text = head.subarray(0, RECEIVER_REFUSED_KEEP_BYTES).toString('latin1');
    const [method = '?', target = '?'] = (text.split('\r\n')[0] ?? '').split(' ');
    const q = target.indexOf('?');
    const input: IngestInput = {
      request: {
        method: method.slice(0, 32),
        path: (q >= 0 ? target.slice(0, q) : target).slice(0, 2048),
        query: q >= 0 ? target.slice(q + 1, q + 1 + 2048) : '',
        headers: [],
        // the raw request head as received (first bytes), since no header could be parsed reliably
        body: head.subarray(0, RECEIVER_REFUSED_KEEP_BYTES),
        bodySize: head.length,
        remoteAddress,
        receivedAt: Date.now(),
      },
      outcome: 'rejected',
      responseStatus: status,
      rejectReason: reason,
      bodyTruncated: head.length > RECEIVER_REFUSED_KEEP_BYTES,
    };
    return opts.committer.submit(input).catch(() => {});
  }

  function deliveryRequest(req: http.IncomingMessage, body: Uint8Array, bodySize: number, receivedAt: number): DeliveryRequest {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    return {
      method: req.method ?? 'GET',
      path: q >= 0 ? url.slice(0, q) : url,
      query: q >= 0 ? url.slice(q + 1) : '',
      headers: pairs(req.rawHeaders),
      body,
      bodySize,
      remoteAddress: forwardedFor(req) ?? req.socket.remoteAddress ?? '',
      receivedAt,
    };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // a request after the connection's last answer (pipelined behind it): discarded with the rest
    if (pace.isClosing(req.socket)) return void req.resume();
    inRequest.set(req.socket, res);
    inFlight++;
    res.once('close', () => {
      inRequest.delete(req.socket);
      if (--inFlight === 0) for (const w of idleWaiters.splice(0)) w();
    });
    const clock = pace.begin(req, res, (reason) => {
      pace.markClosing(req.socket);
      safeAnswer(res, 408, { error: reason }, 'application/json', true);
    });
    const started = performance.now();
    const receivedAt = Date.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;

    if (path === PROBE_PATH && probeToken && req.headers[PROBE_HEADER] === probeToken) {
      req.resume();
      return void safeAnswer(res, 200, 'ok', 'text/plain');
    }

    const ua = req.headers['user-agent'] ?? '';
    if (/Mozilla\//.test(ua) && opts.onWarning && receivedAt - lastBrowserWarning > 60_000) {
      lastBrowserWarning = receivedAt;
      opts.onWarning(
        'browser-user-agent',
        'A delivery arrived with a browser-like User-Agent. The public localtunnel service answers browsers with its ' +
          'reminder page (401) unless they send the "bypass-tunnel-reminder" header, so such senders may not reach you.',
      );
    }

    const base = (body: Uint8Array, bodySize: number): DeliveryRequest => deliveryRequest(req, body, bodySize, receivedAt);

    let read: ReadResult;
    if (req.headers.upgrade !== undefined) {
      // an Upgrade header without "Connection: upgrade" reaches us as a plain request: refused all the same
      pace.markClosing(req.socket);
      req.resume();
      read = { kind: 'rejected', status: 400, reason: upgradeRefusal(req), head: Buffer.alloc(0), size: 0, truncated: false };
    } else {
      read = await readBody(req, opts.maxBodyBytes, clock, bodyParseErrors);
      // every refusal closes the connection: what else arrives on it is discarded
      if (read.kind !== 'ok') pace.markClosing(req.socket);
    }
    let input: IngestInput;
    let ruled: RuleDecision | null = null;
    if (read.kind === 'ok') {
      input = {
        request: base(read.body, read.body.length),
        outcome: 'stored',
        responseStatus: 200,
        rejectReason: null,
        bodyTruncated: false,
      };
      ruled = opts.rules?.decide(input.request) ?? null;
      if (ruled) input.responseStatus = ruled.status;
    } else {
      input = {
        request: base(read.head, read.size),
        outcome: 'rejected',
        responseStatus: read.status,
        rejectReason: read.reason,
        bodyTruncated: read.kind === 'rejected' ? (read.truncated ?? true) : true,
      };
    }
    if (read.kind === 'aborted') {
      // The sender hung up mid-body: nobody is left to answer, but the attempt is recorded so the user sees it.
      opts.committer.submit(input).catch(() => {});
      return;
    }

    let stored: Stored;
    try {
      stored = await opts.committer.submit(input);
      const { summary } = stored;
      const id = summary.id;
      if (ruled) {
        opts.rules!.answered(id, ruled);
        answerByRule(res, ruled, id, () => opts.rules!.unanswered(id, ruled!));
        res.once('finish', () => stored.answered(performance.now() - started));
        return;
      }
      let status =
        input.outcome === 'stored' && summary.flags.includes('invalid') ? (opts.invalidStatus ?? 200) : input.responseStatus;
      if (input.outcome === 'stored' && opts.proxy) {
        // the delivery is already committed: whatever the target does, nothing is lost
        // the gateway's 10 s started with the request's first byte
        status = (await opts.proxy(id, PROXY_BUDGET_MS - (performance.now() - clock.start)).catch(() => null)) ?? status;
      }
      const body =
        input.outcome === 'stored'
          ? { received: true, id, ...(summary.flags.includes('invalid') ? { invalid: true } : {}) }
          : { error: input.rejectReason, id };
      answer(res, status, body, input.outcome === 'rejected');
    } catch (err) {
      const reason = err instanceof StoreWriteError ? err.reason : String(err);
      // Never a false 200: the gateway retries on anything else, so a later attempt can still be stored.
      answer(res, 503, { error: 'not stored, retry later', reason }, false, { 'Retry-After': '10' });
      return;
    }
    res.once('finish', () => stored.answered(performance.now() - started));
  }

  /** A JSON answer; one that keeps the connection says for how long (clients that heed it close first, no race). */
  function answer(res: http.ServerResponse, status: number, body: unknown, close: boolean, extra: Record<string, string> = {}) {
    safeAnswer(res, status, body, 'application/json', close, { ...keepAlive(res, close), ...extra });
  }

  function keepAlive(res: http.ServerResponse, close: boolean): Record<string, string> {
    return !close && res.socket && !pace.isTunnel(res.socket) ? { 'Keep-Alive': `timeout=${Math.floor(limits.idleMs / 1000)}` } : {};
  }

  /**
   * What a response rule says, for a delivery already committed. Never throws: whatever goes wrong now, the
   * delivery is stored, so it must not be answered "not stored". `unanswered` records that nothing went out.
   */
  function answerByRule(res: http.ServerResponse, d: RuleDecision, id: number, unanswered: () => void): void {
    const a = d.action;
    const socket = res.socket;
    // no answer at all, as an endpoint that crashed mid-request
    const drop = () => {
      if (socket) pace.markClosing(socket);
      socket?.destroy();
    };
    if (a.kind === 'close') return drop();
    const cap = socket && pace.isTunnel(socket) ? (opts.tunnelHoldCapMs ?? GATEWAY_TIMEOUT_MS + TUNNEL_HOLD_MARGIN_MS) : undefined;
    if (a.kind === 'hang') return hold(res, drop, cap);
    const send = () => {
      try {
        const headers = { ...(a.headers ?? {}) };
        const typeKey = Object.keys(headers).find((k) => k.toLowerCase() === 'content-type');
        const type = typeKey ? headers[typeKey]! : a.body !== undefined ? 'text/plain; charset=utf-8' : 'application/json';
        if (typeKey) delete headers[typeKey];
        const body = a.body ?? { received: true, id, rule: d.rule.name };
        safeAnswer(res, a.status, body, type, false, { ...keepAlive(res, false), ...headers });
      } catch (err) {
        // Node refused the answer (a header value it cannot send, from rules saved before values were checked)
        opts.onWarning?.('rule-answer-failed', `Rule '${d.rule.name}' could not answer delivery ${id} (${String(err)}): the connection was closed.`);
        unanswered();
        drop();
      }
    };
    if (a.kind !== 'delay' || a.ms === 0) return send();
    if (cap !== undefined && a.ms > cap) {
      // the gateway has long given up: the answer would go to nobody, and the tunnel socket is needed back
      return hold(res, () => {
        unanswered();
        drop();
      }, cap, unanswered);
    }
    hold(res, send, a.ms, unanswered);
  }

  /**
   * Holds an answer back until `ms` passed (never, without), the sender hangs up (`gaveUp`), or the receiver
   * closes.
   */
  function hold(res: http.ServerResponse, release: () => void, ms?: number, gaveUp?: () => void): void {
    let timer: NodeJS.Timeout | undefined;
    const forget = () => {
      held.delete(now);
      clearTimeout(timer);
      res.off('close', closed);
    };
    const now = () => {
      forget();
      release();
    };
    const closed = () => {
      forget();
      gaveUp?.();
    };
    held.add(now);
    if (ms !== undefined) timer = setTimeout(now, ms);
    res.once('close', closed);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const entrance = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => pace.acceptTunnel(socket));
  await new Promise<void>((resolve, reject) => {
    entrance.once('error', reject);
    entrance.listen(0, '127.0.0.1', () => {
      entrance.off('error', reject);
      resolve();
    });
  });
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    tunnelPort: (entrance.address() as AddressInfo).port,
    acceptTunnel: (socket) => pace.acceptTunnel(socket),
    server,
    setProbeToken(token) {
      probeToken = token;
    },
    close: () =>
      new Promise<void>((resolve) => {
        entrance.close();
        server.close();
        // held answers go now (a delay's), or their connection is closed (a hang's): nobody waits up to 10 min
        for (const release of [...held]) release();
        // idle keep-alive sockets (including the tunnel's pre-opened ones) would hold close() open forever
        server.closeIdleConnections();
        // requests handed over by the tunnel entrance are not the server's own: wait for every answer, either port
        const force = setTimeout(() => {
          server.closeAllConnections();
          resolve();
        }, 5000);
        force.unref();
        const done = () => {
          clearTimeout(force);
          resolve();
        };
        if (inFlight === 0) done();
        else idleWaiters.push(done);
      }),
  };
}
