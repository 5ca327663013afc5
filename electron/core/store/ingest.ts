// Storing deliveries, in two phases, so the acknowledgement path pays only for what durability needs.
//
// Phase 1 (ingestRaw, on the ack path, synchronous=FULL): one transaction appends each delivery's immutable
// request fields, its body and what a pure parse of that body says (reference, event id, type, channel,
// callback-only flags, `invalid` problems) and marks it pending in `pending_index`. Only rowid appends and the
// deliveries indexes whose keys arrive in order or have few values are touched (event_id and user_id wait). The receiver answers 200 after this commit: the delivery is on
// disk, byte for byte, and getDelivery/getRawRequest/export already see it.
//
// Phase 2 (indexPending, off the ack path): pending rows are classified in id order against the earlier indexed
// deliveries of the same event (duplicate/attempt), and the derived data is written: flags table, full text,
// counters, the touched messages. Everything it writes is derived from phase-1 data, so its commits may use
// synchronous=NORMAL: losing one to a power cut just leaves its rows pending, and the next open indexes them
// again. Classification only looks at *indexed* rows (msg_id is set in phase 2), which is exactly "the earlier
// deliveries" because pending rows are indexed strictly in id order.
//
// ingest() = both phases in one transaction, for tests, fixtures and tools.
import { createHash } from 'node:crypto';
import { eventKeyOf, parseDeliveryBody, previewOf, typeKey, type ParseResult } from '../../../shared/callback';
import { callbackFlags, classifyDelivery } from '../../../shared/classify';
import type { DeliverySummary, FlagDetail } from '../../../shared/domain';
import { CounterDeltas, withShortBusyWait, type StoreContext } from './context';
import { toStoreWriteError } from './errors';
import { rebuildMessage } from './messages';
import { SUMMARY_COLUMNS, flagMask, flagNames, headerValue, toSummary, type SummaryRow } from './rows';
import type { IngestInput } from './types';

/** A refused delivery keeps only its first bytes: enough to see what was sent. */
export const REJECTED_BODY_KEEP = 64 * 1024;
/** Raw body text indexed for free-text search (bigger bodies are searchable by their start). */
const FTS_BODY_CHARS = 64 * 1024;
/** Parses kept between the phases so phase 2 does not parse every body twice; beyond this it re-parses. */
const MAX_CACHED_PARSES = 2_000;

const utf8 = new TextDecoder('utf-8');

/** What phase 1 learned about a delivery and phase 2 reuses when both run in the same process. */
export interface RawParse {
  parse: ParseResult;
  body: Uint8Array;
}

/** Phase-1 state shared with phase 2: parses of rows not yet indexed. */
export class IngestCache {
  readonly parses = new Map<number, RawParse>();
  remember(id: number, p: RawParse): void {
    if (this.parses.size < MAX_CACHED_PARSES) this.parses.set(id, p);
  }
}

/** Phase 1: ONE durable transaction; returns summaries with the flags a parse alone can tell (no duplicates). */
export function ingestRaw(ctx: StoreContext, cache: IngestCache, batch: IngestInput[]): DeliverySummary[] {
  try {
    return ctx.db.transaction(() => insertRawBatch(ctx, cache, batch)).immediate();
  } catch (err) {
    throw toStoreWriteError(err);
  }
}

/**
 * Phase 2: indexes up to `maxRows` pending deliveries, oldest first, in one transaction; returns their final
 * summaries (empty when nothing is pending). `durable` false commits with synchronous=NORMAL (see above).
 */
export function indexPending(
  ctx: StoreContext,
  cache: IngestCache,
  maxRows: number,
  now: number,
  durable = false,
  budgetMs = Infinity,
): DeliverySummary[] {
  const limit = Math.max(1, Math.floor(maxRows));
  if (ctx.stmt('SELECT id FROM pending_index LIMIT 1', 'pluck').get() === undefined) return [];
  if (!durable) ctx.db.pragma('synchronous = NORMAL');
  try {
    return withShortBusyWait(ctx, () => ctx.db.transaction(() => indexSlice(ctx, cache, limit, now, performance.now() + budgetMs)).immediate());
  } catch (err) {
    throw toStoreWriteError(err);
  } finally {
    if (!durable) ctx.db.pragma('synchronous = FULL');
  }
}

export function pendingCount(ctx: StoreContext): number {
  return ctx.stmt('SELECT count(*) FROM pending_index', 'pluck').get() as number;
}

/** Both phases in one transaction (tests, fixtures, tools). Earlier pending rows are indexed first. */
export function ingestBatch(ctx: StoreContext, cache: IngestCache, batch: IngestInput[], now: number): DeliverySummary[] {
  try {
    return ctx.db
      .transaction(() => {
        const raw = insertRawBatch(ctx, cache, batch);
        const byId = new Map<number, DeliverySummary>();
        for (;;) {
          const done = indexSlice(ctx, cache, 5000, now);
          if (done.length === 0) break;
          for (const s of done) byId.set(s.id, s);
        }
        return raw.map((r) => byId.get(r.id) ?? r);
      })
      .immediate();
  } catch (err) {
    throw toStoreWriteError(err);
  }
}

const INSERT_DELIVERY = `INSERT INTO deliveries (received_at, method, path, query, headers, remote_address, body_size,
  body_truncated, outcome, response_status, response_ms, reject_reason, msg_id, reference, event_id, type, type_lc,
  kind, channel, direction, user_id, campaign, event_ts, event_key, attempt, canon_hash, flags_mask, flags, preview)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?)`;

function insertRawBatch(ctx: StoreContext, cache: IngestCache, batch: IngestInput[]): DeliverySummary[] {
  const insert = ctx.stmt(INSERT_DELIVERY);
  const insertBody = ctx.stmt('INSERT INTO bodies (id, body) VALUES (?, ?)');
  const markPending = ctx.stmt('INSERT INTO pending_index (id) VALUES (?)');
  const out: DeliverySummary[] = [];
  const parses: [number, RawParse][] = [];
  for (const input of batch) {
    const req = input.request;
    const rejected = input.outcome === 'rejected';
    let body = req.body;
    let truncated = input.bodyTruncated;
    if (rejected && body.length > REJECTED_BODY_KEEP) {
      body = body.subarray(0, REJECTED_BODY_KEEP);
      truncated = true;
    }
    const parse = rejected ? null : parseDeliveryBody(body, headerValue(req.headers, 'content-type'));
    const cb = parse?.callback ?? null;
    // flags that need no earlier delivery; `duplicate` (and the attempt number) come in phase 2
    const flags: FlagDetail[] = parse ? [...(cb ? callbackFlags(cb) : [])] : [];
    if (parse && parse.problems.length > 0) flags.push({ flag: 'invalid', problems: [...parse.problems] });
    const preview = rejected ? (input.rejectReason ?? '') : previewOf(parse!);
    const type = cb ? (cb.type ?? cb.typeRaw) : null;
    const info = insert.run(
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
      cb?.reference ?? null,
      // event_id and user_id are left to phase 2: their indexes take random keys (UUIDs, phone numbers), each
      // insert dirtying another page, which made them the costliest part of the acknowledged commit
      null,
      type,
      cb ? typeKey(cb) || null : null,
      cb?.kind ?? 'unknown',
      cb?.channel ?? null,
      cb?.direction ?? null,
      null,
      cb?.campaignName ?? null,
      cb?.timestamp ?? null,
      cb ? eventKeyOf(cb) : null,
      flagMask(flags),
      JSON.stringify(flags),
      preview,
    );
    const id = Number(info.lastInsertRowid);
    insertBody.run(id, body);
    markPending.run(id);
    if (parse) parses.push([id, { parse, body }]);
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
      reference: cb?.reference ?? null,
      eventId: cb?.eventId ?? null,
      type,
      kind: cb?.kind ?? 'unknown',
      channel: cb?.channel ?? null,
      direction: cb?.direction ?? null,
      userId: cb?.userId ?? null,
      campaign: cb?.campaignName ?? null,
      timestamp: cb?.timestamp ?? null,
      attempt: null,
      flags: flagNames(flags),
      preview,
    });
  }
  ctx.stmt('INSERT INTO counters (key, n) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET n = n + excluded.n').run('deliveries', batch.length);
  // only once the transaction body succeeded: a failed batch leaves nothing behind in the cache
  for (const [id, p] of parses) cache.remember(id, p);
  return out;
}

interface PendingRow extends SummaryRow {
  headers: string;
  event_key: string | null;
}

/**
 * Indexes pending rows in id order, at most `limit`, and stops early (after at least one) once `deadline` passed:
 * the caller holds the event loop for the whole slice, and rows vary a lot in cost (a retry rebuilds a message
 * with all its deliveries). The rows not reached stay pending.
 */
function indexSlice(ctx: StoreContext, cache: IngestCache, limit: number, now: number, deadline = Infinity): DeliverySummary[] {
  const rows = ctx
    .stmt(
      `SELECT ${SUMMARY_COLUMNS}, d.headers, d.event_key
       FROM pending_index p JOIN deliveries d ON d.id = p.id ORDER BY p.id LIMIT ?`,
    )
    .all(limit) as PendingRow[];
  if (rows.length === 0) {
    // pending ids whose delivery is gone cannot be indexed; drop them so the backlog ends
    ctx.stmt('DELETE FROM pending_index').run();
    return [];
  }
  const counters = new CounterDeltas();
  const touched = new Map<number, string>();
  const parsed = new Map<number, ParseResult>();
  const out: DeliverySummary[] = [];
  for (const r of rows) {
    if (out.length > 0 && performance.now() > deadline) break;
    out.push(indexOne(ctx, cache, r, counters, touched, parsed));
  }
  const done = rows.slice(0, out.length);
  for (const [msgId, reference] of touched) rebuildMessage(ctx, msgId, reference, now, counters, parsed);
  counters.flush(ctx);
  ctx.stmt('DELETE FROM pending_index WHERE id <= ?').run(done[done.length - 1]!.id);
  for (const r of done) cache.parses.delete(r.id);
  return out;
}

function indexOne(
  ctx: StoreContext,
  cache: IngestCache,
  r: PendingRow,
  counters: CounterDeltas,
  touched: Map<number, string>,
  parsed: Map<number, ParseResult>,
): DeliverySummary {
  const rejected = r.outcome === 'rejected';
  let raw = cache.parses.get(r.id);
  if (!raw) {
    // a row left pending by an earlier run (or evicted from the cache): parse again from the stored bytes
    const body = ctx.stmt('SELECT body FROM bodies WHERE id = ?', 'pluck').get(r.id) as Buffer | undefined;
    const bytes = body ?? new Uint8Array();
    const headers = JSON.parse(r.headers) as [string, string][];
    raw = { body: bytes, parse: rejected ? { callback: null, problems: [], canonicalJson: null } : parseDeliveryBody(bytes, headerValue(headers, 'content-type')) };
  }
  const { parse, body } = raw;
  const cb = rejected ? null : parse.callback;

  let msgId: number | null = null;
  let attempt: number | null = null;
  let flags: FlagDetail[] = JSON.parse(r.flags) as FlagDetail[];
  if (!rejected) {
    const reference = cb?.reference ?? null;
    if (reference !== null && reference !== '') msgId = messageIdFor(ctx, reference, r.received_at, counters);
    const key = r.event_key;
    const prior =
      key !== null && msgId !== null
        ? (ctx
            .stmt('SELECT id, received_at, canon_hash FROM deliveries WHERE msg_id = ? AND event_key = ? ORDER BY id')
            .all(msgId, key) as { id: number; received_at: number; canon_hash: string | null }[])
        : [];
    // the hash stands in for the canonical JSON: equal hashes mean equal canonical payloads. Computed here, not
    // on the ack path: only deliveries of a message are ever compared.
    const canonHash =
      msgId === null || parse.canonicalJson === null ? null : createHash('sha1').update(parse.canonicalJson).digest('hex');
    const c = classifyDelivery({
      receivedAt: r.received_at,
      parse: { ...parse, canonicalJson: canonHash },
      prior: prior.map((p) => ({ id: p.id, receivedAt: p.received_at, canonicalJson: p.canon_hash })),
    });
    attempt = c.attempt;
    flags = c.flags;
    // the row already holds the parse-only flags; write only what phase 2 learned
    if (msgId !== null || attempt !== null || cb?.eventId != null || cb?.userId != null) {
      ctx
        .stmt(
          `UPDATE deliveries SET msg_id = ?, attempt = ?, canon_hash = ?, flags_mask = ?, flags = ?, event_id = ?, user_id = ?
           WHERE id = ?`,
        )
        .run(msgId, attempt, canonHash, flagMask(flags), JSON.stringify(flags), cb?.eventId ?? null, cb?.userId ?? null, r.id);
    }
  }

  const names = flagNames(flags);
  if (names.length > 0) {
    const flagInsert = ctx.stmt('INSERT INTO delivery_flags (flag, delivery_id) VALUES (?, ?)');
    for (const f of names) {
      flagInsert.run(f, r.id);
      counters.add(`df:${f}`, 1);
    }
  }

  const searchable = [
    cb?.text,
    r.preview,
    cb?.reference,
    cb?.userId,
    cb?.campaignName,
    cb?.eventId,
    cb?.typeRaw,
    r.reject_reason,
    r.path,
    ...(rejected ? [] : parse.problems),
  ]
    .filter((s): s is string => typeof s === 'string' && s !== '')
    .join('\n');
  ctx
    .stmt('INSERT INTO deliveries_fts (rowid, text, body) VALUES (?, ?, ?)')
    .run(r.id, searchable, utf8.decode(body.subarray(0, FTS_BODY_CHARS * 2)).slice(0, FTS_BODY_CHARS));

  if (msgId !== null && cb) {
    touched.set(msgId, cb.reference!);
    parsed.set(r.id, parse);
  }
  return { ...toSummary(r, flags), attempt, eventId: cb?.eventId ?? null, userId: cb?.userId ?? null };
}

function messageIdFor(ctx: StoreContext, reference: string, receivedAt: number, counters: CounterDeltas): number {
  const found = ctx.stmt('SELECT id FROM messages WHERE reference = ?', 'pluck').get(reference) as number | undefined;
  if (found !== undefined) return found;
  // a placeholder until the slice's rebuild fills it in (same transaction, never visible half-made)
  const info = ctx
    .stmt(`INSERT INTO messages (reference, first_at, last_at, state, summary) VALUES (?, ?, ?, 'sent', '{}')`)
    .run(reference, receivedAt, receivedAt);
  counters.add('messages', 1);
  return Number(info.lastInsertRowid);
}
