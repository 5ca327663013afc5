import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHttpClient } from '../../renderer/src/api/http-client';
import type { ConnectionInfo } from '../../renderer/src/api/client';

class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  close() {
    this.closed = true;
  }
}

describe('serve-mode HTTP client', () => {
  afterEach(() => {
    vi.useRealTimers();
    FakeSocket.all = [];
  });

  it('posts each call with the bearer token and returns the JSON result', async () => {
    const fetchImpl = vi.fn(async () => new Response(JSON.stringify({ rows: [], total: 0, totalIsExact: true, offset: 0 }), { status: 200 }));
    const c = createHttpClient({ origin: 'http://127.0.0.1:9', token: 'tok', fetchImpl: fetchImpl as unknown as typeof fetch });
    const res = await c.api.listMessages({ query: 'flag:duplicate' });
    expect(res.total).toBe(0);
    const [url, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('http://127.0.0.1:9/api/call/listMessages');
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer tok');
    expect(JSON.parse(init.body as string)).toEqual({ query: 'flag:duplicate' });
  });

  it('turns an error body into an error carrying the core’s message', async () => {
    const fetchImpl = async () =>
      new Response(JSON.stringify({ error: { code: 'bad-request', message: 'listMessages: query: unknown field nope' } }), { status: 400 });
    const c = createHttpClient({ origin: 'http://x', token: 't', fetchImpl: fetchImpl as unknown as typeof fetch });
    await expect(c.api.listMessages({ query: 'nope:1' })).rejects.toThrow('unknown field nope');
  });

  it('reports an unreachable server in words', async () => {
    const fetchImpl = async () => {
      throw new TypeError('fetch failed');
    };
    const c = createHttpClient({ origin: 'http://x', token: 't', fetchImpl: fetchImpl as unknown as typeof fetch });
    await expect(c.api.getStatus({})).rejects.toThrow(/Cannot reach the inspector/);
  });

  it('delivers event batches and reconnects with backoff when the socket drops', async () => {
    vi.useFakeTimers();
    const c = createHttpClient({ origin: 'http://127.0.0.1:9', token: 'a b', WebSocketImpl: FakeSocket as unknown as typeof WebSocket });
    const states: ConnectionInfo['state'][] = [];
    c.onConnection!((i) => states.push(i.state));
    const got: unknown[] = [];
    const unsub = c.subscribe((b) => got.push(b));
    expect(FakeSocket.all[0].url).toBe('ws://127.0.0.1:9/api/events?token=a%20b');
    FakeSocket.all[0].onopen!();
    FakeSocket.all[0].onmessage!({ data: JSON.stringify([{ event: 'warning', data: { code: 'x', message: 'y', at: 1 } }]) });
    FakeSocket.all[0].onmessage!({ data: 'not json' });
    expect(got).toHaveLength(1);
    FakeSocket.all[0].onclose!();
    expect(states.at(-1)).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(600);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1].onopen!();
    expect(states.at(-1)).toBe('open');
    unsub();
    expect(FakeSocket.all[1].closed).toBe(true);
  });

  it('in the page (no token) relies on the cookie: no Authorization header, no token on the socket', async () => {
    const fetchImpl = vi.fn(async () => new Response('null', { status: 200 }));
    const c = createHttpClient({ origin: 'http://127.0.0.1:9', fetchImpl: fetchImpl as unknown as typeof fetch, WebSocketImpl: FakeSocket as unknown as typeof WebSocket });
    await c.api.getStatus({});
    const [, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect((init.headers as Record<string, string>).Authorization).toBeUndefined();
    expect(init.credentials).toBe('same-origin');
    c.subscribe(() => {})();
    expect(FakeSocket.all[0].url).toBe('ws://127.0.0.1:9/api/events');
  });

  it('tells the page once when the server refuses this browser (a rotated link), so it can say where the link is', async () => {
    const fetchImpl = async () => new Response(JSON.stringify({ error: { code: 'forbidden', message: 'missing or wrong token' } }), { status: 403 });
    const onForbidden = vi.fn();
    const c = createHttpClient({ origin: 'http://x', fetchImpl: fetchImpl as unknown as typeof fetch, onForbidden });
    await expect(c.api.getStatus({})).rejects.toThrow('missing or wrong token');
    await expect(c.api.getCounts({ query: '' })).rejects.toThrow();
    expect(onForbidden).toHaveBeenCalledTimes(1);
  });

  it('asks whether it is still signed in when the socket drops: refused tells the page, a server that is down does not', async () => {
    vi.useFakeTimers();
    let answer: 'refused' | 'down' = 'down';
    const fetchImpl = vi.fn(async () => {
      if (answer === 'down') throw new TypeError('fetch failed');
      return new Response(JSON.stringify({ error: { code: 'forbidden', message: 'missing or wrong token' } }), { status: 403 });
    });
    const onForbidden = vi.fn();
    const c = createHttpClient({ origin: 'http://x', fetchImpl: fetchImpl as unknown as typeof fetch, WebSocketImpl: FakeSocket as unknown as typeof WebSocket, onForbidden });
    c.subscribe(() => {});
    FakeSocket.all[0].onclose!();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetchImpl.mock.calls.map((call) => (call as unknown as [string])[0])).toEqual(['http://x/api/session']);
    expect(onForbidden).not.toHaveBeenCalled();
    answer = 'refused';
    await vi.advanceTimersByTimeAsync(600);
    FakeSocket.all[1].onclose!();
    await vi.advanceTimersByTimeAsync(0);
    expect(onForbidden).toHaveBeenCalledTimes(1);
  });

  it('reads and rotates the inspector link', async () => {
    const fetchImpl = vi.fn(async (url: string) => new Response(JSON.stringify({ uiUrl: url.endsWith('/rotate') ? 'http://x/?token=new' : 'http://x/?token=old' })));
    const c = createHttpClient({ origin: 'http://x', fetchImpl: fetchImpl as unknown as typeof fetch });
    expect(await c.link!.current()).toBe('http://x/?token=old');
    expect(await c.link!.rotate()).toBe('http://x/?token=new');
    expect(fetchImpl.mock.calls.map((call) => [(call as unknown as [string, RequestInit])[0], (call as unknown as [string, RequestInit])[1].method])).toEqual([
      ['http://x/api/session', 'POST'],
      ['http://x/api/session/rotate', 'POST'],
    ]);
  });
});
