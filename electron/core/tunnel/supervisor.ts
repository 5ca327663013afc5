// Keeps a localtunnel URL up for hours and tells the truth about it.
//
// One "attempt" = register with the tunnel server (handshake.ts, with a deadline), open the socket pool (client.ts:
// ours when `accept` is given, the library's otherwise), then prove the public URL reaches our receiver with a probe
// (probe.ts). Only a passing probe makes the state `online`. While online, the probe repeats; N failures in a row (or one failure right after the client
// reported a socket error) tear the tunnel down and a new attempt starts after a capped exponential backoff.
// The library alone cannot be trusted to notice anything: it never emits 'close' on its own, never re-registers
// after the server forgot the tunnel, and silently stops reopening sockets after a refused connection.
// Longer than most modules on purpose: the attempt loop, its timers and the status it reports are one state
// machine in one closure; the steps it drives (handshake, client, probe) live in their own modules.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { TunnelState, TunnelStatus } from '../../../shared/api';
import { DEFAULT_PROBE_INTERVAL_MS } from '../../../shared/constants';
import { openGrantedTunnel, openTunnelSockets, type TunnelSocketPool } from './client';
import { HandshakeError, normalizeTunnelHost, requestTunnel, validateSubdomain, type TunnelGrant } from './handshake';
import { probeOnce } from './probe';

export interface TunnelOptions {
  localPort: number;
  /** where the library connects for each public request; default 127.0.0.1 */
  localHost?: string;
  /**
   * Serve tunnel sockets in this process instead: each one is handed here as it connects (the receiver's HTTP
   * server takes it, client.ts openTunnelSockets) and localPort/localHost are not used.
   */
  accept?: (s: Socket) => void;
  enabled: boolean;
  /** e.g. https://localtunnel.me or http://127.0.0.1:PORT (a trailing slash is fine) */
  host: string;
  subdomain: string | null;
  probeToken: string;
  /** health probe period while online; default DEFAULT_PROBE_INTERVAL_MS */
  probeIntervalMs?: number;
  /** deadline for registration and for the first tunnel socket; default 15 s */
  handshakeTimeoutMs?: number;
  /** deadline of one probe; default probeIntervalMs clamped to 1..10 s */
  probeTimeoutMs?: number;
  /** consecutive probe failures that mean "down"; default 2 */
  probeFailures?: number;
  /** first reconnect delay (doubles per failed attempt, ±20 % jitter); default 1 s */
  backoffInitialMs?: number;
  /** reconnect delay cap; default 30 s */
  backoffMaxMs?: number;
  /**
   * After a reconnect the server may still hold our previous tunnel (localtunnel/server keeps it for ~1 s after its
   * last socket closed) and hand out a random id instead of our subdomain; keep asking for this long before
   * accepting a different URL. Default 5 s.
   */
  subdomainReclaimMs?: number;
  /** the URL the gateway was last given (persisted by the app), so a different URL after a restart is reported */
  previousUrl?: string | null;
}

export interface UrlChange {
  oldUrl: string | null;
  newUrl: string;
  reason: string;
}

export interface TunnelWarning {
  code: string;
  message: string;
  at: number;
}

export interface TunnelSupervisor {
  status(): TunnelStatus;
  start(): void;
  stop(): Promise<void>;
  reconnect(): void;
  update(opts: Partial<Pick<TunnelOptions, 'enabled' | 'host' | 'subdomain'>>): void;
  on(ev: 'status', fn: (s: TunnelStatus) => void): this;
  on(ev: 'urlChanged', fn: (e: UrlChange) => void): this;
  on(ev: 'warning', fn: (w: TunnelWarning) => void): this;
  off(ev: 'status' | 'urlChanged' | 'warning', fn: (...args: any[]) => void): this;
}

/** Downtime windows kept in the status (oldest dropped first). */
const MAX_DOWNTIME_WINDOWS = 50;

/** Why tunnel settings would not work, or null; lets the app refuse bad settings before saving them. */
export function checkTunnelSettings(s: { host?: string; subdomain?: string | null }): string | null {
  try {
    if (s.host !== undefined) normalizeTunnelHost(s.host);
    if (s.subdomain !== undefined) validateSubdomain(s.subdomain);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

export function createTunnelSupervisor(opts: TunnelOptions): TunnelSupervisor {
  if (!Number.isInteger(opts.localPort) || opts.localPort < 1 || opts.localPort > 65535) {
    throw new TypeError(`tunnel: localPort must be a TCP port, got ${opts.localPort}`);
  }
  if (!opts.probeToken) throw new TypeError('tunnel: probeToken must not be empty');
  return new Supervisor(opts);
}

class Supervisor extends EventEmitter implements TunnelSupervisor {
  private cfg: { enabled: boolean; host: string; subdomain: string | null };
  private readonly localHost: string;
  private readonly probeIntervalMs: number;
  private readonly handshakeTimeoutMs: number;
  private readonly probeTimeoutMs: number;
  private readonly probeFailures: number;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;
  private readonly subdomainReclaimMs: number;

  private st: TunnelStatus;
  private started = false;
  /** bumped by every teardown; async work from an older generation is ignored */
  private gen = 0;
  private client: TunnelSocketPool | null = null;
  private grant: TunnelGrant | null = null;
  private readonly sockets = new Set<Socket>();
  private abort: AbortController | null = null;
  private timers = new Set<NodeJS.Timeout>();
  private probing = false;
  private probeTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private firstFailureAt: number | null = null;
  private suspect = false;
  /** per tunnel socket: bytesWritten when its latest request bytes arrived (the answer is pending until it grows) */
  private readonly pendingSince = new WeakMap<Socket, number>();
  /** the last URL that was verified online (or the one the app says the gateway has) */
  private lastUrl: string | null;
  /** why the current attempt was started; becomes the urlChanged reason */
  private cause = 'the tunnel was opened';
  /** the subdomain our last online tunnel had, and since when we fail to get it back */
  private heldId: string | null = null;
  private reclaimSince: number | null = null;

  constructor(private readonly opts: TunnelOptions) {
    super();
    this.localHost = opts.localHost ?? '127.0.0.1';
    this.probeIntervalMs = Math.max(50, opts.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS);
    this.handshakeTimeoutMs = Math.max(50, opts.handshakeTimeoutMs ?? 15_000);
    this.probeTimeoutMs = opts.probeTimeoutMs ?? Math.min(10_000, Math.max(1000, this.probeIntervalMs));
    this.probeFailures = Math.max(1, opts.probeFailures ?? 2);
    this.backoffInitialMs = Math.max(10, opts.backoffInitialMs ?? 1000);
    this.backoffMaxMs = Math.max(this.backoffInitialMs, opts.backoffMaxMs ?? 30_000);
    this.subdomainReclaimMs = Math.max(0, opts.subdomainReclaimMs ?? 5000);
    this.cfg = { enabled: opts.enabled, host: opts.host, subdomain: opts.subdomain ?? null };
    this.lastUrl = opts.previousUrl ?? null;
    this.st = {
      state: opts.enabled ? 'offline' : 'disabled',
      publicUrl: null,
      host: opts.host,
      requestedSubdomain: this.cfg.subdomain,
      attempt: 0,
      nextTryAt: null,
      reason: opts.enabled ? 'not started' : null,
      since: Date.now(),
      downtime: [],
    };
  }

  status(): TunnelStatus {
    return { ...this.st, downtime: this.st.downtime.map((d) => ({ ...d })) };
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    if (this.cfg.enabled) this.begin('connecting', 'the tunnel was opened');
    else this.set({ state: 'disabled', publicUrl: null, reason: null, attempt: 0, nextTryAt: null });
  }

  async stop(): Promise<void> {
    this.started = false;
    const sockets = [...this.sockets];
    this.teardown();
    this.closeDowntime();
    this.set(
      this.cfg.enabled
        ? { state: 'offline', publicUrl: null, reason: 'stopped', attempt: 0, nextTryAt: null }
        : { state: 'disabled', publicUrl: null, reason: null, attempt: 0, nextTryAt: null },
    );
    await Promise.all(sockets.map((s) => waitClosed(s, 2000)));
  }

  reconnect(): void {
    if (!this.started || !this.cfg.enabled) return;
    this.begin('connecting', 'a reconnect was requested');
  }

  update(p: Partial<Pick<TunnelOptions, 'enabled' | 'host' | 'subdomain'>>): void {
    const next = {
      enabled: p.enabled ?? this.cfg.enabled,
      host: p.host ?? this.cfg.host,
      subdomain: p.subdomain === undefined ? this.cfg.subdomain : p.subdomain || null,
    };
    const changed = next.host !== this.cfg.host || next.subdomain !== this.cfg.subdomain;
    const toggled = next.enabled !== this.cfg.enabled;
    this.cfg = next;
    this.st = { ...this.st, host: next.host, requestedSubdomain: next.subdomain };
    if (!toggled && !changed) return;
    if (!next.enabled) {
      this.teardown();
      this.closeDowntime();
      this.set({ state: 'disabled', publicUrl: null, reason: null, attempt: 0, nextTryAt: null });
      return;
    }
    if (!this.started) {
      this.set({ state: 'offline', publicUrl: null, reason: 'not started', attempt: 0, nextTryAt: null });
      return;
    }
    this.begin('connecting', toggled ? 'the tunnel was switched on' : 'the tunnel host or subdomain setting changed');
  }

  // ---- attempts ----

  /** Drop whatever is running and start a fresh attempt now. */
  private begin(state: 'connecting' | 'reconnecting', cause: string): void {
    if (this.st.state === 'online') this.openDowntime(Date.now(), cause);
    this.teardown();
    this.cause = cause;
    if (state === 'connecting') this.set({ state, publicUrl: null, reason: null, attempt: 0, nextTryAt: null });
    else this.set({ state, publicUrl: null, nextTryAt: null });
    void this.attempt(this.gen);
  }

  private async attempt(g: number): Promise<void> {
    let host: string;
    let sub: string | null;
    try {
      host = normalizeTunnelHost(this.cfg.host);
      sub = validateSubdomain(this.cfg.subdomain);
    } catch (e) {
      return this.fail((e as Error).message, true);
    }
    this.abort = new AbortController();
    let grant: TunnelGrant;
    try {
      grant = await requestTunnel(host, sub, this.handshakeTimeoutMs, this.abort.signal);
    } catch (e) {
      if (g !== this.gen) return;
      return this.fail((e as Error).message, e instanceof HandshakeError && e.permanent);
    }
    if (g !== this.gen) return; // superseded; the server drops an unused registration after its grace period
    if (sub && grant.id !== sub && this.heldId === sub) {
      this.reclaimSince ??= Date.now();
      if (Date.now() - this.reclaimSince < this.subdomainReclaimMs) {
        return this.fail(`the server still holds the previous tunnel "${sub}"; asking for it again`);
      }
    }
    this.grant = grant;
    if (sub && grant.id !== sub) {
      this.warn(
        'subdomain-not-granted',
        `The tunnel server did not grant the subdomain "${sub}" (in use or refused) and assigned "${grant.id}": ` +
          `the URL changed to ${grant.url}. Update the gateway's callback URL.`,
      );
      this.cause = `the requested subdomain "${sub}" was not granted`;
    }
    const accept = this.opts.accept;
    this.client = accept
      ? openTunnelSockets(grant, { host, accept }, (err) => this.onClientError(g, err), (s) => this.onSocket(g, s))
      : openGrantedTunnel(
          grant,
          { host, localPort: this.opts.localPort, localHost: this.localHost },
          (err) => this.onClientError(g, err),
          (s) => this.onSocket(g, s),
        );

    this.after(g, this.handshakeTimeoutMs, () => {
      if (this.sockets.size === 0 && this.st.state !== 'online') {
        this.fail(`no tunnel socket to ${grant.ip ?? new URL(host).hostname}:${grant.port} opened within ${this.handshakeTimeoutMs} ms`);
      }
    });
  }

  private onSocket(g: number, s: Socket): void {
    if (g !== this.gen) return void s.destroy();
    const first = this.sockets.size === 0 && !this.probing && this.st.state !== 'online';
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
    s.on('data', () => this.pendingSince.set(s, s.bytesWritten));
    if (first) void this.probe(g);
  }

  private onClientError(g: number, err: Error): void {
    if (g !== this.gen) return; // a torn-down client may still report its last sockets
    if (this.st.state !== 'online') return this.fail(`tunnel socket failed: ${err.message}`);
    // A refused tunnel socket usually means the server dropped us; confirm with a probe right away.
    this.suspect = true;
    if (!this.probing) void this.probe(g);
  }

  /** One probe chain at a time: a probe started early (socket error) replaces the scheduled one. */
  private scheduleProbe(g: number, ms: number): void {
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => {
      this.probeTimer = null;
      if (g === this.gen) void this.probe(g);
    }, ms);
  }

  private async probe(g: number): Promise<void> {
    if (g !== this.gen || !this.grant || this.probing) return;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
    this.probing = true;
    const writtenBefore = new Map([...this.sockets].map((x) => [x, x.bytesWritten]));
    const r = await probeOnce(this.grant.url, this.opts.probeToken, this.probeTimeoutMs, this.abort?.signal);
    if (g !== this.gen) return; // teardown already reset `probing` for the next generation
    this.probing = false;
    if (r.ok) {
      this.failures = 0;
      this.firstFailureAt = null;
      this.suspect = false;
      if (this.st.state !== 'online') this.becomeOnline(this.grant.url);
      return this.scheduleProbe(g, this.probeIntervalMs);
    }
    if (r.slow && this.st.state === 'online' && !this.suspect && this.busy(writtenBefore)) {
      // Every tunnel socket can be taken by slow requests during a burst; the probe then waits in the server's
      // queue. Answers still flowing back, or requests still waiting for our receiver, mean the tunnel works.
      // (A definite answer such as 404 "no such tunnel" is never excused.)
      return this.scheduleProbe(g, this.probeIntervalMs);
    }
    this.failures++;
    this.firstFailureAt ??= Date.now();
    if (this.failures >= this.probeFailures || this.suspect) return this.fail(r.reason);
    // confirm a first failure sooner than the regular period
    this.scheduleProbe(g, Math.min(this.probeIntervalMs, 2000));
  }

  private busy(writtenBefore: Map<Socket, number>): boolean {
    for (const x of this.sockets) {
      if (x.destroyed) continue;
      const before = writtenBefore.get(x);
      if (before !== undefined && x.bytesWritten > before) return true;
      if (this.pendingSince.get(x) === x.bytesWritten) return true;
    }
    return false;
  }

  private becomeOnline(url: string): void {
    this.closeDowntime();
    const old = this.lastUrl;
    this.lastUrl = url;
    this.heldId = this.grant?.id ?? null;
    this.reclaimSince = null;
    this.set({ state: 'online', publicUrl: url, reason: null, attempt: 0, nextTryAt: null });
    if (old !== url && (old !== null || this.cause.startsWith('the requested subdomain'))) {
      this.emit('urlChanged', { oldUrl: old, newUrl: url, reason: this.cause } satisfies UrlChange);
    }
  }

  /** The current attempt or tunnel is dead: tear down, then retry with backoff (or stay offline if hopeless). */
  private fail(reason: string, permanent = false): void {
    const wasOnline = this.st.state === 'online';
    if (wasOnline) this.openDowntime(this.firstFailureAt ?? Date.now(), reason);
    this.teardown();
    if (permanent) {
      this.set({ state: 'offline', publicUrl: null, reason, attempt: 0, nextTryAt: null });
      return;
    }
    const attempt = this.st.attempt + 1;
    const base = Math.min(this.backoffMaxMs, this.backoffInitialMs * 2 ** Math.min(attempt - 1, 20));
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.set({ state: 'reconnecting', publicUrl: null, reason, attempt, nextTryAt: Date.now() + delay });
    const g = this.gen;
    this.after(g, delay, () => this.begin('reconnecting', `the tunnel was re-opened after: ${reason}`));
  }

  private teardown(): void {
    this.gen++;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
    this.abort?.abort();
    this.abort = null;
    this.probing = false;
    this.failures = 0;
    this.firstFailureAt = null;
    this.suspect = false;
    this.grant = null;
    if (this.client) {
      // close() only emits 'close' (the library destroys its open sockets on it); its 'error' listener stays
      // attached so late socket errors cannot crash the process.
      this.client.close();
      this.client = null;
    }
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  private after(g: number, ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (g === this.gen) fn();
    }, ms);
    this.timers.add(t);
  }

  // ---- status ----

  private set(p: Partial<TunnelStatus> & { state?: TunnelState }): void {
    const next = { ...this.st, ...p };
    if (p.state !== undefined && p.state !== this.st.state) next.since = Date.now();
    this.st = next;
    this.emit('status', this.status());
  }

  private openDowntime(from: number, reason: string): void {
    const d = this.st.downtime;
    if (d.length && d[d.length - 1].to === null) return;
    this.st.downtime = [...d, { from, to: null, reason }].slice(-MAX_DOWNTIME_WINDOWS);
  }

  private closeDowntime(): void {
    const d = this.st.downtime;
    if (!d.length || d[d.length - 1].to !== null) return;
    this.st.downtime = [...d.slice(0, -1), { ...d[d.length - 1], to: Date.now() }];
  }

  private warn(code: string, message: string): void {
    this.emit('warning', { code, message, at: Date.now() } satisfies TunnelWarning);
  }
}

function waitClosed(s: Socket, ms: number): Promise<void> {
  if (s.destroyed && s.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    s.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
