// The localtunnel registration request (`GET {host}/?new` or `GET {host}/{subdomain}`), done here instead of by the
// client library. The library's own handshake (lib/Tunnel.js `_init`) retries every second forever on any failure,
// including a 4xx answer, cannot be cancelled (`close()` does not stop it), goes through axios and therefore through
// HTTP_PROXY/HTTPS_PROXY (the raw TCP tunnel sockets never use a proxy, so a proxied handshake can only hang or lie),
// and builds `${host}/` + path, so a host with a trailing slash asks for `//?new` and never succeeds.
import http from 'node:http';
import https from 'node:https';
import { subdomainProblem } from '../../../shared/tunnel-subdomain';

export interface TunnelGrant {
  id: string;
  ip?: string;
  port: number;
  max_conn_count?: number;
  url: string;
  cached_url?: string;
}

/** Why a handshake failed; `permanent` failures will not get better by retrying (e.g. the subdomain is invalid). */
export class HandshakeError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'HandshakeError';
  }
}

/** `https://localtunnel.me/` → `https://localtunnel.me`; throws a clear error for anything that is not an http(s) origin. */
export function normalizeTunnelHost(host: string): string {
  let u: URL;
  try {
    u = new URL(host.trim());
  } catch {
    throw new TypeError(`tunnel host is not a URL: ${JSON.stringify(host)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new TypeError(`tunnel host must be http:// or https://, got ${JSON.stringify(host)}`);
  }
  if (u.search || u.hash || u.username || u.password) {
    throw new TypeError(`tunnel host must be a plain origin such as https://localtunnel.me, got ${JSON.stringify(host)}`);
  }
  const path = u.pathname.replace(/\/+$/, '');
  return `${u.protocol}//${u.host}${path}`;
}

/** The subdomain to ask for (null: a random one); throws the rule's explanation for a name the server would refuse. */
export function validateSubdomain(sub: string | null): string | null {
  if (sub === null || sub === '') return null;
  const problem = subdomainProblem(sub);
  if (problem) throw new TypeError(problem);
  return sub;
}

export function requestTunnel(
  host: string,
  subdomain: string | null,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<TunnelGrant> {
  const target = new URL(`${normalizeTunnelHost(host)}/${subdomain ?? '?new'}`);
  const mod = target.protocol === 'https:' ? https : http;
  return new Promise<TunnelGrant>((resolve, reject) => {
    let settled = false;
    const done = (err: Error | null, grant?: TunnelGrant) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(grant!);
    };
    const onAbort = () => done(new HandshakeError('handshake cancelled', false));
    const timer = setTimeout(
      () => done(new HandshakeError(`tunnel server ${target.origin} did not answer within ${timeoutMs} ms`, false)),
      timeoutMs,
    );
    // A fresh agent: never a pooled connection, never an environment proxy (NODE_USE_ENV_PROXY patches the global agents).
    const agent = new mod.Agent({ keepAlive: false });
    const req = mod.get(target, { agent, headers: { accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 64 * 1024) done(new HandshakeError('tunnel server answer is too large', false));
        else chunks.push(c);
      });
      res.on('error', (e) => done(new HandshakeError(`tunnel server: ${e.message}`, false)));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          const msg = (body as { message?: unknown } | undefined)?.message;
          const detail = typeof msg === 'string' ? msg : text.slice(0, 200).trim() || http.STATUS_CODES[status] || '';
          // 4xx means "this request will never work" (bad subdomain, wrong path), except rate limits and timeouts.
          const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
          return done(new HandshakeError(`tunnel server answered ${status}: ${detail}`, permanent));
        }
        const g = body as Partial<TunnelGrant> | undefined;
        if (!g || typeof g.id !== 'string' || typeof g.url !== 'string' || typeof g.port !== 'number') {
          return done(
            new HandshakeError(`${target.origin} did not answer like a localtunnel server: ${text.slice(0, 120)}`, false),
          );
        }
        done(null, g as TunnelGrant);
      });
    });
    req.on('error', (e) => done(new HandshakeError(`cannot reach tunnel server ${target.origin}: ${e.message}`, false)));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort);
  });
}
