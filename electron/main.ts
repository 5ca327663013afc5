// The Electron main process: a thin shell that starts the core and wires it to one secure window.
// Logic lives in electron/shell/*; this file only connects Electron's objects to it.
import path from 'node:path';
import { app, clipboard, dialog, ipcMain, Menu, Notification, protocol, screen, session, shell, type BrowserWindow } from 'electron';
import { maskPhonesInText } from '../shared/mask';
import { createCore, type Core } from './core/app-core';
import { APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './shell/app-protocol';
import { forwardEvents, registerApiHandlers } from './shell/ipc';
import { installCleanShutdown } from './shell/lifecycle';
import { createMainWindow } from './shell/main-window';
import { buildMenuTemplate, createMenuActions } from './shell/menu';
import { resolveNativeBinding } from './shell/native-binding';
import { createAlertNotifier } from './shell/notifications';
import { APP_SCHEME, entryUrl, isAppUrl, rendererSource, type RendererSource } from './shell/origin';
import { contentSecurityPolicy, guardWebContents, hardenSession } from './shell/security';
import { loadWindowState, trackWindowState, WINDOW_STATE_FILE } from './shell/window-state';
import { runOptionsFromEnv, type RunOptions } from './shell/run-options';

const log = (entry: Record<string, unknown>) => console.log(JSON.stringify({ at: new Date().toISOString(), ...entry }));

const appPath = app.getAppPath();
const isDev = !app.isPackaged;
// A malformed environment override is reported in a dialog once the app is ready, not as a crash.
let configError: Error | null = null;
let runOptions: RunOptions = {};
let src: RendererSource = { kind: 'bundled', dir: path.join(appPath, 'dist', 'renderer') };
try {
  runOptions = runOptionsFromEnv(process.env);
  src = rendererSource(process.env, src.dir);
} catch (err) {
  configError = err instanceof Error ? err : new Error(String(err));
}
// Before anything reads userData, and before the single-instance lock (which is per userData folder).
if (runOptions.dataDir) app.setPath('userData', path.resolve(runOptions.dataDir));
const preload = path.join(appPath, 'dist-electron', 'preload.cjs');

app.enableSandbox();
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

let core: Core | null = null;
let mainWindow: BrowserWindow | null = null;

function openWindow(c: Core): BrowserWindow {
  const workAreas = screen.getAllDisplays().map((d) => d.workArea);
  const stateFile = path.join(app.getPath('userData'), WINDOW_STATE_FILE);
  const win = createMainWindow({ preload, isDev, state: loadWindowState(stateFile, workAreas), url: entryUrl(src), log });
  trackWindowState(win, stateFile, { onError: (err) => log({ event: 'error', where: 'window-state', message: String(err) }) });
  const stopEvents = forwardEvents(c.subscribe, win.webContents);
  win.on('closed', () => {
    stopEvents();
    if (mainWindow === win) mainWindow = null;
  });
  return win;
}

function focusWindow(): void {
  if (!mainWindow) {
    if (core) mainWindow = openWindow(core);
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

async function start(): Promise<void> {
  if (configError) throw configError;
  hardenSession(session.defaultSession, { src, log });
  if (src.kind === 'bundled') protocol.handle(APP_SCHEME, createAppProtocolHandler(src.dir, contentSecurityPolicy(src)));

  const c = await createCore({
    dataDir: app.getPath('userData'),
    version: app.getVersion(),
    nativeBinding: resolveNativeBinding({ isPackaged: app.isPackaged, appPath, electronVersion: process.versions.electron }),
    receiverPort: runOptions.receiverPort,
    tunnel: runOptions.tunnel,
    log,
    // the UI's Export… and Import… ask here where to write and what to read; the jobs themselves run in the core
    fileDialogs: {
      save: async (o) => {
        const opts = { title: o.title, defaultPath: path.join(app.getPath('documents'), o.defaultName), filters: [{ name: o.extension.toUpperCase(), extensions: [o.extension] }], properties: ['createDirectory', 'showOverwriteConfirmation'] as ('createDirectory' | 'showOverwriteConfirmation')[] };
        const r = mainWindow ? await dialog.showSaveDialog(mainWindow, opts) : await dialog.showSaveDialog(opts);
        return r.canceled || !r.filePath ? null : r.filePath;
      },
      open: async (o) => {
        const opts = { title: o.title, filters: [{ name: 'NDJSON or HAR', extensions: o.extensions }], properties: ['openFile'] as 'openFile'[] };
        const r = mainWindow ? await dialog.showOpenDialog(mainWindow, opts) : await dialog.showOpenDialog(opts);
        return r.canceled || r.filePaths.length === 0 ? null : r.filePaths[0]!;
      },
    },
  });
  core = c;
  installCleanShutdown(app, () => c.close(), { log });

  registerApiHandlers(ipcMain, c.handlers, { isTrustedUrl: (url) => isAppUrl(url, src), log });

  // a notification is read with the setting it was enabled under: masked, its phone numbers are too
  let maskAlerts = false;
  const notifier = createAlertNotifier({
    isEnabled: async () => {
      const s = await c.handlers.getSettings({});
      maskAlerts = s.maskPersonalData === true;
      return Notification.isSupported() && s.notifications;
    },
    show: ({ title, body }) => {
      const n = new Notification({ title, body: maskAlerts ? maskPhonesInText(body) : body });
      n.on('click', focusWindow);
      n.show();
    },
    onError: (err) => log({ event: 'error', where: 'notification', message: String(err) }),
  });
  c.subscribe((batch) => notifier.onBatch(batch));

  const actions = createMenuActions({
    getStatus: async () => c.handlers.getStatus({}),
    dataDir: c.dataDir,
    exportNdjson: (file, kind) => c.exportNdjson(file, kind),
    exportFile: (file, kind, format) => c.exportFile(file, kind, format),
    writeClipboard: (text) => clipboard.writeText(text),
    openPath: (p) => shell.openPath(p),
    showSaveDialog: (win, options) => (win ? dialog.showSaveDialog(win, options) : dialog.showSaveDialog(options)),
    showMessage: (win, options) => (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options)),
    getWindow: () => mainWindow,
    defaultExportDir: app.getPath('documents'),
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(buildMenuTemplate(actions, { isDev, platform: process.platform, appName: app.getName() })));

  mainWindow = openWindow(c);
  log({ event: 'started', receiverUrl: c.receiverUrl, dataDir: c.dataDir, renderer: entryUrl(src) });
}

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the receiver port and the database; it gets focused through 'second-instance'.
  app.quit();
} else {
  app.on('second-instance', focusWindow);
  app.on('web-contents-created', (_e, contents) =>
    guardWebContents(contents, { openExternal: (url) => shell.openExternal(url), log }),
  );
  app.on('window-all-closed', () => {
    // macOS keeps the app (and its receiver) running without windows, as users expect there.
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', focusWindow);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => app.quit());

  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      log({ event: 'fatal', message });
      dialog.showErrorBox('RCS Callback Inspector could not start', message);
      app.exit(1);
    });
}
