// The callbacks the first-run screen's "Send a test callback" makes: real deliveries (they prove the whole path,
// tunnel to disk), recognisable by their campaign and reference, that the user can delete once seen, so lists,
// counts and analytics hold the gateway's traffic only. Nothing else is ever deleted from a store.
import { parseDeliveryBody } from '../../../shared/callback';
import { TEST_CALLBACK_CAMPAIGN, TEST_CALLBACK_REFERENCE_PREFIX } from '../../../shared/constants';
import type { FlagName } from '../../../shared/domain';
import { counterKey, facetKey } from '../../../shared/facet-keys';
import { CounterDeltas, type StoreContext } from './context';
import { toStoreWriteError } from './errors';
import { ftsValues } from './ingest';
import { bodyFacts } from './body-facts';
import { headerValue } from './rows';


const testFacet = facetKey('campaign', TEST_CALLBACK_CAMPAIGN);

/** Messages made by the test button (one counter read). */
export function countTestCallbacks(ctx: StoreContext): number {
  return (ctx.stmt('SELECT n FROM counters WHERE key = ?', 'pluck').get(counterKey({ facet: testFacet })) as number | undefined) ?? 0;
}

interface Row {
  id: number;
  campaign: string | null;
  path: string;
  reject_reason: string | null;
  headers: string;
  body: Buffer;
}

/**
 * Deletes every test message and its deliveries, with everything derived from them (flags, full text, facets,
 * counters, replay attempts, analytics summaries). A message holding any delivery of another
 * campaign is kept whole. One transaction: lists and counts never see half of it.
 */
export function deleteTestCallbacks(ctx: StoreContext): { messages: number; deliveries: number } {
  try {
    const result = ctx.db.transaction(() => {
      const msgs = ctx
        .stmt('SELECT m.id, m.reference FROM message_facets f JOIN messages m ON m.id = f.msg_id WHERE f.facet = ?')
        .all(testFacet) as { id: number; reference: string }[];
      const counters = new CounterDeltas();
      const summaries = ctx.stmt("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'an_messages'", 'pluck').get() !== undefined;
      let messages = 0;
      let deliveries = 0;
      let retired = 0;
      for (const m of msgs) {
        if (!m.reference.startsWith(TEST_CALLBACK_REFERENCE_PREFIX)) continue;
        const rows = ctx
          .stmt('SELECT d.id, d.campaign, d.path, d.reject_reason, d.headers, b.body FROM deliveries d JOIN bodies b ON b.id = d.id WHERE d.msg_id = ?')
          .all(m.id) as Row[];
        if (rows.some((r) => r.campaign !== TEST_CALLBACK_CAMPAIGN)) continue;
        if (summaries) forgetInSummaries(ctx, m.id);
        for (const r of rows) {
          deleteDelivery(ctx, r, counters);
          retired = Math.max(retired, r.id);
        }
        for (const facet of ctx.stmt('SELECT facet FROM message_facets WHERE msg_id = ?', 'pluck').all(m.id) as string[]) {
          counters.add(counterKey({ facet }), -1);
        }
        ctx.stmt('DELETE FROM message_facets WHERE msg_id = ?').run(m.id);
        ctx.stmt('DELETE FROM messages WHERE id = ?').run(m.id);
        counters.add(counterKey('messages'), -1);
        counters.add(counterKey('deliveries'), -rows.length);
        messages++;
        deliveries += rows.length;
      }
      counters.flush(ctx);
      const floor =
        retired > 0
          ? (ctx
              .stmt('INSERT INTO counters (key, n) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET n = max(n, excluded.n) RETURNING n', 'pluck')
              .get(counterKey('retired-ids'), retired) as number)
          : null;
      return { messages, deliveries, floor };
    }).immediate();
    // once committed: the acknowledgement path takes new ids above it without reading the counter (context.ts)
    if (result.floor !== null) ctx.retiredIds = Math.max(ctx.retiredIds ?? 0, result.floor);
    return { messages: result.messages, deliveries: result.deliveries };
  } catch (err) {
    throw toStoreWriteError(err);
  }
}

function deleteDelivery(ctx: StoreContext, r: Row, counters: CounterDeltas): void {
  for (const flag of ctx.stmt('SELECT flag FROM delivery_flags WHERE delivery_id = ?', 'pluck').all(r.id) as string[]) {
    counters.add(counterKey({ flag: flag as FlagName }), -1);
  }
  ctx.stmt('DELETE FROM delivery_flags WHERE delivery_id = ?').run(r.id);
  // a contentless full-text table forgets a row only when given back exactly what it indexed
  const parse = parseDeliveryBody(r.body, headerValue(JSON.parse(r.headers) as [string, string][], 'content-type'));
  ctx
    .stmt("INSERT INTO deliveries_fts (deliveries_fts, rowid, text, body) VALUES ('delete', ?, ?, ?)")
    .run(r.id, ...ftsValues(r, parse, bodyFacts(parse).preview));
  ctx.stmt('DELETE FROM bodies WHERE id = ?').run(r.id);
  ctx.stmt('DELETE FROM deliveries WHERE id = ?').run(r.id);
  ctx.stmt('DELETE FROM forward_attempts WHERE delivery_id = ?').run(r.id);
}

/** A message's step as the analytics summaries file it (store/schema.ts, migration 6). */
const STEP = `CASE WHEN summary ->> '$.repliedAt' IS NOT NULL THEN 4 WHEN summary ->> '$.readAt' IS NOT NULL THEN 3
  WHEN summary ->> '$.deliveredAt' IS NOT NULL THEN 2 WHEN summary ->> '$.sentAt' IS NOT NULL THEN 1 ELSE 0 END`;

/**
 * Takes a message and its deliveries out of the analytics summaries, the reverse of what indexing added for them
 * (summary-deltas.ts); run before the rows go.
 */
const FORGET = [
  `UPDATE an_messages SET n = n - 1 WHERE (campaign_key, state, step) =
     (SELECT iif(campaign IS NULL, '', 'g' || campaign), state, ${STEP} FROM messages WHERE id = :msg)`,
  `UPDATE an_values SET n = n - 1 WHERE metric = 1 AND v = (SELECT (summary ->> '$.deliveredAt') - (summary ->> '$.sentAt') FROM messages WHERE id = :msg)`,
  `UPDATE an_values SET n = n - 1 WHERE metric = 2 AND v = (SELECT (summary ->> '$.readAt') - (summary ->> '$.deliveredAt') FROM messages WHERE id = :msg)`,
  `UPDATE an_values SET n = n - 1 WHERE metric = 3 AND v = (SELECT (summary ->> '$.repliedAt') - (summary ->> '$.readAt') FROM messages WHERE id = :msg)`,
  'DELETE FROM an_reasons WHERE msg_id = :msg',
  `UPDATE an_series SET n = n - s.c FROM (SELECT received_at / 60000 mi, kind k, flags_mask & 1 != 0 r, count(*) c FROM deliveries
     WHERE msg_id = :msg GROUP BY 1, 2, 3) s WHERE minute = s.mi AND kind = s.k AND rep = s.r`,
  `UPDATE an_values SET n = n - s.c FROM (SELECT received_at - event_ts v, count(*) c FROM deliveries WHERE msg_id = :msg AND event_ts IS NOT NULL
     GROUP BY 1) s WHERE metric = 4 AND an_values.v = s.v`,
  `UPDATE an_values SET n = n - s.c FROM (SELECT response_ms v, count(*) c FROM deliveries WHERE msg_id = :msg AND response_ms IS NOT NULL
     GROUP BY 1) s WHERE metric = 5 AND an_values.v = s.v`,
  `UPDATE an_attempts SET n = n - s.c FROM (SELECT attempt a, count(*) c FROM deliveries WHERE msg_id = :msg AND attempt IS NOT NULL GROUP BY 1) s
     WHERE attempt = s.a`,
  `UPDATE an_counts SET n = n - (SELECT count(*) FROM deliveries d WHERE d.msg_id = :msg AND d.flags_mask & 1 != 0
     AND EXISTS (SELECT 1 FROM json_each(d.flags) f WHERE f.value ->> '$.flag' = 'duplicate' AND f.value ->> '$.fitsSchedule' = 0))
     WHERE key = 'off-schedule'`,
];

function forgetInSummaries(ctx: StoreContext, msgId: number): void {
  for (const sql of FORGET) ctx.stmt(sql).run({ msg: msgId });
}
