// The callbacks the first-run screen's "Send a test callback" makes: real deliveries (they prove the whole path,
// tunnel to disk), recognisable by their campaign and reference, that the user can delete once seen, so lists,
// counts and analytics hold the gateway's traffic only.
import { TEST_CALLBACK_CAMPAIGN, TEST_CALLBACK_REFERENCE_PREFIX } from '../../../shared/constants';
import { counterKey, facetKey } from '../../../shared/facet-keys';
import { CounterDeltas, type StoreContext } from './context';
import { toStoreWriteError } from './errors';
import { afterRetiring, removeDeliveries, retireIds } from './delete-rows';


const testFacet = facetKey('campaign', TEST_CALLBACK_CAMPAIGN);

/** Messages made by the test button (one counter read). */
export function countTestCallbacks(ctx: StoreContext): number {
  return (ctx.stmt('SELECT n FROM counters WHERE key = ?', 'pluck').get(counterKey({ facet: testFacet })) as number | undefined) ?? 0;
}

/**
 * Deletes every test message and its deliveries, with everything derived from them (delete-rows.ts, the path every
 * deletion takes). A message holding any delivery of another campaign is kept whole. One transaction: lists and
 * counts never see half of it.
 */
export function deleteTestCallbacks(ctx: StoreContext, now = Date.now()): { messages: number; deliveries: number } {
  try {
    const result = ctx.db.transaction(() => {
      const msgs = ctx
        .stmt('SELECT m.id, m.reference FROM message_facets f JOIN messages m ON m.id = f.msg_id WHERE f.facet = ?')
        .all(testFacet) as { id: number; reference: string }[];
      const ids: number[] = [];
      for (const m of msgs) {
        if (!m.reference.startsWith(TEST_CALLBACK_REFERENCE_PREFIX)) continue;
        const rows = ctx.stmt('SELECT id, campaign FROM deliveries WHERE msg_id = ?').all(m.id) as { id: number; campaign: string | null }[];
        if (rows.some((r) => r.campaign !== TEST_CALLBACK_CAMPAIGN)) continue;
        ids.push(...rows.map((r) => r.id));
      }
      const counters = new CounterDeltas();
      const removed = removeDeliveries(ctx, ids, now, false, counters);
      counters.flush(ctx);
      return { removed, floor: retireIds(ctx, removed.maxId) };
    }).immediate();
    afterRetiring(ctx, result.floor);
    return { messages: result.removed.messages, deliveries: result.removed.deliveries };
  } catch (err) {
    throw toStoreWriteError(err);
  }
}
