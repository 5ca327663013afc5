// The `messages` summary table: one row per reference with the fold of its deliveries (shared/message-acc.ts),
// the summary read off it, and its facets (the facts a filter can ask about). Indexing a delivery folds it into
// its message's accumulator: the cost does not depend on how many deliveries the message already has.
import { detailFromAcc, uniqueFlags } from '../../../shared/lifecycle';
import {
  accChangesAt,
  accSummary,
  emptyAcc,
  foldFact,
  accAnomalies,
  type LifecycleFact,
  type MessageAcc,
} from '../../../shared/message-acc';
import type { EventKind, FlagDetail, FlagName, MessageDetail, MessageSummary, TimelineEvent } from '../../../shared/domain';
import { counterKey, facetKey, facetPrefix } from '../../../shared/facet-keys';
import { CounterDeltas, withShortBusyWait, type StoreContext } from './context';
import { PREVIOUS_ANSWER, SUMMARY_COLUMNS, toSummary, type SummaryRow } from './rows';
import type { MessageFacts } from './summary-deltas';
import { answeredByMany } from './rule-answers';

/** Events per page of a message's timeline. */
const TIMELINE_PAGE = 200;
/** Deliveries listed per event: the first attempts and the latest (a retry storm is summarised, not listed). */
const EVENT_DELIVERIES_HEAD = 20;
const EVENT_DELIVERIES_TAIL = 20;

/**
 * A message with at most this many deliveries keeps no accumulator on its row: whoever needs it folds it from the
 * delivery's columns (foldAll, one index lookup), as for rows of earlier versions. Most messages of a campaign's
 * burst are new, with one delivery, and the accumulator is most of their row (~1.1 of its ~1.6 KB): not writing it
 * saves its JSON and the bytes, and the next delivery reads one row instead of parsing the JSON.
 */
const FOLDED_ON_READ = 1;

/** What the fold needs of a delivery, from its columns (no body is read). */
const FACT_COLUMNS = `id, received_at, event_ts, attempt, kind, type, channel, direction, user_id, campaign, flags,
  response_status, method`;

interface FactRow {
  id: number;
  received_at: number;
  event_ts: number | null;
  attempt: number | null;
  kind: string;
  type: string | null;
  channel: string | null;
  direction: string | null;
  user_id: string | null;
  campaign: string | null;
  flags: string;
  response_status: number;
  method: string;
}

/** A delivery's contribution to its message, from what indexing derived for it. */
export function factFrom(
  d: Omit<FactRow, 'flags'>,
  flags: readonly FlagDetail[],
): LifecycleFact {
  return {
    id: d.id,
    receivedAt: d.received_at,
    timestamp: d.event_ts,
    firstOfEvent: d.attempt === 1,
    kind: d.kind as EventKind,
    type: d.type,
    channel: d.channel,
    direction: d.direction,
    userId: d.user_id,
    campaign: d.campaign,
    flags: [...new Set(flags.map((f) => f.flag))] as FlagName[],
    noRcs: flags.some((f) => f.flag === 'exception' && f.kind === 'rcs-unsupported'),
    responseStatus: d.response_status,
    method: d.method,
  };
}

/** Folds one delivery, read with FACT_COLUMNS, into `acc`. */
function foldRow(acc: MessageAcc, r: FactRow): void {
  foldFact(acc, factFrom(r, JSON.parse(r.flags) as FlagDetail[]));
}

/** The fold over every delivery of a message, from their columns (one-delivery rows, rows of earlier versions, repairs). */
function foldAll(ctx: StoreContext, msgId: number): MessageAcc {
  const acc = emptyAcc();
  const rows = ctx.stmt(`SELECT ${FACT_COLUMNS} FROM deliveries WHERE msg_id = ? ORDER BY id`).iterate(msgId) as IterableIterator<FactRow>;
  for (const r of rows) foldRow(acc, r);
  return acc;
}

/** Facet prefixes a message's summary gives (state, flags, anomalies); the rest of its facet list is its fold's. */
const SUMMARY_FACETS = [facetPrefix('state'), facetPrefix('flag'), facetPrefix('anomaly')];

/**
 * A stored accumulator, parsed. Since schema 15 it is written without its facets (`acc.facets`): the row's facet
 * list holds them, after the summary's own, and writing them twice pushed a typical row (~1.9 KB) past half a 4 KB
 * page, so one row a page instead of three in two. An accumulator written before keeps its own.
 */
function parseAcc(stored: string, facets: string | null): MessageAcc {
  const acc = JSON.parse(stored) as MessageAcc;
  if (!Array.isArray(acc.facets)) {
    acc.facets = facets ? (JSON.parse(facets) as string[]).filter((f) => !SUMMARY_FACETS.some((p) => f.startsWith(p))) : [];
  }
  return acc;
}

/** A message's accumulator as stored, or folded from its deliveries when the row has none (FOLDED_ON_READ). */
function accOf(ctx: StoreContext, msgId: number, stored: string | null, facets: string | null): MessageAcc {
  return stored ? parseAcc(stored, facets) : foldAll(ctx, msgId);
}

/**
 * Folds new deliveries into their message and rewrites its row and facets; counter changes go to `counters`.
 * `facts` are in id order and already inserted into `deliveries` (same transaction). A row without an
 * accumulator (from an earlier version) is folded from all its deliveries' columns instead. `created`: a new
 * message (ingest.ts messageIdFor) whose row is inserted here, `facts` being all its deliveries; what the summaries
 * filed it as meanwhile.
 */
export function applyToMessage(
  ctx: StoreContext,
  msgId: number,
  reference: string,
  facts: readonly LifecycleFact[],
  now: number,
  counters: CounterDeltas,
  created?: MessageFacts,
): void {
  let acc: MessageAcc;
  let row: (MessageFacts & { acc: string | null; user_id: string | null; facets: string | null }) | undefined;
  if (created) {
    acc = emptyAcc();
    for (const f of facts) foldFact(acc, f);
    row = { ...created, acc: null, user_id: null, facets: null };
  } else {
    row = ctx.stmt(`SELECT acc, user_id, facets, ${FILED_AS} FROM messages WHERE id = ?`).get(msgId) as
      | (MessageFacts & { acc: string | null; user_id: string | null; facets: string | null })
      | undefined;
    if (row?.acc) {
      acc = parseAcc(row.acc, row.facets);
      for (const f of facts) foldFact(acc, f);
    } else acc = foldAll(ctx, msgId);
  }
  writeMessage(ctx, msgId, reference, acc, now, counters, row, row?.facets ?? null, created !== undefined, row ? row.user_id : undefined);
}

/**
 * A message folded again from the deliveries it has left (store/delete-rows.ts), written as a row the summaries do
 * not count yet: the caller took the old one out of them. Returns what they file it by, or null when no delivery is
 * left (its facets are gone then; the row is the caller's to delete).
 */
export function refoldMessage(ctx: StoreContext, msgId: number, reference: string, now: number, counters: CounterDeltas): MessageFacts | null {
  const acc = foldAll(ctx, msgId);
  const facets = ctx.stmt('SELECT facets FROM messages WHERE id = ?', 'pluck').get(msgId) as string | null | undefined;
  writeMessage(ctx, msgId, reference, acc, now, counters, undefined, facets ?? null);
  if (acc.deliveries === 0) return null;
  return ctx.stmt(`SELECT ${FILED_AS} FROM messages WHERE id = ?`).get(msgId) as MessageFacts;
}

/** What the analytics summaries file a stored message row by (summary-deltas.ts), read from the row. */
export const FILED_AS = `campaign, state, summary ->> '$.sentAt' AS sentAt, summary ->> '$.deliveredAt' AS deliveredAt,
  summary ->> '$.readAt' AS readAt, summary ->> '$.repliedAt' AS repliedAt`;

function writeMessage(
  ctx: StoreContext,
  msgId: number,
  reference: string,
  acc: MessageAcc,
  now: number,
  counters: CounterDeltas,
  /** the row as stored, none when it is gone (the rewrite then changes nothing) */
  stored: MessageFacts | undefined,
  /** the row's facet list as stored (messages.facets, a JSON array), null for a new message */
  storedFacets: string | null,
  /** a new message: its row is inserted here (ingest.ts messageIdFor gave it its id), it has no facets yet */
  created = false,
  /** the row's user_id as stored, when known: an unchanged one is not written (that would rewrite its index entry) */
  storedUserId?: string | null,
): void {
  // the facets as last written, from the row (no index by message id is kept: schema.ts migration 15)
  const old = new Set<string>(storedFacets ? (JSON.parse(storedFacets) as string[]) : []);
  const remove = ctx.stmt('DELETE FROM message_facets WHERE facet = ? AND msg_id = ?');
  if (acc.deliveries === 0) {
    for (const f of old) {
      remove.run(f, msgId);
      counters.add(counterKey({ facet: f }), -1);
    }
    return;
  }
  const s = accSummary(reference, acc, now);
  const facets = new Set<string>([facetKey('state', s.state)]);
  for (const f of s.flags) facets.add(facetKey('flag', f));
  for (const a of s.anomalies) facets.add(facetKey('anomaly', a));
  for (const f of acc.facets) facets.add(f);
  // only what changed is written: facets gone and facets new (a delivery that changes no fact writes none)
  for (const f of old) {
    if (facets.has(f)) continue;
    remove.run(f, msgId);
    counters.add(counterKey({ facet: f }), -1);
  }
  const insert = ctx.stmt('INSERT INTO message_facets (facet, msg_id) VALUES (?, ?)');
  for (const f of facets) {
    if (old.has(f)) continue;
    insert.run(f, msgId);
    counters.add(counterKey({ facet: f }), 1);
  }
  if (stored) counters.summaries.messageChanged(stored, {
    campaign: s.campaign ?? null,
    state: s.state,
    sentAt: s.sentAt,
    deliveredAt: s.deliveredAt,
    readAt: s.readAt,
    repliedAt: s.repliedAt,
  });
  const changesAt = accChangesAt(acc);
  const dueAt = changesAt !== null && changesAt > now ? changesAt : null;
  const { facets: _written, ...withoutFacets } = acc; // the list below holds them (parseAcc)
  const accJson = acc.deliveries <= FOLDED_ON_READ ? null : JSON.stringify(withoutFacets);
  const facetsJson = JSON.stringify([...facets]);
  if (created) {
    ctx
      .stmt(
        `INSERT INTO messages (id, reference, first_at, last_at, user_id, campaign, state, summary, due_at, acc, facets)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(msgId, reference, s.firstReceivedAt, s.lastReceivedAt, s.userId, s.campaign, s.state, JSON.stringify(s), dueAt, accJson, facetsJson);
  } else if (storedUserId !== undefined && storedUserId === s.userId) {
    ctx
      .stmt(`UPDATE messages SET first_at = ?, last_at = ?, campaign = ?, state = ?, summary = ?, due_at = ?, acc = ?, facets = ? WHERE id = ?`)
      .run(s.firstReceivedAt, s.lastReceivedAt, s.campaign, s.state, JSON.stringify(s), dueAt, accJson, facetsJson, msgId);
  } else {
    ctx
      .stmt(
        `UPDATE messages SET first_at = ?, last_at = ?, user_id = ?, campaign = ?, state = ?, summary = ?, due_at = ?,
         acc = ?, facets = ? WHERE id = ?`,
      )
      .run(s.firstReceivedAt, s.lastReceivedAt, s.userId, s.campaign, s.state, JSON.stringify(s), dueAt, accJson, facetsJson, msgId);
  }
  counters.span(s.lastReceivedAt - s.firstReceivedAt);
}

/**
 * One page of a message's timeline, from the deliveries' columns: events ordered by the earliest time their
 * deliveries state (then first receipt), each with its first and latest attempts.
 */
function timelinePage(ctx: StoreContext, msgId: number, offset: number, limit: number): TimelineEvent[] {
  const events = ctx
    .stmt(
      `SELECT event_key, min(coalesce(event_ts, received_at)) AS at, min(received_at) AS rx, min(id) AS first_id,
         count(*) AS n
       FROM deliveries WHERE msg_id = ? GROUP BY event_key ORDER BY at, rx, first_id LIMIT ? OFFSET ?`,
    )
    .all(msgId, limit, offset) as { event_key: string; n: number; first_id: number }[];
  const head = ctx.stmt(`SELECT ${SUMMARY_COLUMNS}, ${PREVIOUS_ANSWER} FROM deliveries d WHERE d.msg_id = ? AND d.event_key = ? ORDER BY d.id LIMIT ?`);
  const tail = ctx.stmt(
    `SELECT * FROM (SELECT ${SUMMARY_COLUMNS}, ${PREVIOUS_ANSWER} FROM deliveries d WHERE d.msg_id = ? AND d.event_key = ? ORDER BY d.id DESC LIMIT ?)
     ORDER BY id`,
  );
  return events.map((e) => {
    let rows = head.all(msgId, e.event_key, EVENT_DELIVERIES_HEAD) as SummaryRow[];
    if (e.n > EVENT_DELIVERIES_HEAD) {
      const last = tail.all(msgId, e.event_key, Math.min(EVENT_DELIVERIES_TAIL, e.n - EVENT_DELIVERIES_HEAD)) as SummaryRow[];
      rows = [...rows, ...last];
    }
    const flagSets = rows.map((r) => JSON.parse(r.flags) as FlagDetail[]);
    const answers = answeredByMany(ctx, rows.map((r) => r.id));
    const first = rows[0]!;
    return {
      key: e.event_key,
      eventId: first.event_id,
      type: first.type,
      kind: first.kind as EventKind,
      channel: first.channel,
      direction: first.direction,
      timestamp: rows.find((r) => r.event_ts !== null)?.event_ts ?? null,
      deliveries: rows.map((r, i) => ({ ...toSummary(r, flagSets[i]), answeredBy: answers.get(r.id) ?? null })),
      deliveryTotal: e.n,
      flagDetails: uniqueFlags(flagSets.flat()),
    };
  });
}

/** One event's attempts in arrival order, the first and latest when there are many (a delivery's retry ladder). */
export function attemptsOfEvent(ctx: StoreContext, msgId: number, eventKey: string): TimelineEvent['deliveries'] {
  const head = ctx.stmt(`SELECT ${SUMMARY_COLUMNS}, ${PREVIOUS_ANSWER} FROM deliveries d WHERE d.msg_id = ? AND d.event_key = ? ORDER BY d.id LIMIT ?`);
  const tail = ctx.stmt(
    `SELECT * FROM (SELECT ${SUMMARY_COLUMNS}, ${PREVIOUS_ANSWER} FROM deliveries d WHERE d.msg_id = ? AND d.event_key = ? AND d.id > ?
     ORDER BY d.id DESC LIMIT ?) ORDER BY id`,
  );
  const rows = head.all(msgId, eventKey, EVENT_DELIVERIES_HEAD) as SummaryRow[];
  if (rows.length === EVENT_DELIVERIES_HEAD) rows.push(...(tail.all(msgId, eventKey, rows[rows.length - 1]!.id, EVENT_DELIVERIES_TAIL) as SummaryRow[]));
  const answers = answeredByMany(ctx, rows.map((r) => r.id));
  return rows.map((r) => ({ ...toSummary(r), answeredBy: answers.get(r.id) ?? null }));
}

/** A message's detail: its summary and anomalies from the fold, and one page of its timeline. */
export function messageDetail(
  ctx: StoreContext,
  reference: string,
  now: number,
  eventsOffset = 0,
  eventsLimit = TIMELINE_PAGE,
): MessageDetail | null {
  const row = ctx.stmt('SELECT id, acc, facets FROM messages WHERE reference = ?').get(reference) as
    | { id: number; acc: string | null; facets: string | null }
    | undefined;
  if (!row) return null;
  const acc = accOf(ctx, row.id, row.acc, row.facets);
  if (acc.deliveries === 0) return null;
  const events = timelinePage(ctx, row.id, eventsOffset, eventsLimit);
  return detailFromAcc(reference, acc, now, events, acc.events);
}

/**
 * The folds of messages whose rows keep none (FOLDED_ON_READ), from one read of their deliveries: an export walks
 * every message, and one lookup each cost it ~10 µs a message.
 */
export function foldsOf(ctx: StoreContext, msgIds: readonly number[]): Map<number, MessageAcc> {
  const out = new Map<number, MessageAcc>();
  if (msgIds.length === 0) return out;
  const rows = ctx
    .stmt(`SELECT msg_id, ${FACT_COLUMNS} FROM deliveries WHERE msg_id IN (SELECT value FROM json_each(?)) ORDER BY msg_id, id`)
    .all(JSON.stringify(msgIds)) as (FactRow & { msg_id: number })[];
  for (const r of rows) {
    let acc = out.get(r.msg_id);
    if (!acc) out.set(r.msg_id, (acc = emptyAcc()));
    foldRow(acc, r);
  }
  return out;
}

/** A message row for export: the summary and anomaly explanations, from the fold (`folded`: already folded, foldsOf). */
export function exportedMessage(
  ctx: StoreContext,
  r: { id: number; reference: string; acc: string | null; facets: string | null },
  now: number,
  folded?: MessageAcc,
): (MessageSummary & { anomalyDetails: { anomaly: string; detail: string }[] }) | null {
  const acc = folded ?? accOf(ctx, r.id, r.acc, r.facets);
  if (acc.deliveries === 0) return null;
  return { ...accSummary(r.reference, acc, now), anomalyDetails: accAnomalies(acc, now) };
}

/**
 * Messages whose fallback grace period ran out are rewritten so that state/anomaly filters and counts see it
 * (the indexer calls this when the earliest is due; reads never write). Returns their references.
 */
export function refreshDueMessages(ctx: StoreContext, now: number): string[] {
  const dueSql = 'SELECT id FROM messages WHERE due_at IS NOT NULL AND due_at <= ? LIMIT 1';
  if (ctx.stmt(dueSql, 'pluck').get(now) === undefined) return [];
  // read again inside the transaction: the summaries move from the rows exactly as they are rewritten
  return withShortBusyWait(ctx, () =>
    ctx.db
      .transaction(() => {
        const due = ctx
          .stmt(`SELECT id, reference, acc, facets, ${FILED_AS} FROM messages WHERE due_at IS NOT NULL AND due_at <= ? LIMIT 5000`)
          .all(now) as (MessageFacts & { id: number; reference: string; acc: string | null; facets: string | null })[];
        const counters = new CounterDeltas();
        for (const m of due) writeMessage(ctx, m.id, m.reference, accOf(ctx, m.id, m.acc, m.facets), now, counters, m, m.facets);
        counters.flush(ctx);
        return due.map((m) => m.reference);
      })
      .immediate(),
  );
}

/** When the next message summary changes by time passing alone, or null. */
export function nextDueAt(ctx: StoreContext): number | null {
  return (ctx.stmt('SELECT min(due_at) FROM messages WHERE due_at IS NOT NULL', 'pluck').get() as number | null) ?? null;
}
