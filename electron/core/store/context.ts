// What every part of the store shares: the connection and a cache of prepared statements (one per SQL text),
// so neither ingest nor queries ever re-prepare.
import type Database from 'better-sqlite3';
import { counterKey } from '../../../shared/facet-keys';
import { SummaryDeltas } from './summary-deltas';

export interface StoreContext {
  db: Database.Database;
  /** 'pluck' returns the first column only, 'raw' arrays; set once per cached statement, never toggled */
  stmt(sql: string, mode?: 'pluck' | 'raw'): Database.Statement;
  /**
   * No new delivery takes an id at or below this: the highest id of a deleted test callback (counter 'retired-ids',
   * store/test-callbacks.ts). Read once, on the first append, and raised by the deletion, so the acknowledgement path
   * reads no row for it; undefined until then.
   */
  retiredIds?: number;
  /** the file was found damaged: nothing is written to it any more (index.ts seal), not even by a read */
  sealed?: boolean;
}

export function createContext(db: Database.Database): StoreContext {
  const cache = new Map<string, Database.Statement>();
  return {
    db,
    stmt(sql, mode) {
      const key = mode ? `${mode}:${sql}` : sql;
      let s = cache.get(key);
      if (!s) {
        s = db.prepare(sql);
        if (mode === 'pluck') s.pluck();
        else if (mode === 'raw') s.raw();
        // dynamic filter SQL has bounded variety (one text per combination of fields), but be safe
        if (cache.size > 500) cache.clear();
        cache.set(key, s);
      }
      return s;
    },
  };
}

/**
 * Runs fn, which commits, with synchronous=NORMAL: its commit writes the WAL without an fsync of its own. For writes
 * a power cut may lose without harm (data derived from stored deliveries, answer times, a deletion the user would
 * ask for again): the next delivery's commit, which is synced, makes them durable with it. Cached statements:
 * db.pragma() prepares one on every call.
 */
export function withoutOwnSync<T>(ctx: StoreContext, fn: () => T): T {
  ctx.stmt('PRAGMA synchronous = NORMAL').run();
  try {
    return fn();
  } finally {
    ctx.stmt('PRAGMA synchronous = FULL').run();
  }
}

/** How long background writes (indexing, due-message refreshes) wait for another connection's lock. */
const BACKGROUND_BUSY_MS = 50;

/**
 * Runs fn with a short busy timeout. better-sqlite3 waits for a lock on the calling thread, i.e. the event loop:
 * work that can be retried later must not hold it for the full timeout, and must leave the lock to the
 * acknowledgement path, whose wait ends in the 503 the gateway retries on.
 */
export function withShortBusyWait<T>(ctx: StoreContext, fn: () => T, ms = BACKGROUND_BUSY_MS): T {
  // cached statements: db.pragma() prepares its statement on every call, three times a slice
  const previous = ctx.stmt('PRAGMA busy_timeout', 'pluck').get() as number;
  if (previous <= ms) return fn();
  ctx.stmt(`PRAGMA busy_timeout = ${ms}`).run();
  try {
    return fn();
  } finally {
    ctx.stmt(`PRAGMA busy_timeout = ${previous}`).run();
  }
}

/** Accumulates counter changes during a transaction, the analytics summaries' with them; written once at the end. */
export class CounterDeltas {
  private readonly deltas = new Map<string, number>();
  /** the longest first-to-last span of a message written meanwhile (counter 'longest-span' keeps the maximum) */
  private longestSpan = -1;
  readonly summaries = new SummaryDeltas();
  add(key: string, n: number): void {
    this.deltas.set(key, (this.deltas.get(key) ?? 0) + n);
  }
  span(ms: number): void {
    if (ms > this.longestSpan) this.longestSpan = ms;
  }
  flush(ctx: StoreContext): void {
    const upsert = ctx.stmt(
      'INSERT INTO counters (key, n) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET n = n + excluded.n',
    );
    for (const [key, n] of this.deltas) if (n !== 0) upsert.run(key, n);
    this.deltas.clear();
    if (this.longestSpan >= 0) {
      // `before:` filters rely on no message lasting longer (filters.ts): a maximum, never lowered
      ctx
        .stmt('INSERT INTO counters (key, n) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET n = excluded.n WHERE excluded.n > n')
        .run(counterKey('longest-span'), this.longestSpan);
      this.longestSpan = -1;
    }
    this.summaries.flush(ctx);
  }
}
