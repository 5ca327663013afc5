// The supervisor against the app's own receiver (electron/core/receiver.ts): its probe answer is what makes the
// tunnel `online`, probes are never submitted for storage, and a callback crosses the tunnel byte for byte.
import { afterEach, expect, it } from 'vitest';
import { startReceiver } from '../../electron/core/receiver';
import { createTunnelSupervisor } from '../../electron/core/tunnel/supervisor';
import { startLtServer } from '../support/lt-server';
import { recordingSink } from '../support/tunnel-fixtures';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it('goes online through the receiver\'s probe answer and delivers callbacks to it, never storing probes', async () => {
  const { sink: committer, submitted } = recordingSink();
  const receiver = await startReceiver({ committer, port: 0, maxBodyBytes: 1024 * 1024, probeToken: 'tok-123' });
  cleanups.push(() => receiver.close());
  const lt = await startLtServer();
  cleanups.push(() => lt.close());
  const sup = createTunnelSupervisor({
    localPort: receiver.tunnelPort, enabled: true, host: lt.url, subdomain: null, probeToken: 'tok-123', probeIntervalMs: 100,
  });
  cleanups.push(() => sup.stop());
  sup.start();
  const end = Date.now() + 5000;
  while (sup.status().state !== 'online' && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  const { publicUrl } = sup.status();
  expect(publicUrl).toMatch(/^http:\/\/127\.0\.0\.1:/);
  await new Promise((r) => setTimeout(r, 400)); // a few more probes
  expect(submitted).toEqual([]);

  const body = JSON.stringify({ reference: 'ref-1', event_id: 'e-1', text: 'héllo 🙂' });
  const res = await fetch(`${publicUrl}/callbacks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(res.status).toBe(200);
  expect(submitted).toHaveLength(1);
  expect(submitted[0].request.path).toBe('/callbacks');
  expect(Buffer.from(submitted[0].request.body).toString('utf8')).toBe(body);

  // a probe with the wrong token is an ordinary request (stored), so the token really is checked
  await fetch(`${publicUrl}/__rci/probe`, { headers: { 'x-rci-probe': 'wrong' } });
  expect(submitted).toHaveLength(2);
});
