// Pins and notes (store migration 9, table `marks`): what the user marked on a delivery (kind 'd', key its id) or a
// message (kind 'm', key its reference, which outlives the message row's id when it is rebuilt). A side table, so
// neither the acknowledgement path nor indexing writes a byte more; a row with neither pin nor note is removed.
// A delivery's key is an integer compared as `x.key = +d.id` (no affinity on either side, so the primary key is used).
import { ApiError } from '../../../shared/api-error';
import { asciiLower, NOTE_MAX_CHARS, type MarkKind } from '../../../shared/marks';
import type { StoreContext } from './context';
import { toStoreWriteError } from './errors';
import type { Driver, Pred } from './filter-sql';

export interface Mark {
  pinned: boolean;
  note: string | null;
}

/** SQL of a delivery's (alias d) mark columns, for the list rows (rows.ts SUMMARY_COLUMNS). */
export const DELIVERY_MARK_COLUMNS = `(SELECT x.pinned FROM marks x WHERE x.kind = 'd' AND x.key = +d.id) AS mark_pinned,
  (SELECT x.note FROM marks x WHERE x.kind = 'd' AND x.key = +d.id) AS mark_note`;
/** The same for a message (alias m). */
export const MESSAGE_MARK_COLUMNS = `(SELECT x.pinned FROM marks x WHERE x.kind = 'm' AND x.key = m.reference) AS mark_pinned,
  (SELECT x.note FROM marks x WHERE x.kind = 'm' AND x.key = m.reference) AS mark_note`;

/** What a summary carries of its mark: nothing when unmarked, so unmarked rows look as before. */
export function markFields(r: { mark_pinned?: number | null; mark_note?: string | null }): { pinned?: true; note?: string } {
  return { ...(r.mark_pinned === 1 ? { pinned: true as const } : {}), ...(r.mark_note ? { note: r.mark_note } : {}) };
}

function keyOf(kind: MarkKind, key: string | number): string | number {
  if (kind === 'delivery') {
    const id = typeof key === 'number' ? key : Number(key);
    if (!Number.isSafeInteger(id) || id < 1) throw new ApiError('bad-request', `not a delivery id: ${String(key)}`);
    return id;
  }
  return String(key);
}

const KIND = { delivery: 'd', message: 'm' } as const;

export function getMark(ctx: StoreContext, kind: MarkKind, key: string | number): Mark {
  const r = ctx.stmt('SELECT pinned, note FROM marks WHERE kind = ? AND key = ?').get(KIND[kind], keyOf(kind, key)) as
    | { pinned: number; note: string | null }
    | undefined;
  return { pinned: r?.pinned === 1, note: r?.note ?? null };
}

/**
 * Sets the pin and/or the note (undefined: left as is; note '' or null: removed). Only something stored can be
 * marked: a note on a delivery deleted a moment ago would stay behind unseen.
 */
export function setMark(
  ctx: StoreContext,
  kind: MarkKind,
  key: string | number,
  change: { pinned?: boolean; note?: string | null },
  now: number,
): Mark {
  const k = keyOf(kind, key);
  const note = change.note === undefined ? undefined : change.note === null || change.note.trim() === '' ? null : change.note;
  if (note && note.length > NOTE_MAX_CHARS) throw new ApiError('bad-request', `a note holds at most ${NOTE_MAX_CHARS} characters`);
  try {
    return ctx.db.transaction(() => {
      const exists =
        kind === 'delivery'
          ? ctx.stmt('SELECT 1 FROM deliveries WHERE id = ? UNION ALL SELECT 1 FROM inbox WHERE id = ?', 'pluck').get(k, k)
          : ctx.stmt('SELECT 1 FROM messages WHERE reference = ?', 'pluck').get(k);
      if (exists === undefined) throw new ApiError('not-found', `no such ${kind}: ${String(key)}`);
      const old = getMark(ctx, kind, k);
      const next: Mark = { pinned: change.pinned ?? old.pinned, note: note === undefined ? old.note : note };
      if (!next.pinned && next.note === null) ctx.stmt('DELETE FROM marks WHERE kind = ? AND key = ?').run(KIND[kind], k);
      else {
        ctx
          .stmt(`INSERT INTO marks (kind, key, pinned, note, updated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (kind, key) DO UPDATE SET pinned = excluded.pinned, note = excluded.note, updated_at = excluded.updated_at`)
          .run(KIND[kind], k, next.pinned ? 1 : 0, next.note, now);
      }
      return next;
    }).immediate();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw toStoreWriteError(err);
  }
}

/**
 * SQL true for a delivery (alias d) that is kept because it or its message is pinned. Deletions and pruning skip
 * these: a pinned message keeps every delivery it is built from, so it reads the same afterwards.
 */
export const PINNED_DELIVERY = `(EXISTS (SELECT 1 FROM marks x WHERE x.kind = 'd' AND x.key = +d.id AND x.pinned = 1)
  OR (d.msg_id IS NOT NULL AND EXISTS (SELECT 1 FROM marks x JOIN messages pm ON pm.reference = x.key
    WHERE x.kind = 'm' AND x.pinned = 1 AND pm.id = d.msg_id)))`;

/** Marks of deliveries and messages no longer stored, pinned or not (after a deletion). */
export function forgetMarksOf(ctx: StoreContext, deliveryIds: readonly number[], references: readonly string[]): void {
  const d = ctx.stmt("DELETE FROM marks WHERE kind = 'd' AND key = ?");
  for (const id of deliveryIds) d.run(id);
  const m = ctx.stmt("DELETE FROM marks WHERE kind = 'm' AND key = ?");
  for (const ref of references) m.run(ref);
}

/** Every pin removed (Clear all with "clear pins"); notes stay on what is still stored. */
export function clearPins(ctx: StoreContext): void {
  ctx.stmt('UPDATE marks SET pinned = 0 WHERE pinned = 1').run();
  ctx.stmt('DELETE FROM marks WHERE pinned = 0 AND note IS NULL').run();
}

// ---- the query language's pinned: and note: (shared/query.ts; in memory: shared/query-match.ts markMatches) ----

type Alias = 'd' | 'm';
const OWN: Record<Alias, { kind: string; key: string; rows: string; join: string }> = {
  d: { kind: 'd', key: '+d.id', rows: 'deliveries d', join: 'd.id = x.key' },
  m: { kind: 'm', key: 'm.reference', rows: 'messages m', join: 'm.reference = x.key' },
};

/** What a pinned: or note: term asks of a mark row (alias x), as in markMatches: ASCII case is ignored, as lower() does. */
function markCondition(field: 'pinned' | 'note', value: string): Pred {
  return field === 'pinned' ? { sql: 'x.pinned = 1', params: [] } : { sql: 'instr(lower(x.note), ?) > 0', params: [asciiLower(value)] };
}

/** pinned:yes|no and note:text on a delivery (alias d) or a message (alias m): the row's own mark. */
export function markPred(alias: Alias, field: 'pinned' | 'note', value: string): Pred {
  const o = OWN[alias];
  const c = markCondition(field, value);
  const exists = `EXISTS (SELECT 1 FROM marks x WHERE x.kind = '${o.kind}' AND x.key = ${o.key} AND ${c.sql})`;
  return { sql: field === 'pinned' && value === 'no' ? `NOT ${exists}` : exists, params: c.params };
}

/**
 * The marked rows read through the marks (a few, however big the store), unordered: the planner sorts them. null
 * for pinned:no, which is nearly every row.
 */
export function markDriver(ctx: StoreContext, alias: Alias, field: 'pinned' | 'note', value: string, order: string): Driver | null {
  if (field === 'pinned' && value === 'no') return null;
  const o = OWN[alias];
  const c = markCondition(field, value);
  const index = field === 'pinned' ? ' INDEXED BY marks_pinned' : '';
  const where = { sql: `x.kind = '${o.kind}' AND ${c.sql}`, params: c.params };
  const from = `marks x${index} JOIN ${o.rows} ON ${o.join}`;
  const estimate = ctx.stmt(`SELECT count(*) FROM ${from} WHERE ${where.sql}`, 'pluck').get(...where.params) as number;
  return { from, where, order, ordered: false, estimate, exact: true };
}
