// Quitting waits for the core: the receiver stops, in-flight deliveries are committed and answered, the tunnel
// closes. Electron would otherwise exit as soon as the windows are gone.
import type { App } from 'electron';

export type QuitApp = Pick<App, 'on' | 'quit' | 'exit'>;

export function installCleanShutdown(
  app: QuitApp,
  close: () => Promise<void>,
  opts: { timeoutMs?: number; log?: (e: Record<string, unknown>) => void } = {},
): { closed: () => Promise<void> } {
  const log = opts.log ?? (() => {});
  const timeoutMs = opts.timeoutMs ?? 20_000;
  let state: 'running' | 'closing' | 'closed' = 'running';
  let done!: () => void;
  const closedPromise = new Promise<void>((r) => (done = r));

  app.on('before-quit', (event) => {
    if (state === 'closed') return;
    event.preventDefault();
    if (state === 'closing') return;
    state = 'closing';
    const started = Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    void Promise.race([close().then(() => 'closed' as const), timeout])
      .then((how) => {
        if (how === 'timeout') log({ event: 'error', where: 'shutdown', message: `core did not close within ${timeoutMs} ms` });
        else log({ event: 'shutdown', ms: Date.now() - started });
        return how;
      })
      .catch((err: unknown) => {
        log({ event: 'error', where: 'shutdown', message: err instanceof Error ? err.message : String(err) });
        return 'failed' as const;
      })
      .then((how) => {
        clearTimeout(timer);
        state = 'closed';
        done();
        if (how === 'closed') app.quit();
        else app.exit(1);
      });
  });
  return { closed: () => closedPromise };
}
