// The `serve` transport: POST /api/call/<name> with a bearer token, live events over one WebSocket.
import type { Api, ApiEventBatch } from '../../../shared/api';
import { API_CALL_NAME_LIST as API_CALL_NAMES } from '../../../shared/api-names';
import { ApiError, type ApiErrorCode } from '../../../shared/api-error';
import type { ApiClient, ConnectionInfo } from './client';

const TOKEN_KEY = 'rci.token';

/** Takes the token from ?token=, keeps it for reloads of this tab, and removes it from the address bar. */
export function takeToken(loc: Location = window.location, storage: Storage = window.sessionStorage): string {
  const params = new URLSearchParams(loc.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    storage.setItem(TOKEN_KEY, fromUrl);
    params.delete('token');
    const rest = params.toString();
    window.history.replaceState(null, '', loc.pathname + (rest ? `?${rest}` : '') + loc.hash);
    return fromUrl;
  }
  return storage.getItem(TOKEN_KEY) ?? '';
}

export interface HttpClientOptions {
  /** http(s)://host:port of the control server */
  origin: string;
  token: string;
  fetchImpl?: typeof fetch;
  WebSocketImpl?: typeof WebSocket;
}

const BACKOFF_MS = [500, 1000, 2000, 5000, 10000];
/** for an error answer without a body of ours (e.g. from something in between) */
const CODE_OF_STATUS: Partial<Record<number, ApiErrorCode>> = { 400: 'bad-request', 403: 'forbidden', 404: 'not-found', 503: 'unavailable' };

export function createHttpClient(opts: HttpClientOptions): ApiClient {
  const doFetch = opts.fetchImpl ?? fetch.bind(globalThis);
  const api = {} as Record<string, (arg: unknown) => Promise<unknown>>;
  for (const name of API_CALL_NAMES) {
    api[name] = async (arg: unknown) => {
      let res: Response;
      try {
        res = await doFetch(`${opts.origin}/api/call/${name}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${opts.token}` },
          body: JSON.stringify(arg ?? {}),
        });
      } catch (err) {
        throw new ApiError('unavailable', `Cannot reach the inspector (${name}): ${(err as Error).message}`);
      }
      const text = await res.text();
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = null;
      }
      if (!res.ok) {
        const e = (body as { error?: { code?: ApiErrorCode; message?: string } } | null)?.error;
        throw new ApiError(e?.code ?? CODE_OF_STATUS[res.status] ?? 'internal', e?.message ?? `${name} failed: HTTP ${res.status}`);
      }
      return body;
    };
  }

  const listeners = new Set<(batch: ApiEventBatch) => void>();
  const connListeners = new Set<(info: ConnectionInfo) => void>();
  let conn: ConnectionInfo = { state: 'connecting', nextTryAt: null, attempt: 0 };
  let socket: WebSocket | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;

  const setConn = (next: ConnectionInfo) => {
    conn = next;
    for (const l of connListeners) l(conn);
  };

  const connect = () => {
    retryTimer = null;
    const wsUrl = `${opts.origin.replace(/^http/, 'ws')}/api/events?token=${encodeURIComponent(opts.token)}`;
    const WS = opts.WebSocketImpl ?? WebSocket;
    const ws = new WS(wsUrl);
    socket = ws;
    ws.onopen = () => setConn({ state: 'open', nextTryAt: null, attempt: 0 });
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return;
      let batch: ApiEventBatch;
      try {
        batch = JSON.parse(ev.data) as ApiEventBatch;
      } catch {
        return;
      }
      if (!Array.isArray(batch)) return;
      for (const l of listeners) l(batch);
    };
    ws.onclose = () => {
      if (socket !== ws || listeners.size === 0) return;
      socket = null;
      const attempt = conn.attempt + 1;
      const delay = BACKOFF_MS[Math.min(attempt - 1, BACKOFF_MS.length - 1)];
      setConn({ state: 'reconnecting', nextTryAt: Date.now() + delay, attempt });
      retryTimer = setTimeout(connect, delay);
    };
  };

  return {
    api: api as unknown as Api,
    subscribe(listener) {
      listeners.add(listener);
      if (!socket && !retryTimer) connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          if (retryTimer) clearTimeout(retryTimer);
          retryTimer = null;
          const s = socket;
          socket = null;
          s?.close();
        }
      };
    },
    onConnection(listener) {
      connListeners.add(listener);
      listener(conn);
      return () => connListeners.delete(listener);
    },
  };
}
