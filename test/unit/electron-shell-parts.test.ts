// Window state, menu, notifications, shutdown and run options: the shell's plain functions, Electron mocked.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({}));

import type { ApiEventBatch, AppStatus } from '../../shared/api';
import type { DeliverySummary } from '../../shared/domain';
import { installCleanShutdown } from '../../electron/shell/lifecycle';
import { buildMenuTemplate, createMenuActions, publicCallbackUrl } from '../../electron/shell/menu';
import { countAlerts, createAlertNotifier, notificationText } from '../../electron/shell/notifications';
import { runOptionsFromEnv } from '../../electron/shell/run-options';
import {
  DEFAULT_WINDOW_STATE,
  fitToDisplays,
  loadWindowState,
  parseWindowState,
  saveWindowState,
  trackWindowState,
} from '../../electron/shell/window-state';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'rci-shell-'));
afterEach(() => vi.useRealTimers());

describe('window state', () => {
  const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];

  it('round-trips through the JSON file', () => {
    const file = path.join(tmp(), 'sub', 'window-state.json');
    saveWindowState(file, { x: 100, y: 50, width: 1000, height: 700, maximized: true });
    expect(loadWindowState(file, screen)).toEqual({ x: 100, y: 50, width: 1000, height: 700, maximized: true });
  });

  it('falls back to defaults for a missing or damaged file', () => {
    const dir = tmp();
    expect(loadWindowState(path.join(dir, 'none.json'), screen)).toEqual(DEFAULT_WINDOW_STATE);
    const bad = path.join(dir, 'bad.json');
    for (const text of ['{', '[]', '{"width":"x","height":1}', '{"width":1e9,"height":500}', 'null']) {
      fs.writeFileSync(bad, text);
      expect(loadWindowState(bad, screen), text).toEqual(DEFAULT_WINDOW_STATE);
    }
  });

  it('drops a position that is no longer on any display, and shrinks to fit', () => {
    const off = fitToDisplays({ x: 3000, y: 100, width: 1200, height: 800, maximized: false }, screen);
    expect(off).toEqual({ width: 1200, height: 800, maximized: false });
    const big = fitToDisplays({ x: 10, y: 10, width: 5000, height: 3000, maximized: false }, screen);
    expect(big).toMatchObject({ x: 10, y: 10, width: 1920, height: 1080 });
    const second = fitToDisplays({ x: 2000, y: 100, width: 800, height: 600, maximized: false }, [...screen, { x: 1920, y: 0, width: 1280, height: 1024 }]);
    expect(second).toMatchObject({ x: 2000, y: 100 });
  });

  it('enforces a minimum size', () => {
    expect(parseWindowState('{"width":10,"height":10}')).toMatchObject({ width: 720, height: 480 });
  });

  it('saves after moves settle and on close', () => {
    vi.useFakeTimers();
    const file = path.join(tmp(), 'w.json');
    const listeners: Record<string, () => void> = {};
    let bounds = { x: 1, y: 2, width: 800, height: 600 };
    const win = {
      getNormalBounds: () => bounds,
      isMaximized: () => false,
      isDestroyed: () => false,
      on: (ev: string, l: () => void) => (listeners[ev] = l),
    };
    trackWindowState(win, file, { debounceMs: 100 });
    listeners.move();
    bounds = { x: 5, y: 6, width: 900, height: 650 };
    listeners.resize();
    expect(fs.existsSync(file)).toBe(false);
    vi.advanceTimersByTime(150);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ ...bounds, maximized: false });
    bounds = { x: 7, y: 8, width: 1000, height: 700 };
    listeners.close();
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ ...bounds, maximized: false });
  });
});

describe('menu', () => {
  const noop = { copyCallbackUrl: vi.fn(), openDataFolder: vi.fn(), exportNdjson: vi.fn(), exportAs: vi.fn() };
  const flat = (t: Electron.MenuItemConstructorOptions[]): Electron.MenuItemConstructorOptions[] =>
    t.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flat(i.submenu) : [])]);

  it('has the app actions, reload, and devtools only in development', () => {
    const prod = flat(buildMenuTemplate(noop, { isDev: false, platform: 'linux', appName: 'RCI' }));
    const ids = prod.map((i) => i.id).filter(Boolean);
    expect(ids).toEqual(expect.arrayContaining(['copy-callback-url', 'open-data-folder', 'export-deliveries', 'export-messages', 'reload']));
    expect(prod.some((i) => i.role === 'toggleDevTools')).toBe(false);
    const dev = flat(buildMenuTemplate(noop, { isDev: true, platform: 'linux', appName: 'RCI' }));
    expect(dev.some((i) => i.role === 'toggleDevTools')).toBe(true);
    const mac = buildMenuTemplate(noop, { isDev: false, platform: 'darwin', appName: 'RCI' });
    expect(mac[0].label).toBe('RCI');
  });

  it('menu items call their actions', async () => {
    const actions = { copyCallbackUrl: vi.fn(), openDataFolder: vi.fn(), exportNdjson: vi.fn(), exportAs: vi.fn() };
    const items = flat(buildMenuTemplate(actions, { isDev: false, platform: 'linux', appName: 'RCI' }));
    const click = (id: string) => (items.find((i) => i.id === id)!.click as () => void)();
    click('copy-callback-url');
    click('export-messages');
    click('open-data-folder');
    click('export-deliveries-har');
    click('export-messages-csv');
    await new Promise((r) => setTimeout(r, 0));
    expect(actions.copyCallbackUrl).toHaveBeenCalledTimes(1);
    expect(actions.openDataFolder).toHaveBeenCalledTimes(1);
    expect(actions.exportNdjson).toHaveBeenCalledWith('messages');
    expect(actions.exportAs.mock.calls).toEqual([['deliveries', 'har'], ['messages', 'csv']]);
  });

  const status = (publicUrl: string | null): AppStatus =>
    ({
      receiverUrl: 'http://127.0.0.1:4730',
      callbackPath: '/callbacks',
      tunnel: { state: publicUrl ? 'online' : 'reconnecting', publicUrl, reason: publicUrl ? null : 'server unreachable' },
    }) as AppStatus;

  const baseDeps = () => ({
    getStatus: async () => status('https://abc.loca.lt/'),
    dataDir: '/data',
    exportNdjson: vi.fn(async (_file: string, _kind: string) => 42),
    exportFile: vi.fn(async (_file: string, _kind: string, _format: string) => 7),
    writeClipboard: vi.fn((_text: string) => {}),
    openPath: vi.fn(async (_p: string) => ''),
    showSaveDialog: vi.fn(async (_w: unknown, _o: Electron.SaveDialogOptions) => ({ canceled: false, filePath: '/out/x.ndjson' })),
    showMessage: vi.fn(async (_w: unknown, _o: Electron.MessageBoxOptions): Promise<unknown> => ({})),
    getWindow: () => null,
    defaultExportDir: '/docs',
    now: () => new Date('2025-03-04T05:06:07Z'),
  });
  const deps = (over: Partial<ReturnType<typeof baseDeps>> = {}) => ({ ...baseDeps(), ...over });

  it('copies the public callback URL, or explains why there is none', async () => {
    expect(publicCallbackUrl(status('https://abc.loca.lt/'))).toBe('https://abc.loca.lt/callbacks');
    const d = deps();
    await createMenuActions(d).copyCallbackUrl();
    expect(d.writeClipboard).toHaveBeenCalledWith('https://abc.loca.lt/callbacks');
    const offline = deps({ getStatus: async () => status(null) });
    await createMenuActions(offline).copyCallbackUrl();
    expect(offline.writeClipboard).not.toHaveBeenCalled();
    expect(offline.showMessage.mock.calls[0][1]).toMatchObject({ type: 'warning', message: expect.stringMatching(/no public URL/) });
    expect(String(offline.showMessage.mock.calls[0][1].detail)).toMatch(/reconnecting.*server unreachable.*127\.0\.0\.1:4730\/callbacks/);
  });

  it('exports to the chosen file and reports the count; cancel writes nothing; failures are shown', async () => {
    const d = deps();
    await createMenuActions(d).exportNdjson('deliveries');
    expect(d.showSaveDialog.mock.calls[0][1]).toMatchObject({ defaultPath: '/docs/rci-deliveries-2025-03-04-05-06-07.ndjson' });
    expect(d.exportNdjson).toHaveBeenCalledWith('/out/x.ndjson', 'deliveries');
    expect(d.showMessage.mock.calls[0][1]).toMatchObject({ message: 'Exported 42 deliveries.' });

    const cancelled = deps({ showSaveDialog: vi.fn(async (_w: unknown, _o: Electron.SaveDialogOptions) => ({ canceled: true, filePath: '' })) });
    await createMenuActions(cancelled).exportNdjson('messages');
    expect(cancelled.exportNdjson).not.toHaveBeenCalled();

    const failing = deps({ exportNdjson: vi.fn(async (_f: string, _k: string): Promise<number> => Promise.reject(new Error('EACCES: permission denied'))) });
    await createMenuActions(failing).exportNdjson('messages');
    expect(failing.showMessage.mock.calls[0][1]).toMatchObject({ type: 'error', detail: 'EACCES: permission denied' });

    const har = deps({ showSaveDialog: vi.fn(async (_w: unknown, _o: Electron.SaveDialogOptions) => ({ canceled: false, filePath: '/out/x.har' })) });
    await createMenuActions(har).exportAs('deliveries', 'har');
    expect(har.showSaveDialog.mock.calls[0][1]).toMatchObject({ defaultPath: '/docs/rci-deliveries-2025-03-04-05-06-07.har', filters: [{ name: 'HAR', extensions: ['har'] }] });
    expect(har.exportFile).toHaveBeenCalledWith('/out/x.har', 'deliveries', 'har');
    expect(har.showMessage.mock.calls[0][1]).toMatchObject({ message: 'Exported 7 deliveries.' });
  });

  it('opens the data folder and reports a failure', async () => {
    const d = deps({ openPath: vi.fn(async (_p: string) => 'no file manager') });
    await createMenuActions(d).openDataFolder();
    expect(d.openPath).toHaveBeenCalledWith('/data');
    expect(d.showMessage.mock.calls[0][1]).toMatchObject({ type: 'error' });
  });
});

describe('notifications', () => {
  const delivery = (flags: DeliverySummary['flags'], reference = 'ref-1'): DeliverySummary =>
    ({ id: 1, flags, reference, preview: 'token expired' }) as DeliverySummary;
  const batchOf = (...ds: DeliverySummary[]): ApiEventBatch => [
    { event: 'tunnel', data: {} as never },
    { event: 'deliveries', data: { deliveries: ds, messages: [], total: ds.length, status: {} as never } },
  ];

  it('counts exceptions and errors and words them', () => {
    const c = countAlerts(batchOf(delivery(['exception']), delivery(['error', 'duplicate']), delivery(['fallback'])));
    expect(c).toMatchObject({ exceptions: 1, errors: 1 });
    expect(notificationText(c)?.title).toBe('RCS callbacks: 1 exception and 1 error');
    expect(notificationText(countAlerts(batchOf(delivery(['exception'], 'm-9'))))?.body).toBe('m-9: token expired');
    expect(notificationText(countAlerts(batchOf(delivery(['fallback']))))).toBeNull();
  });

  it('is silent while the setting is off', async () => {
    vi.useFakeTimers();
    const show = vi.fn();
    const n = createAlertNotifier({ isEnabled: () => false, show });
    n.onBatch(batchOf(delivery(['exception'])));
    await vi.runAllTimersAsync();
    expect(show).not.toHaveBeenCalled();
  });

  it('merges a burst into one notification per interval', async () => {
    vi.useFakeTimers();
    const show = vi.fn();
    let t = 0;
    const n = createAlertNotifier({ isEnabled: async () => true, show, minIntervalMs: 10_000, now: () => t });
    n.onBatch(batchOf(delivery(['exception'])));
    await vi.advanceTimersByTimeAsync(0);
    expect(show).toHaveBeenCalledTimes(1);
    t = 1000;
    n.onBatch(batchOf(delivery(['error'])));
    n.onBatch(batchOf(delivery(['error']), delivery(['exception'])));
    await vi.advanceTimersByTimeAsync(5000);
    expect(show).toHaveBeenCalledTimes(1);
    t = 10_000;
    await vi.advanceTimersByTimeAsync(5000);
    expect(show).toHaveBeenCalledTimes(2);
    expect(show.mock.calls[1][0].title).toBe('RCS callbacks: 1 exception and 2 errors');
    n.close();
  });

  it('ignores batches without alerts', async () => {
    vi.useFakeTimers();
    const isEnabled = vi.fn(() => true);
    const n = createAlertNotifier({ isEnabled, show: vi.fn() });
    n.onBatch(batchOf(delivery(['duplicate'])));
    await vi.runAllTimersAsync();
    expect(isEnabled).not.toHaveBeenCalled();
  });
});

describe('clean shutdown', () => {
  function fakeApp() {
    const listeners: Record<string, (e: { preventDefault(): void }) => void> = {};
    const app = {
      on: (ev: string, l: any) => ((listeners[ev] = l), app),
      quit: vi.fn(() => {
        const e = { preventDefault: vi.fn() };
        listeners['before-quit'](e);
        return e;
      }),
      exit: vi.fn(),
    };
    return { app, quit: () => app.quit() };
  }

  it('holds the quit until the core has closed, then quits once', async () => {
    const { app, quit } = fakeApp();
    let finish!: () => void;
    const close = vi.fn(() => new Promise<void>((r) => (finish = r)));
    const s = installCleanShutdown(app as never, close);
    const first = quit();
    expect(first.preventDefault).toHaveBeenCalled();
    quit(); // a second Cmd+Q while closing does not close twice
    expect(close).toHaveBeenCalledTimes(1);
    expect(app.quit).toHaveBeenCalledTimes(2);
    finish();
    await s.closed();
    await new Promise((r) => setTimeout(r, 0));
    // the final quit goes through (not prevented)
    expect(app.quit).toHaveBeenCalledTimes(3);
    expect(app.quit.mock.results[2].value.preventDefault).not.toHaveBeenCalled();
    expect(app.exit).not.toHaveBeenCalled();
  });

  it('exits with an error when the core cannot close in time', async () => {
    const { app, quit } = fakeApp();
    const log = vi.fn();
    const s = installCleanShutdown(app as never, () => new Promise<void>(() => {}), { timeoutMs: 20, log });
    quit();
    await s.closed();
    expect(app.exit).toHaveBeenCalledWith(1);
    expect(log).toHaveBeenCalledWith(expect.objectContaining({ where: 'shutdown' }));
  });
});

describe('run options', () => {
  it('reads data dir, port and tunnel switch, and rejects nonsense', () => {
    expect(runOptionsFromEnv({})).toEqual({});
    expect(runOptionsFromEnv({ RCI_DATA_DIR: '/d', RCI_RECEIVER_PORT: '0', RCI_TUNNEL: 'off' })).toEqual({
      dataDir: '/d',
      receiverPort: 0,
      tunnel: { enabled: false },
    });
    expect(() => runOptionsFromEnv({ RCI_RECEIVER_PORT: '70000' })).toThrow(/port/);
    expect(() => runOptionsFromEnv({ RCI_TUNNEL: 'maybe' })).toThrow(/on.*off/);
  });
});
