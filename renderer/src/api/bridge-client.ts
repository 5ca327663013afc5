// The Electron transport: the preload exposes one function per call on window.rci.
import type { RciBridge } from '../../../shared/bridge';
import type { ApiClient } from './client';

export function createBridgeClient(bridge: RciBridge): ApiClient {
  return {
    api: bridge.api,
    subscribe: (listener) => bridge.onEvents(listener),
    onConnection: (listener) => {
      listener({ state: 'open', nextTryAt: null, attempt: 0 });
      return () => {};
    },
  };
}
