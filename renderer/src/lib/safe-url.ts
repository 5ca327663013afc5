// Callback content is untrusted: only http(s) URLs ever become links or image sources.
export function safeHttpUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 4000) return null;
  let u: URL;
  try {
    u = new URL(value.trim());
  } catch {
    return null;
  }
  return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
}

/** Opens outside the app: a new window with no opener and no referrer (Electron hands it to the OS browser). */
export function openExternal(url: string): void {
  const safe = safeHttpUrl(url);
  if (!safe) return;
  window.open(safe, '_blank', 'noopener,noreferrer');
}
