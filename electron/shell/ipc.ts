// The main-process side of the bridge. Every contract call gets a handler here, in one loop over the contract,
// so a call cannot exist without the sender check and the argument validation.
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { API_CALL_NAMES, type ApiEventBatch, type ApiHandlers } from '../../shared/api';
import { IPC_EVENTS_CHANNEL, ipcChannel } from '../../shared/bridge';
import { dispatch, toErrorBody } from '../core/api-dispatch';
import type { IpcResult } from './ipc-result';

export type IpcMainLike = Pick<IpcMain, 'handle' | 'removeHandler'>;

export interface ApiIpcOptions {
  /** true when the frame URL is the app's own UI (see origin.ts isAppUrl) */
  isTrustedUrl: (url: string | null | undefined) => boolean;
  log?: (entry: Record<string, unknown>) => void;
}

/** The URL of the frame that sent an IPC message; null once that frame navigated away or was destroyed. */
function senderUrl(event: Pick<IpcMainInvokeEvent, 'senderFrame'>): string | null {
  try {
    return event.senderFrame?.url ?? null;
  } catch {
    return null; // accessing a disposed frame throws
  }
}

export function registerApiHandlers(ipcMain: IpcMainLike, handlers: ApiHandlers, opts: ApiIpcOptions): () => void {
  const log = opts.log ?? (() => {});
  for (const name of API_CALL_NAMES) {
    ipcMain.handle(ipcChannel(name), async (event: IpcMainInvokeEvent, arg: unknown): Promise<IpcResult> => {
      const url = senderUrl(event);
      if (!opts.isTrustedUrl(url)) {
        log({ event: 'security', blocked: 'ipc', call: name, sender: url?.slice(0, 300) ?? null });
        return { ok: false, error: { code: 'forbidden', message: `${name}: caller is not the app's own page` } };
      }
      try {
        return { ok: true, value: await dispatch(handlers, name, arg) };
      } catch (err) {
        const { status, body } = toErrorBody(err);
        if (status >= 500) log({ event: 'error', call: name, message: body.error.message });
        return { ok: false, error: body.error };
      }
    });
  }
  return () => {
    for (const name of API_CALL_NAMES) ipcMain.removeHandler(ipcChannel(name));
  };
}

export interface EventTarget {
  send(channel: string, batch: ApiEventBatch): void;
  isDestroyed(): boolean;
}

/** Core batches go to one window's renderer until the returned function is called (window closed). */
export function forwardEvents(subscribe: (l: (batch: ApiEventBatch) => void) => () => void, target: EventTarget): () => void {
  const unsubscribe = subscribe((batch) => {
    if (batch.length === 0 || target.isDestroyed()) return;
    target.send(IPC_EVENTS_CHANNEL, batch);
  });
  return unsubscribe;
}
