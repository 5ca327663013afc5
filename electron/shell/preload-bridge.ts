// Builds window.rci from the contract: one named function per call, each bound to its own channel. The renderer
// never gets ipcRenderer or a way to pick a channel.
import type { Api, ApiCallName, ApiEventBatch } from '../../shared/api';
import { IPC_EVENTS_CHANNEL, ipcChannel, type RciBridge } from '../../shared/bridge';
import { unwrapIpcResult } from './ipc-result';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function createBridge(ipc: IpcRendererLike, names: readonly ApiCallName[], platform: string): RciBridge {
  const api = {} as Record<ApiCallName, (arg?: unknown) => Promise<unknown>>;
  for (const name of names) {
    const channel = ipcChannel(name);
    api[name] = async (arg?: unknown) => unwrapIpcResult(await ipc.invoke(channel, arg ?? {}));
  }
  return {
    api: Object.freeze(api) as unknown as Api,
    onEvents(listener: (batch: ApiEventBatch) => void): () => void {
      if (typeof listener !== 'function') throw new TypeError('onEvents needs a function');
      // The IPC event object (with its sender) must not reach the page: pass the batch only.
      const wrapped = (_event: unknown, batch: unknown) => {
        if (Array.isArray(batch)) listener(batch as ApiEventBatch);
      };
      ipc.on(IPC_EVENTS_CHANNEL, wrapped);
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        ipc.removeListener(IPC_EVENTS_CHANNEL, wrapped);
      };
    },
    platform,
  };
}
