// The IPC bridge end to end without Electron: main-side handlers registered from the contract, the preload's
// window.rci built from the same contract, connected by a fake ipcMain/ipcRenderer pair that behaves like
// Electron's (structured clone, sender frame on each call).
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({}));

import { API_CALL_NAMES, type ApiEventBatch, type ApiHandlers } from '../../shared/api';
import { IPC_EVENTS_CHANNEL, ipcChannel } from '../../shared/bridge';
import { forwardEvents, registerApiHandlers } from '../../electron/shell/ipc';
import { createBridge } from '../../electron/shell/preload-bridge';
import { isAppUrl } from '../../electron/shell/origin';
import { ApiError } from '../../shared/api-error';

type Handler = (event: any, arg: unknown) => Promise<unknown>;

function fakeIpc(frameUrl: () => string | null) {
  const handlers = new Map<string, Handler>();
  const listeners = new Map<string, Set<(e: unknown, ...a: unknown[]) => void>>();
  const ipcMain = {
    handle: (ch: string, h: Handler) => {
      if (handlers.has(ch)) throw new Error(`second handler for ${ch}`);
      handlers.set(ch, h);
    },
    removeHandler: (ch: string) => void handlers.delete(ch),
  };
  const ipcRenderer = {
    invoke: async (ch: string, arg: unknown) => {
      const h = handlers.get(ch);
      if (!h) throw new Error(`No handler registered for '${ch}'`);
      const url = frameUrl();
      return structuredClone(await h({ senderFrame: url === null ? null : { url } }, structuredClone(arg)));
    },
    on: (ch: string, l: any) => void (listeners.get(ch) ?? listeners.set(ch, new Set()).get(ch)!).add(l),
    removeListener: (ch: string, l: any) => void listeners.get(ch)?.delete(l),
  };
  const webContents = {
    destroyed: false,
    send: (ch: string, payload: unknown) => {
      for (const l of listeners.get(ch) ?? []) l({ sender: 'ipc-event-object' }, structuredClone(payload));
    },
    isDestroyed() {
      return this.destroyed;
    },
  };
  return { ipcMain, ipcRenderer, handlers, webContents, listeners };
}

/** A handler for every call that records what it received. */
function recordingHandlers() {
  const seen: { name: string; arg: unknown }[] = [];
  const h = {} as Record<string, (arg: unknown) => unknown>;
  for (const name of API_CALL_NAMES) {
    h[name] = (arg) => {
      seen.push({ name, arg });
      if (name === 'getDelivery' && (arg as { id: number }).id === 404) return null;
      if (name === 'cancelReplay') throw new ApiError('not-found', 'no such job');
      if (name === 'deleteTarget') throw new Error('disk on fire');
      return { name };
    };
  }
  return { handlers: h as unknown as ApiHandlers, seen };
}

const src = { kind: 'bundled', dir: '/r' } as const;
const trusted = (url: string | null | undefined) => isAppUrl(url, src);

describe('IPC handlers', () => {
  it('registers exactly one handler per contract call, on the channel the preload uses', () => {
    const ipc = fakeIpc(() => 'app://rci/index.html');
    registerApiHandlers(ipc.ipcMain, recordingHandlers().handlers, { isTrustedUrl: trusted });
    expect([...ipc.handlers.keys()].sort()).toEqual(API_CALL_NAMES.map(ipcChannel).sort());
    expect(API_CALL_NAMES.length).toBeGreaterThan(15);
  });

  it('the bridge exposes one named function per call and nothing generic', () => {
    const ipc = fakeIpc(() => 'app://rci/index.html');
    const bridge = createBridge(ipc.ipcRenderer, API_CALL_NAMES, 'linux');
    expect(Object.keys(bridge.api).sort()).toEqual([...API_CALL_NAMES].sort());
    expect(Object.keys(bridge).sort()).toEqual(['api', 'onEvents', 'platform']);
    expect(bridge).not.toHaveProperty('invoke');
    expect(Object.isFrozen(bridge.api)).toBe(true);
  });

  it('a call from the app page reaches its handler with validated, defaulted arguments', async () => {
    const ipc = fakeIpc(() => 'app://rci/index.html');
    const { handlers, seen } = recordingHandlers();
    registerApiHandlers(ipc.ipcMain, handlers, { isTrustedUrl: trusted });
    const { api } = createBridge(ipc.ipcRenderer, API_CALL_NAMES, 'linux');
    await expect(api.listMessages({ query: 'flag:duplicate' })).resolves.toEqual({ name: 'listMessages' });
    expect(seen.at(-1)).toEqual({ name: 'listMessages', arg: { query: 'flag:duplicate', offset: 0, limit: 100 } });
    await expect(api.getDelivery({ id: 404 })).resolves.toBeNull();
    // no argument at all is the same as {}
    await (api.getStatus as (a?: unknown) => Promise<unknown>)();
    expect(seen.at(-1)).toEqual({ name: 'getStatus', arg: {} });
  });

  it('rejects arguments the contract does not allow, before any handler runs', async () => {
    const ipc = fakeIpc(() => 'app://rci/index.html');
    const { handlers, seen } = recordingHandlers();
    registerApiHandlers(ipc.ipcMain, handlers, { isTrustedUrl: trusted });
    const { api } = createBridge(ipc.ipcRenderer, API_CALL_NAMES, 'linux');
    const err: unknown = await (api.getDelivery as (a: unknown) => Promise<unknown>)({ id: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).toBe('bad-request');
    expect((err as Error).message).toMatch(/getDelivery: id/);
    await expect((api.listDeliveries as (a: unknown) => Promise<unknown>)({ limit: 10_000 })).rejects.toThrow(/limit/);
    expect(seen).toEqual([]);
  });

  it('passes core errors through with their code and message', async () => {
    const ipc = fakeIpc(() => 'app://rci/index.html');
    registerApiHandlers(ipc.ipcMain, recordingHandlers().handlers, { isTrustedUrl: trusted });
    const { api } = createBridge(ipc.ipcRenderer, API_CALL_NAMES, 'linux');
    await expect(api.cancelReplay({ jobId: 'j' })).rejects.toMatchObject({ code: 'not-found', message: 'no such job' });
    await expect(api.deleteTarget({ id: 1 })).rejects.toMatchObject({ code: 'internal', message: 'disk on fire' });
  });

  it('refuses calls from any other origin, and from a frame that is gone', async () => {
    for (const url of ['https://evil.example/', 'file:///tmp/x.html', 'app://other/index.html', 'http://localhost:5173/', null]) {
      const ipc = fakeIpc(() => url);
      const { handlers, seen } = recordingHandlers();
      const log = vi.fn();
      registerApiHandlers(ipc.ipcMain, handlers, { isTrustedUrl: trusted, log });
      const { api } = createBridge(ipc.ipcRenderer, API_CALL_NAMES, 'linux');
      await expect(api.getStatus({}), String(url)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(api.updateSettings({ notifications: true })).rejects.toMatchObject({ code: 'forbidden' });
      expect(seen, String(url)).toEqual([]);
      expect(log).toHaveBeenCalledWith(expect.objectContaining({ blocked: 'ipc', call: 'getStatus' }));
    }
  });

  it('the dev server origin is trusted only in development', async () => {
    const dev = { kind: 'dev-server', url: 'http://localhost:5173/' } as const;
    const ipc = fakeIpc(() => 'http://localhost:5173/');
    registerApiHandlers(ipc.ipcMain, recordingHandlers().handlers, { isTrustedUrl: (u) => isAppUrl(u, dev) });
    const { api } = createBridge(ipc.ipcRenderer, API_CALL_NAMES, 'linux');
    await expect(api.getStatus({})).resolves.toEqual({ name: 'getStatus' });
  });

  it('unregisters every handler', () => {
    const ipc = fakeIpc(() => 'app://rci/index.html');
    const off = registerApiHandlers(ipc.ipcMain, recordingHandlers().handlers, { isTrustedUrl: trusted });
    off();
    expect(ipc.handlers.size).toBe(0);
  });
});

describe('live events', () => {
  const batch: ApiEventBatch = [
    { event: 'warning', data: { code: 'disk', message: 'low disk', at: 1 } },
    { event: 'deliveries', data: { deliveries: [], messages: [], total: 3, status: { deliveriesTotal: 3, deliveriesToday: 3, messagesTotal: 1, indexing: { pending: 0, lagMs: 0 }, storeBytes: 4096 } } },
  ];

  it('arrive in the page as the same batches, without the IPC event object, until unsubscribed', () => {
    const ipc = fakeIpc(() => 'app://rci/index.html');
    const listeners = new Set<(b: ApiEventBatch) => void>();
    const subscribe = (l: (b: ApiEventBatch) => void) => (listeners.add(l), () => void listeners.delete(l));
    const stopForwarding = forwardEvents(subscribe, ipc.webContents);
    const bridge = createBridge(ipc.ipcRenderer, API_CALL_NAMES, 'linux');

    const got: unknown[][] = [];
    const off = bridge.onEvents((...args: unknown[]) => got.push(args));
    for (const l of listeners) l(batch);
    expect(got).toEqual([[batch]]);

    off();
    off(); // twice is harmless
    for (const l of listeners) l(batch);
    expect(got).toHaveLength(1);
    expect(ipc.listeners.get(IPC_EVENTS_CHANNEL)?.size).toBe(0);

    stopForwarding();
    expect(listeners.size).toBe(0);
  });

  it('stop going to a destroyed window and skip empty batches', () => {
    const ipc = fakeIpc(() => 'app://rci/index.html');
    const send = vi.spyOn(ipc.webContents, 'send');
    let emit: (b: ApiEventBatch) => void = () => {};
    forwardEvents((l) => ((emit = l), () => {}), ipc.webContents);
    emit([]);
    expect(send).not.toHaveBeenCalled();
    emit(batch);
    expect(send).toHaveBeenCalledTimes(1);
    ipc.webContents.destroyed = true;
    emit(batch);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('onEvents refuses a non-function', () => {
    const ipc = fakeIpc(() => 'app://rci/index.html');
    const bridge = createBridge(ipc.ipcRenderer, API_CALL_NAMES, 'linux');
    expect(() => bridge.onEvents('x' as never)).toThrow(TypeError);
  });
});
