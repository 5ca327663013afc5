// The one rule for a requested tunnel subdomain, used by the CLI (`--subdomain`), the settings contract and the
// tunnel client, so a name is refused in the same words wherever it is typed, before any server is asked.
//
// The localtunnel server (localtunnel/server, server.js) grants a requested id when it is 4 or more lowercase
// letters and digits, or, when it holds a dash, 6 or more characters that start and end with a letter or digit;
// anything else gets a 403. Its pattern lets 64 and 65 characters through although its own message says 63: such
// a name can never be a DNS label (RFC 1035 caps labels at 63 octets), so the public URL would not resolve.
// We refuse it here instead of handing out a dead URL.

const MIN = 4;
const MAX = 63;
/** names with a dash: the server's pattern needs a letter or digit, 4+ characters, a letter or digit */
const MIN_WITH_DASH = 6;

/** Why `name` cannot be requested as a subdomain, as a sentence for the user; null when it can. */
export function subdomainProblem(name: string): string | null {
  const reason = ruleBroken(name);
  return reason === null ? null : `subdomain ${JSON.stringify(name)} is not allowed: ${reason}`;
}

function ruleBroken(name: string): string | null {
  if (!/^[a-z0-9-]*$/.test(name)) return 'use only lowercase letters, digits and dashes';
  if (name.length < MIN || name.length > MAX) return `use ${MIN} to ${MAX} characters (this one has ${name.length})`;
  if (!name.includes('-')) return null;
  if (name.startsWith('-') || name.endsWith('-')) return 'a dash may not come first or last';
  if (name.length < MIN_WITH_DASH) return `a name with a dash needs at least ${MIN_WITH_DASH} characters (the tunnel server refuses shorter ones)`;
  return null;
}
