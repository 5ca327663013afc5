// Electron's security checklist in one place: window preferences, CSP, session policy (permissions, requests,
// downloads) and web-contents guards (navigation, redirects, new windows, webviews).
import type { HandlerDetails, Session, WebContents, WindowOpenHandlerResponse } from 'electron';
import { uiContentSecurityPolicy } from '../core/ui-policy';
import { APP_SCHEME, isAppUrl, isLoopbackHost, isSafeExternalUrl, type RendererSource } from './origin';

/**
 * The UI's one policy (electron/core/ui-policy.ts, shared with `serve`). The dev server's React refresh preamble
 * and HMR styles are inline and it keeps a WebSocket open, so development adds exactly those.
 */
export function contentSecurityPolicy(src: RendererSource): string {
  if (src.kind === 'bundled') return uiContentSecurityPolicy();
  const dev = new URL(src.url);
  return uiContentSecurityPolicy({ connect: [`${dev.protocol === 'https:' ? 'wss' : 'ws'}://${dev.host}`], inlineCode: true });
}

/**
 * The only URLs the renderer's session may load: our own UI, inline data, DevTools' own pages, and images over
 * https. Images are the one exception to "no remote content": the UI fetches a callback's media only when the
 * user clicks "Load image", and an <img> cannot run code. Scripts, frames, fetch/XHR and sockets to anywhere
 * else are refused here and again by the CSP.
 */
export function isAllowedRequest(url: string, src: RendererSource, resourceType = 'other'): boolean {
  if (isAppUrl(url, src)) return true;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'data:' || u.protocol === 'devtools:') return true;
  if (resourceType === 'image' && u.protocol === 'https:' && u.username === '' && u.password === '') return true;
  if (u.protocol === `${APP_SCHEME}:`) return false; // app:// with another host
  if (src.kind === 'dev-server') {
    // Vite's HMR socket lives on the dev server's host and port.
    const dev = new URL(src.url);
    return (u.protocol === 'ws:' || u.protocol === 'wss:') && u.host === dev.host && isLoopbackHost(u.hostname);
  }
  return false;
}

type SessionLike = Pick<
  Session,
  'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler' | 'on'
> & { webRequest: Pick<Session['webRequest'], 'onBeforeRequest' | 'onHeadersReceived'> };

export interface SessionPolicyOptions {
  src: RendererSource;
  log?: (entry: Record<string, unknown>) => void;
}

export function hardenSession(ses: SessionLike, { src, log = () => {} }: SessionPolicyOptions): void {
  // Camera, microphone, geolocation, notifications (ours are shown by the main process), USB, HID, serial...:
  // the inspector needs none of them, so every request and check is refused.
  ses.setPermissionRequestHandler((_wc, permission, callback) => {
    log({ event: 'security', blocked: 'permission', permission });
    callback(false);
  });
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.on('will-download', (event) => event.preventDefault());

  ses.webRequest.onBeforeRequest((details, callback) => {
    const ok = isAllowedRequest(details.url, src, details.resourceType);
    if (!ok) log({ event: 'security', blocked: 'request', url: details.url.slice(0, 300) });
    callback({ cancel: !ok });
  });
  // app:// responses carry the CSP from the protocol handler; this covers the dev server's http responses.
  const csp = contentSecurityPolicy(src);
  ses.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppUrl(details.url, src)) return callback({});
    const headers = { ...(details.responseHeaders ?? {}) };
    for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-security-policy') delete headers[k];
    headers['Content-Security-Policy'] = [csp];
    callback({ responseHeaders: headers });
  });
}

type WebContentsLike = Pick<WebContents, 'on' | 'setWindowOpenHandler' | 'getType'>;

export interface WebContentsGuardOptions {
  openExternal: (url: string) => Promise<void> | void;
  log?: (entry: Record<string, unknown>) => void;
}

/**
 * Applied to every web contents the app creates. The UI is a single page, so any navigation away from it (a link
 * without target=_blank, a script setting location, a redirect) is refused; new windows are refused too, and a
 * plain http(s) link asked for with target=_blank opens in the user's browser instead.
 */
export function guardWebContents(contents: WebContentsLike, { openExternal, log = () => {} }: WebContentsGuardOptions): void {
  contents.on('will-attach-webview', (event) => {
    log({ event: 'security', blocked: 'webview' });
    event.preventDefault();
  });
  contents.setWindowOpenHandler((details: HandlerDetails): WindowOpenHandlerResponse => {
    if (isSafeExternalUrl(details.url)) {
      void Promise.resolve(openExternal(details.url)).catch((err) =>
        log({ event: 'error', where: 'openExternal', message: String(err) }),
      );
    } else {
      log({ event: 'security', blocked: 'window-open', url: details.url.slice(0, 300) });
    }
    return { action: 'deny' };
  });
  // DevTools' own web contents navigate internally; only app windows are locked to their page.
  if (contents.getType() !== 'window') return;
  contents.on('will-navigate', (event, url) => {
    log({ event: 'security', blocked: 'navigate', url: String(url).slice(0, 300) });
    event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    log({ event: 'security', blocked: 'redirect', url: String(url).slice(0, 300) });
    event.preventDefault();
  });
}
