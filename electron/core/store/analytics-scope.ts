// The set an analytics report covers: the messages a query matches, as SQL every part of the report reads from.
import type { QueryTerm } from '../../../shared/query';
import type { StoreContext } from './context';
import { planMessages, whereOf } from './filters';

export interface Scope {
  /** `WITH scope(id) AS MATERIALIZED (...)`: the matching message ids, computed once per statement */
  with: string;
  params: unknown[];
  /** no filter: every message is in scope and the tables are read in storage order instead of id by id */
  everything: boolean;
  /** runs one part of the report, telling `onSection` how long it took (the benchmark prints them) */
  time<T>(section: string, fn: () => T): T;
}

export type SectionTimes = (section: string, ms: number) => void;

export function scopeOf(ctx: StoreContext, terms: QueryTerm[], onSection?: SectionTimes): Scope {
  const plan = planMessages(ctx, terms);
  const where = whereOf(plan);
  return {
    with: `WITH scope(id) AS MATERIALIZED (SELECT m.id FROM ${plan.from} WHERE ${where.sql})`,
    params: where.params,
    everything: terms.length === 0,
    time(section, fn) {
      if (!onSection) return fn();
      const t0 = performance.now();
      try {
        return fn();
      } finally {
        onSection(section, performance.now() - t0);
      }
    },
  };
}

/** `FROM … WHERE` over the deliveries of the scope's messages (alias d): append a condition, or `1`. */
export function scopeDeliveries(s: Scope): string {
  return s.everything
    ? 'deliveries d NOT INDEXED WHERE d.msg_id IS NOT NULL AND'
    : 'scope JOIN deliveries d INDEXED BY deliveries_msg ON d.msg_id = scope.id WHERE';
}

/** Runs `sql` (which may read `scope`) with the scope's parameters first, rows as arrays. */
export function rawRows<T>(ctx: StoreContext, s: Scope, sql: string, ...params: unknown[]): T[] {
  return ctx.stmt(`${s.with} ${sql}`, 'raw').all(...s.params, ...params) as T[];
}
