// Storing a batch of deliveries: one transaction (group commit), each delivery classified against the
// deliveries of the same event stored before it (earlier rows of the same batch included), then the touched
// messages rebuilt. All or nothing.
import { createHash } from 'node:crypto';
import { eventKeyOf, parseDeliveryBody, previewOf, typeKey, type ParseResult } from '../../../shared/callback';
import { classifyDelivery } from '../../../shared/classify';
import type { DeliverySummary, FlagDetail } from '../../../shared/domain';
import { CounterDeltas, type StoreContext } from './context';
import { toStoreWriteError } from './errors';
import { rebuildMessage } from './messages';
import { flagMask, flagNames, headerValue } from './rows';
import type { IngestInput } from './types';

/** A refused delivery keeps only its first bytes: enough to see what was sent. */
export const REJECTED_BODY_KEEP = 64 * 1024;
/** Raw body text indexed for free-text search (bigger bodies are searchable by their start). */
const FTS_BODY_CHARS = 64 * 1024;

const utf8 = new TextDecoder('utf-8');

interface Prepared {
  summary: DeliverySummary;
  msgRef: string | null;
}

export function ingestBatch(ctx: StoreContext, batch: IngestInput[], now: number): DeliverySummary[] {
  try {
    return ctx.db
      .transaction(() => {
        const counters = new CounterDeltas();
        const touched = new Map<number, string>();
        const parsed = new Map<number, ParseResult>();
        const out = batch.map((input) => ingestOne(ctx, input, counters, touched, parsed).summary);
        for (const [msgId, reference] of touched) rebuildMessage(ctx, msgId, reference, now, counters, parsed);
        counters.flush(ctx);
        return out;
      })
      .immediate();
  } catch (err) {
    throw toStoreWriteError(err);
  }
}

function ingestOne(
  ctx: StoreContext,
  input: IngestInput,
  counters: CounterDeltas,
  touched: Map<number, string>,
  parsed: Map<number, ParseResult>,
): Prepared {
  const req = input.request;
  const rejected = input.outcome === 'rejected';
  let body = req.body;
  let truncated = input.bodyTruncated;
  if (rejected && body.length > REJECTED_BODY_KEEP) {
    body = body.subarray(0, REJECTED_BODY_KEEP);
    truncated = true;
  }

  let parse: ParseResult | null = null;
  let msgId: number | null = null;
  let eventKey: string | null = null;
  let attempt: number | null = null;
  let canonHash: string | null = null;
  let flags: FlagDetail[] = [];
  if (!rejected) {
    parse = parseDeliveryBody(body, headerValue(req.headers, 'content-type'));
    canonHash = parse.canonicalJson === null ? null : createHash('sha1').update(parse.canonicalJson).digest('hex');
    const reference = parse.callback?.reference ?? null;
    if (reference !== null && reference !== '') msgId = messageIdFor(ctx, reference, req.receivedAt, counters);
    const key = parse.callback ? eventKeyOf(parse.callback) : null;
    const prior =
      key !== null && msgId !== null
        ? (ctx
            .stmt('SELECT id, received_at, canon_hash FROM deliveries WHERE msg_id = ? AND event_key = ? ORDER BY id')
            .all(msgId, key) as { id: number; received_at: number; canon_hash: string | null }[])
        : [];
    // the hash stands in for the canonical JSON: equal hashes mean equal canonical payloads
    const c = classifyDelivery({
      receivedAt: req.receivedAt,
      parse: { ...parse, canonicalJson: canonHash },
      prior: prior.map((p) => ({ id: p.id, receivedAt: p.received_at, canonicalJson: p.canon_hash })),
    });
    eventKey = c.eventKey;
    attempt = c.attempt;
    flags = c.flags;
  }

  const cb = parse?.callback ?? null;
  const preview = rejected ? (input.rejectReason ?? '') : previewOf(parse!);
  const type = cb ? (cb.type ?? cb.typeRaw) : null;
  const info = ctx
    .stmt(
      `INSERT INTO deliveries (received_at, method, path, query, headers, remote_address, body_size, body_truncated,
         outcome, response_status, response_ms, reject_reason, msg_id, reference, event_id, type, type_lc, kind,
         channel, direction, user_id, campaign, event_ts, event_key, attempt, canon_hash, flags_mask, flags, preview)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
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
      msgId,
      cb?.reference ?? null,
      cb?.eventId ?? null,
      type,
      cb ? typeKey(cb) || null : null,
      cb?.kind ?? 'unknown',
      cb?.channel ?? null,
      cb?.direction ?? null,
      cb?.userId ?? null,
      cb?.campaignName ?? null,
      cb?.timestamp ?? null,
      eventKey,
      attempt,
      canonHash,
      flagMask(flags),
      JSON.stringify(flags),
      preview,
    );
  const id = Number(info.lastInsertRowid);
  ctx.stmt('INSERT INTO bodies (id, body) VALUES (?, ?)').run(id, body);
  const names = flagNames(flags);
  const flagInsert = ctx.stmt('INSERT INTO delivery_flags (flag, delivery_id) VALUES (?, ?)');
  for (const f of names) {
    flagInsert.run(f, id);
    counters.add(`df:${f}`, 1);
  }
  counters.add('deliveries', 1);

  const searchable = [
    cb?.text,
    preview,
    cb?.reference,
    cb?.userId,
    cb?.campaignName,
    cb?.eventId,
    cb?.typeRaw,
    input.rejectReason,
    req.path,
    ...(parse?.problems ?? []),
  ]
    .filter((s): s is string => typeof s === 'string' && s !== '')
    .join('\n');
  ctx
    .stmt('INSERT INTO deliveries_fts (rowid, text, body) VALUES (?, ?, ?)')
    .run(id, searchable, utf8.decode(body.subarray(0, FTS_BODY_CHARS * 2)).slice(0, FTS_BODY_CHARS));

  if (msgId !== null && parse) {
    touched.set(msgId, cb!.reference!);
    parsed.set(id, parse);
  }
  return {
    msgRef: cb?.reference ?? null,
    summary: {
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
      attempt,
      flags: names,
      preview,
    },
  };
}

function messageIdFor(ctx: StoreContext, reference: string, receivedAt: number, counters: CounterDeltas): number {
  const found = ctx.stmt('SELECT id FROM messages WHERE reference = ?', 'pluck').get(reference) as number | undefined;
  if (found !== undefined) return found;
  // a placeholder until the batch's rebuild fills it in (same transaction, never visible half-made)
  const info = ctx
    .stmt(`INSERT INTO messages (reference, first_at, last_at, state, summary) VALUES (?, ?, ?, 'sent', '{}')`)
    .run(reference, receivedAt, receivedAt);
  counters.add('messages', 1);
  return Number(info.lastInsertRowid);
}
