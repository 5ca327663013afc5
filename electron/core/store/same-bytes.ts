// Whether an exact duplicate has the very bytes of an earlier attempt with the same payload, within the bounds of
// shared/classify.ts judgeSameBytes: the earlier bodies' sizes are read (a record header, not the bytes), newest
// first, and only bodies of the same size are compared, inside SQLite, until one matches. Used when indexing a
// delivery (ingest.ts) and when deletions make an event's remaining attempts be judged again (delete-rows.ts).
import { SAME_BYTES_LOOKED_AT, judgeSameBytes } from '../../../shared/classify';
import type { StoreContext } from './context';

export interface SizedAttempt {
  id: number;
  /** the body's length in bytes; null when it has no body row */
  bytes: number | null;
}

/** A message's deliveries with this payload hash, newest first, with their body sizes, read as they are walked. */
export function newestWithHash(ctx: StoreContext, msgId: number, canonHash: string): IterableIterator<SizedAttempt> {
  // length() of a blob column is read from the record header: the bodies themselves are not loaded
  return ctx
    .stmt(
      `SELECT r.id, length(b.body) AS bytes FROM (SELECT d.id FROM deliveries d INDEXED BY deliveries_msg_canon
          WHERE d.msg_id = ? AND d.canon_hash = ? ORDER BY d.id DESC LIMIT ?) r
        LEFT JOIN bodies b ON b.id = r.id ORDER BY r.id DESC`,
    )
    .iterate(msgId, canonHash, SAME_BYTES_LOOKED_AT + 1) as IterableIterator<SizedAttempt>;
}

/**
 * Compares a body (its bytes, or the id of a stored one) with those of earlier attempts given newest first: true,
 * one is byte for byte the same; false, none is; undefined, not every one could be compared.
 */
export function sameBytesAmong(ctx: StoreContext, newestFirst: Iterable<SizedAttempt>, body: { bytes: Uint8Array } | { id: number; size: number }): boolean | undefined {
  if ('bytes' in body) {
    const equal = ctx.stmt('SELECT body = ? FROM bodies WHERE id = ?', 'pluck');
    return judgeSameBytes(newestFirst, body.bytes.length, (c) => equal.get(body.bytes, c.id) === 1);
  }
  const equal = ctx.stmt('SELECT a.body = b.body FROM bodies a, bodies b WHERE a.id = ? AND b.id = ?', 'pluck');
  return judgeSameBytes(newestFirst, body.size, (c) => equal.get(c.id, body.id) === 1);
}
