// Free-text search's index (deliveries_fts), kept up in batches of its own rather than in every indexing slice.
//
// Indexing (ingest.ts) queues each delivery it moves in `text_queue`; the indexer (electron/core/indexer.ts) adds
// the queued deliveries to the full-text table once deliveries stop streaming in, or when the queue grows long. Why:
// FTS5 writes a new segment at every commit, so at the 10–30 deliveries of an indexing slice the full-text part cost
// about a quarter of indexing (on the index bench: ~330 µs per delivery with it, ~255 without); the same rows in
// batches of hundreds cost ~35 µs each, parse included, and during a burst none of it is on the live path.
//
// A search never misses a queued delivery: planning a query with free text first adds the queue to the index
// (ensureTextIndexed, filters.ts), on any connection that can write. A read-only connection (the analytics worker,
// `export` of a store opened read-only) cannot; the core adds the queue before it hands such a query over.
//
// The table keeps no copy of what it indexed (contentless): taking a delivery out means handing back the same
// values (ftsValues), and a delivery still queued was never added, so it only leaves the queue (forgetText).
import { parseDeliveryBody } from '../../../shared/callback';
import type { QueryTerm } from '../../../shared/query';
import { withoutOwnSync, withShortBusyWait, type StoreContext } from './context';
import { headerValue, type InboxRow } from './rows';

/** Raw body text indexed for free-text search (bigger bodies are searchable by their start). */
const FTS_BODY_CHARS = 64 * 1024;

const utf8 = new TextDecoder('utf-8');

/** a delivery as the full-text table needs it */
export interface QueuedRow {
  id: number;
  outcome: string;
  path: string;
  reject_reason: string | null;
  headers: string;
  preview: string;
  body: Buffer;
}

/** Deliveries indexed but not yet in the full-text table. */
export function textPending(ctx: StoreContext): number {
  return ctx.stmt('SELECT count(*) FROM text_queue', 'pluck').get() as number;
}

/**
 * Adds up to `maxRows` queued deliveries (oldest first) to the full-text table, stopping after `budgetMs`; the
 * number added. Runs inside the caller's transaction when there is one (ingest()'s single step), else in its own.
 */
export function indexText(ctx: StoreContext, maxRows: number, budgetMs = Infinity): number {
  const run = () => {
    const started = performance.now();
    const rows = ctx
      .stmt(
        `SELECT q.id, d.outcome, d.path, d.reject_reason, d.headers, d.preview, coalesce(b.body, x'') AS body
         FROM text_queue q JOIN deliveries d ON d.id = q.id LEFT JOIN bodies b ON b.id = d.id ORDER BY q.id LIMIT ?`,
      )
      .iterate(Math.max(1, Math.floor(maxRows))) as IterableIterator<QueuedRow>;
    const values: [number, string, string][] = [];
    let last = 0;
    for (const r of rows) {
      values.push([r.id, ...valuesOf(r)]);
      last = r.id;
      // half the budget for reading and parsing: adding the rows and the commit take about as long again
      if (performance.now() - started > budgetMs / 2) break;
    }
    if (values.length === 0) {
      // queued ids whose delivery is gone (a deletion that missed the queue): nothing to add
      ctx.stmt('DELETE FROM text_queue').run();
      return 0;
    }
    const insert = ctx.stmt('INSERT INTO deliveries_fts (rowid, text, body) VALUES (?, ?, ?)');
    for (const v of values) insert.run(...v);
    ctx.stmt('DELETE FROM text_queue WHERE id <= ?').run(last);
    return values.length;
  };
  if (ctx.db.inTransaction) return run();
  // derived data, like an indexing slice: its commit needs no fsync of its own (ingest.ts)
  return withoutOwnSync(ctx, () => ctx.db.transaction(run).immediate());
}

/** A free-text term, alone or among an OR group's members. */
function usesText(t: QueryTerm): boolean {
  return t.field === 'text' || (t.anyOf?.some(usesText) ?? false);
}

/**
 * Before a query with free text is planned: whatever is queued is added to the full-text table (a search must find
 * the deliveries lists already show). Not possible on a read-only connection or a damaged (sealed) file, nor while
 * another process holds the write lock or the disk refuses the write: how many queued deliveries the search then
 * cannot see (0 when it sees them all, or has no free text).
 */
export function ensureTextIndexed(ctx: StoreContext, terms: readonly QueryTerm[]): number {
  if (!terms.some(usesText)) return 0;
  if (ctx.stmt('SELECT 1 FROM text_queue LIMIT 1', 'pluck').get() === undefined) return 0;
  if (ctx.db.readonly || ctx.sealed) return textPending(ctx);
  try {
    // a background write: another process writing the file (the command line's import) must not hold the search
    // for the whole busy timeout; the search then runs on what the index has
    withShortBusyWait(ctx, () => {
      while (indexText(ctx, 5000) > 0);
    });
    return 0;
  } catch {
    return textPending(ctx);
  }
}

/** A delivery being deleted leaves the full-text table (given back what it indexed), or only the queue. */
export function forgetText(ctx: StoreContext, r: QueuedRow): void {
  if (ctx.stmt('DELETE FROM text_queue WHERE id = ?').run(r.id).changes > 0) return;
  ctx.stmt("INSERT INTO deliveries_fts (deliveries_fts, rowid, text, body) VALUES ('delete', ?, ?, ?)").run(r.id, ...valuesOf(r));
}

/** What the full-text table holds of a delivery: what ingest.ts indexed before it was deferred, from the stored row. */
function valuesOf(r: QueuedRow): [text: string, body: string] {
  // a refused delivery has no body fields: its reason is its preview
  const parse = r.outcome === 'rejected' ? null : parseDeliveryBody(r.body, headerValue(JSON.parse(r.headers) as [string, string][], 'content-type'));
  return ftsValues(r, parse, r.preview);
}

/**
 * What free text indexes of a delivery. The full-text table keeps no copy of it, so taking a delivery out of it
 * means handing these same values back: one function makes both.
 */
function ftsValues(
  r: Pick<InboxRow, 'reject_reason' | 'path' | 'body'>,
  parse: ReturnType<typeof parseDeliveryBody> | null,
  preview: string,
): [text: string, body: string] {
  const cb = parse?.callback ?? null;
  const searchable = [
    cb?.text,
    preview,
    cb?.reference,
    cb?.userId,
    cb?.campaignName,
    cb?.eventId,
    cb?.typeRaw,
    r.reject_reason,
    r.path,
    ...(parse ? parse.problems : []),
  ]
    .filter((s): s is string => typeof s === 'string' && s !== '')
    .join('\n');
  return [searchable, utf8.decode(r.body.subarray(0, FTS_BODY_CHARS * 2)).slice(0, FTS_BODY_CHARS)];
}
