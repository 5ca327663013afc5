// The set-up every e2e file shares: the UI served (by a real `serve` child or, for a FakeCore, the built renderer
// alone), one Chromium for the file, and pages opened by the tests and closed after each of them. Call a use…Session
// inside a describe: it registers that describe's hooks and hands back what its tests need.
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { ensureRendererBuild, launchBrowser, watchPage, type PageWatch } from '../support/browser';
import { startServe, type ServeHandle } from '../support/serve';
import { serveRendererDist, type FakeCore } from './fake-core';
import { dataRows, messagesGrid } from './lists';

interface PageOptions {
  viewport: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
  /** the browser's own zone (what the UI calls "local"), e.g. 'Asia/Tokyo' */
  timezoneId?: string;
  /** lets the page read what a Copy button put on the clipboard */
  clipboard?: boolean;
  /** one context for every page of the file (its storage outlives a test) rather than a fresh one per page */
  sharedContext?: boolean;
}

interface OpenedPage {
  page: Page;
  watch: PageWatch;
}

/** where the UI is served, and how to stop serving it */
interface ServedUi {
  url: string;
  stop(): Promise<unknown>;
}

/**
 * Registers the hooks: the UI served (for the describe, or with `perTest` for each test), Chromium for the describe,
 * and the pages a test opened closed after it. Hands back a new watched page, not yet navigated.
 */
function useSession(opts: PageOptions, serveUi: () => Promise<ServedUi>, hooks: { perTest?: boolean; timeoutMs: number }) {
  let ui: ServedUi | undefined;
  let browser: Browser | undefined;
  let shared: BrowserContext | undefined;
  let opened: { page: Page; context?: BrowserContext }[] = [];
  const contextOptions: BrowserContextOptions = { viewport: opts.viewport, ...(opts.colorScheme ? { colorScheme: opts.colorScheme } : {}), ...(opts.timezoneId ? { timezoneId: opts.timezoneId } : {}) };

  async function newContext(): Promise<BrowserContext> {
    const context = await browser!.newContext(contextOptions);
    if (opts.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(ui!.url).origin });
    return context;
  }
  // the shared context needs the UI's origin for its permissions, so it is made once the UI is served
  const makeShared = async () => {
    if (opts.sharedContext) shared = await newContext();
  };

  if (hooks.perTest) {
    beforeAll(async () => {
      ensureRendererBuild();
      browser = await launchBrowser();
    }, hooks.timeoutMs);
    beforeEach(async () => {
      ui = await serveUi();
      await makeShared();
    }, 60_000);
  } else {
    beforeAll(async () => {
      ensureRendererBuild();
      // both started together; a browser that fails to launch must not leave the serve it raced running
      const [served, launched] = await Promise.allSettled([serveUi(), launchBrowser()]);
      if (served.status === 'fulfilled') ui = served.value;
      if (launched.status === 'rejected') throw launched.reason;
      if (served.status === 'rejected') throw served.reason;
      browser = launched.value;
      await makeShared();
    }, hooks.timeoutMs);
  }
  afterEach(async () => {
    const closing = opened;
    opened = [];
    for (const o of closing) await (o.context ?? o.page).close();
    if (hooks.perTest) await ui?.stop();
  });
  afterAll(async () => {
    await browser?.close();
    if (!hooks.perTest) await ui?.stop();
  });

  return async function newPage(): Promise<OpenedPage & { url: string }> {
    const context = shared ?? (await newContext());
    const page = await context.newPage();
    opened.push({ page, context: shared ? undefined : context });
    return { page, watch: watchPage(page), url: ui!.url };
  };
}

export interface ServeSession {
  readonly serve: ServeHandle;
  /** a watched page on the UI (the printed link, or `path` on its origin without it), closed after the test */
  openPage(path?: string): Promise<OpenedPage>;
  /** stops `serve` and starts it again on the same data folder and UI port, as a user restarting it would */
  restartServe(): Promise<ServeHandle>;
}

/**
 * A `serve` child and Chromium for the describe. With `servePerTest` each test gets a `serve` (and so an empty store)
 * of its own, started before it and stopped after it.
 */
export function useServeSession(opts: PageOptions & { servePerTest?: boolean; serveArgs?: () => string[] }): ServeSession {
  let serve: ServeHandle | undefined;
  const newPage = useSession(
    opts,
    async () => {
      serve = await startServe(opts.serveArgs?.() ?? []);
      return { url: serve.uiUrl, stop: () => serve!.stop() };
    },
    { perTest: opts.servePerTest, timeoutMs: 120_000 },
  );
  return {
    get serve() {
      return serve!;
    },
    async openPage(path?: string) {
      const { page, watch, url } = await newPage();
      await page.goto(path === undefined ? url : new URL(path, url).href);
      return { page, watch };
    },
    async restartServe() {
      const before = serve!;
      await before.stop();
      serve = await startServe([...(opts.serveArgs?.() ?? []), '--ui-port', new URL(before.uiUrl).port], { dataDir: before.dataDir });
      return serve;
    },
  };
}

interface FakeCoreSession {
  /** a watched page on the renderer driven by `core`, once its first rows are shown; closed after the test */
  openCore(core: FakeCore): Promise<OpenedPage>;
}

/** The built renderer served alone and Chromium for the describe; each test brings a FakeCore of its own. */
export function useFakeCoreSession(opts: PageOptions): FakeCoreSession {
  const newPage = useSession(
    opts,
    async () => {
      const site = await serveRendererDist();
      return { url: site.url, stop: site.close };
    },
    { timeoutMs: 60_000 },
  );
  return {
    async openCore(core) {
      const { page, watch, url } = await newPage();
      await core.attach(page);
      await page.goto(url);
      await dataRows(messagesGrid(page)).first().waitFor();
      return { page, watch };
    },
  };
}
