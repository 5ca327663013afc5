// `serve` through a localtunnel-protocol server with the app's own tunnel socket pool: large non-ASCII callbacks
// are committed to the real store byte for byte, and what the probe sends is never among them.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLtServer, type LtServer } from '../support/lt-server';
import { runCli, startServe, type ServeHandle } from '../support/serve';

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

it('stores 200 KB non-ASCII callbacks sent at once through the tunnel exactly as sent', async () => {
  expect(s.publicUrl).toMatch(/\/t\//);
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
  const stored = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as { request: { path: string; bodyBase64: string } });
  // compared as digests of the exact bytes (a 200 KB mismatch would drown the report)
  const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const got = stored.map((d) => digest(Buffer.from(d.request.bodyBase64, 'base64'))).sort();
  expect(got).toEqual(bodies.map((b) => digest(Buffer.from(b, 'utf8'))).sort());
  expect(stored.every((d) => d.request.path === '/callbacks')).toBe(true);
  expect(lt.relayErrors).toEqual([]);
});
