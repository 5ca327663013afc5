// Versioned schema (PRAGMA user_version). Each migration runs once, in its own transaction, in order.
// Add a migration at the end; never edit one that has shipped.
import type Database from 'better-sqlite3';

/**
 * SQL for integer `v` rounded away from zero to 3 significant digits (an_values.k, migration 6 and
 * summary-deltas.ts): integers from -999 to 999 stay as they are; 1234 -> 1240, -1234 -> -1230 (toward zero there,
 * so keys still grow with v).
 */
export function K(v: string): string {
  const pow10 = (digits: string) => `CAST(substr('1000000000000000000', 1, ${digits}) AS INTEGER)`;
  return `(CASE WHEN ${v} BETWEEN -999 AND 999 THEN ${v}
    WHEN ${v} > 0 THEN ((${v} + ${pow10(`length(${v}) - 2`)} - 1) / ${pow10(`length(${v}) - 2`)}) * ${pow10(`length(${v}) - 2`)}
    ELSE (${v} / ${pow10(`length(${v}) - 3`)}) * ${pow10(`length(${v}) - 3`)} END)`;
}

const MIGRATIONS: string[] = [
  // 1: deliveries, bodies, flags, full text, messages with facets, counters, settings, targets, forwards
  `
  CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    received_at INTEGER NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL,
    headers TEXT NOT NULL,
    remote_address TEXT NOT NULL,
    body_size INTEGER NOT NULL,
    body_truncated INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_ms INTEGER,
    reject_reason TEXT,
    msg_id INTEGER,
    reference TEXT,
    event_id TEXT COLLATE NOCASE,
    type TEXT,
    type_lc TEXT,
    kind TEXT NOT NULL,
    channel TEXT,
    direction TEXT,
    user_id TEXT COLLATE NOCASE,
    campaign TEXT,
    event_ts INTEGER,
    event_key TEXT,
    attempt INTEGER,
    canon_hash TEXT,
    flags_mask INTEGER NOT NULL,
    flags TEXT NOT NULL,
    preview TEXT NOT NULL
  );
  -- raw bytes live apart so scans over delivery metadata never read bodies
  CREATE TABLE bodies (id INTEGER PRIMARY KEY, body BLOB NOT NULL);
  CREATE INDEX deliveries_msg ON deliveries(msg_id, event_key) WHERE msg_id IS NOT NULL;
  CREATE INDEX deliveries_received ON deliveries(received_at);
  CREATE INDEX deliveries_type ON deliveries(type_lc) WHERE type_lc IS NOT NULL;
  CREATE INDEX deliveries_kind ON deliveries(kind);
  CREATE INDEX deliveries_channel ON deliveries(channel) WHERE channel IS NOT NULL;
  CREATE INDEX deliveries_user ON deliveries(user_id) WHERE user_id IS NOT NULL;
  CREATE INDEX deliveries_event ON deliveries(event_id) WHERE event_id IS NOT NULL;
  CREATE INDEX deliveries_campaign ON deliveries(campaign) WHERE campaign IS NOT NULL;
  CREATE TABLE delivery_flags (
    flag TEXT NOT NULL,
    delivery_id INTEGER NOT NULL,
    PRIMARY KEY (flag, delivery_id)
  ) WITHOUT ROWID;
  -- contentless: the text is rebuilt from the delivery when needed; rowid = deliveries.id
  CREATE VIRTUAL TABLE deliveries_fts USING fts5(text, body, content='', tokenize='unicode61 remove_diacritics 2');

  CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    first_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    user_id TEXT COLLATE NOCASE,
    campaign TEXT,
    state TEXT NOT NULL,
    summary TEXT NOT NULL,
    -- when time passing alone changes the summary (fallback grace period): rebuilt then
    due_at INTEGER
  );
  CREATE INDEX messages_last ON messages(last_at);
  CREATE INDEX messages_ref_nocase ON messages(reference COLLATE NOCASE);
  CREATE INDEX messages_user ON messages(user_id) WHERE user_id IS NOT NULL;
  CREATE INDEX messages_due ON messages(due_at) WHERE due_at IS NOT NULL;
  -- one row per (message, fact): 'st:failed', 'f:duplicate', 'a:out-of-order', 't:delivered', 'g:<campaign>' ...
  -- (migration 11 takes the message's last activity out of the key)
  CREATE TABLE message_facets (
    facet TEXT NOT NULL,
    last_at INTEGER NOT NULL,
    msg_id INTEGER NOT NULL,
    PRIMARY KEY (facet, last_at, msg_id)
  ) WITHOUT ROWID;
  CREATE INDEX message_facets_msg ON message_facets(msg_id, facet);
  -- maintained in the ingest transaction: 'deliveries', 'messages', 'df:<flag>' (deliveries), 'mf:<facet>' (messages)
  CREATE TABLE counters (key TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;

  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE targets (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    headers TEXT NOT NULL,
    is_default INTEGER NOT NULL
  );
  CREATE TABLE forward_attempts (
    id INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL,
    target_url TEXT NOT NULL,
    mode TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    request_headers TEXT NOT NULL,
    request_body_size INTEGER NOT NULL,
    status INTEGER,
    response_headers TEXT NOT NULL,
    response_excerpt TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    error TEXT
  );
  CREATE INDEX forward_attempts_delivery ON forward_attempts(delivery_id);
  `,
  // 2: deliveries committed on the acknowledgement path but not yet classified/indexed (ingest.ts, phase 2).
  // A side table rather than a column: phase 1 appends one tiny row, and finding the backlog is a rowid scan.
  `
  CREATE TABLE pending_index (id INTEGER PRIMARY KEY);
  `,
  // 3: the longest message span, kept from now on by rebuildMessage; `before:` filters on messages use it as a bound
  `
  INSERT INTO counters (key, n) SELECT 'span:max', coalesce(max(last_at - first_at), 0) FROM messages WHERE true
    ON CONFLICT(key) DO UPDATE SET n = max(n, excluded.n);
  `,
  // 4: the acknowledgement path appends the request as received to `inbox`, one table with no secondary index;
  // indexing moves it into deliveries and bodies (ingest.ts). Deliveries an earlier version left pending move
  // back to the inbox to be indexed the new way; the 'deliveries' counter now counts indexed deliveries.
  `
  CREATE TABLE inbox (
    id INTEGER PRIMARY KEY,
    received_at INTEGER NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL,
    headers TEXT NOT NULL,
    remote_address TEXT NOT NULL,
    body_size INTEGER NOT NULL,
    body_truncated INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_ms INTEGER,
    reject_reason TEXT,
    body BLOB NOT NULL
  );
  INSERT INTO inbox
    SELECT d.id, d.received_at, d.method, d.path, d.query, d.headers, d.remote_address, d.body_size, d.body_truncated,
      d.outcome, d.response_status, d.response_ms, d.reject_reason, coalesce(b.body, x'')
    FROM pending_index p JOIN deliveries d ON d.id = p.id LEFT JOIN bodies b ON b.id = d.id;
  UPDATE counters SET n = n - (SELECT count(*) FROM inbox) WHERE key = 'deliveries';
  DELETE FROM bodies WHERE id IN (SELECT id FROM inbox);
  DELETE FROM deliveries WHERE id IN (SELECT id FROM inbox);
  DROP TABLE pending_index;
  `,
  // 5: each message keeps the fold of its deliveries (shared/message-acc.ts), so indexing a delivery never re-reads
  // its message's earlier ones; rows of earlier versions get theirs from their deliveries' columns when next
  // touched. Exact-duplicate checks look one hash up instead of reading every earlier attempt of the event.
  `
  ALTER TABLE messages ADD COLUMN acc TEXT;
  CREATE INDEX deliveries_event_canon ON deliveries(event_key, canon_hash) WHERE canon_hash IS NOT NULL;
  `,
  // 6: analytics summaries (store/analytics-summary.ts), so the report of every message reads a few thousand rows
  // instead of every delivery: kept by the code that writes deliveries and messages (store/summary-deltas.ts, once
  // per transaction: triggers cost indexing a third more), filled here from what is stored. Replies are not kept:
  // their reader tallies the reply deliveries it has not seen yet. Flag bits: duplicate = 1, duplicate-blocked |
  // exception | error | prepaid-blocked = 30. Safe to run again over its own tables.
  `
  DROP TABLE IF EXISTS an_messages; DROP TABLE IF EXISTS an_values; DROP TABLE IF EXISTS an_series;
  DROP TABLE IF EXISTS an_attempts; DROP TABLE IF EXISTS an_counts; DROP TABLE IF EXISTS an_reasons;
  -- messages per campaign ('' = none, else 'g' || name), state and furthest step (0 none, 1 sent ... 4 replied)
  CREATE TABLE an_messages (campaign_key TEXT NOT NULL, state TEXT NOT NULL, step INTEGER NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (campaign_key, state, step)) WITHOUT ROWID;
  -- how many of each duration: 1 sent->delivered, 2 delivered->read, 3 read->reply (per message), 4 callback delay,
  -- 5 our answer time (per delivery). k is v rounded away from zero to 3 significant digits: a few thousand keys in
  -- order, so a percentile reads the keys and then the values of one key, and histogram bounds fall between keys
  CREATE TABLE an_values (metric INTEGER NOT NULL, k INTEGER NOT NULL, v INTEGER NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (metric, k, v)) WITHOUT ROWID;
  -- deliveries per minute (received_at / 60000), kind and whether they repeat an event
  CREATE TABLE an_series (minute INTEGER NOT NULL, kind TEXT NOT NULL, rep INTEGER NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (minute, kind, rep)) WITHOUT ROWID;
  -- deliveries per attempt number: events with exactly k deliveries = n(k) - n(k + 1)
  CREATE TABLE an_attempts (attempt INTEGER PRIMARY KEY, n INTEGER NOT NULL);
  CREATE TABLE an_counts (key TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
  -- each failure reason a message carries, once: 'exception:<kind>', 'error:<code>', 'prepaid:<scope>',
  -- 'account:<id>', 'duplicate-blocked'
  CREATE TABLE an_reasons (reason TEXT NOT NULL, msg_id INTEGER NOT NULL, PRIMARY KEY (reason, msg_id)) WITHOUT ROWID;

  INSERT INTO an_messages
    SELECT iif(campaign IS NULL, '', 'g' || campaign), state,
      CASE WHEN summary ->> '$.repliedAt' IS NOT NULL THEN 4 WHEN summary ->> '$.readAt' IS NOT NULL THEN 3
        WHEN summary ->> '$.deliveredAt' IS NOT NULL THEN 2 WHEN summary ->> '$.sentAt' IS NOT NULL THEN 1 ELSE 0 END s, count(*)
    FROM messages GROUP BY 1, 2, 3;
  INSERT INTO an_values
    SELECT m, ${K('v')}, v, count(*) FROM (
      SELECT 1 m, (summary ->> '$.deliveredAt') - (summary ->> '$.sentAt') v FROM messages
      UNION ALL SELECT 2, (summary ->> '$.readAt') - (summary ->> '$.deliveredAt') FROM messages
      UNION ALL SELECT 3, (summary ->> '$.repliedAt') - (summary ->> '$.readAt') FROM messages
      UNION ALL SELECT 4, received_at - event_ts FROM deliveries WHERE msg_id IS NOT NULL
      UNION ALL SELECT 5, response_ms FROM deliveries WHERE msg_id IS NOT NULL)
    WHERE v IS NOT NULL GROUP BY 1, 3;
  INSERT INTO an_series SELECT received_at / 60000, kind, flags_mask & 1 != 0, count(*) FROM deliveries WHERE msg_id IS NOT NULL GROUP BY 1, 2, 3;
  INSERT INTO an_attempts SELECT attempt, count(*) FROM deliveries WHERE msg_id IS NOT NULL AND attempt IS NOT NULL GROUP BY 1;
  INSERT INTO an_counts SELECT 'off-schedule', count(*) FROM deliveries d
    WHERE d.msg_id IS NOT NULL AND d.flags_mask & 1 != 0
      AND EXISTS (SELECT 1 FROM json_each(d.flags) f WHERE f.value ->> '$.flag' = 'duplicate' AND f.value ->> '$.fitsSchedule' = 0);
  INSERT OR IGNORE INTO an_reasons
    SELECT CASE f.value ->> '$.flag'
        WHEN 'exception' THEN 'exception:' || (f.value ->> '$.kind')
        WHEN 'error' THEN 'error:' || coalesce(f.value ->> '$.code', 'unknown')
        WHEN 'prepaid-blocked' THEN 'prepaid:' || (f.value ->> '$.scope')
        ELSE 'duplicate-blocked' END, d.msg_id
    FROM deliveries d, json_each(d.flags) f
    WHERE d.msg_id IS NOT NULL AND d.flags_mask & 30 != 0 AND f.value ->> '$.flag' IN ('exception', 'error', 'prepaid-blocked', 'duplicate-blocked')
    UNION ALL
    SELECT 'account:' || coalesce(f.value ->> '$.accountId', 'unknown'), d.msg_id
    FROM deliveries d, json_each(d.flags) f
    WHERE d.msg_id IS NOT NULL AND d.flags_mask & 16 != 0 AND f.value ->> '$.flag' = 'prepaid-blocked' AND f.value ->> '$.scope' = 'account';
  `,
  // 7: deliveries read from a file by `import` (store/import-rows.ts), by id: never taken for gateway traffic. A
  // side table, so neither the acknowledgement path nor indexing writes a column more.
  `
  CREATE TABLE IF NOT EXISTS imported (id INTEGER PRIMARY KEY, source TEXT NOT NULL, imported_at INTEGER NOT NULL);
  -- answer:>Ns (N >= 1) reads the few slow answers here instead of every delivery (filter-deliveries.ts slowAnswer)
  CREATE INDEX IF NOT EXISTS deliveries_slow_answer ON deliveries(response_ms) WHERE response_ms >= 1000;
  `,
  // 8: the answer a response rule gave a delivery (store/rule-answers.ts; shared/response-rules.ts), by delivery id:
  // action 'status' | 'delay' | 'close' | 'hang', status null when nothing was answered. A side table, written in
  // batches after the answer, so neither the acknowledgement path nor indexing writes a column more.
  `
  CREATE TABLE IF NOT EXISTS rule_answers (id INTEGER PRIMARY KEY, rule TEXT NOT NULL, action TEXT NOT NULL, status INTEGER,
    delay_ms INTEGER);
  `,
  // 9: pins and notes (store/marks.ts): kind 'd' (key: delivery id, an integer) or 'm' (key: message reference). A
  // side table: a mark never rewrites a delivery or message row. Pinned rows are found through their own index
  // (pinned:yes, pruning).
  `
  CREATE TABLE IF NOT EXISTS marks (kind TEXT NOT NULL, key NOT NULL, pinned INTEGER NOT NULL, note TEXT,
    updated_at INTEGER NOT NULL, PRIMARY KEY (kind, key)) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS marks_pinned ON marks(kind, key) WHERE pinned = 1;
  `,
  // 10: deliveries the gateway simulator sent (its X-RCI-Simulated header), by id, written when indexed: the lists
  // mark them without reading headers. A side table, so indexing gateway traffic writes nothing more.
  `
  CREATE TABLE IF NOT EXISTS simulated (id INTEGER PRIMARY KEY);
  `,
  // 11: a message's facets keyed by the fact alone, no longer by its last activity as well. Ordered by last
  // activity, every delivery moved each of its message's ~14 rows in both trees (a delete at a random page, an
  // insert at the end): ~15 % of the pages an indexing commit wrote on the bench store's mix. A filter on one fact
  // now reads the few messages carrying it by id and sorts them, or walks the newest-first list checking the fact
  // (filter-messages.ts facetDriver). Sorted before insertion: both trees are built in order.
  `
  CREATE TABLE message_facets_v11 (facet TEXT NOT NULL, msg_id INTEGER NOT NULL, PRIMARY KEY (facet, msg_id)) WITHOUT ROWID;
  INSERT OR IGNORE INTO message_facets_v11 SELECT facet, msg_id FROM message_facets ORDER BY facet, msg_id;
  DROP TABLE message_facets;
  ALTER TABLE message_facets_v11 RENAME TO message_facets;
  CREATE INDEX message_facets_msg ON message_facets(msg_id, facet);
  `,
  // 12: the newest-first index holds each message's first activity too, after its id (named, so the lists' order,
  // last activity then id, is still the index's own): a time window (`before:` is the first delivery) is checked
  // and counted off the index alone. Read from the rows, each message was a page read on a cold start: a window's
  // count of 10,000 took 200-550 ms. A delivery still moves its message's entry once, 16 bytes longer.
  `
  DROP INDEX messages_last;
  CREATE INDEX messages_last ON messages(last_at, id, first_at);
  `,
  // 13: deliveries indexed but not yet added to the full-text table, which takes them in batches of its own
  // (full-text.ts): at an indexing slice's 10–30 rows its per-commit segment cost about a quarter of indexing.
  `
  CREATE TABLE IF NOT EXISTS text_queue (id INTEGER PRIMARY KEY);
  `,
  // 14: the payload hashes of a message's deliveries keyed by the message, not by the event key (which starts with
  // the reference, a random string, and ran ~130 bytes an entry): each delivery wrote a leaf page at a random place
  // in the store's largest index (1.6 of ~14 pages an indexing slice wrote per delivery; 0.75 of 5 in long slices).
  // Keyed by message id, the entries of recent messages share pages. Exact-duplicate checks name it (ingest.ts
  // priorOf); an event's attempt count reads deliveries_msg.
  `
  DROP INDEX IF EXISTS deliveries_event_canon;
  CREATE INDEX IF NOT EXISTS deliveries_msg_canon ON deliveries(msg_id, canon_hash) WHERE canon_hash IS NOT NULL;
  `,
  // 15: a message's facet list kept on its row (a JSON array, written with the row), and the facets' second index,
  // by message id, dropped. Indexing read a message's facets off that index before each rewrite, and every facet
  // added or taken away wrote both trees: the index was ~4 % of the pages an indexing commit wrote and about half of
  // a facet change's cost (store mix). Filters ask the primary key (fact, message id) as before; the few reads that
  // need one message's facets read the row's list (counts.ts, filter-messages.ts status ranges). The accumulator
  // loses its own copy of them (messages.ts parseAcc): both would push a typical row past half a page.
  `
  ALTER TABLE messages ADD COLUMN facets TEXT;
  UPDATE messages SET
    facets = coalesce(
      (SELECT json_group_array(facet) FROM (SELECT facet FROM message_facets WHERE msg_id = messages.id ORDER BY facet)), '[]'),
    acc = json_remove(acc, '$.facets');
  DROP INDEX message_facets_msg;
  `,
  // 16: references indexed once. `ref:` ignores case and had an index of its own (reference COLLATE NOCASE) beside
  // the unique one: every new message wrote both at a random place. A prefix is now read as ranges of the unique
  // index, one per spelling stored references have (ref-prefix.ts).
  `
  DROP INDEX messages_ref_nocase;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `the database was written by a newer version of the app (schema ${current}, this version knows ${SCHEMA_VERSION})`,
    );
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
