// Where the renderer comes from, and the one test of "is this URL our own UI". The IPC sender check, navigation
// guards and request filter all use isAppUrl, so they cannot disagree about what "our origin" means.

/** The built renderer is served from this privileged scheme instead of file:// (Electron security checklist #18). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'rci';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

export type RendererSource =
  /** production and `npm start`: dist/renderer served as app://rci/ */
  | { kind: 'bundled'; dir: string }
  /** development: the Vite dev server (VITE_DEV_SERVER_URL) */
  | { kind: 'dev-server'; url: string };

export function rendererSource(env: NodeJS.ProcessEnv, bundledDir: string): RendererSource {
  const dev = env.VITE_DEV_SERVER_URL;
  if (dev) {
    const u = new URL(dev);
    // A dev server elsewhere than this machine would put remote code in a window with a privileged bridge.
    if (!/^https?:$/.test(u.protocol) || !isLoopbackHost(u.hostname)) {
      throw new Error(`VITE_DEV_SERVER_URL must be an http(s) URL on localhost, got ${dev}`);
    }
    return { kind: 'dev-server', url: u.href };
  }
  return { kind: 'bundled', dir: bundledDir };
}

export function entryUrl(src: RendererSource): string {
  return src.kind === 'bundled' ? APP_ENTRY_URL : src.url;
}

export function isAppUrl(url: string | null | undefined, src: RendererSource): boolean {
  if (!url) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (src.kind === 'bundled') {
    // Node's URL gives non-special schemes an opaque "null" origin, so compare scheme and host directly.
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
  }
  return u.origin === new URL(src.url).origin;
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]' || hostname === '::1';
}

/** Links the user may follow out of the app: plain http(s) to a named host, no embedded credentials. */
export function isSafeExternalUrl(url: string): boolean {
  if (url.length > 2000) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '' && u.username === '' && u.password === '';
}
