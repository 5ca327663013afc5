// Storing deliveries, in two phases, so the acknowledgement path pays only for what durability needs.
//
// Phase 1 (inbox.ts ingestRaw, on the ack path, synchronous=FULL): one transaction appends each delivery's request as
// received (method, path, headers, body, outcome) to `inbox`, one table with no secondary index. Nothing is
// derived from the body here: parsing, checks and the indexes they feed cost several times that append, and the
// gateway waits for the answer. The only look at the body is a cheap shape check (bodyShapeProblems), so the
// answer can still say `invalid` when the body is not a JSON object. The receiver answers 200 after this commit:
// the delivery is on disk, byte for byte, and getDelivery/getRawRequest/export already show it (from its body).
//
// Phase 2 (indexPending, off the ack path): inbox rows are parsed and classified in id order against the earlier
// indexed deliveries of the same event (duplicate/attempt), then moved: the `deliveries` row with everything
// derived from the body, `bodies`, the flags table, counters and the touched messages are written, the delivery
// is queued for full text (added in batches of its own: full-text.ts) and the inbox row is deleted, in one
// transaction. Everything it writes is derived from phase-1 data, so its commits may use synchronous=NORMAL:
// losing one to a power cut leaves its rows in the inbox (the deletion is lost with the rest), and the next open
// indexes them again. Classification only looks at indexed rows, which is exactly
// "the earlier deliveries" because the inbox is indexed strictly in id order.
//
// Ids: a delivery keeps the id phase 1 gave it (the receiver answered with it). Every inbox id is above every
// indexed one, and inbox ids have no gaps (phase 1 takes the next id inside its transaction; phase 2 removes the
// oldest first).
//
// ingest() = both phases in one transaction, for tests, fixtures and tools.
import { createHash } from 'node:crypto';
import { parseDeliveryBody, type ParseResult } from '../../../shared/callback';
import { classifyDelivery, sameBytesLookback, sameBytesVerdict, type PriorAttempts } from '../../../shared/classify';
import { isSimulated, simulatedSpeedOf } from '../../../shared/constants';
import { flagFacts } from '../../../shared/flag-facts';
import type { DeliverySummary, FlagDetail } from '../../../shared/domain';
import { bodyFacts } from './body-facts';
import { counterKey } from '../../../shared/facet-keys';
import { CounterDeltas, withoutOwnSync, withShortBusyWait, type StoreContext } from './context';
import { toStoreWriteError } from './errors';
import { indexText } from './full-text';
import { appendToInbox } from './inbox';
import { applyToMessage, factFrom } from './messages';
import type { LifecycleFact } from '../../../shared/message-acc';
import { flagMask, flagNames, headerValue, type InboxRow } from './rows';
import type { IngestInput } from './types';

/** Inbox rows are read this many at a time: a slice that runs out of time has not paid for reading more. */
const READ_CHUNK = 16;

/** One indexing slice, as the indexer (electron/core/indexer.ts) asks for it. */
export interface SliceOptions {
  maxRows: number;
  /** stop taking rows so that the slice, its tail included, ends near this many ms */
  budgetMs: number;
  /** what each row costs after the row loop (message folds, commit), from the indexer's cost model */
  tailMsPerRow: number;
  /** answer times of rows still in the inbox, by id (the answer went out after the row was appended) */
  responseMs: ReadonlyMap<number, number>;
  now: number;
  /** deliveries keep arriving and slices follow each other (the store sizes its page cache for it: page-cache.ts) */
  streaming?: boolean;
}

/**
 * Where a slice's time went, in ms: the row loop, then folding the messages it touched, then writing the counters
 * and analytics summaries and deleting the indexed inbox rows; the rest of the slice is its commit. The index bench
 * prints the split (what to make cheaper next).
 */
export interface SliceTimes {
  loopMs: number;
  foldMs: number;
  writeMs: number;
}

/** no answer times to hand over (tests, tools, one-step ingest) */
export const NO_TIMES: ReadonlyMap<number, number> = new Map();

/**
 * Phase 2: indexes up to `maxRows` inbox rows, oldest first, in one transaction; returns their final summaries
 * (none when the inbox is empty) and how long the row loop took. `durable` false commits with synchronous=NORMAL
 * (see above).
 */
export function indexPending(ctx: StoreContext, o: SliceOptions, durable = false): SliceTimes & { summaries: DeliverySummary[] } {
  const limit = Math.max(1, Math.floor(o.maxRows));
  if (ctx.stmt('SELECT id FROM inbox LIMIT 1', 'pluck').get() === undefined) return { summaries: [], loopMs: 0, foldMs: 0, writeMs: 0 };
  const started = performance.now();
  const run = () =>
    withShortBusyWait(ctx, () =>
      ctx.db
        .transaction(() => indexSlice(ctx, limit, o.now, { deadline: started + o.budgetMs, tailMsPerRow: o.tailMsPerRow }, o.responseMs))
        .immediate(),
    );
  try {
    const slice = durable ? run() : withoutOwnSync(ctx, run);
    return { summaries: slice.out, loopMs: slice.loopEndedAt - started, foldMs: slice.foldMs, writeMs: slice.writeMs };
  } catch (err) {
    throw toStoreWriteError(err);
  }
}

/** Both phases in one transaction (tests, fixtures, tools). Earlier inbox rows are indexed first. */
export function ingestBatch(ctx: StoreContext, batch: IngestInput[], now: number): DeliverySummary[] {
  try {
    const result = ctx.db
      .transaction(() => {
        const raw = appendToInbox(ctx, batch);
        const byId = new Map<number, DeliverySummary>();
        for (;;) {
          const done = indexSlice(ctx, 5000, now, null, NO_TIMES).out;
          if (done.length === 0) break;
          for (const s of done) byId.set(s.id, s);
        }
        while (indexText(ctx, 5000) > 0);
        return raw.map((r) => byId.get(r.id) ?? r);
      })
      .immediate();
    return result;
  } catch (err) {
    throw toStoreWriteError(err);
  }
}

/**
 * Indexes inbox rows in id order, at most `limit`, and stops early (after at least one) so that the slice, its
 * tail (message folds, commit) included, ends near `stop.deadline`: the caller holds the event loop for the whole
 * slice, and rows vary in cost (a 1 MiB body parses far longer than a receipt). The rows not reached stay in the
 * inbox.
 */
function indexSlice(
  ctx: StoreContext,
  limit: number,
  now: number,
  stop: { deadline: number; tailMsPerRow: number } | null,
  responseMs: ReadonlyMap<number, number>,
): { out: DeliverySummary[]; loopEndedAt: number; foldMs: number; writeMs: number } {
  const read = ctx.stmt(`SELECT * FROM inbox WHERE id > ? ORDER BY id LIMIT ?`);
  const counters = new CounterDeltas();
  const touched: TouchedMessages = Object.assign(new Map<string, Touched>(), { nextId: null });
  const out: DeliverySummary[] = [];
  let after = 0;
  reading: while (out.length < limit) {
    const rows = read.all(after, Math.min(READ_CHUNK, limit - out.length)) as InboxRow[];
    for (const r of rows) {
      if (stop && out.length > 0 && performance.now() + out.length * stop.tailMsPerRow > stop.deadline) break reading;
      out.push(indexOne(ctx, r, counters, touched, responseMs));
      after = r.id;
    }
    if (rows.length < READ_CHUNK) break;
  }
  const loopEndedAt = performance.now();
  if (out.length === 0) return { out, loopEndedAt, foldMs: 0, writeMs: 0 };
  for (const [reference, t] of touched) if (t.facts.length > 0) applyToMessage(ctx, t.msgId, reference, t.facts, now, counters, t.created ? PLACEHOLDER : undefined);
  const foldedAt = performance.now();
  counters.add(counterKey('deliveries'), out.length);
  counters.flush(ctx);
  ctx.stmt('DELETE FROM inbox WHERE id <= ?').run(after);
  return { out, loopEndedAt, foldMs: foldedAt - loopEndedAt, writeMs: performance.now() - foldedAt };
}

const INSERT_DELIVERY = `INSERT INTO deliveries (id, received_at, method, path, query, headers, remote_address, body_size,
  body_truncated, outcome, response_status, response_ms, reject_reason, msg_id, reference, event_id, type, type_lc,
  kind, channel, direction, user_id, campaign, event_ts, event_key, attempt, canon_hash, flags_mask, flags, preview)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** The messages a slice touched, by reference, with what each new delivery adds to them (folded in at the slice's end). */
interface Touched {
  msgId: number;
  /** new: its row is written at the slice's end, whole (messageIdFor) */
  created: boolean;
  facts: LifecycleFact[];
}

/** ... and the id the next new message takes (read once a slice; null until then) */
type TouchedMessages = Map<string, Touched> & { nextId: number | null };

/** Moves one inbox row into deliveries and bodies with everything derived from it; returns its summary. */
function indexOne(
  ctx: StoreContext,
  r: InboxRow,
  counters: CounterDeltas,
  touched: TouchedMessages,
  responseTimes: ReadonlyMap<number, number>,
): DeliverySummary {
  const rejected = r.outcome === 'rejected';
  const responseMs = responseTimes.get(r.id) ?? r.response_ms;
  const headers = JSON.parse(r.headers) as [string, string][];
  const parse = rejected ? null : parseDeliveryBody(r.body, headerValue(headers, 'content-type'));
  const cb = parse?.callback ?? null;
  const facts = parse ? bodyFacts(parse) : null;

  let msgId: number | null = null;
  let attempt: number | null = null;
  let canonHash: string | null = null;
  let flags: FlagDetail[] = [];
  // a repeat's live row says what we answered the attempt before (lists read it again: rows.ts PREVIOUS_ANSWER)
  let previousAnswer: DeliverySummary['previousAnswer'];
  if (parse && facts) {
    if (facts.reference !== null && facts.reference !== '') msgId = messageIdFor(ctx, facts.reference, counters, touched);
    // a message this very row created has no earlier delivery to look up
    const t = msgId !== null ? touched.get(facts.reference!) : undefined;
    const fresh = t !== undefined && t.created && t.facts.length === 0;
    // The payload hash is taken only when the event has an earlier delivery to compare with: most deliveries are an
    // event's first, and the canonical JSON behind the hash costs about as much as parsing the body. The first gets
    // its hash when a repeat comes (priorOf).
    const prior = facts.eventKey !== null && msgId !== null && !fresh ? priorOf(ctx, msgId, facts.eventKey, r.body, parse) : null;
    canonHash = prior?.canonHash ?? null;
    const c = classifyDelivery({ receivedAt: r.received_at, parse, prior, speed: simulatedSpeedOf(headers) });
    attempt = c.attempt;
    flags = c.flags;
    if (prior) previousAnswer = prior.lastAnswer;
  }
  // a refused delivery has no body fields: its reason is its preview
  const preview = facts ? facts.preview : (r.reject_reason ?? '');
  ctx
    .stmt(INSERT_DELIVERY)
    .run(
      r.id,
      r.received_at,
      r.method,
      r.path,
      r.query,
      r.headers,
      r.remote_address,
      r.body_size,
      r.body_truncated,
      r.outcome,
      r.response_status,
      responseMs,
      r.reject_reason,
      msgId,
      facts?.reference ?? null,
      facts?.eventId ?? null,
      facts?.type ?? null,
      facts?.typeKey ?? null,
      facts?.kind ?? 'unknown',
      facts?.channel ?? null,
      facts?.direction ?? null,
      facts?.userId ?? null,
      facts?.campaign ?? null,
      facts?.timestamp ?? null,
      facts?.eventKey ?? null,
      attempt,
      canonHash,
      flagMask(flags),
      JSON.stringify(flags),
      preview,
    );
  ctx.stmt('INSERT INTO bodies (id, body) VALUES (?, ?)').run(r.id, r.body);
  const simulated = isSimulated(headers);
  if (simulated) ctx.stmt('INSERT OR IGNORE INTO simulated (id) VALUES (?)').run(r.id);
  if (msgId !== null) {
    counters.summaries.deliveryAdded({
      msgId,
      receivedAt: r.received_at,
      kind: facts?.kind ?? 'unknown',
      eventTs: facts?.timestamp ?? null,
      responseMs,
      attempt,
      flags,
    });
  }

  const names = flagNames(flags);
  if (names.length > 0) {
    const flagInsert = ctx.stmt('INSERT INTO delivery_flags (flag, delivery_id) VALUES (?, ?)');
    for (const f of names) {
      flagInsert.run(f, r.id);
      counters.add(counterKey({ flag: f }), 1);
    }
  }

  // full text follows in batches of its own (full-text.ts)
  ctx.stmt('INSERT INTO text_queue (id) VALUES (?)').run(r.id);

  if (msgId !== null && cb) {
    const fact = factFrom(
      {
        id: r.id,
        received_at: r.received_at,
        event_ts: facts!.timestamp,
        attempt,
        kind: facts!.kind,
        type: facts!.type,
        channel: facts!.channel,
        direction: facts!.direction,
        user_id: facts!.userId,
        campaign: facts!.campaign,
        response_status: r.response_status,
        method: r.method,
      },
      flags,
    );
    touched.get(cb.reference!)!.facts.push(fact);
  }
  return {
    id: r.id,
    receivedAt: r.received_at,
    method: r.method,
    path: r.path,
    outcome: r.outcome,
    responseStatus: r.response_status,
    responseMs: responseMs ?? 0,
    rejectReason: r.reject_reason,
    bodySize: r.body_size,
    reference: facts?.reference ?? null,
    eventId: facts?.eventId ?? null,
    type: facts?.type ?? null,
    kind: facts?.kind ?? 'unknown',
    channel: facts?.channel ?? null,
    direction: facts?.direction ?? null,
    userId: facts?.userId ?? null,
    campaign: facts?.campaign ?? null,
    timestamp: facts?.timestamp ?? null,
    attempt,
    flags: names,
    ...flagFacts(flags),
    ...(previousAnswer !== undefined ? { previousAnswer } : {}),
    preview,
    ...(simulated ? { simulated: true as const } : {}),
  };
}

/** What exact-duplicate checks compare: equal hashes mean equal canonical payloads (only a message's are compared). */
function payloadHash(canonicalJson: string | null): string | null {
  return canonicalJson === null ? null : createHash('sha1').update(canonicalJson).digest('hex');
}

/**
 * The earlier deliveries of an event, from three index lookups however many there are (the first and latest by
 * id; one with the same payload hash among its message's, on the index named for it so that a lookup never walks a
 * message's deliveries), and for an exact duplicate whether one had the very same bytes. The latest carries the
 * attempt count: attempts are numbered in id order. With them, the new delivery's payload hash (taken only when
 * there is an earlier delivery: `parse` computes its canonical JSON when read).
 */
function priorOf(
  ctx: StoreContext,
  msgId: number,
  eventKey: string,
  body: Uint8Array,
  parse: ParseResult,
): (PriorAttempts & { lastAnswer: { status: number; ms: number | null }; canonHash: string | null }) | null {
  const last = ctx
    .stmt('SELECT id, received_at, attempt, response_status, response_ms FROM deliveries WHERE msg_id = ? AND event_key = ? ORDER BY id DESC LIMIT 1')
    .get(msgId, eventKey) as { id: number; received_at: number; attempt: number | null; response_status: number; response_ms: number | null } | undefined;
  if (!last) return null;
  const first = ctx
    .stmt('SELECT id, canon_hash FROM deliveries WHERE msg_id = ? AND event_key = ? ORDER BY id LIMIT 1')
    .get(msgId, eventKey) as { id: number; canon_hash: string | null };
  // An event's first delivery was stored without its hash (nothing to compare it with then): it is taken now, once.
  // Every later one has its own from the start, so no other attempt of the event can lack it.
  if (first.canon_hash === null) hashStoredDelivery(ctx, first.id);
  const firstId = first.id;
  const canonHash = payloadHash(parse.canonicalJson);
  // Within one message an equal payload hash means an equal canonical payload, hence the same event key (derived
  // from it): the index alone answers, no row is read to compare keys.
  const samePayload =
    canonHash !== null &&
    ctx.stmt('SELECT 1 FROM deliveries INDEXED BY deliveries_msg_canon WHERE msg_id = ? AND canon_hash = ? LIMIT 1', 'pluck').get(msgId, canonHash) !==
      undefined;
  // only for an exact duplicate: one more index lookup, comparing inside SQLite the bodies of its own size among the
  // newest few of this payload (shared/classify.ts sameBytesLookback: without bounds, a sender varying the bytes
  // stalls indexing). length() reads a body's size from its record header, so other sizes are never loaded.
  let sameBytes: boolean | undefined;
  if (samePayload) {
    const lookback = sameBytesLookback(body.length);
    const matched =
      ctx
        .stmt(
          // the limit written out, not bound: SQLite runs this a third faster so (one cached statement per value, and
          // bodies under 40 KB all take 100)
          `SELECT 1 FROM (SELECT d.id FROM deliveries d INDEXED BY deliveries_msg_canon
              WHERE d.msg_id = ? AND d.canon_hash = ? ORDER BY d.id DESC LIMIT ${lookback}) r
            JOIN bodies b ON b.id = r.id WHERE length(b.body) = ? AND b.body = ? LIMIT 1`,
          'pluck',
        )
        .get(msgId, canonHash, body.length, body) !== undefined;
    // none matched: were there older ones, not compared? (the index alone answers)
    const older =
      !matched &&
      ctx
        .stmt('SELECT 1 FROM deliveries INDEXED BY deliveries_msg_canon WHERE msg_id = ? AND canon_hash = ? ORDER BY id DESC LIMIT 1 OFFSET ?', 'pluck')
        .get(msgId, canonHash, lookback) !== undefined;
    sameBytes = sameBytesVerdict(matched, older);
  }
  return {
    count: last.attempt ?? 1,
    firstId,
    last: { id: last.id, receivedAt: last.received_at },
    samePayload,
    ...(sameBytes !== undefined ? { sameBytes } : {}),
    lastAnswer: { status: last.response_status, ms: last.response_ms },
    canonHash,
  };
}

/** Writes the payload hash of a stored delivery, from its body as stored (what it was parsed from when indexed). */
function hashStoredDelivery(ctx: StoreContext, id: number): void {
  const row = ctx.stmt('SELECT d.headers, b.body FROM deliveries d JOIN bodies b ON b.id = d.id WHERE d.id = ?').get(id) as
    | { headers: string; body: Uint8Array }
    | undefined;
  if (!row) return;
  const hash = payloadHash(parseDeliveryBody(row.body, headerValue(JSON.parse(row.headers) as [string, string][], 'content-type')).canonicalJson);
  if (hash !== null) ctx.stmt('UPDATE deliveries SET canon_hash = ? WHERE id = ?').run(hash, id);
}

/** a new message as the analytics summaries file it until the slice's end writes it (it moves like any other then) */
const PLACEHOLDER = { campaign: null, state: 'sent', sentAt: null, deliveredAt: null, readAt: null, repliedAt: null } as const;

/**
 * The id of the message a reference belongs to. A new one gets the id SQLite would give its row (the next after the
 * highest: messages has no AUTOINCREMENT) and its row is inserted at the slice's end, folded (messages.ts
 * applyToMessage): one write instead of a placeholder rewritten the same transaction, never visible half-made.
 */
function messageIdFor(ctx: StoreContext, reference: string, counters: CounterDeltas, touched: TouchedMessages): number {
  const seen = touched.get(reference);
  if (seen) return seen.msgId;
  const found = ctx.stmt('SELECT id FROM messages WHERE reference = ?', 'pluck').get(reference) as number | undefined;
  if (found !== undefined) {
    touched.set(reference, { msgId: found, created: false, facts: [] });
    return found;
  }
  touched.nextId ??= ctx.stmt('SELECT coalesce(max(id), 0) + 1 FROM messages', 'pluck').get() as number;
  const id = touched.nextId++;
  counters.add(counterKey('messages'), 1);
  counters.summaries.messageAdded(PLACEHOLDER);
  touched.set(reference, { msgId: id, created: true, facts: [] });
  return id;
}
