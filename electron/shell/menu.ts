// The application menu and what its items do. Actions take their Electron pieces as arguments so they can be
// exercised without Electron.
import type { BrowserWindow, MenuItemConstructorOptions, MessageBoxOptions, SaveDialogOptions, SaveDialogReturnValue } from 'electron';
import type { AppStatus } from '../../shared/api';

type ExportKind = 'deliveries' | 'messages';
/** what the menu offers besides NDJSON: a spreadsheet table, and HAR of deliveries for dev tools */
type OtherFormat = 'csv' | 'har';

export interface MenuActions {
  copyCallbackUrl(): void | Promise<void>;
  openDataFolder(): void | Promise<void>;
  exportNdjson(kind: ExportKind): void | Promise<void>;
  exportAs(kind: ExportKind, format: OtherFormat): void | Promise<void>;
}

export function buildMenuTemplate(
  actions: MenuActions,
  opts: { isDev: boolean; platform: string; appName: string },
): MenuItemConstructorOptions[] {
  const isMac = opts.platform === 'darwin';
  const run = (fn: () => void | Promise<void>) => () => void Promise.resolve().then(fn);
  const template: MenuItemConstructorOptions[] = [];
  if (isMac) {
    template.push({
      label: opts.appName,
      submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' }],
    });
  }
  template.push({
    label: 'File',
    submenu: [
      { id: 'copy-callback-url', label: 'Copy Public Callback URL', accelerator: 'CmdOrCtrl+Shift+C', click: run(actions.copyCallbackUrl) },
      { id: 'open-data-folder', label: 'Open Data Folder', click: run(actions.openDataFolder) },
      { type: 'separator' },
      { id: 'export-deliveries', label: 'Export Deliveries as NDJSON…', click: run(() => actions.exportNdjson('deliveries')) },
      { id: 'export-messages', label: 'Export Messages as NDJSON…', click: run(() => actions.exportNdjson('messages')) },
      { id: 'export-deliveries-csv', label: 'Export Deliveries as CSV…', click: run(() => actions.exportAs('deliveries', 'csv')) },
      { id: 'export-messages-csv', label: 'Export Messages as CSV…', click: run(() => actions.exportAs('messages', 'csv')) },
      { id: 'export-deliveries-har', label: 'Export Deliveries as HAR…', click: run(() => actions.exportAs('deliveries', 'har')) },
      { type: 'separator' },
      isMac ? { role: 'close' } : { role: 'quit' },
    ],
  });
  template.push({ label: 'Edit', submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] });
  const view: MenuItemConstructorOptions[] = [{ id: 'reload', role: 'reload' }];
  if (opts.isDev) view.push({ id: 'devtools', role: 'toggleDevTools' });
  view.push({ type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' });
  template.push({ label: 'View', submenu: view });
  template.push({ label: 'Window', submenu: isMac ? [{ role: 'minimize' }, { role: 'zoom' }, { role: 'front' }] : [{ role: 'minimize' }, { role: 'close' }] });
  return template;
}

export interface MenuActionDeps {
  getStatus(): Promise<AppStatus>;
  dataDir: string;
  exportNdjson(file: string, kind: ExportKind): Promise<number>;
  exportFile(file: string, kind: ExportKind, format: OtherFormat): Promise<number>;
  writeClipboard(text: string): void;
  openPath(p: string): Promise<string>;
  showSaveDialog(win: BrowserWindow | null, options: SaveDialogOptions): Promise<SaveDialogReturnValue>;
  showMessage(win: BrowserWindow | null, options: MessageBoxOptions): Promise<unknown>;
  getWindow(): BrowserWindow | null;
  defaultExportDir: string;
  now?: () => Date;
}

/** The URL the user pastes into the gateway: the tunnel's public URL plus the documented callback path. */
export function publicCallbackUrl(status: Pick<AppStatus, 'tunnel' | 'callbackPath'>): string | null {
  const pub = status.tunnel.publicUrl;
  return pub ? `${pub.replace(/\/+$/, '')}${status.callbackPath}` : null;
}

export function createMenuActions(d: MenuActionDeps): MenuActions {
  const info = (message: string, detail?: string, type: MessageBoxOptions['type'] = 'info') =>
    d.showMessage(d.getWindow(), { type, message, detail, buttons: ['OK'] });
  return {
    async copyCallbackUrl() {
      const status = await d.getStatus();
      const url = publicCallbackUrl(status);
      if (!url) {
        await info(
          'There is no public URL right now.',
          `Tunnel: ${status.tunnel.state}${status.tunnel.reason ? ` (${status.tunnel.reason})` : ''}. ` +
            `Local receiver: ${status.receiverUrl}${status.callbackPath}`,
          'warning',
        );
        return;
      }
      d.writeClipboard(url);
    },
    async openDataFolder() {
      const err = await d.openPath(d.dataDir);
      if (err) await info('Could not open the data folder.', `${d.dataDir}: ${err}`, 'error');
    },
    exportNdjson: (kind) => exportTo(kind, { name: 'NDJSON', extensions: ['ndjson', 'jsonl'] }, (file) => d.exportNdjson(file, kind)),
    exportAs: (kind, format) =>
      exportTo(kind, format === 'csv' ? { name: 'CSV', extensions: ['csv'] } : { name: 'HAR', extensions: ['har'] }, (file) => d.exportFile(file, kind, format)),
  };

  async function exportTo(kind: ExportKind, type: { name: string; extensions: string[] }, write: (file: string) => Promise<number>): Promise<void> {
    const stamp = (d.now?.() ?? new Date()).toISOString().slice(0, 19).replace(/[:T]/g, '-');
    const res = await d.showSaveDialog(d.getWindow(), {
      title: `Export ${kind} as ${type.name}`,
      defaultPath: `${d.defaultExportDir}/rci-${kind}-${stamp}.${type.extensions[0]}`,
      filters: [{ name: type.name, extensions: type.extensions }],
      properties: ['createDirectory', 'showOverwriteConfirmation'],
    });
    if (res.canceled || !res.filePath) return;
    try {
      const n = await write(res.filePath);
      await info(`Exported ${n} ${kind}.`, res.filePath);
    } catch (err) {
      await info(`Export failed; nothing was lost.`, err instanceof Error ? err.message : String(err), 'error');
    }
  }
}
