// The one window: secure preferences, remembered bounds, shown once the first paint is ready.
// The preferences are written out literally in the constructor call so that electronegativity's checks (which
// read `new BrowserWindow({...})`) see exactly what we pass.
import { BrowserWindow } from 'electron';
import { MIN_WINDOW_SIZE, type WindowState } from './window-state';

const WINDOW_TITLE = 'RCS Callback Inspector';

export interface MainWindowOptions {
  preload: string;
  isDev: boolean;
  state: WindowState;
  url: string;
  log?: (e: Record<string, unknown>) => void;
}

export function createMainWindow(opts: MainWindowOptions): BrowserWindow {
  const log = opts.log ?? (() => {});
  const { state } = opts;
  const win = new BrowserWindow({
    title: WINDOW_TITLE,
    width: state.width,
    height: state.height,
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    show: false,
    backgroundColor: '#111418',
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      // middle-click would otherwise open links without going through setWindowOpenHandler's checks
      disableBlinkFeatures: 'Auxclick',
      safeDialogs: true,
      spellcheck: false,
      devTools: opts.isDev,
    },
  });
  win.once('ready-to-show', () => {
    if (state.maximized) win.maximize();
    win.show();
  });
  if (!opts.isDev) {
    // devTools:false already disables them; this also closes them if something opens them anyway.
    win.webContents.on('devtools-opened', () => win.webContents.closeDevTools());
  }
  win.webContents.on('render-process-gone', (_e, details) => log({ event: 'error', where: 'renderer', reason: details.reason }));
  win.webContents.on('did-fail-load', (_e, code, description, url) =>
    log({ event: 'error', where: 'load', code, description, url: String(url).slice(0, 300) }),
  );
  void win.loadURL(opts.url).catch((err: unknown) => log({ event: 'error', where: 'loadURL', message: String(err) }));
  return win;
}
