// Electron when the preload put a bridge on window, otherwise the `serve` HTTP transport on this page's origin.
import { createBridgeClient } from './bridge-client';
import type { ApiClient } from './client';
import { createHttpClient, dropTokenFromAddressBar } from './http-client';

const RELOADED_AT = 'rci.reloadedForLink';

export function pickClient(): ApiClient {
  if (window.rci) return createBridgeClient(window.rci);
  dropTokenFromAddressBar();
  return createHttpClient({ origin: window.location.origin, onForbidden: showOpenLinkPage });
}

/**
 * The server shows the page only to a browser holding the link, and otherwise one that says where the link is:
 * reloading swaps this dead inspector for that page. At most once in 30 s, in case something between us refuses
 * the calls but not the page, which would otherwise reload without end.
 */
function showOpenLinkPage(): void {
  const last = Number(window.sessionStorage.getItem(RELOADED_AT) ?? 0);
  if (Date.now() - last < 30_000) return;
  window.sessionStorage.setItem(RELOADED_AT, String(Date.now()));
  window.location.reload();
}
