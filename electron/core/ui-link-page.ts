// The page `serve` shows instead of the inspector to a browser that has neither the printed link nor the cookie it
// leaves behind: an empty inspector saying "disconnected" would not tell anyone what to do. Plain HTML without
// script, styled by one stylesheet of its own, under the inspector's own Content-Security-Policy.
import path from 'node:path';
import { defaultDataDir } from './data-dir';

export interface OpenLinkPageOptions {
  port: number;
  /** missing: no token and no cookie; wrong: a token (or cookie) that is not the current one */
  reason: 'missing' | 'wrong';
  dataDir: string | null;
  /** the file holding the token, when it is kept in one */
  tokenFile: string | null;
}

export function openLinkPage(o: OpenLinkPageOptions): string {
  const link = `http://127.0.0.1:${o.port}/?token=…`;
  const command =
    o.dataDir === null || path.resolve(o.dataDir) === path.resolve(defaultDataDir()) ? 'npm run serve' : `npm run serve -- --data-dir ${shellQuote(o.dataDir)}`;
  const why =
    o.reason === 'missing'
      ? 'This address needs the inspector link once per browser. The link carries a key, so that the web pages you visit cannot read your callbacks.'
      : 'The key in this link is not valid: a new link was made in the settings (which ends every older one), or the link belongs to another data folder or another run.';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Open the link printed by serve — RCS Callback Inspector</title>
<link rel="stylesheet" href="/__rci/open-link.css">
</head>
<body>
<main data-testid="open-the-link" data-reason="${o.reason}">
<p class="app">RCS Callback Inspector</p>
<h1>Open the link printed by <code>serve</code></h1>
<p class="why">${esc(why)}</p>
<h2>Where it is</h2>
<p>In the terminal where <code>serve</code> runs, on the line starting <code>Inspector UI:</code></p>
<pre data-testid="link-shape">Inspector UI:   ${esc(link)}</pre>
<p>Open that link once: this browser then remembers it, and the plain address works in new tabs and after
<code>serve</code> restarts. The link itself stays the same from one start to the next, so it can be bookmarked.</p>
<h2>Not at hand?</h2>
<p>The next start of <code>serve</code> on this data folder prints it again:</p>
<pre data-testid="command-hint">${esc(command)}</pre>
${
  o.tokenFile
    ? `<p>Or take the key from the file <code>${esc(o.tokenFile)}</code> and open <code>http://127.0.0.1:${o.port}/?token=</code> followed by it.</p>`
    : ''
}
</main>
</body>
</html>
`;
}

export const OPEN_LINK_CSS = `
:root { color-scheme: light dark; --text: #1d2433; --dim: #5b6475; --line: #d9dee7; --panel: #f6f7fa; --accent: #2f6fde; }
@media (prefers-color-scheme: dark) { :root { --text: #e4e8f0; --dim: #9aa4b5; --line: #323a48; --panel: #1c212b; --accent: #7aa7ff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--text); }
main { max-width: 44rem; margin: 10vh auto 4rem; padding: 0 1.5rem; }
.app { color: var(--dim); font-size: 13px; letter-spacing: .04em; text-transform: uppercase; margin: 0 0 .4rem; }
h1 { font-size: 26px; line-height: 1.25; margin: 0 0 .8rem; }
h2 { font-size: 15px; margin: 1.8rem 0 .4rem; }
.why { font-size: 16px; border-left: 3px solid var(--accent); padding-left: .9rem; margin: 0 0 1rem; }
code, pre { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: 13.5px; }
code { background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 0 .3em; overflow-wrap: anywhere; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 7px; padding: .7rem .9rem; margin: .4rem 0 .8rem;
  white-space: pre-wrap; overflow-wrap: anywhere; user-select: all; }
`;

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** a path as a POSIX shell reads it back unchanged (Windows users get a path they can paste in quotes too) */
function shellQuote(p: string): string {
  return /^[\w@%+=:,./-]+$/.test(p) ? p : `"${p.replace(/(["\\$`])/g, '\\$1')}"`;
}
