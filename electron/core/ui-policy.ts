// The one Content-Security-Policy of the inspector UI, wherever it is served: by `serve` over http://127.0.0.1, by
// the desktop shell over app://rci, or by the Vite dev server inside the desktop window. The page shows untrusted
// callback content as text only and reaches the core through its own origin (serve) or the preload bridge
// (desktop), so it needs no inline code, no eval, no frames, no plugins and no remote connections. Only what
// differs between those hosts is a parameter; everything else cannot drift apart.

export interface UiPolicyOptions {
  /** sockets beyond the page's own origin: serve's live-event WebSocket, the dev server's HMR socket */
  connect?: readonly string[];
  /** only for the Vite dev server, whose React refresh preamble and HMR styles are inline; never for a build */
  inlineCode?: boolean;
}

export function uiContentSecurityPolicy(o: UiPolicyOptions = {}): string {
  const inline = o.inlineCode ? " 'unsafe-inline'" : '';
  return [
    "default-src 'none'",
    `script-src 'self'${inline}`,
    `style-src 'self'${inline}`,
    // A callback's image is fetched only after the user clicks "Load image", and only over https: the UI offers a
    // plain-http image as a link to copy, so no policy needs `http:`.
    "img-src 'self' data: https:",
    "font-src 'self' data:",
    ["connect-src 'self'", ...(o.connect ?? [])].join(' '),
    "manifest-src 'self'",
    "worker-src 'none'",
    "object-src 'none'",
    "frame-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
