// Deliveries read from a file (`import`, import-file.ts) enter the store the way received ones do: appended to the
// inbox (phase 1, inbox.ts) with new ids, then indexed by indexPending like any other. Two things differ:
// - a delivery already stored (same received time, method, path, query, headers, outcome and body bytes) is not
//   added again, so importing the same file twice, or an export back into its own store, adds nothing;
// - each one is recorded in `imported` (migration 7) in the same transaction, so it is never taken for gateway
//   traffic: replay refuses it (replay/index.ts) unless asked for.
import type { DeliverySummary } from '../../../shared/domain';
import type { StoreContext } from './context';
import { toStoreWriteError } from './errors';
import { appendToInbox } from './inbox';
import type { IngestInput } from './types';

export interface ImportRow {
  input: IngestInput;
  /** how long we took to answer it, when the file says */
  responseMs: number | null;
}

export interface ImportResult {
  added: number;
  /** rows already in the store (or earlier in the same import) */
  duplicates: number;
  /** the added rows as phase 1 stored them: what a running app's indexer is told of, as of received ones */
  stored: DeliverySummary[];
}

/** ONE transaction: all rows of the batch or none. */
export function importDeliveries(ctx: StoreContext, rows: ImportRow[], source: string, now: number): ImportResult {
  const sameIndexed = ctx.stmt(
    `SELECT 1 FROM deliveries d JOIN bodies b ON b.id = d.id WHERE d.received_at = ? AND d.method = ? AND d.path = ?
      AND d.query = ? AND d.headers = ? AND d.outcome = ? AND b.body = ? LIMIT 1`,
    'pluck',
  );
  // the inbox has no index: callers index each batch before the next, so it holds little more than this batch
  const samePending = ctx.stmt(
    `SELECT 1 FROM inbox WHERE received_at = ? AND method = ? AND path = ? AND query = ? AND headers = ? AND outcome = ?
      AND body = ? LIMIT 1`,
    'pluck',
  );
  const setAnswerMs = ctx.stmt('UPDATE inbox SET response_ms = ? WHERE id = ?');
  const mark = ctx.stmt('INSERT INTO imported (id, source, imported_at) VALUES (?, ?, ?)');
  try {
    return ctx.db
      .transaction(() => {
        const result: ImportResult = { added: 0, duplicates: 0, stored: [] };
        for (const row of rows) {
          const r = row.input.request;
          const body = Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength);
          const key = [r.receivedAt, r.method, r.path, r.query, JSON.stringify(r.headers), row.input.outcome, body] as const;
          if (sameIndexed.get(...key) !== undefined || samePending.get(...key) !== undefined) {
            result.duplicates++;
            continue;
          }
          const [stored] = appendToInbox(ctx, [{ ...row.input, request: { ...r, body } }]);
          if (row.responseMs !== null) setAnswerMs.run(Math.round(row.responseMs), stored!.id);
          mark.run(stored!.id, source, now);
          result.stored.push(stored!);
          result.added++;
        }
        return result;
      })
      .immediate();
  } catch (err) {
    throw toStoreWriteError(err);
  }
}

/** Those of `ids` that were imported, in the order given. */
export function importedAmong(ctx: StoreContext, ids: readonly number[]): number[] {
  // most stores never imported a file, and a bulk replay asks about every id it lists (a million lookups on the
  // core loop): one probe answers for all of them
  if (ids.length > 1 && ctx.stmt('SELECT EXISTS (SELECT 1 FROM imported)', 'pluck').get() === 0) return [];
  const one = ctx.stmt('SELECT 1 FROM imported WHERE id = ?', 'pluck');
  return ids.filter((id) => one.get(id) !== undefined);
}
