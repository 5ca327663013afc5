// The one window: secure preferences, remembered bounds, shown once the first paint is ready.
import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron';
import { secureWebPreferences } from './security';
import { MIN_WINDOW_SIZE, type WindowState } from './window-state';

export const WINDOW_TITLE = 'RCS Callback Inspector';

export function mainWindowOptions(opts: { preload: string; isDev: boolean; state: WindowState }): BrowserWindowConstructorOptions {
  const { state } = opts;
  return {
    title: WINDOW_TITLE,
    width: state.width,
    height: state.height,
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    show: false,
    backgroundColor: '#111418',
    autoHideMenuBar: false,
    webPreferences: secureWebPreferences(opts.preload, opts.isDev),
  };
}

export type BrowserWindowCtor = new (options: BrowserWindowConstructorOptions) => BrowserWindow;

export function createMainWindow(
  BrowserWindowClass: BrowserWindowCtor,
  opts: { preload: string; isDev: boolean; state: WindowState; url: string; log?: (e: Record<string, unknown>) => void },
): BrowserWindow {
  const log = opts.log ?? (() => {});
  const win = new BrowserWindowClass(mainWindowOptions(opts));
  win.once('ready-to-show', () => {
    if (opts.state.maximized) win.maximize();
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
