// openStore: the SQLite file behind the Store interface (types.ts). One connection, WAL, synchronous=FULL so a
// committed delivery survives power loss before we answer 200, and a short busy timeout so a locked database
// turns into a 503 (the gateway retries) instead of a hung request.
import Database from 'better-sqlite3';
import { storeFileBytes } from './active-file';
import * as admin from './admin';
import { createContext, withoutOwnSync, withShortBusyWait } from './context';
import { toStoreWriteError } from './errors';
import { NO_TIMES, indexPending, ingestBatch } from './ingest';
import { setDeliveryAnswerTimes } from './summary-deltas';
import { ingestRaw, pendingCount } from './inbox';
import { ensureTextIndexed, indexText, textPending } from './full-text';
import { queryTerms } from './filters';
import { WalRestart } from './wal-restart';
import { walSyncFor } from './wal-sync';
import { messageDetail, nextDueAt, refreshDueMessages } from './messages';
import * as q from './queries';
import { getCounts } from './counts';
import { getAnalytics } from './analytics';
import { suggestValues } from './suggest';
import { SCHEMA_VERSION, migrate } from './schema';
import { countTestCallbacks, deleteTestCallbacks } from './test-callbacks';
import { importDeliveries, importedAmong } from './import-rows';
import { eventAttempts, setRuleAnswers } from './rule-answers';
import { getMark, setMark } from './marks';
import { deletionStore } from './delete-scope';
import { LARGE_CACHE_KIB, PageCache } from './page-cache';
import { StoreWriteError, type Store, type StoreStats } from './types';

export type { Store } from './types';

export interface OpenStoreOptions {
  file: string;
  /** how long a write waits for another connection's lock before failing (default 2000 ms) */
  busyTimeoutMs?: number;
  /** better-sqlite3 native addon built for Electron; Node uses the default build */
  nativeBinding?: string;
  /** totals and scoped counts stop counting here and report totalIsExact=false (default 10,000) */
  countCap?: number;
  /** a total examines at most this many rows of its driver, then reports a lower bound (default 10,000) */
  scanCap?: number;
  /** refuse writes ("disk full") once the database file would grow past this size */
  maxSizeBytes?: number;
  /**
   * open for reading only (export): nothing is written to the file, no WAL is checkpointed into it, and a damaged
   * file is read as far as it can be. A store of an older schema cannot be read so (error code RCI_SCHEMA_OLD).
   */
  readonly?: boolean;
}

/** SQLite's default: the connection checkpoints once the WAL holds this many pages (4 MB) */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/**
 * while a background connection checkpoints: only if it falls this far behind (120 MB of WAL). Indexing makes the
 * WAL start over long before (wal-restart.ts RESTART_FRAMES); at 40 MB this connection's own checkpoint still
 * caught up with it between the worker's reports during a burst.
 */
const FALLBACK_AUTOCHECKPOINT_PAGES = 30_000;
/** while the file's integrity check has not passed: 1 GiB of WAL (4 KiB pages) */
const HELD_AUTOCHECKPOINT_PAGES = 262_144;

export function openStore(opts: OpenStoreOptions): Store {
  const db = openDatabase(opts.file, opts.nativeBinding, opts.readonly ?? false);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 2000))}`);
    if (opts.readonly) checkReadableSchema(db);
    else {
      // a new store gives deleted rows' pages back in small steps (store/delete-scope.ts reclaim); only possible
      // before its first table
      if ((db.pragma('user_version', { simple: true }) as number) === 0 && db.prepare("SELECT count(*) FROM sqlite_master").pluck().get() === 0) {
        db.pragma('auto_vacuum = INCREMENTAL');
      }
      db.pragma('journal_mode = WAL');
    }
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = OFF');
    // reads of a large store stay in memory; the OS page cache does the rest (smaller while deliveries stream in:
    // page-cache.ts)
    db.pragma(`cache_size = -${LARGE_CACHE_KIB}`);
    db.pragma('temp_store = MEMORY');
    if (!opts.readonly) migrate(db);
    if (opts.maxSizeBytes !== undefined) {
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      db.pragma(`max_page_count = ${Math.max(1, Math.floor(opts.maxSizeBytes / pageSize))}`);
    }
  } catch (err) {
    db.close();
    // a read-only open has nothing to do with writing: its error says what is wrong with the file
    throw opts.readonly ? err : toStoreWriteError(err);
  }
  const ctx = createContext(db);
  const pageCache = new PageCache(db);
  // a file store in WAL mode can be made durable off the loop (wal-sync.ts); others commit with their fsync
  const walSync = !opts.readonly && String(db.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal' ? walSyncFor(opts.file) : null;
  const limits: q.QueryLimits = { countCap: opts.countCap ?? 10_000, scanCap: opts.scanCap ?? 10_000 };
  let closed = false;
  /** found damaged while open: see seal() */
  let sealed = false;
  // this connection checkpoints only what came in during the worker's last pass: a few acknowledgements' frames
  const walRestart = new WalRestart(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // busy (the worker began another pass): the WAL starts over at a later try
    }
  });
  const refuseIfSealed = () => {
    if (sealed) throw new StoreWriteError('the store file is damaged; new deliveries go to a fresh file');
  };

  const store: Store = {
    file: opts.file,
    ingest: (batch, now = Date.now()) => (refuseIfSealed(), batch.length === 0 ? [] : ingestBatch(ctx, batch, now)),
    ingestRaw: (batch, o) => (refuseIfSealed(), batch.length === 0 ? [] : ingestRaw(ctx, batch, o?.sync ?? true)),
    syncLog: () => (walSync ? walSync.sync() : Promise.resolve()),
    syncLogNow: () => walSync?.syncNow(),
    canSyncLog: walSync !== null,
    indexSlice: (o) => (refuseIfSealed(), pageCache.forWrite(o.streaming === true), indexPending(ctx, o)),
    indexPending: (maxRows, now = Date.now(), budgetMs = Infinity) =>
      (refuseIfSealed(), indexPending(ctx, { maxRows, budgetMs, tailMsPerRow: 0.1, responseMs: NO_TIMES, now }).summaries),
    refreshDue: (now) => (sealed || opts.readonly ? [] : refreshDueMessages(ctx, now)),
    nextDueAt: () => nextDueAt(ctx),
    pendingCount: () => pendingCount(ctx),
    indexText: (maxRows, budgetMs, streaming = false) =>
      (refuseIfSealed(), pageCache.forWrite(streaming), withShortBusyWait(ctx, () => indexText(ctx, maxRows, budgetMs))),
    textPending: () => textPending(ctx),
    prepareSearch: (query, now = Date.now()) => ensureTextIndexed(ctx, queryTerms(query, now)),
    importRaw(rows) {
      if (rows.length === 0) return;
      refuseIfSealed();
      const insert = ctx.stmt(`INSERT INTO inbox (id, received_at, method, path, query, headers, remote_address, body_size,
        body_truncated, outcome, response_status, response_ms, reject_reason, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      try {
        db.transaction(() => {
          for (const r of rows) {
            insert.run(r.id, r.received_at, r.method, r.path, r.query, r.headers, r.remote_address, r.body_size,
              r.body_truncated, r.outcome, r.response_status, r.response_ms, r.reject_reason, r.body);
          }
        }).immediate();
      } catch (err) {
        throw toStoreWriteError(err);
      }
    },
    importDeliveries: (rows, source, now = Date.now()) => (refuseIfSealed(), importDeliveries(ctx, rows, source, now)),
    importedAmong: (ids) => importedAmong(ctx, ids),
    seal() {
      if (sealed || opts.readonly) return;
      sealed = true;
      walRestart.follow(null);
      ctx.sealed = true;
      // nothing more goes into this file: no checkpoint copies the WAL into it, no statement writes
      db.pragma('wal_autocheckpoint = 0');
      db.pragma('query_only = 1');
    },
    holdCheckpoints() {
      if (sealed || opts.readonly) return;
      walRestart.follow(null);
      // not at the fallback's 120 MB: a file whose check has not passed keeps its bytes while the WAL grows for the
      // seconds a check takes. Only a sender that never stops during a long check (a slow disk, a huge store) takes
      // the WAL to this size, and then the disk comes first.
      db.pragma(`wal_autocheckpoint = ${HELD_AUTOCHECKPOINT_PAGES}`);
    },
    setCheckpointsInBackground(on, progress) {
      if (sealed || opts.readonly) return;
      walRestart.follow(on ? (progress ?? null) : null);
      db.pragma(`wal_autocheckpoint = ${on ? FALLBACK_AUTOCHECKPOINT_PAGES : DEFAULT_AUTOCHECKPOINT_PAGES}`);
    },
    checkpointWait: () => (sealed || closed ? 0 : walRestart.wait(performance.now())),
    // answer times are metadata recorded best effort: no fsync of their own (the next delivery commit makes them
    // durable). Inbox rows get theirs only when stopping before they are indexed: each update there rewrites a
    // page holding bodies.
    setResponseTimes: (rows) => writeResponseTimes('deliveries', rows),
    parkResponseTimes: (rows) => writeResponseTimes('inbox', rows),
    setRuleAnswers(rows) {
      if (rows.length === 0 || sealed || opts.readonly) return;
      // metadata like answer times: no fsync of its own, the next delivery commit makes it durable
      try {
        withoutOwnSync(ctx, () => db.transaction(() => setRuleAnswers(ctx, rows)).immediate());
      } catch (err) {
        throw toStoreWriteError(err);
      }
    },
    eventAttempts: (reference, eventKey) => eventAttempts(ctx, reference, eventKey),
    listMessages: (args, now = Date.now()) => q.listMessages(ctx, args, limits, now),
    getMessage: (reference, now = Date.now(), page) => messageDetail(ctx, reference, now, page?.offset, page?.limit),
    getMessageSummaries: (refs, now = Date.now()) => q.getMessageSummaries(ctx, refs, now),
    listDeliveries: (args) => q.listDeliveries(ctx, args, limits, Date.now()),
    getDelivery: (id) => q.getDelivery(ctx, id),
    getRawRequest: (id) => q.getRawRequest(ctx, id),
    listDeliveryIds: (query, order) => q.listDeliveryIds(ctx, query, order, limits, Date.now()),
    listMessageRefs: (query) => q.listMessageRefs(ctx, query, Date.now()),
    getCounts: (query, now = Date.now()) => getCounts(ctx, query, limits, now),
    getAnalytics: (query, now = Date.now()) => getAnalytics(ctx, query, now),
    suggestValues: (field, prefix) => suggestValues(ctx, field, prefix),
    stats: (now = Date.now()) => stats(now),
    indexedCounts() {
      const rows = ctx.stmt("SELECT key, n FROM counters WHERE key IN ('deliveries', 'messages')").all() as { key: string; n: number }[];
      const n = (key: string) => rows.find((r) => r.key === key)?.n ?? 0;
      return { deliveries: n('deliveries'), messages: n('messages') };
    },
    testCallbacks: () => countTestCallbacks(ctx),
    deleteTestCallbacks: () => (refuseIfSealed(), deleteTestCallbacks(ctx)),
    getMark: (kind, key) => getMark(ctx, kind, key),
    setMark: (kind, key, change, now = Date.now()) => (refuseIfSealed(), setMark(ctx, kind, key, change, now)),
    deletion: deletionStore(ctx, limits, refuseIfSealed),
    iterateDeliveries: (onSkip) => q.iterateDeliveries(ctx, onSkip),
    iterateMessages: (now = Date.now(), onSkip) => q.iterateMessages(ctx, now, onSkip),
    getSetting: <T>(key: string) => admin.getSetting<T>(ctx, key),
    setSetting: (key, value) => admin.setSetting(ctx, key, value),
    listTargets: () => admin.listTargets(ctx),
    saveTarget: (t) => admin.saveTarget(ctx, t),
    deleteTarget: (id) => admin.deleteTarget(ctx, id),
    insertForward: (a) => admin.insertForward(ctx, a),
    listForwards: (id) => admin.listForwards(ctx, id),
    close() {
      if (closed) return;
      closed = true;
      walSync?.close();
      if (opts.readonly) return db.close();
      if (sealed) return closeLeavingFileAsIs();
      db.close();
    },
  };

  function writeResponseTimes(table: 'deliveries' | 'inbox', rows: { id: number; ms: number }[]): void {
    if (rows.length === 0 || sealed || opts.readonly) return;
    try {
      withoutOwnSync(ctx, () =>
        db.transaction(() => {
          if (table === 'deliveries') return setDeliveryAnswerTimes(ctx, rows);
          const set = ctx.stmt('UPDATE inbox SET response_ms = ? WHERE id = ?');
          for (const r of rows) set.run(Math.round(r.ms), r.id);
        }).immediate(),
      );
    } catch (err) {
      throw toStoreWriteError(err);
    }
  }

  /**
   * The last connection to close checkpoints the WAL into the file and deletes it: a damaged file must keep its
   * bytes (and its WAL, whose deliveries `recover` reads). While a read-only connection has the WAL open this one
   * is not the last, and a read-only connection never checkpoints. A connection opens the WAL only with its first
   * read: until then it counts for nothing.
   */
  function closeLeavingFileAsIs(): void {
    let guard: Database.Database | null = null;
    try {
      guard = openDatabase(opts.file, opts.nativeBinding, true);
    } catch {
      // no guard possible (file gone): nothing left to protect
    }
    try {
      guard?.pragma('schema_version');
    } catch {
      // a damaged header: the WAL was opened before the header was read, which is all the guard needs
    }
    db.close();
    guard?.close();
  }

  function stats(now: number): StoreStats {
    const d = new Date(now);
    const midnight = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
    const counter = ctx.stmt('SELECT n FROM counters WHERE key = ?', 'pluck');
    // stored = indexed (counted) + still in the inbox; inbox rows are seconds old, so all of today's unless the
    // oldest is older (counting them reads their bodies: done only then)
    const pending = pendingCount(ctx);
    const oldestPending = ctx.stmt('SELECT received_at FROM inbox ORDER BY id LIMIT 1', 'pluck').get() as number | undefined;
    const pendingToday =
      oldestPending === undefined || oldestPending >= midnight
        ? pending
        : (ctx.stmt('SELECT count(*) FROM inbox WHERE received_at >= ?', 'pluck').get(midnight) as number);
    return {
      deliveriesTotal: ((counter.get('deliveries') as number | undefined) ?? 0) + pending,
      deliveriesPending: pending,
      deliveriesToday: (ctx.stmt('SELECT count(*) FROM deliveries WHERE received_at >= ?', 'pluck').get(midnight) as number) + pendingToday,
      messagesTotal: (counter.get('messages') as number | undefined) ?? 0,
      storeBytes: storeFileBytes(opts.file),
    };
  }

  return store;
}

function openDatabase(file: string, nativeBinding: string | undefined, readonly: boolean): Database.Database {
  return new Database(file, {
    ...(nativeBinding ? { nativeBinding } : {}),
    ...(readonly ? { readonly: true, fileMustExist: true } : {}),
  });
}

function checkReadableSchema(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === SCHEMA_VERSION) return;
  const err = new Error(
    version > SCHEMA_VERSION
      ? `the database was written by a newer version of the app (schema ${version}, this version knows ${SCHEMA_VERSION})`
      : `the database has an older schema (${version}); opening it for writing upgrades it`,
  ) as Error & { code: string };
  err.code = version > SCHEMA_VERSION ? 'RCI_SCHEMA_NEW' : 'RCI_SCHEMA_OLD';
  throw err;
}
