// Electron when the preload put a bridge on window, otherwise the `serve` HTTP transport on this page's origin.
import { createBridgeClient } from './bridge-client';
import type { ApiClient } from './client';
import { createHttpClient, takeToken } from './http-client';

export function pickClient(): ApiClient {
  if (window.rci) return createBridgeClient(window.rci);
  return createHttpClient({ origin: window.location.origin, token: takeToken() });
}
