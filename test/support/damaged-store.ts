// A store written by the real code and then damaged the way issue 12 found it: 64 KiB of garbage written over
// pages in the middle of `inspector.sqlite`, after the data reached the main file (closed, so the WAL was
// checkpointed into it and removed).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../electron/core/store';
import type { IngestInput } from '../../electron/core/store/types';
import { generateDeliveries } from './store-fixtures';

const GARBAGE_BYTES = 64 * 1024;

export interface OriginalDelivery {
  id: number;
  method: string;
  path: string;
  headers: string;
  body: Buffer;
}

/**
 * Writes `total` generated deliveries through the receiver's two phases (append, then index in slices), leaving
 * the last `pending` of them un-indexed, and closes the store. Returns each delivery as stored.
 */
export function writeStore(file: string, total: number, pending: number, seed = 7): OriginalDelivery[] {
  const store = openStore({ file });
  const inputs: IngestInput[] = [];
  for (const d of generateDeliveries({ messages: Math.ceil(total / 3), seed, startAt: Date.UTC(2025, 10, 28, 12) })) {
    inputs.push(d);
    if (inputs.length === total) break;
  }
  const out: OriginalDelivery[] = [];
  const keep = (batch: IngestInput[], ids: number[]) =>
    batch.forEach((d, i) =>
      out.push({ id: ids[i]!, method: d.request.method, path: d.request.path, headers: JSON.stringify(d.request.headers), body: Buffer.from(d.request.body) }),
    );
  const indexedCount = total - pending;
  // batches as the group committer makes them, indexed in between (freed inbox pages get reused, so the tables'
  // pages interleave through the file as they do in a real store)
  for (let i = 0; i < indexedCount; i += 50) {
    const batch = inputs.slice(i, Math.min(i + 50, indexedCount));
    keep(batch, store.ingestRaw(batch).map((s) => s.id));
    while (store.indexPending(500).length > 0);
  }
  for (let i = indexedCount; i < total; i += 50) {
    const batch = inputs.slice(i, Math.min(i + 50, total));
    keep(batch, store.ingestRaw(batch).map((s) => s.id));
  }
  store.close();
  if (fs.existsSync(`${file}-wal`)) throw new Error('the WAL should have been checkpointed into the file on close');
  return out;
}

export interface PageInfo {
  page: number;
  table: string;
  kind: string;
}

/** Which table each page of the file belongs to (SQLite's dbstat), and the page size. */
function pageMap(file: string): { pageSize: number; pageCount: number; pages: Map<number, PageInfo> } {
  const db = new Database(file, { readonly: true });
  try {
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const stat = db.prepare('SELECT name, pageno, pagetype FROM dbstat').all() as { name: string; pageno: number; pagetype: string }[];
    return {
      pageSize,
      pageCount: fs.statSync(file).size / pageSize,
      pages: new Map(stat.map((s) => [s.pageno, { page: s.pageno, table: s.name, kind: s.pagetype }])),
    };
  } finally {
    db.close();
  }
}

const DATA_TABLES = new Set(['deliveries', 'bodies', 'inbox']);

/**
 * Overwrites GARBAGE_BYTES of the file with seeded random bytes, from the first page at or after `from` (default:
 * the page in the middle) whose span hits no schema page and no interior page of the delivery tables: rows below a broken interior
 * page cannot be reached by id at all (see salvage.ts), and this damage is meant to be survivable. `hits`: the
 * span must also hit a leaf of this table. Returns the damaged pages.
 */
export function damageFile(file: string, opts: { from?: number; hits?: string; seed?: number } = {}): PageInfo[] {
  const { pageSize, pageCount, pages } = pageMap(file);
  const span = GARBAGE_BYTES / pageSize;
  const fits = (first: number) => {
    let hit = opts.hits === undefined;
    for (let q = first; q < first + span; q++) {
      const s = pages.get(q);
      if (s && DATA_TABLES.has(s.table) && s.kind === 'internal') return false;
      // the schema spans several pages since the analytics summaries (migration 6): without it nothing is readable
      if (s && (s.table === 'sqlite_schema' || s.table === 'sqlite_master')) return false;
      if (s && s.table === opts.hits && s.kind === 'leaf') hit = true;
    }
    return hit;
  };
  let first = opts.from ?? Math.floor(pageCount / 2);
  while (!fits(first)) {
    first++;
    if (first + span > pageCount) throw new Error('no place to damage as asked');
  }
  const garbage = Buffer.alloc(GARBAGE_BYTES);
  let a = (opts.seed ?? 12) >>> 0;
  for (let i = 0; i < garbage.length; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    garbage[i] = a >>> 24;
  }
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, garbage, 0, garbage.length, (first - 1) * pageSize);
  } finally {
    fs.closeSync(fd);
  }
  return Array.from({ length: span }, (_, i) => pages.get(first + i) ?? { page: first + i, table: '(free)', kind: '' });
}

/**
 * The deliveries of a damaged file that SQLite can still read one by one (a point read of each id, in whichever
 * table holds it): the oracle for what a recovery must give back.
 */
export function readableOneByOne(file: string, ids: number[]): Map<number, OriginalDelivery> {
  const db = new Database(file, { readonly: true });
  const indexed = db.prepare('SELECT d.id, d.method, d.path, d.headers, b.body FROM deliveries d JOIN bodies b ON b.id = d.id WHERE d.id = ?');
  const inbox = db.prepare('SELECT id, method, path, headers, body FROM inbox WHERE id = ?');
  const out = new Map<number, OriginalDelivery>();
  for (const id of ids) {
    for (const stmt of [indexed, inbox]) {
      try {
        const row = stmt.get(id) as OriginalDelivery | undefined;
        if (row) out.set(id, row);
      } catch {
        // unreadable here
      }
    }
  }
  db.close();
  return out;
}

export function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * Garbage over the root page of `table` in a store file the core has open: a disk going bad under a running app.
 * The WAL is first copied into the file and emptied (so the page is read from the file from now on); emptying it
 * also makes the core's connection drop the pages it holds in memory, so its next use of the table reads the
 * garbage.
 */
export async function damageTableWhileOpen(file: string, table: string): Promise<void> {
  const db = new Database(file);
  let root: number;
  let pageSize: number;
  try {
    // the core's checkpoint worker can hold the log for a moment
    for (let tries = 0; ; tries++) {
      const [r] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      if (r!.busy === 0) break;
      if (tries > 500) throw new Error('the WAL could not be emptied');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    pageSize = db.pragma('page_size', { simple: true }) as number;
    root = db.prepare('SELECT rootpage FROM sqlite_schema WHERE name = ?').pluck().get(table) as number;
  } finally {
    db.close();
  }
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (root - 1) * pageSize);
  } finally {
    fs.closeSync(fd);
  }
}

/** Holds the event loop (a slow turn: a large fresh store being set up, a busy machine) while threads run on. */
export function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
