// The `serve` transport: POST /api/call/<name>, live events over one WebSocket. The page is only served to a browser
// holding the printed link (or the cookie it left, see electron/core/ui-session.ts), and the cookie goes with every
// call and the socket, so the page itself keeps no token.
import type { Api, ApiEventBatch } from '../../../shared/api';
import { API_CALL_NAME_LIST as API_CALL_NAMES } from '../../../shared/api-names';
import { ApiError, type ApiErrorCode } from '../../../shared/api-error';
import type { ApiClient, ConnectionInfo } from './client';
import type { JobInfo } from '../../../shared/jobs';

/**
 * Removes ?token= from the address bar once the page has loaded (the server already traded it for the cookie), so it
 * does not show on screen, in screenshots or in a bookmark of the page.
 */
export function dropTokenFromAddressBar(loc: Location = window.location, history: History = window.history): void {
  const params = new URLSearchParams(loc.search);
  if (!params.has('token')) return;
  params.delete('token');
  const rest = params.toString();
  history.replaceState(null, '', loc.pathname + (rest ? `?${rest}` : '') + loc.hash);
}

export interface HttpClientOptions {
  /** http(s)://host:port of the control server */
  origin: string;
  /** for a script outside a browser; the page itself relies on its cookie */
  token?: string;
  fetchImpl?: typeof fetch;
  WebSocketImpl?: typeof WebSocket;
  /**
   * The server refused this browser (its link was rotated, or the cookie is gone): the page cannot work any more.
   * Called once per client.
   */
  onForbidden?: () => void;
}

const BACKOFF_MS = [500, 1000, 2000, 5000, 10000];
/** for an error answer without a body of ours (e.g. from something in between) */
const CODE_OF_STATUS: Partial<Record<number, ApiErrorCode>> = { 400: 'bad-request', 403: 'forbidden', 404: 'not-found', 503: 'unavailable' };

export function createHttpClient(opts: HttpClientOptions): ApiClient {
  const doFetch = opts.fetchImpl ?? fetch.bind(globalThis);
  let forbidden = false;
  /**
   * While this page rotates the link, the server already refuses the old cookie but the browser has not stored the
   * new one yet: a refusal then (a call in flight, the socket the server closed) is asked about again afterwards.
   */
  let rotating: Promise<unknown> | null = null;
  const refused = () => {
    if (forbidden) return;
    if (rotating) return void rotating.finally(() => stillSignedIn());
    forbidden = true;
    opts.onForbidden?.();
  };
  const stillSignedIn = () => void post('/api/session', 'session', {}).catch(() => {});

  const post = async (path: string, what: string, arg: unknown): Promise<unknown> => {
    let res: Response;
    try {
      res = await doFetch(`${opts.origin}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}) },
        body: JSON.stringify(arg ?? {}),
        credentials: 'same-origin',
      });
    } catch (err) {
      throw new ApiError('unavailable', `Cannot reach the inspector (${what}): ${(err as Error).message}`);
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
      const code = e?.code ?? CODE_OF_STATUS[res.status] ?? 'internal';
      if (code === 'forbidden') refused();
      throw new ApiError(code, e?.message ?? `${what} failed: HTTP ${res.status}`);
    }
    return body;
  };

  const api = {} as Record<string, (arg: unknown) => Promise<unknown>>;
  for (const name of API_CALL_NAMES) api[name] = (arg: unknown) => post(`/api/call/${name}`, name, arg);

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
    const wsUrl = `${opts.origin.replace(/^http/, 'ws')}/api/events${opts.token ? `?token=${encodeURIComponent(opts.token)}` : ''}`;
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
      // A browser does not say why a socket was refused: ask, so a page whose link was rotated says so instead of
      // retrying forever (a server that is simply down answers nothing and the retries go on).
      stillSignedIn();
      const attempt = conn.attempt + 1;
      const delay = BACKOFF_MS[Math.min(attempt - 1, BACKOFF_MS.length - 1)];
      setConn({ state: 'reconnecting', nextTryAt: Date.now() + delay, attempt });
      retryTimer = setTimeout(connect, delay);
    };
  };

  return {
    api: api as unknown as Api,
    async uploadImport(file) {
      let res: Response;
      try {
        // the File is streamed by the browser, never read into the page's memory
        res = await doFetch(`${opts.origin}/api/upload/import?name=${encodeURIComponent(file.name)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/octet-stream', ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}) },
          body: file,
          credentials: 'same-origin',
        });
      } catch (err) {
        throw new ApiError('unavailable', `Cannot reach the inspector (upload): ${(err as Error).message}`);
      }
      const body = (await res.json().catch(() => null)) as { error?: { code?: ApiErrorCode; message?: string } } | null;
      if (!res.ok) throw new ApiError(body?.error?.code ?? CODE_OF_STATUS[res.status] ?? 'internal', body?.error?.message ?? `upload failed: HTTP ${res.status}`);
      return body as unknown as JobInfo;
    },
    link: {
      current: async () => ((await post('/api/session', 'session', {})) as { uiUrl: string }).uiUrl,
      rotate: async () => {
        const done = post('/api/session/rotate', 'rotate the link', {});
        rotating = done;
        try {
          return ((await done) as { uiUrl: string }).uiUrl;
        } finally {
          rotating = null;
        }
      },
    },
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
