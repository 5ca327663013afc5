// The core: store + group commit + receiver + tunnel supervisor + live events + API handlers, composed once.
// The Electron main process and `serve` both start exactly this; neither adds logic of its own.
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { ApiEventBatch, ApiHandlers, AppStatus, Settings, TunnelStatus } from '../../shared/api';
import {
  DEFAULT_CALLBACK_PATH,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RECEIVER_PORT,
  DEFAULT_TUNNEL_HOST,
  TEST_CALLBACK_CAMPAIGN,
  TEST_CALLBACK_REFERENCE_PREFIX,
} from '../../shared/constants';
import { ApiError } from '../../shared/api-error';
import { startAnalyticsRunner } from './analytics-runner';
import { atomicFile } from './export-file';
import { runExport, type ExportFormat } from './export-run';
import { openActiveStore } from './active-store';
import { createIngest } from './ingest-pipeline';
import { LiveEvents } from './live-events';
import { startReceiver, type Receiver } from './receiver';
import { ResponseRulesEngine } from './response-rules';
import { RuleAnswerLog } from './response-rules-log';
import { NO_RULES, parseResponseRules, type ResponseRules } from '../../shared/response-rules';
import { createReplayService } from './replay';
import { createLocalSimulator } from './simulate/local';
import { createConformService } from './conform/service';
import { createDataService } from './retention-api';
import { createJobService, type FileDialogs, type JobFiles } from './jobs';
import { describeRanges, summarizeRanges, type UnreadableRange } from './store/salvage';
import type { Store } from './store/types';
import { checkTunnelSettings, createTunnelSupervisor, type TunnelSupervisor } from './tunnel/supervisor';

import { storeFileBytes } from './store/active-file';
import { refuseWhileImporting } from './import-guard';
export { DB_FILE_NAME } from './store/active-file';

export interface CoreOptions {
  dataDir: string;
  /** default 4730; if taken, a free port is used (the tunnel follows it) */
  receiverPort?: number;
  receiverHost?: string;
  maxBodyBytes?: number;
  /** overrides the persisted tunnel settings for this run (not saved) */
  tunnel?: { enabled?: boolean; host?: string; subdomain?: string | null };
  /** start with personal data masked (`serve --mask`); saved, so it stays on until switched off in Settings */
  maskPersonalData?: boolean;
  /** response rules for this run (`serve --rules FILE`, validated): used instead of the saved ones, never saved */
  responseRules?: ResponseRules;
  /** how often the tunnel is probed through its public URL (default 30 s) */
  tunnelProbeIntervalMs?: number;
  version: string;
  /** better-sqlite3 native binding for Electron (see electron/shell), Node uses the default build */
  nativeBinding?: string;
  /** how long start waits for the store file's quick integrity check before opening it anyway (default: active-store.ts) */
  startCheckBudgetMs?: number;
  log?: (entry: Record<string, unknown>) => void;
  /** the desktop app's save and open dialogs for the UI's export and import (`serve` downloads and uploads) */
  fileDialogs?: FileDialogs;
}

export interface Core {
  handlers: ApiHandlers;
  subscribe(listener: (batch: ApiEventBatch) => void): () => void;
  receiverUrl: string;
  dataDir: string;
  store: Store;
  tunnel: TunnelSupervisor;
  /** export downloads and import uploads of `serve`'s control server (jobs/index.ts) */
  files: JobFiles;
  exportNdjson(file: string, kind: 'deliveries' | 'messages'): Promise<number>;
  /** written to a temporary file beside `file` and renamed when complete (export-file.ts) */
  exportFile(file: string, kind: 'deliveries' | 'messages', format: ExportFormat): Promise<number>;
  close(): Promise<void>;
}

const DEFAULT_SETTINGS: Settings = {
  tunnel: { enabled: true, host: DEFAULT_TUNNEL_HOST, subdomain: null },
  notifications: false,
  proxyMode: false,
  forwardLive: false,
  maskPersonalData: false,
};

export async function createCore(opts: CoreOptions): Promise<Core> {
  fs.mkdirSync(opts.dataDir, { recursive: true });
  // an import running now checked, when it started, that nothing else had the store open (import-guard.ts)
  refuseWhileImporting(opts.dataDir);
  const log = opts.log ?? (() => {});
  // each frame carries the status bar's numbers: from counters and the indexer's bookkeeping, not from stats(),
  // whose count of today's deliveries reads an index range, too slow for every frame on a busy day
  const live = new LiveEvents({
    loadMessages: (refs) => active.store.getMessageSummaries(refs),
    indexedCounts: () => active.store.indexedCounts(),
    testCallbacks: () => active.store.testCallbacks(),
    indexing: () => indexingOf(active.ingest.indexer.unindexed, active.ingest.indexer.lagMs()),
    storeBytes: () => storeFileBytes(active.file()),
    countToday: (now) => active.store.stats(now).deliveriesToday,
    rulesActive: () => rules.activeCount,
  });
  let replay: ReturnType<typeof createReplayService> | null = null;
  // `store` and `ingest` always lead to the current store file: a damaged one is replaced, even while running
  // (active-store.ts). Live events carry the classified rows, so they fire once phase 2 indexed them (a few ms
  // after the 200 normally; later during a burst). Live forwarding needs only ids and outcome and must follow the
  // setting as it was when the delivery arrived, so it starts right after the acknowledged commit. Rows a crash
  // left pending are indexed in the background.
  const active = await openActiveStore({
    dataDir: opts.dataDir,
    nativeBinding: opts.nativeBinding,
    startCheckBudgetMs: opts.startCheckBudgetMs,
    log,
    makeIngest: (s, onIndexError) =>
      createIngest(s, {
        onCommitted: (rows) => {
          replay?.deliveriesCommitted(rows);
          live.deliveriesStored(rows);
        },
        onIndexed: (rows) => live.deliveriesIndexed(rows),
        onMessagesChanged: (refs) => live.messagesChanged(refs),
        onIndexError,
      }),
    onDamaged: (d, storeFile, all) => {
      log({ event: 'storeDamaged', damagedFile: d.file, detectedAt: d.detectedAt, problem: d.problem, storeFile, recoverCommand: d.recoverCommand });
      live.emit('storeDamaged', { storeFile, damagedStores: all });
    },
  });
  const { store, ingest } = active;
  // reports run on a worker's own connection: a long one must not hold the acknowledgements (analytics-runner.ts)
  const analytics = startAnalyticsRunner({
    file: () => active.file(),
    nativeBinding: opts.nativeBinding,
    inProcess: (query, now) => active.store.getAnalytics(query, now),
    // the worker's read-only connection cannot add deliveries still queued for free text: a search adds them here
    prepare: (query, now) => active.store.prepareSearch(query, now),
    log,
  });
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const saved = readSetting<Partial<Settings>>(store, 'settings') ?? {};
  let settings: Settings = {
    ...DEFAULT_SETTINGS,
    ...saved,
    tunnel: { ...DEFAULT_SETTINGS.tunnel, ...(saved.tunnel ?? {}) },
  };
  if (opts.maskPersonalData && !settings.maskPersonalData) {
    settings = { ...settings, maskPersonalData: true };
    store.setSetting('settings', settings);
  }
  // Run-only overrides (CLI flags) are applied on top and never written back.
  const effectiveTunnel = () => ({ ...settings.tunnel, ...stripUndefined(opts.tunnel ?? {}) });

  // Response rules answer after the commit; which rule answered goes to its side table in batches. Attempt counts
  // of events first met in this run start from the store (response-rules.ts).
  const rules = new ResponseRulesEngine({ priorAttempts: (reference, key) => active.store.eventAttempts(reference, key) });
  rules.set(opts.responseRules ?? savedRules(store));
  const ruleLog = new RuleAnswerLog((rows) => active.store.setRuleAnswers(rows));

  const probeToken = randomBytes(16).toString('hex');
  const receiverOpts = {
    committer: ingest,
    host: opts.receiverHost ?? '127.0.0.1',
    maxBodyBytes,
    probeToken,
    rules: rules.hook((row) => ruleLog.record(row)),
    proxy: (id: number, budgetMs: number) =>
      settings.proxyMode && replay ? replay.proxyAnswer(id, budgetMs) : Promise.resolve(null),
    onWarning: (code: string, message: string) => {
      log({ event: 'warning', code, message });
      live.emit('warning', { code, message, at: Date.now() });
    },
  };
  let receiver: Receiver;
  try {
    receiver = await startReceiver({ ...receiverOpts, port: opts.receiverPort ?? DEFAULT_RECEIVER_PORT });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || opts.receiverPort === 0) throw err;
    receiver = await startReceiver({ ...receiverOpts, port: 0 });
    log({ event: 'warning', code: 'port-in-use', message: `port ${opts.receiverPort ?? DEFAULT_RECEIVER_PORT} is taken; using ${receiver.port}` });
  }

  const t = effectiveTunnel();
  const tunnel = createTunnelSupervisor({
    // the receiver's tunnel entrance: the tunnel's pre-opened connections are never closed for being idle there
    localPort: receiver.tunnelPort,
    localHost: '127.0.0.1',
    // each tunnel socket is served by the receiver itself: no second local connection per socket (client.ts)
    accept: (socket) => receiver.acceptTunnel(socket),
    enabled: t.enabled,
    host: t.host,
    subdomain: t.subdomain,
    probeToken,
    ...(opts.tunnelProbeIntervalMs ? { probeIntervalMs: opts.tunnelProbeIntervalMs } : {}),
    // a different URL after a restart must still tell the user to update the gateway
    previousUrl: readSetting<string>(store, 'lastPublicUrl') ?? null,
  });
  tunnel.on('status', (s: TunnelStatus) => {
    log({ event: 'tunnel', state: s.state, publicUrl: s.publicUrl, reason: s.reason ?? undefined });
    live.emit('tunnel', s);
    if (s.state === 'online' && s.publicUrl) {
      try {
        store.setSetting('lastPublicUrl', s.publicUrl);
      } catch {
        // remembering the URL is a convenience; a busy store must not disturb the tunnel
      }
    }
  });
  tunnel.on('urlChanged', (e) => {
    log({ event: 'urlChanged', oldUrl: e.oldUrl, newUrl: e.newUrl, reason: e.reason });
    live.emit('urlChanged', e);
  });
  tunnel.on('warning', (w) => {
    log({ event: 'warning', code: w.code, message: w.message });
    live.emit('warning', w);
  });
  tunnel.start();

  replay = createReplayService({
    store,
    emit: (event, data) => live.emit(event, data),
    getSettings: () => settings,
  });
  const simulator = createLocalSimulator({
    receiverUrl: () => receiver.url,
    notify: (code, message) => live.emit('warning', { code, message, at: Date.now() }),
  });

  const conform = createConformService({ store: () => store });
  // pins, notes, deleting and retention's pruning: deletions run in small slices behind the acknowledgements
  // a deletion also ends the rules' attempt counts of what it deleted (they start again from the store)
  const data = createDataService({ store: () => active.store, onChanged: () => (live.recount(), rules.forget()), log });
  // the UI's export and import jobs; an import's batches go through this app's own indexer (jobs/import-job.ts)
  const jobs = createJobService({
    store: () => active.store,
    dataDir: opts.dataDir,
    version: opts.version,
    masked: () => settings.maskPersonalData === true,
    emit: (info) => live.emit('job', info),
    commitBatch: async (rows, source) => {
      const r = active.store.importDeliveries(rows, source);
      if (r.stored.length > 0) active.ingest.indexer.committed(r.stored);
      await active.ingest.indexer.indexed();
      return r;
    },
    onImportEnded: () => live.recount(),
    dialogs: opts.fileDialogs,
  });

  const status = (): AppStatus => {
    const s = store.stats();
    return {
      version: opts.version,
      receiverUrl: receiver.url,
      callbackPath: DEFAULT_CALLBACK_PATH,
      tunnel: tunnel.status(),
      deliveriesTotal: s.deliveriesTotal,
      deliveriesToday: s.deliveriesToday,
      messagesTotal: s.messagesTotal,
      indexing: indexingOf(s.deliveriesPending, ingest.indexer.lagMs()),
      storeBytes: s.storeBytes,
      dataDir: opts.dataDir,
      maxBodyBytes,
      storeFile: active.file(),
      damagedStores: active.damaged(),
      testCallbacks: store.testCallbacks(),
      rulesActive: rules.activeCount,
    };
  };

  const handlers: ApiHandlers = {
    getStatus: () => status(),
    listMessages: (a) => store.listMessages(a),
    getMessage: (a) => store.getMessage(a.reference, Date.now(), { offset: a.eventsOffset, limit: a.eventsLimit }),
    listDeliveries: (a) => store.listDeliveries(a),
    getDelivery: (a) => store.getDelivery(a.id),
    getCounts: (a) => store.getCounts(a.query),
    getAnalytics: (a) => analytics.report(a.query),
    suggestValues: (a) => store.suggestValues(a.field, a.prefix),
    sendTestCallback: async (a) => {
      const pub = tunnel.status().publicUrl;
      if (a.via === 'public' && !pub) throw new ApiError('unavailable', 'the tunnel is not online, so there is no public URL to test');
      const base = a.via === 'public' ? pub! : receiver.url;
      const url = `${base.replace(/\/$/, '')}${DEFAULT_CALLBACK_PATH}`;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'bypass-tunnel-reminder': '1', 'user-agent': 'rci-test-callback' },
        body: JSON.stringify(testCallback()),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await res.json().catch(() => ({}))) as { id?: number };
      return { deliveryId: typeof body.id === 'number' ? body.id : null, status: res.status, url };
    },
    deleteTestCallbacks: () => {
      const gone = store.deleteTestCallbacks();
      live.recount();
      return gone;
    },
    simulate: (a) => simulator.start(a),
    getSettings: () => settings,
    updateSettings: (a) => {
      if (a.tunnel) {
        const problem = checkTunnelSettings(a.tunnel);
        if (problem) throw new ApiError('bad-request', problem);
      }
      settings = {
        ...settings,
        ...stripUndefined({ notifications: a.notifications, proxyMode: a.proxyMode, forwardLive: a.forwardLive, maskPersonalData: a.maskPersonalData }),
        tunnel: { ...settings.tunnel, ...stripUndefined(a.tunnel ?? {}) },
      };
      store.setSetting('settings', settings);
      if (a.tunnel) tunnel.update(effectiveTunnel());
      return settings;
    },
    reconnectTunnel: () => {
      tunnel.reconnect();
      return tunnel.status();
    },
    getRules: () => rules.get(),
    setRules: (a) => {
      // saved first: rules that could not be saved are not applied either
      store.setSetting(RULES_SETTING, a);
      rules.set(a);
      return a;
    },
    ...replay.handlers,
    ...data.handlers,
    ...conform.handlers,
    ...jobs.handlers,
  };

  async function exportFile(file: string, kind: 'deliveries' | 'messages', format: ExportFormat): Promise<number> {
    const skipped: UnreadableRange[] = [];
    const out = atomicFile(file);
    let n: number;
    try {
      // with masking on, the File menu's exports are masked too: what is on screen is what leaves the app
      n = await runExport(store, out.tempPath, { format, kind, filter: '', version: opts.version, mask: settings.maskPersonalData, onSkip: (r) => skipped.push(r) });
      out.commit();
    } finally {
      out.discard();
    }
    if (skipped.length > 0) {
      const s = summarizeRanges(skipped);
      const message = `Export skipped what the damaged store file cannot give back: ${describeRanges(s.ranges)}.`;
      log({ event: 'warning', code: 'export-skipped', message });
      live.emit('warning', { code: 'export-skipped', message, at: Date.now() });
    }
    return n;
  }

  let closing: Promise<void> | null = null;
  return {
    handlers,
    subscribe: (l) => live.subscribe(l),
    receiverUrl: receiver.url,
    dataDir: opts.dataDir,
    store,
    tunnel,
    files: jobs.files,
    exportNdjson: (file, kind) => exportFile(file, kind, 'ndjson'),
    exportFile,
    close: () =>
      (closing ??= (async () => {
        // Order matters: stop taking requests, let in-flight ones commit and answer, then close the file.
        await jobs.close();
        await simulator.close();
        await tunnel.stop().catch(() => {});
        await Promise.all([receiver.close(), ingest.committer.drain()]);
        ruleLog.close();
        await active.closeCommitter();
        conform.close();
        await replay?.close();
        await data.close();
        await analytics.close();
        live.close();
        await active.close();
      })()),
  };
}

/** The synthetic callback behind "send a test callback": a real delivery, recognisable by its campaign (and deletable). */
function testCallback(now = new Date()) {
  return {
    reference: `${TEST_CALLBACK_REFERENCE_PREFIX}${randomUUID()}`,
    campaign_name: TEST_CALLBACK_CAMPAIGN,
    event_id: randomUUID(),
    direction: 'outbound',
    session_id: null,
    user_id: '5500000000000',
    timestamp: now.toISOString(),
    channel: 'RCS',
    type: 'Text',
    message: { contentType: 'text', text: 'Test callback sent from RCS Callback Inspector' },
    vars: { source: 'rcs-callback-inspector' },
  };
}

const RULES_SETTING = 'responseRules';

/** The saved response rules; ones this version refuses (written by another) are not applied, and say so nowhere else. */
function savedRules(store: Store): ResponseRules {
  const saved = readSetting<unknown>(store, RULES_SETTING);
  if (saved === undefined) return NO_RULES;
  const parsed = parseResponseRules(saved);
  return parsed.ok ? parsed.rules : NO_RULES;
}

/** A setting from a store that may be damaged in places: unreadable counts as unset (the check reports the damage). */
function readSetting<T>(store: Store, key: string): T | undefined {
  try {
    return store.getSetting<T>(key);
  } catch {
    return undefined;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The indexer's backlog as the API reports it: lag null when unknown (rows an earlier run left), 0 when none pending. */
function indexingOf(pending: number, lagMs: number): AppStatus['indexing'] {
  if (pending === 0) return { pending, lagMs: 0 };
  return { pending, lagMs: Number.isFinite(lagMs) ? Math.round(lagMs) : null };
}
