// Phase 1 of storing a delivery (see ingest.ts): on the acknowledgement path, one durable transaction appends
// each request as received to `inbox`, one table with no secondary index. Nothing is derived from the body here
// but a cheap shape check, so the answer can still say `invalid` when the body is not a JSON object.
import { bodyShapeProblems } from '../../../shared/callback';
import { STORE_REFUSED_BODY_MAX_BYTES } from '../../../shared/constants';
import { counterKey } from '../../../shared/facet-keys';
import type { DeliverySummary } from '../../../shared/domain';
import { withoutOwnSync, type StoreContext } from './context';
import { toStoreWriteError } from './errors';
import { headerValue } from './rows';
import type { IngestInput } from './types';

/**
 * Phase 1: ONE transaction; returns summaries with what the request alone tells (no body fields). Durable when it
 * returns, unless `sync` is false: then it commits without the fsync and the caller makes it durable off the loop
 * (wal-sync.ts) before it answers.
 */
export function ingestRaw(ctx: StoreContext, batch: IngestInput[], sync = true): DeliverySummary[] {
  const append = () => ctx.db.transaction(() => appendToInbox(ctx, batch)).immediate();
  try {
    return sync ? append() : withoutOwnSync(ctx, append);
  } catch (err) {
    throw toStoreWriteError(err);
  }
}

/** Deliveries stored and not indexed yet: inbox ids have no gaps, so no row is read to count them. */
export function pendingCount(ctx: StoreContext): number {
  // two subqueries: SQLite answers a lone min() or max() from the end of the b-tree, but scans for both at once
  return (ctx.stmt('SELECT (SELECT max(id) FROM inbox) - (SELECT min(id) FROM inbox) + 1', 'pluck').get() as number | null) ?? 0;
}

const INSERT_INBOX = `INSERT INTO inbox (id, received_at, method, path, query, headers, remote_address, body_size,
  body_truncated, outcome, response_status, reject_reason, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** The highest id a deleted test callback had (0 when none was deleted). */
function retiredIdsFloor(ctx: StoreContext): number {
  return (ctx.stmt('SELECT n FROM counters WHERE key = ?', 'pluck').get(counterKey('retired-ids')) as number | undefined) ?? 0;
}

export function appendToInbox(ctx: StoreContext, batch: IngestInput[]): DeliverySummary[] {
  const insert = ctx.stmt(INSERT_INBOX);
  // inside the write transaction, so no other writer can take the same id; never one of a deleted test callback
  // (store/test-callbacks.ts), which a page or a log may still name: its floor is kept in memory (context.ts)
  ctx.retiredIds ??= retiredIdsFloor(ctx);
  const last = ctx
    .stmt('SELECT max(coalesce((SELECT max(id) FROM inbox), 0), coalesce((SELECT max(id) FROM deliveries), 0))', 'pluck')
    .get() as number;
  let id = Math.max(last, ctx.retiredIds);
  const out: DeliverySummary[] = [];
  for (const input of batch) {
    const req = input.request;
    const rejected = input.outcome === 'rejected';
    let body = req.body;
    let truncated = input.bodyTruncated;
    if (rejected && body.length > STORE_REFUSED_BODY_MAX_BYTES) {
      body = body.subarray(0, STORE_REFUSED_BODY_MAX_BYTES);
      truncated = true;
    }
    const invalid = !rejected && bodyShapeProblems(body, headerValue(req.headers, 'content-type')).length > 0;
    id++;
    insert.run(
      id,
      req.receivedAt,
      req.method,
      req.path,
      req.query,
      JSON.stringify(req.headers),
      req.remoteAddress,
      req.bodySize,
      truncated ? 1 : 0,
      input.outcome,
      input.responseStatus,
      input.rejectReason,
      body,
    );
    out.push({
      id,
      receivedAt: req.receivedAt,
      method: req.method,
      path: req.path,
      outcome: input.outcome,
      responseStatus: input.responseStatus,
      responseMs: 0,
      rejectReason: input.rejectReason,
      bodySize: req.bodySize,
      reference: null,
      eventId: null,
      type: null,
      kind: 'unknown',
      channel: null,
      direction: null,
      userId: null,
      campaign: null,
      timestamp: null,
      attempt: null,
      flags: invalid ? ['invalid'] : [],
      reasons: [],
      blockedAccount: null,
      retry: null,
      preview: rejected ? (input.rejectReason ?? '') : '',
    });
  }
  return out;
}
