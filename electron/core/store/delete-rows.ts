// Taking deliveries out of the store with everything derived from them (flags, full text, facets, counters, replay
// attempts, analytics summaries, marks), their messages folded again from the deliveries they have left. The one
// path every deletion takes: the test callback's button (test-callbacks.ts), a selection, a filter, Clear all and
// retention (delete-job.ts), so lists, counts and analytics agree after each.
import { duplicateFlag, sameBytesLookback, sameBytesVerdict, type PriorAttempts } from '../../../shared/classify';
import type { FlagDetail, FlagName } from '../../../shared/domain';
import { counterKey } from '../../../shared/facet-keys';
import type { CounterDeltas, StoreContext } from './context';
import { forgetText, type QueuedRow } from './full-text';
import { forgetMarksOf, PINNED_DELIVERY } from './marks';
import { FILED_AS, refoldMessage } from './messages';
import type { MessageFacts } from './summary-deltas';
import { flagMask } from './rows';

/** a delivery being deleted: what its message needs, and what taking it out of full text needs (QueuedRow) */
interface Row extends QueuedRow {
  msg_id: number | null;
  event_key: string | null;
  campaign: string | null;
  pinned: number;
}

export interface Removed {
  deliveries: number;
  messages: number;
  /** asked for but kept: pinned, or pinned messages' */
  pinned: number;
  /** the highest id removed (0: none) */
  maxId: number;
}

/**
 * Removes the deliveries of `ids` (indexed or still in the inbox) inside the caller's transaction; counter and
 * summary changes go to `counters`. With keepPinned, a pinned delivery and every delivery of a pinned message stay.
 */
export function removeDeliveries(
  ctx: StoreContext,
  ids: readonly number[],
  now: number,
  keepPinned: boolean,
  counters: CounterDeltas,
): Removed {
  const out: Removed = { deliveries: 0, messages: 0, pinned: 0, maxId: 0 };
  const read = ctx.stmt(`SELECT d.id, d.msg_id, d.event_key, d.campaign, d.outcome, d.path, d.reject_reason, d.headers, d.preview, coalesce(b.body, x'') AS body,
      ${keepPinned ? PINNED_DELIVERY : '0'} AS pinned
    FROM deliveries d LEFT JOIN bodies b ON b.id = d.id WHERE d.id = ?`);
  const inboxPinned = ctx.stmt("SELECT 1 FROM marks x WHERE x.kind = 'd' AND x.key = ? AND x.pinned = 1", 'pluck');
  const byMessage = new Map<number, Row[]>();
  const gone: number[] = [];
  const summaries = hasSummaries(ctx);
  for (const id of ids) {
    const r = read.get(id) as Row | undefined;
    if (!r) {
      // not indexed yet: the request as received is all there is
      if (keepPinned && inboxPinned.get(id) !== undefined) out.pinned++;
      else if (ctx.stmt('DELETE FROM inbox WHERE id = ?').run(id).changes > 0) gone.push(id);
      continue;
    }
    if (r.pinned) {
      out.pinned++;
      continue;
    }
    if (r.msg_id === null) {
      deleteDelivery(ctx, r, counters);
      counters.add(counterKey('deliveries'), -1);
      gone.push(id);
      continue;
    }
    let list = byMessage.get(r.msg_id);
    if (!list) byMessage.set(r.msg_id, (list = []));
    list.push(r);
  }
  const refsGone: string[] = [];
  for (const [msgId, rows] of byMessage) {
    const reference = ctx.stmt('SELECT reference FROM messages WHERE id = ?', 'pluck').get(msgId) as string | undefined;
    // the message leaves the summaries whole and comes back as its remaining deliveries make it (the two cancel out
    // in memory: only what changed is written)
    if (summaries && reference !== undefined) forgetInSummaries(ctx, msgId, counters);
    for (const r of rows) {
      deleteDelivery(ctx, r, counters);
      gone.push(r.id);
    }
    counters.add(counterKey('deliveries'), -rows.length);
    if (reference === undefined) continue;
    judgeAttemptsAgain(ctx, msgId, rows, counters);
    const facts = refoldMessage(ctx, msgId, reference, now, counters);
    if (facts === null) {
      ctx.stmt('DELETE FROM messages WHERE id = ?').run(msgId);
      counters.add(counterKey('messages'), -1);
      refsGone.push(reference);
      out.messages++;
    } else if (summaries) {
      counters.summaries.messageAdded(facts);
      for (const d of deliveriesOf(ctx, msgId)) counters.summaries.deliveryAdded(d);
    }
  }
  forgetMarksOf(ctx, gone, refsGone);
  const dropImported = ctx.stmt('DELETE FROM imported WHERE id = ?');
  const dropRuleAnswer = ctx.stmt('DELETE FROM rule_answers WHERE id = ?');
  const dropSimulated = ctx.stmt('DELETE FROM simulated WHERE id = ?');
  for (const id of gone) {
    dropImported.run(id);
    dropSimulated.run(id);
    dropRuleAnswer.run(id);
    if (id > out.maxId) out.maxId = id;
  }
  out.deliveries = gone.length;
  if (out.deliveries > 0) counters.add(counterKey('deletions'), 1);
  return out;
}

/**
 * No later delivery takes a deleted one's id, which a page, a log or an open detail may still name: the floor is
 * raised in the deleting transaction (returned), then kept in memory once it commits (afterRetiring).
 */
export function retireIds(ctx: StoreContext, maxId: number): number | null {
  if (maxId <= 0) return null;
  return ctx
    .stmt('INSERT INTO counters (key, n) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET n = max(n, excluded.n) RETURNING n', 'pluck')
    .get(counterKey('retired-ids'), maxId) as number;
}

/** Once committed: the acknowledgement path takes new ids above the floor without reading the counter (context.ts). */
export function afterRetiring(ctx: StoreContext, floor: number | null): void {
  if (floor !== null) ctx.retiredIds = Math.max(ctx.retiredIds ?? 0, floor);
}

/**
 * The attempts of a callback left after some of its deliveries went are judged again as they would have been had
 * the others never come: numbered 1, 2, ... (the message's fold counts an event by its first attempt, the summaries
 * count events by their attempt numbers), the first no repeat, each later one a repeat of what is left before it
 * (the `duplicate` flag's detail: of, previous, gap, schedule; the classifier's own rule). Runs before the message is
 * folded again and its summaries added back: both read these rows. Attempts before the first deleted one keep what
 * they were.
 */
function judgeAttemptsAgain(ctx: StoreContext, msgId: number, deleted: readonly Row[], counters: CounterDeltas): void {
  const firstGone = new Map<string, number>();
  for (const r of deleted) {
    if (r.event_key !== null && !(r.id >= (firstGone.get(r.event_key) ?? Infinity))) firstGone.set(r.event_key, r.id);
  }
  // sizes, not bodies: bodies are compared inside SQLite, only those of the same size (shared/classify.ts
  // sameBytesLookback, the bounds indexing holds to)
  const left = ctx.stmt(`SELECT d.id, d.received_at, d.attempt, d.canon_hash, d.flags, length(b.body) AS bytes FROM deliveries d
    LEFT JOIN bodies b ON b.id = d.id WHERE d.msg_id = ? AND d.event_key = ? ORDER BY d.id`);
  const sameBody = ctx.stmt(
    `SELECT 1 FROM bodies WHERE id IN (SELECT value FROM json_each(?)) AND length(body) = ? AND body = (SELECT body FROM bodies WHERE id = ?)
      LIMIT 1`,
    'pluck',
  );
  const set = ctx.stmt('UPDATE deliveries SET attempt = ?, flags = ?, flags_mask = ? WHERE id = ?');
  for (const [key, gone] of firstGone) {
    // the attempts before each row, kept as they accumulate: an event with thousands of attempts is walked once
    let count = 0;
    let first: AttemptRow | null = null;
    let last: AttemptRow | null = null;
    /** ids of the attempts so far, by payload hash, oldest first */
    const byPayload = new Map<string, number[]>();
    // all read first: the rows are written while walking them
    for (const r of left.all(msgId, key) as AttemptRow[]) {
      const same = r.canon_hash === null ? undefined : byPayload.get(r.canon_hash);
      if (r.id > gone && r.attempt !== null && first && last) {
        let bytes: boolean | undefined;
        if (same && r.bytes !== null) {
          const lookback = sameBytesLookback(r.bytes);
          const matched = sameBody.get(JSON.stringify(same.slice(-lookback)), r.bytes, r.id) !== undefined;
          bytes = sameBytesVerdict(matched, same.length > lookback);
        }
        const prior: PriorAttempts = {
          count,
          firstId: first.id,
          last: { id: last.id, receivedAt: last.received_at },
          samePayload: same !== undefined,
          ...(bytes !== undefined ? { sameBytes: bytes } : {}),
        };
        const old = JSON.parse(r.flags) as FlagDetail[];
        // a simulated repeat keeps the speed-up it was judged at
        const speed = old.find((f): f is Extract<FlagDetail, { flag: 'duplicate' }> => f.flag === 'duplicate')?.speed ?? 1;
        const repeat = duplicateFlag(r.received_at, prior, speed);
        const wasRepeat = old.some((f) => f.flag === 'duplicate');
        // as classifyDelivery lists them: the repeat first
        const flags = [repeat, ...old.filter((f) => f.flag !== 'duplicate')];
        const json = JSON.stringify(flags);
        if (json !== r.flags || r.attempt !== count + 1) set.run(count + 1, json, flagMask(flags), r.id);
        if (!wasRepeat) {
          ctx.stmt("INSERT INTO delivery_flags (flag, delivery_id) VALUES ('duplicate', ?)").run(r.id);
          counters.add(counterKey({ flag: 'duplicate' }), 1);
        }
      } else if (r.id > gone && r.attempt !== null) {
        // the first attempt left: no repeat of anything
        const old = JSON.parse(r.flags) as FlagDetail[];
        const flags = old.filter((f) => f.flag !== 'duplicate');
        const json = JSON.stringify(flags);
        if (json !== r.flags || r.attempt !== 1) set.run(1, json, flagMask(flags), r.id);
        if (flags.length !== old.length) {
          ctx.stmt("DELETE FROM delivery_flags WHERE flag = 'duplicate' AND delivery_id = ?").run(r.id);
          counters.add(counterKey({ flag: 'duplicate' }), -1);
        }
      }
      count++;
      first ??= r;
      last = r;
      if (r.canon_hash !== null) {
        if (same) same.push(r.id);
        else byPayload.set(r.canon_hash, [r.id]);
      }
    }
  }
}

interface AttemptRow {
  id: number;
  received_at: number;
  attempt: number | null;
  canon_hash: string | null;
  flags: string;
  bytes: number | null;
}

function hasSummaries(ctx: StoreContext): boolean {
  return ctx.stmt("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'an_messages'", 'pluck').get() !== undefined;
}

function deleteDelivery(ctx: StoreContext, r: Omit<Row, 'msg_id' | 'event_key' | 'pinned'>, counters: CounterDeltas): void {
  for (const flag of ctx.stmt('SELECT flag FROM delivery_flags WHERE delivery_id = ?', 'pluck').all(r.id) as string[]) {
    counters.add(counterKey({ flag: flag as FlagName }), -1);
  }
  ctx.stmt('DELETE FROM delivery_flags WHERE delivery_id = ?').run(r.id);
  forgetText(ctx, r);
  ctx.stmt('DELETE FROM bodies WHERE id = ?').run(r.id);
  ctx.stmt('DELETE FROM deliveries WHERE id = ?').run(r.id);
  ctx.stmt('DELETE FROM forward_attempts WHERE delivery_id = ?').run(r.id);
}

/** What the summaries count of a message's deliveries (summary-deltas.ts deliveryAdded). */
function* deliveriesOf(ctx: StoreContext, msgId: number) {
  const rows = ctx
    .stmt('SELECT received_at, kind, event_ts, response_ms, attempt, flags FROM deliveries WHERE msg_id = ?')
    .iterate(msgId) as IterableIterator<{ received_at: number; kind: string; event_ts: number | null; response_ms: number | null; attempt: number | null; flags: string }>;
  for (const d of rows) {
    yield { msgId, receivedAt: d.received_at, kind: d.kind, eventTs: d.event_ts, responseMs: d.response_ms, attempt: d.attempt, flags: JSON.parse(d.flags) as FlagDetail[] };
  }
}

/**
 * Takes a message and its deliveries out of the analytics summaries, the reverse of what indexing added for them;
 * run before the rows go. Failure reasons are rows per message: deleted here, added back by its remaining deliveries.
 */
function forgetInSummaries(ctx: StoreContext, msgId: number, counters: CounterDeltas): void {
  const m = ctx.stmt(`SELECT ${FILED_AS} FROM messages WHERE id = ?`).get(msgId) as MessageFacts | undefined;
  if (m) counters.summaries.messageRemoved(m);
  for (const d of deliveriesOf(ctx, msgId)) counters.summaries.deliveryRemoved(d);
  ctx.stmt('DELETE FROM an_reasons WHERE msg_id = ?').run(msgId);
}
