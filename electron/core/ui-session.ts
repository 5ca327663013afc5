// Who may use `serve`'s inspector UI: whoever holds the link it printed. The link's token is kept in the data folder,
// so a bookmark of it survives restarts; a browser that opened it once gets a cookie derived from the token, so the
// bare address works in a new tab too. Rotating the token invalidates every old link and every cookie at once.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** the file in the data folder that holds the token (one line, nothing else) */
export const UI_TOKEN_FILE = 'ui-token';

/** a token we wrote, or one a user put there by hand that is as hard to guess */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{24,200}$/;

export interface UiSession {
  token(): string;
  /** what the session cookie holds: derived from the token, so it outlives restarts and dies with a rotation */
  cookieValue(): string;
  tokenOk(given: string | null | undefined): boolean;
  cookieOk(given: string | null | undefined): boolean;
  /** a new token (persisted when the session is); old links and cookies stop working */
  rotate(): string;
  /** where the token is kept; null when it lives in memory only */
  readonly file: string | null;
}

const newToken = () => randomBytes(24).toString('base64url');

/** The data folder's token, made (and written, readable by the owner only) on the first start. */
export function openUiSession(dataDir: string): UiSession {
  const file = path.join(dataDir, UI_TOKEN_FILE);
  let token = readToken(file);
  if (token === null) {
    token = newToken();
    try {
      // `wx`: two starts racing on a fresh folder must end up with one token, not the last writer's
      fs.writeFileSync(file, token + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      token = readToken(file) ?? writeToken(file, token);
    }
  }
  return session(token, file, (next) => writeToken(file, next));
}

/** A token that lives as long as the process (tests, or a caller that keeps its own). */
export function fixedUiSession(token: string): UiSession {
  return session(token, null, () => {});
}

function session(initial: string, file: string | null, persist: (token: string) => void): UiSession {
  let token = initial;
  let cookie = deriveCookie(token);
  return {
    file,
    token: () => token,
    cookieValue: () => cookie,
    tokenOk: (given) => same(given, token),
    cookieOk: (given) => same(given, cookie),
    rotate() {
      const next = newToken();
      persist(next);
      token = next;
      cookie = deriveCookie(next);
      return next;
    },
  };
}

function deriveCookie(token: string): string {
  return createHmac('sha256', token).update('rci ui session cookie v1').digest('base64url');
}

function same(given: string | null | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readToken(file: string): string | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  // an emptied or mangled file is replaced rather than trusted: a short token would be guessable
  return TOKEN_SHAPE.test(text) ? text : null;
}

/** Replaces the file whole (temp file + rename), so a crash mid-write never leaves half a token. */
function writeToken(file: string, token: string): string {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, token + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
  return token;
}
