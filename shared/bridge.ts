// What the Electron preload exposes on `window.rci` (contextBridge). The renderer's bridge client uses it;
// in a plain browser (serve mode) it is absent and the HTTP/WebSocket client is used instead.
import type { Api, ApiEventBatch } from './api';

export interface RciBridge {
  /** one named function per contract call; never a generic invoke(channel) */
  api: Api;
  /** live events in batches; returns the unsubscribe function */
  onEvents(listener: (batch: ApiEventBatch) => void): () => void;
  platform: string;
}

/** IPC channel names, derived from the call name in one place so main and preload cannot drift. */
export const ipcChannel = (call: string): string => `rci:api:${call}`;
export const IPC_EVENTS_CHANNEL = 'rci:events';

declare global {
  interface Window {
    rci?: RciBridge;
  }
}
