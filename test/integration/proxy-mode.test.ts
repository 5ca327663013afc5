// Proxy mode: the gateway gets the user's endpoint's answer (so its own retries exercise that endpoint), while the
// delivery is committed first, and the answer still comes within the gateway's 10 s.
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/app-core';
import { answers, failFirst, startTarget, type TargetServer } from '../support/targets';
import { loadSamples, tempDir } from '../support/serve';

const samples = loadSamples();
let core: Core | null = null;
let target: TargetServer | null = null;

afterEach(async () => {
  await core?.close();
  await target?.close();
  core = null;
  target = null;
});

async function post(body: unknown) {
  const res = await fetch(`${core!.receiverUrl}/callbacks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as { id: number } };
}

describe('proxy mode', () => {
  it("answers the gateway with the target's status, after the delivery is stored", async () => {
    target = await startTarget(failFirst(1, answers.status(500)));
    core = await createCore({ dataDir: tempDir(), receiverPort: 0, tunnel: { enabled: false }, version: 'test' });
    await core.handlers.saveTarget({ url: `${target.url}?from=proxy`, headers: [], isDefault: true });
    await core.handlers.updateSettings({ proxyMode: true });

    const first = await post(samples.events.delivered);
    expect(first.status).toBe(500);
    // committed regardless of what the target said
    expect(core.store.getDelivery(first.json.id)?.reference).toBe(samples.events.delivered!.reference);
    // the gateway retries; now the endpoint accepts it
    const retry = await post(samples.events.delivered);
    expect(retry.status).toBe(200);
    expect(target.received.map((r) => r.url)).toEqual(['/callbacks?from=proxy', '/callbacks?from=proxy']);
    const attempts = await core.handlers.listForwards({ deliveryId: first.json.id });
    expect(attempts.map((a) => [a.mode, a.status])).toEqual([['proxy', 500]]);
  });

  it('answers as usual when proxy mode is off or no target is saved', async () => {
    target = await startTarget(answers.status(500));
    core = await createCore({ dataDir: tempDir(), receiverPort: 0, tunnel: { enabled: false }, version: 'test' });
    await core.handlers.updateSettings({ proxyMode: true });
    expect((await post(samples.events.read)).status).toBe(200); // no target yet
    await core.handlers.saveTarget({ url: target.url, headers: [], isDefault: true });
    await core.handlers.updateSettings({ proxyMode: false });
    expect((await post(samples.events.read)).status).toBe(200);
    expect(target.received).toHaveLength(0);
  });
});
