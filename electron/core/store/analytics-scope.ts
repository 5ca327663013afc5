// The set an analytics report covers: the messages a query matches, as SQL every part of the report reads from.
import type { QueryTerm } from '../../../shared/query';
import type { StoreContext } from './context';
import { planMessages, wholeOf } from './filters';

export interface Scope {
  /** `WITH scope(id) AS (...)`: the matching message ids */
  with: string;
  params: unknown[];
  /** no filter: every message is in scope and the tables are read in storage order instead of id by id */
  everything: boolean;
  /** runs one part of the report, telling `onSection` how long it took (the benchmark prints them) */
  time<T>(section: string, fn: () => T): T;
}

export type SectionTimes = (section: string, ms: number) => void;

export function scopeOf(ctx: StoreContext, terms: QueryTerm[], onSection?: SectionTimes): Scope {
  const time: Scope['time'] = (section, fn) => {
    if (!onSection) return fn();
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      onSection(section, performance.now() - t0);
    }
  };
  if (terms.length === 0) return { with: 'WITH scope(id) AS (SELECT id FROM messages)', params: [], everything: true, time };
  // the matching ids, found once for the dozen statements of a report (a temporary table: never in the store
  // file, so a read-only connection keeps it too), in id order for the lookups of their deliveries
  time('scope', () => {
    const plan = wholeOf(planMessages(ctx, terms), 'ids');
    const where = plan.where;
    ctx.db.exec('CREATE TEMP TABLE IF NOT EXISTS analytics_scope (id INTEGER PRIMARY KEY)');
    ctx.stmt('DELETE FROM temp.analytics_scope').run();
    ctx.stmt(`INSERT OR IGNORE INTO temp.analytics_scope SELECT ${plan.id} FROM ${plan.from} WHERE ${where.sql}`).run(...where.params);
  });
  return { with: 'WITH scope(id) AS (SELECT id FROM temp.analytics_scope)', params: [], everything: false, time };
}

/** Runs `sql` (which may read `scope`) with the scope's parameters first, rows as arrays. */
export function rawRows<T>(ctx: StoreContext, s: Scope, sql: string, ...params: unknown[]): T[] {
  return ctx.stmt(`${s.with} ${sql}`, 'raw').all(...s.params, ...params) as T[];
}
