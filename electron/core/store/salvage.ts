// Reading past damage. A store file with garbage in the middle fails every query that touches a broken page with
// SQLITE_CORRUPT, so one bad page used to end an export (and would end a recovery) outright. Rows are keyed by
// id, so a table can be read in id order and a failing stretch stepped over: from the first id that fails, probe
// forward for the first id from which reading works again (doubling steps, then bisecting back), report the ids in
// between as unreadable, and carry on. A damaged leaf costs the rows on it; a damaged interior page the rows
// below it. What a page holds without any structure SQLite can check (the tail of a large body on an overflow
// page) comes back as whatever bytes are there: no reader can tell.
import type Database from 'better-sqlite3';

/** Ids of one table that could not be read (to: null = every id from `from` on). */
export interface UnreadableRange {
  table: string;
  from: number;
  to: number | null;
  error: string;
}

export function isCorruption(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/** rows with id >= fromId, ascending, at most `limit` */
export type FetchRows<T> = (fromId: number, limit: number) => T[];
export type IterateRows<T> = (fromId: number, limit: number) => Iterable<T>;

const LAST_ID = Number.MAX_SAFE_INTEGER;

/**
 * Up to `limit` rows of one table with id >= `from`, in id order, stepping over ranges that fail with
 * SQLITE_CORRUPT (each reported once through onSkip). `done`: the table has no readable row after these.
 * `fetch` is the fast path (one call per page); `iterate` yields the rows before a failure.
 */
export function readPastDamage<T extends { id: number }>(
  table: string,
  fetch: FetchRows<T>,
  iterate: IterateRows<T>,
  from: number,
  limit: number,
  onSkip: (range: UnreadableRange) => void,
): { rows: T[]; done: boolean } {
  const rows: T[] = [];
  let lo = from;
  while (rows.length < limit) {
    const want = limit - rows.length;
    let got: T[];
    try {
      got = fetch(lo, want);
    } catch (err) {
      if (!isCorruption(err)) throw err;
      // the rows of this page before the broken one
      try {
        for (const r of iterate(lo, want)) {
          rows.push(r);
          lo = r.id + 1;
        }
        // read fine the second time (nothing is cached across a failure): take it
        if (rows.length < limit) return { rows, done: true };
        break;
      } catch (again) {
        if (!isCorruption(again)) throw again;
      }
      const resume = firstReadableFrom(fetch, lo);
      onSkip({ table, from: lo, to: resume === null ? null : resume - 1, error: message(err) });
      if (resume === null) return { rows, done: true };
      lo = resume;
      continue;
    }
    for (const r of got) rows.push(r);
    if (got.length < want) return { rows, done: true };
    lo = got[got.length - 1]!.id + 1;
  }
  return { rows, done: false };
}

/** The smallest id > `failing` from which a read works (null: none up to the largest id). */
function firstReadableFrom<T>(fetch: FetchRows<T>, failing: number): number | null {
  const works = (id: number) => {
    try {
      fetch(id, 1);
      return true;
    } catch (err) {
      if (!isCorruption(err)) throw err;
      return false;
    }
  };
  // doubling steps find a working id in log2(gap) reads; then bisect back to the first one
  let bad = failing;
  let step = 1;
  let good: number | null = null;
  while (bad < LAST_ID) {
    const probe = Math.min(LAST_ID, failing + step);
    if (works(probe)) {
      good = probe;
      break;
    }
    bad = probe;
    step *= 2;
  }
  if (good === null) return null;
  let first: number = good;
  while (first - bad > 1) {
    const mid = bad + Math.floor((first - bad) / 2);
    if (works(mid)) first = mid;
    else bad = mid;
  }
  return first;
}

/**
 * Runs reads in one read transaction (one snapshot). After SQLITE_CORRUPT inside a transaction SQLite fails the
 * COMMIT of even a read-only one (having ended it): nothing was written, so that failure is not an error here.
 */
export function inReadSnapshot<T>(db: Database.Database, fn: () => T): T {
  if (db.inTransaction) return fn();
  db.prepare('BEGIN').run();
  let ok = false;
  try {
    const result = fn();
    ok = true;
    return result;
  } finally {
    try {
      if (db.inTransaction) db.prepare(ok ? 'COMMIT' : 'ROLLBACK').run();
    } catch (err) {
      if (db.inTransaction) db.prepare('ROLLBACK').run();
      else if (!isCorruption(err)) throw err;
    }
  }
}

/** Merges overlapping and adjacent ranges of the same table; ids counted over the closed ones. */
export function summarizeRanges(ranges: UnreadableRange[]): { ranges: UnreadableRange[]; ids: number; open: boolean } {
  const sorted = [...ranges].sort((a, b) => a.table.localeCompare(b.table) || a.from - b.from);
  const out: UnreadableRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.table === r.table && (last.to === null || last.to + 1 >= r.from)) {
      if (last.to !== null) last.to = r.to === null ? null : Math.max(last.to, r.to);
      continue;
    }
    out.push({ ...r });
  }
  let ids = 0;
  let open = false;
  for (const r of out) {
    if (r.to === null) open = true;
    else ids += r.to - r.from + 1;
  }
  return { ranges: out, ids, open };
}

/** "deliveries ids 120–131, inbox ids 4000 and up" */
export function describeRanges(ranges: UnreadableRange[]): string {
  return ranges
    .map((r) => `${r.table} ${r.to === null ? `ids ${r.from} and up` : r.from === r.to ? `id ${r.from}` : `ids ${r.from}–${r.to}`}`)
    .join(', ');
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
