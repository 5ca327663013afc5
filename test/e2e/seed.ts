// Data a test posts for itself: the sample lifecycles under references no other test uses, so a test passes alone,
// in any order, and beside whatever earlier tests left in the same `serve` (filter with `ref:<tag>` to count).
import { expect } from 'vitest';
import { apiOf } from '../reliability/support/api';
import { postCallback } from '../support/browser';
import { loadSamples, type ServeHandle } from '../support/serve';

type Body = Record<string, unknown>;

const samples = loadSamples();
let made = 0;

/** a prefix no other test's references start with (and no other tag starts with: it ends in "x") */
export const uniqueTag = (): string => `t${(++made).toString(36)}${Math.random().toString(36).slice(2, 7)}x`;

interface TaggedLifecycles {
  tag: string;
  /** each sample lifecycle's bodies, as posted */
  bodies: Record<string, Body[]>;
  /** the reference of a lifecycle's i-th body */
  ref: (name: string, i?: number) => string;
}

/** the sample lifecycles with each reference prefixed by the tag (event keys then differ from every other test's) */
function taggedLifecycles(tag = uniqueTag()): TaggedLifecycles {
  const bodies: Record<string, Body[]> = {};
  for (const [name, deliveries] of Object.entries(samples.lifecycles)) {
    bodies[name] = deliveries.map((d) => ({ ...d.body, reference: `${tag}-${String(d.body.reference)}` }));
  }
  return { tag, bodies, ref: (name, i = 0) => bodies[name]![i]!.reference as string };
}

/**
 * Posts every sample lifecycle in order under the tag's references, and waits until the core has indexed them: a
 * page opened then shows them at once, in their final order, instead of rows still moving under a click.
 */
export async function postLifecycles(serve: ServeHandle, tag = uniqueTag()): Promise<TaggedLifecycles> {
  const lc = taggedLifecycles(tag);
  const all = Object.values(lc.bodies).flat();
  for (const body of all) expect(await postCallback(serve.receiverUrl, body)).toBe(200);
  await waitIndexed(serve, `ref:${tag}`, all.length);
  return lc;
}

/** until the deliveries matching a query number `count` in the lists (the receiver answers before indexing) */
export async function waitIndexed(serve: ServeHandle, query: string, count: number): Promise<void> {
  const api = apiOf(serve);
  await expect.poll(async () => (await api('listDeliveries', { query, offset: 0, limit: 1 })).total, { timeout: 10_000 }).toBe(count);
}

export { samples };
