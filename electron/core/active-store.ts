// The store the core writes to, and what happens when its file turns out damaged.
//
// At start the active file (active-file.ts) is checked by a worker thread (integrity.ts): the core waits a bounded
// time for `quick_check`, then opens the store; a large file's check goes on in the background, followed by the
// full `integrity_check`. Until the quick check has passed, WAL checkpoints are held back, so a file found damaged
// later has still not been written (its new deliveries sit in its WAL, where `recover` reads them).
//
// A damaged file is never written again: found before opening, it is not opened for writing at all; found while
// open (the background check, or a read or commit failing with SQLITE_CORRUPT), its store is sealed (no write, no
// checkpoint, its checkpoint worker stopped, closed without one). New deliveries go to a fresh file beside it from
// the same event-loop turn on, through the same ingest interface (200 still only after their commit); settings
// and replay targets are copied over. If the fresh file cannot be made (disk full…), every delivery gets 503 and
// the switch is tried again, less often as it keeps failing. The rest of the core holds `store` and `ingest`,
// which always lead to the current ones. The damaged files are announced (log, `damagedStores` in the status, a
// live event) until recovered.
import fs from 'node:fs';
import path from 'node:path';
import type { DamagedStore } from '../../shared/api';
import type { Ingest } from './ingest-pipeline';
import { openStore } from './store';
import { readStoreFiles, recordDamage, unrecovered, type DamagedStoreRecord } from './store/active-file';
import { startCheckpointer, type Checkpointer } from './store/checkpointer';
import { startIntegrityCheck, type CheckResult, type IntegrityCheck } from './store/integrity';
import { copyConfigFrom } from './store/recover';
import { isCorruption } from './store/salvage';
import type { Store, StoreWriteError } from './store/types';
import { isLogSyncFailure } from './store/wal-sync';

export interface ActiveStoreOptions {
  dataDir: string;
  nativeBinding?: string;
  /** how long start waits for the quick check before opening the store anyway (default 2000 ms up to 64 MB of file, 0 beyond) */
  startCheckBudgetMs?: number;
  /** committer and indexer for a store; onIndexError must be passed on to the indexer */
  makeIngest: (store: Store, onIndexError: (err: unknown) => void) => Ingest;
  log: (entry: Record<string, unknown>) => void;
  /** how a store file is checked (default: startIntegrityCheck); tests hold a verdict back with it */
  checkFile?: (file: string) => IntegrityCheck;
  /**
   * a damaged store file to tell the user about: at start every one not recovered yet, later each one found while
   * running (new deliveries already go to storeFile); `all` = every damaged one not recovered
   */
  onDamaged: (damaged: DamagedStore, storeFile: string, all: DamagedStore[]) => void;
}

export interface ActiveStore {
  /** always the current store */
  store: Store;
  /** always the current committer and indexer */
  ingest: Ingest;
  file(): string;
  /** damaged files not recovered yet */
  damaged(): DamagedStore[];
  /** stops checking and switching, then finishes ingest (in-flight commits, a last indexing slice) */
  closeCommitter(): Promise<void>;
  close(): Promise<void>;
}

interface Generation {
  store: Store;
  ingest: Ingest;
  checkpointer: Checkpointer | null;
  /** the file's check has not passed yet: nothing may be checkpointed into it, not even on close */
  checkpointsHeld: boolean;
  sealed: boolean;
}

/**
 * The start waits for the quick check of a file up to this size (it reads ~400 MB/s: a few hundred ms), at most
 * CHECK_FIRST_BUDGET_MS. A larger file could not be checked in time anyway: it opens at once, its checkpoints held
 * back until the check passes, so the app is ready in well under a second whatever the store's size (a 3 GB check
 * takes ~8 s; waiting 2 s for it made ready 2.6 s on the 1M-delivery bench store).
 */
const CHECK_FIRST_MAX_BYTES = 64 * 1024 * 1024;
const CHECK_FIRST_BUDGET_MS = 2000;

/** retrying a switch to a fresh file that failed: first after this long, doubling up to the cap */
const SWITCH_RETRY_FIRST_MS = 500;
const SWITCH_RETRY_MAX_MS = 30_000;

export async function openActiveStore(o: ActiveStoreOptions): Promise<ActiveStore> {
  const files = readStoreFiles(o.dataDir);
  if (files.warning) o.log({ event: 'warning', code: 'store-pointer-unreadable', message: files.warning });
  let damaged = unrecovered(o.dataDir, files);
  let closing = false;
  const retiring: Promise<void>[] = [];
  let switchRetry: NodeJS.Timeout | null = null;

  let file = files.active;
  const checkFile = o.checkFile ?? ((f: string) => startIntegrityCheck({ file: f, nativeBinding: o.nativeBinding }));
  let check: IntegrityCheck | null = hasData(file) ? checkFile(file) : null;
  let quickAtStart: CheckResult | null = null;
  if (check) {
    const budget = o.startCheckBudgetMs ?? (storeBytes(file) <= CHECK_FIRST_MAX_BYTES ? CHECK_FIRST_BUDGET_MS : 0);
    if (budget > 0) {
      let timer: NodeJS.Timeout | undefined;
      quickAtStart = await Promise.race([check.quick, new Promise<null>((r) => (timer = setTimeout(() => r(null), budget)))]);
      clearTimeout(timer);
    }
  }
  let movedFrom: string | null = null;
  if (quickAtStart?.ok === false) {
    void check!.stop();
    check = null;
    movedFrom = file;
    file = moveAside(file, quickAtStart.problem ?? 'damaged');
  }
  let gen: Generation;
  try {
    // a new file needs no check; a file still being checked gets its checkpoints once it passed
    gen = openGeneration(file, check === null || quickAtStart !== null);
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause ?? err;
    if (!isCorruption(cause)) throw err;
    void check?.stop();
    check = null;
    movedFrom = file;
    file = moveAside(file, `opening failed: ${message(cause)}`);
    gen = openGeneration(file, true);
  }
  if (movedFrom !== null) copyConfig(movedFrom, gen.store);
  if (check) {
    const checked = gen;
    if (quickAtStart === null) {
      void check.quick.then((r) => {
        if (r.ok === false) damagedWhileOpen(checked, r.problem ?? 'damaged');
        else if (checked === gen && !closing && !checked.sealed) startCheckpoints(checked);
      });
    }
    void check.full.then((r) => {
      if (r.ok === false) damagedWhileOpen(checked, r.problem ?? 'damaged');
      else if (r.ok === null && !closing) o.log({ event: 'warning', code: 'store-check-failed', message: `the store file could not be checked: ${r.problem}` });
    });
  }
  // found now, or on an earlier run and not recovered yet: said on every start
  const foundNow = movedFrom === null ? undefined : readStoreFiles(o.dataDir).damaged.find((d) => d.file === path.basename(movedFrom!));
  const toTell = [...damaged.filter((d) => d.file !== foundNow?.file), ...(foundNow ? [{ ...foundNow, path: movedFrom! }] : [])];
  for (const d of toTell) o.onDamaged(toApi(d), gen.store.file, damaged.map(toApi));

  function openGeneration(f: string, checkpointsNow: boolean): Generation {
    const store = openStore({ file: f, nativeBinding: o.nativeBinding });
    const g: Generation = { store, ingest: null as unknown as Ingest, checkpointer: null, checkpointsHeld: !checkpointsNow, sealed: false };
    try {
      g.ingest = o.makeIngest(store, (err) => indexFailed(g, err));
    } catch (err) {
      // e.g. the inbox unreadable: whatever the reason, nothing is checkpointed into the file on the way out
      store.seal();
      store.close();
      throw err;
    }
    // checkpoints wait for a check still running: until it passes, the file keeps its bytes
    if (checkpointsNow) startCheckpoints(g);
    else store.holdCheckpoints();
    return g;
  }

  function startCheckpoints(g: Generation): void {
    g.checkpointsHeld = false;
    // WAL checkpoints on a worker thread, so no acknowledgement waits for one; the store does them itself until
    // the worker is ready, and again if it fails
    g.checkpointer = startCheckpointer({
      file: g.store.file,
      nativeBinding: o.nativeBinding,
      // its reports let indexing make way for the WAL to start over (store/wal-restart.ts)
      onReady: () => g.store.setCheckpointsInBackground(true, g.checkpointer ?? undefined),
      onFailed: (err) => {
        try {
          g.store.setCheckpointsInBackground(false);
        } catch {
          // the store is closing
        }
        if (!g.sealed) o.log({ event: 'warning', code: 'checkpointer-failed', message: message(err) });
      },
    });
  }

  function indexFailed(g: Generation, err: unknown): void {
    if (g.sealed) return;
    const corrupt = corruptionIn(err);
    if (corrupt) return damagedWhileOpen(g, `indexing read a damaged page: ${message(corrupt)}`);
    o.log({ event: 'warning', code: 'index-failed', message: message(err) });
  }

  /** A commit that read a damaged page fails every later one alike: only a fresh file takes deliveries again. */
  function commitFailed(g: Generation, err: unknown): void {
    const corrupt = corruptionIn(err);
    if (corrupt) damagedWhileOpen(g, `storing a delivery read a damaged page: ${message(corrupt)}`);
    // the file may have lost what it was flushing (wal-sync.ts): it takes nothing more, a fresh file does
    else if (isLogSyncFailure(err)) damagedWhileOpen(g, `flushing it to disk failed: ${(err as StoreWriteError).reason}`);
  }

  function damagedWhileOpen(g: Generation, problem: string): void {
    if (closing || g !== gen || g.sealed) return;
    g.sealed = true;
    g.store.seal();
    // the worker's connection would otherwise go on copying the WAL into the file until the store is retired
    g.checkpointer?.stop();
    switchFrom(g, problem, 0);
  }

  /** Until this works, the sealed store stays current and refuses every write: 503s, never a 200 unstored. */
  function switchFrom(g: Generation, problem: string, failures: number): void {
    switchRetry = null;
    if (closing) return;
    const damagedFile = g.store.file;
    let fresh: string | null = null;
    let next: Generation;
    try {
      fresh = moveAside(damagedFile, problem);
      next = openGeneration(fresh, true);
    } catch (err) {
      if (fresh !== null) removeUnused(fresh);
      const delay = Math.min(SWITCH_RETRY_MAX_MS, SWITCH_RETRY_FIRST_MS * 2 ** failures);
      o.log({
        event: 'error',
        code: 'store-switch-failed',
        message: `${damagedFile} is damaged and no fresh store could be opened: ${message(err)}; trying again in ${delay / 1000} s`,
      });
      switchRetry = setTimeout(() => switchFrom(g, problem, failures + 1), delay);
      switchRetry.unref();
      return;
    }
    copyConfig(damagedFile, next.store);
    gen = next;
    retiring.push(retire(g));
    const found = damaged.find((d) => d.path === damagedFile);
    if (found) o.onDamaged(toApi(found), next.store.file, damaged.map(toApi));
  }

  async function retire(g: Generation): Promise<void> {
    // queued deliveries fail (503, retried into the fresh store); indexing and response times stop
    await g.ingest.close().catch(() => {});
    await g.checkpointer?.close();
    g.store.close();
  }

  /** A fresh file that could not be set up held no delivery yet: not left behind to be mistaken for a store. */
  function removeUnused(fresh: string): void {
    for (const f of [fresh, `${fresh}-wal`, `${fresh}-shm`]) {
      try {
        fs.rmSync(f, { force: true });
      } catch {
        // left behind: harmless, the next attempt takes another name
      }
    }
  }

  function moveAside(damagedFile: string, problem: string): string {
    const fresh = recordDamage(o.dataDir, damagedFile, problem);
    damaged = unrecovered(o.dataDir, readStoreFiles(o.dataDir));
    return fresh;
  }

  function copyConfig(damagedFile: string, to: Store): void {
    const problems = copyConfigFrom(damagedFile, to, o.nativeBinding);
    for (const p of problems) o.log({ event: 'warning', code: 'store-config-lost', message: `not carried over from ${damagedFile}: ${p}` });
  }

  function toApi(d: DamagedStoreRecord & { path: string }): DamagedStore {
    const several = damaged.length > 1;
    return {
      file: d.path,
      detectedAt: d.detectedAt,
      problem: d.problem,
      recoverCommand:
        `npm run cli -- recover --data-dir ${shellQuote(o.dataDir)} --out ${shellQuote(`${o.dataDir}-recovered`)}` +
        (several ? ` --store ${shellQuote(d.file)}` : ''),
    };
  }

  // whatever a commit resolves to is passed on untouched; a rejection still reaches the receiver (503, the gateway
  // retries, into the fresh store by then)
  const submit: Ingest['submit'] = (...args) => {
    const g = gen;
    return g.ingest.submit(...args).catch((err: unknown) => {
      commitFailed(g, err);
      throw err;
    });
  };

  return {
    store: delegate(() => gen.store),
    ingest: delegate(() => gen.ingest, { submit }),
    file: () => gen.store.file,
    damaged: () => damaged.map(toApi),
    async closeCommitter() {
      closing = true;
      if (switchRetry) clearTimeout(switchRetry);
      await check?.stop();
      await gen.ingest.close();
    },
    async close() {
      closing = true;
      await Promise.all(retiring);
      // a file whose check has not passed keeps its bytes: its WAL stays beside it, the next start checks it again
      if (gen.checkpointsHeld) gen.store.seal();
      gen.store.setCheckpointsInBackground(false);
      await gen.checkpointer?.close();
      gen.store.close();
    },
  };
}

/**
 * An object whose every property is read from the current target at the moment of use (`fixed` ones excepted).
 * Methods are bound once per target, not on every access: `submit` is read for every delivery.
 */
function delegate<T extends object>(current: () => T, fixed: Partial<T> = {}): T {
  let boundFor: T | null = null;
  let bound = new Map<PropertyKey, { fn: unknown; bound: unknown }>();
  return new Proxy({} as T, {
    get(_t, key) {
      if (Object.hasOwn(fixed, key)) return fixed[key as keyof T];
      const target = current();
      const v = Reflect.get(target, key, target) as unknown;
      if (typeof v !== 'function') return v;
      if (target !== boundFor) {
        boundFor = target;
        bound = new Map();
      }
      const known = bound.get(key);
      if (known?.fn === v) return known.bound;
      const b = (v as (...a: unknown[]) => unknown).bind(target);
      bound.set(key, { fn: v, bound: b });
      return b;
    },
  });
}

/** The SQLITE_CORRUPT (or NOTADB) error behind `err`, which may wrap it (StoreWriteError keeps it as its cause). */
function corruptionIn(err: unknown): unknown {
  for (let e = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) if (isCorruption(e)) return e;
  return null;
}

/** the file and its WAL: what the check reads */
function storeBytes(file: string): number {
  let n = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      n += fs.statSync(f).size;
    } catch {
      // no WAL
    }
  }
  return n;
}

function hasData(file: string): boolean {
  try {
    return fs.statSync(file).size > 0;
  } catch {
    return false;
  }
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `"${s.replace(/(["\\$`])/g, '\\$1')}"`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
