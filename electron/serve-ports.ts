// The ports `serve` listens on. A taken port is no reason to stop: most often it is another serve (another data
// folder) already running, so the UI falls back to a free port the way the receiver does, and says which one.
// Any other listen failure ends serve with one sentence naming the flag, not a stack trace.

export async function onPortOrFree<T extends { port: number }>(
  port: number,
  start: (port: number) => Promise<T>,
  warn: (entry: { event: 'warning'; code: string; message: string }) => void,
): Promise<T> {
  try {
    return await start(port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw err;
    const server = await start(0);
    warn({
      event: 'warning',
      code: 'ui-port-in-use',
      message: `the inspector UI port ${port} is taken (another serve running?); using ${server.port}. Choose one with --ui-port N`,
    });
    return server;
  }
}

/** One sentence for a port serve could not listen on (permission, no such address), or null for other errors. */
export function listenProblem(err: unknown): string | null {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e?.syscall !== 'listen' && e?.syscall !== 'bind') return null;
  const what = e.code === 'EACCES' ? 'permission denied' : e.code === 'EADDRINUSE' ? 'the port is taken' : (e.code ?? e.message);
  return (
    `cannot listen on ${e.address ?? '127.0.0.1'}:${e.port ?? '?'} (${what}). ` +
    'Choose other ports with --port N (receiver) and --ui-port N (inspector); 0 picks any free port, ' +
    'and through npm the flags go after a double dash: npm run serve -- --ui-port 0'
  );
}
