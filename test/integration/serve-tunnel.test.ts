// `serve --tunnel localtunnel` end to end: the real localtunnel client against a localtunnel-protocol server on
// 127.0.0.1, callbacks posted through the public URL, a server restart survived without losing an acknowledged one.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLtServer, type LtServer } from '../support/lt-server';
import { loadSamples, runCli, startServe, type ServeHandle } from '../support/serve';

const samples = loadSamples();

async function postThrough(publicUrl: string, body: unknown): Promise<number> {
  const res = await fetch(`${publicUrl}/callbacks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return res.status;
}

/** event ids of the concurrent posts that were sent a second time (see below) */
const resent = new Set<string>();

/**
 * One of the 25 concurrent posts, as the gateway sends it: a connection reset before the answer is complete is sent
 * once more (a timeout or any other failure is not). One CI run (of many) saw a single reset among them on a loaded
 * machine, cause not found; the retry prints what the tunnel server and serve saw, so a next one can be diagnosed.
 * The answer must still be a 200, and the last test checks that each was stored once (twice only if sent twice).
 */
async function postConcurrent(publicUrl: string, eventId: string, seen: () => unknown): Promise<number> {
  const body = { ...samples.events.delivered, event_id: eventId };
  try {
    return await postThrough(publicUrl, body);
  } catch (err) {
    const cause = (err as Error & { cause?: NodeJS.ErrnoException }).cause;
    if (cause?.code !== 'ECONNRESET') throw err;
    console.warn(`post ${eventId} through the tunnel was reset before its answer; sending it once more`, seen());
    resent.add(eventId);
    return postThrough(publicUrl, body);
  }
}

describe('serve through a localtunnel server', () => {
  let lt: LtServer;
  let s: ServeHandle;
  beforeAll(async () => {
    lt = await startLtServer();
    s = await startServe(['--tunnel', 'localtunnel', '--tunnel-host', lt.url, '--probe-interval', '1000']);
  });
  afterAll(async () => {
    await s?.stop();
    await lt?.close();
  });

  it('prints a working publicUrl and stores every sample lifecycle posted through it', async () => {
    expect(s.publicUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/t\//);
    const acked: string[] = [];
    for (const lifecycle of Object.values(samples.lifecycles)) {
      for (const d of lifecycle) {
        expect(await postThrough(s.publicUrl!, d.body)).toBe(200);
        acked.push(JSON.stringify(d.body));
      }
    }
    const out = await runCli(['export', '--data-dir', s.dataDir, '--format', 'ndjson']);
    const stored = out.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(stored.map((d) => d.request.bodyText)).toEqual(acked);
    // nothing the tunnel's health probe sent was stored as a callback
    expect(stored.every((d) => d.request.path === '/callbacks')).toBe(true);
  });

  it('acknowledges 25 concurrent posts', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        postConcurrent(s.publicUrl!, `concurrent-${i}`, () => ({
          relayErrors: lt.relayErrors,
          serveLines: s.lines.filter((l) => l.event !== 'ready'),
          serveStderr: s.stderr(),
        })),
      ),
    );
    expect(statuses).toEqual(Array(25).fill(200));
  });

  it('stores 200 KB non-ASCII callbacks sent at once exactly as sent (the app\'s own tunnel sockets, no second hop)', async () => {
    const unit = 'Olá, situação: entregue ✓ 中文 🙂 ';
    const bodies = Array.from({ length: 8 }, (_, i) =>
      JSON.stringify({ reference: `big-${i}`, event_id: `e-${i}`, text: unit.repeat(Math.ceil((200 * 1024 + i * 13) / Buffer.byteLength(unit))) }),
    );
    const statuses = await Promise.all(
      bodies.map(async (body) => {
        const res = await fetch(`${s.publicUrl}/callbacks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        return res.status;
      }),
    );
    expect(statuses).toEqual(Array(8).fill(200));
    const out = await runCli(['export', '--data-dir', s.dataDir, '--format', 'ndjson']);
    const stored = out.stdout.trim().split('\n').map((l) => Buffer.from((JSON.parse(l) as { request: { bodyBase64: string } }).request.bodyBase64, 'base64'));
    // compared as digests of the exact bytes (a 200 KB mismatch would drown the report)
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const got = stored.filter((b) => b.toString('utf8').startsWith('{"reference":"big-')).map(digest).sort();
    expect(got).toEqual(bodies.map((b) => digest(Buffer.from(b, 'utf8'))).sort());
    expect(lt.relayErrors).toEqual([]);
  });

  it('comes back after the tunnel server restarts, tells the user the URL changed, and loses nothing acknowledged', async () => {
    const oldUrl = s.publicUrl!;
    await lt.stop();
    // a callback sent during the outage fails at the sender, who retries (as the gateway does)
    const during = { ...samples.events.read, event_id: 'sent-during-outage' };
    const first = await postThrough(oldUrl, during).catch(() => 0);
    expect(first).not.toBe(200);
    const restartedAt = Date.now();
    await lt.restart();
    // the restarted server forgot the tunnel: the client must register again, under a new id
    const changed = await s.waitForLine((l) => l.event === 'urlChanged', 15_000);
    expect(changed.oldUrl).toBe(oldUrl);
    expect(changed.newUrl).not.toBe(oldUrl);
    const online = await s.waitForLine((l) => l.event === 'tunnel' && l.state === 'online' && l.publicUrl === changed.newUrl, 15_000);
    expect(online).toBeTruthy();
    expect(Date.now() - restartedAt).toBeLessThan(15_000);
    expect(await postThrough(changed.newUrl as string, during)).toBe(200);

    const out = await runCli(['export', '--data-dir', s.dataDir, '--format', 'ndjson']);
    const ids = out.stdout.trim().split('\n').map((l) => JSON.parse(l).callback?.eventId);
    expect(ids).toContain('sent-during-outage');
    for (let i = 0; i < 25; i++) {
      const id = `concurrent-${i}`;
      const copies = ids.filter((x) => x === id).length;
      // a post sent twice may be stored twice (its first answer lost after the commit), never more
      expect(copies, id).toBeGreaterThanOrEqual(1);
      expect(copies, id).toBeLessThanOrEqual(resent.has(id) ? 2 : 1);
    }
  });
});
