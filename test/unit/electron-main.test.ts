// electron/main.ts wired up with Electron mocked and a fake core: the order of start-up, the window it opens,
// the IPC it registers, events to the page, menu, notifications and shutdown. (With a real Electron binary the
// same paths run in test/electron/.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_CALL_NAMES, type ApiEventBatch } from '../../shared/api';
import { IPC_EVENTS_CHANNEL, ipcChannel } from '../../shared/bridge';

const h = vi.hoisted(() => {
  type Listener = (...args: any[]) => any;
  const emitter = () => {
    const listeners = new Map<string, Listener[]>();
    return {
      listeners,
      on(ev: string, l: Listener) {
        listeners.set(ev, [...(listeners.get(ev) ?? []), l]);
        return this;
      },
      once(ev: string, l: Listener) {
        return this.on(ev, l);
      },
      emit(ev: string, ...args: any[]) {
        for (const l of listeners.get(ev) ?? []) l(...args);
      },
    };
  };
  const order: string[] = [];
  const state = {
    order,
    ready: null as null | (() => void),
    windows: [] as any[],
    handlers: new Map<string, (event: any, arg: unknown) => Promise<unknown>>(),
    protocolHandlers: new Map<string, (req: Request) => Promise<Response>>(),
    privileged: [] as any[],
    menuTemplate: null as any,
    notifications: [] as any[],
    session: null as any,
    core: null as any,
    coreOptions: null as any,
  };
  const app = Object.assign(emitter(), {
    isPackaged: true,
    paths: new Map<string, string>(),
    setPath: (k: string, v: string) => (order.push(`setPath:${k}`), app.paths.set(k, v)),
    getPath: (k: string) => app.paths.get(k) ?? `/tmp/rci-fake-${k}`,
    getAppPath: () => '/fake/app',
    getVersion: () => '9.9.9',
    getName: () => 'RCS Callback Inspector',
    enableSandbox: () => order.push('enableSandbox'),
    requestSingleInstanceLock: () => (order.push('lock'), true),
    whenReady: () => new Promise<void>((r) => (state.ready = r)),
    quit: vi.fn(() => {
      const e = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
      app.emit('before-quit', e);
      return e;
    }),
    exit: vi.fn(),
  });
  class BrowserWindow {
    options: any;
    url: string | null = null;
    events = emitter();
    webContents = Object.assign(emitter(), { send: vi.fn(), isDestroyed: () => false, closeDevTools: vi.fn() });
    constructor(options: any) {
      this.options = options;
      state.windows.push(this);
    }
    on(ev: string, l: any) { this.events.on(ev, l); return this; }
    once(ev: string, l: any) { this.events.on(ev, l); return this; }
    loadURL = vi.fn(async (url: string) => void (this.url = url));
    getNormalBounds = () => ({ x: 1, y: 2, width: 1000, height: 700 });
    isMaximized = () => false;
    isMinimized = () => false;
    isDestroyed = () => false;
    maximize = vi.fn();
    show = vi.fn();
    focus = vi.fn();
    restore = vi.fn();
  }
  const ses = Object.assign(emitter(), {
    setPermissionRequestHandler: vi.fn(),
    setPermissionCheckHandler: vi.fn(),
    setDevicePermissionHandler: vi.fn(),
    webRequest: { onBeforeRequest: vi.fn(), onHeadersReceived: vi.fn() },
  });
  state.session = ses;
  class Notification {
    static isSupported = () => true;
    constructor(public opts: any) { state.notifications.push(this); }
    on = vi.fn();
    show = vi.fn();
  }
  const electron = {
    app,
    BrowserWindow,
    Notification,
    session: { defaultSession: ses },
    ipcMain: {
      handle: (ch: string, fn: any) => state.handlers.set(ch, fn),
      removeHandler: (ch: string) => state.handlers.delete(ch),
    },
    protocol: {
      registerSchemesAsPrivileged: (s: any[]) => (order.push('registerSchemes'), state.privileged.push(...s)),
      handle: (scheme: string, fn: any) => state.protocolHandlers.set(scheme, fn),
    },
    Menu: { buildFromTemplate: (t: any) => ((state.menuTemplate = t), { t }), setApplicationMenu: vi.fn() },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    clipboard: { writeText: vi.fn() },
    dialog: { showErrorBox: vi.fn(), showSaveDialog: vi.fn(), showMessageBox: vi.fn() },
    shell: { openExternal: vi.fn(async () => {}), openPath: vi.fn(async () => '') },
  };
  return { state, electron };
});

vi.mock('electron', () => ({ ...h.electron, default: h.electron }));
vi.mock('../../electron/core/app-core', () => ({
  createCore: vi.fn(async (opts: any) => {
    h.state.order.push('createCore');
    h.state.coreOptions = opts;
    const listeners = new Set<(b: ApiEventBatch) => void>();
    const handlers: Record<string, ReturnType<typeof vi.fn>> = Object.fromEntries(
      API_CALL_NAMES.map((n) => [n, vi.fn(async (arg: unknown): Promise<unknown> => ({ call: n, arg }))]),
    );
    handlers.getSettings = vi.fn(async () => ({ notifications: true }));
    h.state.core = {
      handlers,
      listeners,
      emit: (b: ApiEventBatch) => listeners.forEach((l) => l(b)),
      subscribe: (l: (b: ApiEventBatch) => void) => (listeners.add(l), () => void listeners.delete(l)),
      receiverUrl: 'http://127.0.0.1:4730',
      dataDir: opts.dataDir,
      exportNdjson: vi.fn(async () => 0),
      close: vi.fn(async () => {
        h.state.order.push('core.close');
      }),
    };
    return h.state.core;
  }),
}));

const { state } = h;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-main-'));
  vi.stubEnv('RCI_DATA_DIR', dataDir);
  vi.stubEnv('RCI_TUNNEL', 'off');
  vi.stubEnv('RCI_RECEIVER_PORT', '0');
  vi.stubEnv('VITE_DEV_SERVER_URL', '');
  await import('../../electron/main');
  expect(state.ready, 'main waits for app ready').not.toBeNull();
  state.ready!();
  await vi.waitFor(() => expect(state.windows).toHaveLength(1));
});
afterAll(() => {
  vi.unstubAllEnvs();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const trustedEvent = { senderFrame: { url: 'app://rci/index.html' } };

describe('electron/main.ts', () => {
  it('before ready: data folder, sandbox for all renderers, app:// privileges, then the single-instance lock', () => {
    expect(state.order.indexOf('setPath:userData')).toBeLessThan(state.order.indexOf('lock'));
    expect(state.order).toEqual(expect.arrayContaining(['enableSandbox', 'registerSchemes']));
    expect(state.order.indexOf('registerSchemes')).toBeLessThan(state.order.indexOf('createCore'));
    expect(state.privileged[0]).toMatchObject({ scheme: 'app', privileges: { standard: true, secure: true } });
  });

  it('starts the core in userData with the per-run options', () => {
    expect(state.coreOptions).toMatchObject({ dataDir, version: '9.9.9', receiverPort: 0, tunnel: { enabled: false } });
    // packaged: better-sqlite3's own (electron-builder rebuilt) binding
    expect(state.coreOptions.nativeBinding).toBeUndefined();
  });

  it('hardens the session before any page loads', () => {
    expect(state.session.setPermissionRequestHandler).toHaveBeenCalled();
    expect(state.session.webRequest.onBeforeRequest).toHaveBeenCalled();
    expect(state.session.listeners.has('will-download')).toBe(true);
  });

  it('opens one secure window on the app:// page with the bundled preload', () => {
    const [win] = state.windows;
    expect(win.url).toBe('app://rci/index.html');
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      devTools: false,
      preload: path.join('/fake/app', 'dist-electron', 'preload.cjs'),
    });
    expect(win.options.show).toBe(false);
    win.events.emit('ready-to-show');
    expect(win.show).toHaveBeenCalled();
  });

  it('serves the renderer folder with the CSP over app://', async () => {
    const handler = state.protocolHandlers.get('app')!;
    const res = await handler(new Request('app://rci/index.html'));
    // /fake/app has no files: a 404, but with the policy header
    expect(res.status).toBe(404);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
  });

  it('registers a checked handler for every contract call', async () => {
    expect([...state.handlers.keys()].sort()).toEqual(API_CALL_NAMES.map(ipcChannel).sort());
    const ok = await state.handlers.get(ipcChannel('listDeliveries'))!(trustedEvent, { query: 'x' });
    expect(ok).toEqual({ ok: true, value: { call: 'listDeliveries', arg: { query: 'x', offset: 0, limit: 100 } } });
    const denied = await state.handlers.get(ipcChannel('getStatus'))!({ senderFrame: { url: 'https://evil.example/' } }, {});
    expect(denied).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(state.core.handlers.getStatus).not.toHaveBeenCalled();
  });

  it('sends core event batches to the window, and a notification for exceptions when enabled', async () => {
    const [win] = state.windows;
    const batch: ApiEventBatch = [
      { event: 'deliveries', data: { deliveries: [{ id: 7, flags: ['exception'], reference: 'r-1', preview: 'unauthorized' } as never], messages: [], total: 1, status: { deliveriesTotal: 1, deliveriesToday: 1, messagesTotal: 1, indexing: { pending: 0, lagMs: 0 }, storeBytes: 4096 } } },
    ];
    state.core.emit(batch);
    expect(win.webContents.send).toHaveBeenCalledWith(IPC_EVENTS_CHANNEL, batch);
    await vi.waitFor(() => expect(state.notifications).toHaveLength(1));
    expect(state.notifications[0].opts.title).toMatch(/1 exception/);
  });

  it('guards every web contents the app creates', () => {
    const contents = {
      handlers: new Map<string, any>(),
      on(ev: string, l: any) { this.handlers.set(ev, l); },
      setWindowOpenHandler: vi.fn(),
      getType: () => 'window',
    };
    h.electron.app.emit('web-contents-created', {}, contents);
    const e = { preventDefault: vi.fn() };
    contents.handlers.get('will-navigate')(e, 'https://evil.example/');
    expect(e.preventDefault).toHaveBeenCalled();
    expect(contents.setWindowOpenHandler.mock.calls[0][0]({ url: 'https://x.example/' })).toEqual({ action: 'deny' });
  });

  it('has the menu with the app actions and no devtools when packaged', () => {
    const labels = JSON.stringify(state.menuTemplate);
    expect(labels).toContain('copy-callback-url');
    expect(labels).toContain('export-deliveries');
    expect(labels).not.toContain('toggleDevTools');
  });

  it('stops sending events once the window is closed', () => {
    const [win] = state.windows;
    win.events.emit('closed');
    expect(state.core.listeners.size).toBe(1); // only the notifier remains
  });

  it('quitting waits for core.close() and then quits for real', async () => {
    const first = h.electron.app.quit();
    expect(first.defaultPrevented).toBe(true);
    await vi.waitFor(() => expect(state.order).toContain('core.close'));
    await vi.waitFor(() => expect(h.electron.app.quit).toHaveBeenCalledTimes(2));
    expect(h.electron.app.quit.mock.results[1].value.defaultPrevented).toBe(false);
    expect(state.core.close).toHaveBeenCalledTimes(1);
  });
});
