// What users answered (Report.replies): the most frequent suggestion responses, postback values and typed texts,
// read from the bodies of reply deliveries. A retried reply is one answer: only the first delivery of each event
// counts, and a value counts once per message. A filtered report reads the replies of the matching messages; the
// report of every message keeps a tally per connection and reads only the reply deliveries it has not seen yet
// (delivery ids only grow, and a reply's message and flags never change once indexed; a deletion starts it over).
import type Database from 'better-sqlite3';
import type { Report, ValueCount } from '../../../shared/analytics';
import { FLAG_NAMES } from '../../../shared/domain';
import { counterKey, facetKey } from '../../../shared/facet-keys';
import { rawRows, type Scope } from './analytics-scope';
import type { StoreContext } from './context';

const DUPLICATE = 1 << FLAG_NAMES.indexOf('duplicate');
const TOP = 10;

/** value -> the messages that gave it, per list: suggestion text, postbackData, typed text */
interface Tally {
  s: Map<string, Set<number>>;
  p: Map<string, Set<number>>;
  t: Map<string, Set<number>>;
}

/**
 * A value is kept (and counted) by its first VALUE_CHARS characters: the tally of every message lives as long as the
 * worker, and a sender of megabyte-long replies must not make it hold megabytes per reply. Longer ones end in "…".
 */
const VALUE_CHARS = 200;
const clip = (expr: string) => `iif(length(${expr}) > ${VALUE_CHARS}, substr(${expr}, 1, ${VALUE_CHARS - 1}) || '…', ${expr})`;

// bodies are BLOBs, which SQLite's JSON functions would take for JSONB: read as text
const VALUES = `SELECT id, msg_id,
    CASE WHEN type_lc = 'suggestionresponse'
      THEN ${clip(`coalesce(j ->> '$.message.suggestionResponse.text', j ->> '$.message.suggestionResponse.postbackData')`)} END,
    CASE WHEN type_lc = 'suggestionresponse' THEN ${clip(`(j ->> '$.message.suggestionResponse.postbackData')`)} END,
    CASE WHEN type_lc = 'text' THEN ${clip(`CASE json_type(j, '$.message') WHEN 'text' THEN j ->> '$.message' ELSE j ->> '$.message.text' END`)} END
  FROM (SELECT d.id, d.msg_id, d.type_lc, (SELECT CAST(b.body AS TEXT) FROM bodies b WHERE b.id = d.id) j`;
const FIRST_REPLIES = `d.kind = 'reply' AND d.msg_id IS NOT NULL AND d.flags_mask & ${DUPLICATE} = 0 AND d.type_lc IN ('suggestionresponse', 'text')`;

type Row = [id: number, msgId: number, s: unknown, p: unknown, t: unknown];

function add(tally: Tally, rows: Row[]): void {
  for (const [, msgId, ...values] of rows) {
    (['s', 'p', 't'] as const).forEach((cat, i) => {
      const v = values[i];
      if (v === null || v === undefined || v === '') return;
      const value = String(v);
      let msgs = tally[cat].get(value);
      if (!msgs) tally[cat].set(value, (msgs = new Set()));
      msgs.add(msgId);
    });
  }
}

function topOf(tally: Tally): Report['replies'] {
  const top = (m: Map<string, Set<number>>): ValueCount[] =>
    [...m]
      .map(([value, msgs]) => ({ value, n: msgs.size }))
      .sort((a, b) => b.n - a.n || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
      .slice(0, TOP);
  return { suggestions: top(tally.s), postbacks: top(tally.p), texts: top(tally.t) };
}

const emptyTally = (): Tally => ({ s: new Map(), p: new Map(), t: new Map() });

/** The replies of the matching messages: only those whose facets say they hold a reply have deliveries read. */
export function replyFigures(ctx: StoreContext, s: Scope): Report['replies'] {
  const rows = rawRows<Row>(
    ctx,
    s,
    `${VALUES}
       FROM (SELECT x.msg_id FROM message_facets x WHERE x.facet = ? AND x.msg_id IN (SELECT id FROM scope)) rm
         JOIN deliveries d INDEXED BY deliveries_msg ON d.msg_id = rm.msg_id
       WHERE ${FIRST_REPLIES})
     WHERE json_valid(j)`,
    facetKey('kind', 'reply'),
  );
  const tally = emptyTally();
  add(tally, rows);
  return topOf(tally);
}

const tallies = new WeakMap<Database.Database, { lastId: number; deletions: number; tally: Tally }>();

/** The replies of every message: the connection's tally, brought up to date (read again after a deletion). */
export function allReplies(ctx: StoreContext): Report['replies'] {
  const deletions = (ctx.stmt('SELECT n FROM counters WHERE key = ?', 'pluck').get(counterKey('deletions')) as number | undefined) ?? 0;
  let kept = tallies.get(ctx.db);
  if (!kept || kept.deletions !== deletions) tallies.set(ctx.db, (kept = { lastId: 0, deletions, tally: emptyTally() }));
  const rows = ctx
    .stmt(`${VALUES} FROM deliveries d INDEXED BY deliveries_kind WHERE d.id > ? AND ${FIRST_REPLIES}) WHERE json_valid(j)`, 'raw')
    .all(kept.lastId) as Row[];
  add(kept.tally, rows);
  for (const [id] of rows) if (id > kept.lastId) kept.lastId = id;
  return topOf(kept.tally);
}
