// `recover`: every delivery a damaged store file can still give back, copied into a new store. The source is
// opened read-only (its bytes and its WAL stay as they are) and read in id order from both tables a delivery can
// be in (`deliveries`+`bodies` once indexed, `inbox` before: see ingest.ts), stepping over what fails
// (salvage.ts). Each delivery keeps its id (the receiver answered the gateway with it) and is indexed again by the
// normal code path, so flags, attempts and messages are derived afresh rather than copied from damaged pages.
// Settings, replay targets and replay history come along when readable.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openStore, type Store } from './index';
import { DB_FILE_NAME, ACTIVE_FILE_NAME } from './active-file';
import type { InboxRow } from './rows';
import { inReadSnapshot, isCorruption, readPastDamage, summarizeRanges, type UnreadableRange } from './salvage';
import { MAX_PROBLEMS } from './integrity';

export class RecoverError extends Error {}

export interface RecoverResult {
  source: string;
  out: string;
  /** deliveries copied (each with its id) */
  deliveries: number;
  firstId: number | null;
  lastId: number | null;
  /** id ranges no delivery could be read from, per table (merged) */
  unreadable: UnreadableRange[];
  /** ids inside the closed unreadable ranges, i.e. deliveries lost (ids have no gaps) */
  unreadableIds: number;
  /** what SQLite's own check says about the source (page-level damage), at most 20 lines */
  damage: string[];
  settings: number;
  targets: number;
  forwards: number;
  /** side data that could not be read */
  notCopied: string[];
}

const PAGE = 500;
const INDEX_SLICE = 2000;

const COLUMNS = `id, received_at, method, path, query, headers, remote_address, body_size, body_truncated, outcome,
  response_status, response_ms, reject_reason`;

function storeFileIn(dir: string): string | null {
  if (!fs.existsSync(dir)) return null;
  const found = fs.readdirSync(dir).find((f) => f === ACTIVE_FILE_NAME || /^inspector[\w.-]*\.sqlite$/.test(f));
  return found ? path.join(dir, found) : null;
}

export function recoverStore(opts: {
  source: string;
  outDir: string;
  nativeBinding?: string;
  onProgress?: (copied: number, lastId: number) => void;
}): RecoverResult {
  const existing = storeFileIn(opts.outDir);
  if (existing) throw new RecoverError(`${opts.outDir} already holds a store (${path.basename(existing)}); choose an empty or new folder`);
  if (!fs.existsSync(opts.source)) throw new RecoverError(`no store file at ${opts.source}`);
  let src: Database.Database;
  try {
    src = new Database(opts.source, { readonly: true, fileMustExist: true, ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}) });
    src.pragma('busy_timeout = 2000');
  } catch (err) {
    throw new RecoverError(`cannot open ${opts.source}: ${message(err)}`);
  }
  const result: RecoverResult = {
    source: opts.source,
    out: opts.outDir,
    deliveries: 0,
    firstId: null,
    lastId: null,
    unreadable: [],
    unreadableIds: 0,
    damage: [],
    settings: 0,
    targets: 0,
    forwards: 0,
    notCopied: [],
  };
  let target: Store | null = null;
  const outFile = path.join(opts.outDir, DB_FILE_NAME);
  try {
    result.damage = check(src);
    const tables = tablesOf(src);
    if (tables === null) throw new RecoverError(`${opts.source}: the list of tables is unreadable, so no delivery can be found`);
    const skipped: UnreadableRange[] = [];
    for (const page of deliveryPages(src, tables, (r) => skipped.push(r))) {
      if (!target) {
        fs.mkdirSync(opts.outDir, { recursive: true });
        target = openStore({ file: outFile, nativeBinding: opts.nativeBinding });
      }
      target.importRaw(page);
      // indexed page by page, in id order, as the receiver's deliveries are: each is classified against the
      // deliveries before it
      while (target.indexPending(INDEX_SLICE).length > 0);
      // and added to full text, which the app would do once quiet: a read-only export of the copy searches it
      while (target.indexText(5000) > 0);
      result.deliveries += page.length;
      result.firstId ??= page[0]!.id;
      result.lastId = page[page.length - 1]!.id;
      opts.onProgress?.(result.deliveries, result.lastId);
    }
    const summary = summarizeRanges(skipped);
    result.unreadable = summary.ranges;
    result.unreadableIds = summary.ids;
    if (!target) {
      throw new RecoverError(
        `nothing readable in ${opts.source}` + (summary.ranges.length > 0 ? ` (every read failed: ${summary.ranges[0]!.error})` : ' (it holds no deliveries)'),
      );
    }
    copyConfig(src, target, tables, result);
    copyForwards(src, target, tables, result);
  } finally {
    src.close();
    target?.close();
  }
  return result;
}

/** SQLite's own verdict on the pages, for the report (the copy does not depend on it). */
function check(src: Database.Database): string[] {
  try {
    const lines = (src.pragma(`quick_check(${MAX_PROBLEMS})`) as Record<string, unknown>[]).map((r) => String(Object.values(r)[0]));
    return lines.length === 1 && lines[0] === 'ok' ? [] : lines.flatMap((l) => l.split('\n')).filter((l) => l && !l.startsWith('***'));
  } catch (err) {
    return [message(err)];
  }
}

function tablesOf(src: Database.Database): Set<string> | null {
  try {
    return new Set((src.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]));
  } catch (err) {
    if (isCorruption(err)) return null;
    throw err;
  }
}

/** Pages of deliveries in id order from both tables, as inbox rows (the request as received). */
function* deliveryPages(src: Database.Database, tables: Set<string>, onSkip: (r: UnreadableRange) => void): Generator<InboxRow[]> {
  const sources: { table: string; stmt: Database.Statement }[] = [];
  if (tables.has('deliveries') && tables.has('bodies')) {
    const cols = COLUMNS.split(',').map((c) => `d.${c.trim()}`).join(', ');
    sources.push({ table: 'deliveries', stmt: src.prepare(`SELECT ${cols}, b.body FROM deliveries d JOIN bodies b ON b.id = d.id WHERE d.id >= ? ORDER BY d.id LIMIT ?`) });
  }
  if (tables.has('inbox')) sources.push({ table: 'inbox', stmt: src.prepare(`SELECT ${COLUMNS}, body FROM inbox WHERE id >= ? ORDER BY id LIMIT ?`) });
  const reported = new Set<string>();
  let after = 0;
  for (;;) {
    const skips: UnreadableRange[] = [];
    const rows = inReadSnapshot(src, () =>
      sources.flatMap(
        ({ table, stmt }) =>
          readPastDamage(
            table,
            (lo, n) => stmt.all(lo, n) as InboxRow[],
            (lo, n) => stmt.iterate(lo, n) as IterableIterator<InboxRow>,
            after + 1,
            PAGE,
            (r) => skips.push(r),
          ).rows,
      ),
    ).sort((a, b) => a.id - b.id);
    const page: InboxRow[] = [];
    for (const r of rows) {
      if (page.length === PAGE) break;
      // one id in both tables cannot happen (indexing moves a row in one transaction); the indexed copy wins
      if (page.length > 0 && page[page.length - 1]!.id === r.id) continue;
      page.push(r);
    }
    const end = page.length === 0 ? Infinity : page[page.length - 1]!.id;
    for (const s of skips) {
      const key = `${s.table}:${s.from}`;
      if (s.from <= end && !reported.has(key)) (reported.add(key), onSkip(s));
    }
    if (page.length === 0) return;
    yield page;
    after = end;
  }
}

/**
 * Settings and replay targets of a damaged store file, copied into the fresh store that replaces it (the tunnel's
 * subdomain, forwarding choices, targets carry over). Read-only, best effort: returns what could not be read.
 */
export function copyConfigFrom(source: string, target: Store, nativeBinding?: string): string[] {
  const out = { settings: 0, targets: 0, notCopied: [] as string[] };
  try {
    const src = new Database(source, { readonly: true, fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) });
    try {
      const tables = tablesOf(src);
      if (tables === null) out.notCopied.push('settings and replay targets: the list of tables is unreadable');
      else copyConfig(src, target, tables, out);
    } finally {
      src.close();
    }
  } catch (err) {
    out.notCopied.push(`settings and replay targets: ${message(err)}`);
  }
  return out.notCopied;
}

const attempt = (result: { notCopied: string[] }, what: string, fn: () => void) => {
  try {
    fn();
  } catch (err) {
    result.notCopied.push(`${what}: ${message(err)}`);
  }
};

function copyConfig(src: Database.Database, target: Store, tables: Set<string>, result: { settings: number; targets: number; notCopied: string[] }): void {
  if (tables.has('settings')) {
    attempt(result, 'settings', () => {
      for (const s of src.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[]) {
        target.setSetting(s.key, JSON.parse(s.value));
        result.settings++;
      }
    });
  }
  if (tables.has('targets')) {
    attempt(result, 'replay targets', () => {
      for (const t of src.prepare('SELECT url, headers, is_default FROM targets ORDER BY id').all() as { url: string; headers: string; is_default: number }[]) {
        target.saveTarget({ url: t.url, headers: JSON.parse(t.headers) as [string, string][], isDefault: t.is_default === 1 });
        result.targets++;
      }
    });
  }
}

function copyForwards(src: Database.Database, target: Store, tables: Set<string>, result: RecoverResult): void {
  if (tables.has('forward_attempts')) {
    // replay history refers to deliveries by id, which recovery keeps
    const stmt = src.prepare('SELECT * FROM forward_attempts WHERE id >= ? ORDER BY id LIMIT ?');
    type Row = { id: number } & Record<string, unknown>;
    attempt(result, 'replay history', () => {
      let from = 1;
      for (;;) {
        const { rows, done } = readPastDamage(
          'forward_attempts',
          (lo, n) => stmt.all(lo, n) as Row[],
          (lo, n) => stmt.iterate(lo, n) as IterableIterator<Row>,
          from,
          PAGE,
          (r) => result.notCopied.push(`replay history ids ${r.from}–${r.to ?? 'end'}: ${r.error}`),
        );
        for (const r of rows) {
          target.insertForward({
            deliveryId: r.delivery_id as number,
            targetUrl: r.target_url as string,
            mode: r.mode as 'replay',
            startedAt: r.started_at as number,
            attempt: r.attempt as number,
            requestHeaders: JSON.parse(r.request_headers as string) as [string, string][],
            requestBodySize: r.request_body_size as number,
            status: r.status as number | null,
            responseHeaders: JSON.parse(r.response_headers as string) as [string, string][],
            responseExcerpt: r.response_excerpt as string,
            durationMs: r.duration_ms as number,
            error: r.error as string | null,
          });
          result.forwards++;
        }
        if (done || rows.length === 0) return;
        from = rows[rows.length - 1]!.id + 1;
      }
    });
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
