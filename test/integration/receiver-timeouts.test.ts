// Slow senders and idle connections. A request must arrive within the gateway's own budget, timed from its first
// byte: a stalled or trickling one is cut with a 408 answer (not a silent close) and the attempt is recorded with
// what arrived. Idle connections on the receiver port are closed after a short keep-alive; the tunnel's own
// connections (its entrance) are left open, however long they wait for a request.
// The limits are shortened here (the defaults are 10 s, 2 s, 2 s and 5 s) so the rules show in a second.
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createIngest } from '../../electron/core/ingest-pipeline';
import { startReceiver, type Receiver } from '../../electron/core/receiver';
import type { PaceLimits } from '../../electron/core/request-pace';
import { openStore } from '../../electron/core/store';
import type { Store } from '../../electron/core/store/types';
import { tempDir } from '../support/serve';

let store: Store | null = null;
let receiver: Receiver | null = null;
afterEach(async () => {
  await receiver?.close();
  store?.close();
  receiver = null;
  store = null;
});

const FAST: Partial<PaceLimits> = { requestMs: 1500, stallMs: 300, rateAfterMs: 300, minBytesPerSec: 1024, idleMs: 300, lingerMs: 500 };

async function start(pace: Partial<PaceLimits> = FAST) {
  store = openStore({ file: path.join(tempDir(), 'inspector.sqlite') });
  const committer = createIngest(store);
  receiver = await startReceiver({ committer, port: 0, maxBodyBytes: 1024 * 1024, pace });
  return receiver;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Talk {
  /** what the server sent */
  got: string;
  /** the server closed the connection (FIN or reset) */
  closed: boolean;
}

/**
 * Sends `steps` (text, or a pause in ms) on one connection, then waits up to `waitMs` for the server to close it.
 * `halfOpen`: the server's FIN does not end our side (a sender that keeps the connection). `answered`: what the
 * server sent is enough (a whole answer's head): no need to wait on.
 */
function talk(port: number, steps: (string | number)[], waitMs: number, halfOpen = false, answered?: (got: string) => boolean): Promise<Talk> {
  return new Promise((resolve) => {
    const t: Talk = { got: '', closed: false };
    let timer: NodeJS.Timeout | undefined;
    // what the server did, as of now: destroying our end fires 'close' too, which must not read as the server's (a
    // test awaiting two talks saw the first one "closed" once the second ended)
    const end = () => {
      clearTimeout(timer);
      const seen = { ...t };
      sock.destroy();
      resolve(seen);
    };
    const sock = net.connect({ port, host: '127.0.0.1', allowHalfOpen: halfOpen }, async () => {
      for (const s of steps) {
        if (t.closed) break;
        if (typeof s === 'number') await sleep(s);
        else sock.write(s);
      }
      timer = setTimeout(end, waitMs);
    });
    sock.on('data', (d) => {
      t.got += d.toString('latin1');
      if (answered?.(t.got)) end();
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      t.closed = true;
      resolve(t);
    });
  });
}

const rows = () => store!.listDeliveries({ query: '', offset: 0, limit: 10 }).rows;
const bodyOf = (id: number) => Buffer.from(store!.getRawRequest(id)!.body).toString('latin1');
const reasonOf = (id: number) => store!.getDelivery(id)?.rejectReason ?? '';

async function recorded(n = 1) {
  for (let i = 0; i < 100 && rows().length < n; i++) await sleep(20);
  return rows();
}

describe('request pace', () => {
  it('answers a stalled body with 408, closes, and records the attempt with the bytes that arrived', async () => {
    const r = await start();
    const head = 'POST /callbacks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n';
    const t = await talk(r.port, [head + '{"reference":"slow"'], 3000);
    expect(t.got).toMatch(/^HTTP\/1\.1 408 .*\r\nConnection: close\r\n/s);
    expect(t.closed).toBe(true);
    const [d] = await recorded();
    expect(d).toMatchObject({ outcome: 'rejected', responseStatus: 408 });
    expect(bodyOf(d!.id)).toBe('{"reference":"slow"');
    expect(reasonOf(d!.id)).toMatch(/^body stalled: 19 of 100 bytes after \d+\.\d s \(nothing for \d+\.\d s\)$/);
  });

  it('cuts a body that trickles without stalling when it cannot arrive in time', async () => {
    const r = await start();
    const head = 'POST /callbacks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{';
    const t = await talk(r.port, [head, ...Array.from({ length: 20 }, () => [150, ' ']).flat()], 3000);
    expect(t.got).toMatch(/^HTTP\/1\.1 408 /);
    const [d] = await recorded();
    expect(d).toMatchObject({ outcome: 'rejected', responseStatus: 408 });
    expect(reasonOf(d!.id)).toMatch(/^body too slow: \d+ of 100000 bytes after \d+\.\d s \(\d+ B\/s; it cannot arrive within 1\.5 s\)$/);
    expect(bodyOf(d!.id)).toMatch(/^\{ *$/);
  });

  it('cuts a chunked body that keeps coming past the deadline', async () => {
    const r = await start();
    const head = 'POST /callbacks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    const chunk = `800\r\n${'x'.repeat(0x800)}\r\n`;
    const t = await talk(r.port, [head, ...Array.from({ length: 60 }, () => [50, chunk]).flat()], 3000);
    expect(t.got).toMatch(/^HTTP\/1\.1 408 /);
    const [d] = await recorded();
    expect(reasonOf(d!.id)).toMatch(/^body not received within 1\.5 s: \d+ bytes \(chunked\) arrived$/);
  });

  it('answers headers dripped slowly with 408 and records the raw bytes that came', async () => {
    const r = await start();
    const head = 'POST /callbacks HTTP/1.1\r\nHost: x\r\nX-Drip: ';
    const t = await talk(r.port, [head, ...Array.from({ length: 20 }, () => [150, 'a']).flat()], 3000);
    expect(t.got).toMatch(/^HTTP\/1\.1 408 .*\r\nConnection: close\r\n/s);
    expect(t.closed).toBe(true);
    const [d] = await recorded();
    expect(d).toMatchObject({ outcome: 'rejected', responseStatus: 408, method: 'POST', path: '/callbacks' });
    expect(reasonOf(d!.id)).toMatch(/^headers too slow: \d+ bytes after \d+\.\d s \(\d+ B\/s\)$/);
    expect(bodyOf(d!.id)).toMatch(/^POST \/callbacks HTTP\/1\.1\r\nHost: x\r\nX-Drip: a+$/);
  });

  it('answers headers that stall with 408, and headers that keep coming past the deadline too', async () => {
    const r = await start();
    const stalled = await talk(r.port, ['POST /callbacks HTTP/1.1\r\nHost: x\r\n'], 3000);
    expect(stalled.got).toMatch(/^HTTP\/1\.1 408 /);
    // 100 bytes every 50 ms: never stalled, never under 1 KiB/s, but the head has no end
    const endless = await talk(r.port, ['GET / HTTP/1.1\r\n', ...Array.from({ length: 60 }, (_, i) => [50, `X-${i}: ${'v'.repeat(90)}\r\n`]).flat()], 3000);
    expect(endless.got).toMatch(/^HTTP\/1\.1 408 /);
    const list = await recorded(2);
    const reasons = list.map((d) => reasonOf(d.id)).sort();
    expect(reasons[0]).toMatch(/^headers not received within 1\.5 s: \d+ bytes arrived$/);
    expect(reasons[1]).toMatch(/^headers stalled: \d+ bytes after \d+\.\d s/);
  });

  it('records a request refused before any handler once, however long its sender keeps the connection', async () => {
    const r = await start();
    const t = await talk(r.port, ['POST /callbacks HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nContent-Length: 2\r\n\r\n'], 1500, true);
    expect(t.got).toMatch(/^HTTP\/1\.1 417 /);
    expect(t.got.match(/HTTP\/1\.1/g)).toHaveLength(1);
    expect(rows().map((d) => d.responseStatus)).toEqual([417]);
  });

  it('stores a callback whose head and body come in pieces at a steady pace', async () => {
    const r = await start();
    const body = JSON.stringify({ reference: 'steady', pad: 'p'.repeat(600) });
    const req = `POST /callbacks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const pieces = req.match(/[^]{1,80}/g)!;
    // the answer within 5 s of the last piece: a commit on a busy machine (the whole suite on two cores) took more
    // than the 200 ms this once waited
    const t = await talk(r.port, pieces.flatMap((p) => [40, p]), 5000, false, (got) => got.includes('\r\n\r\n'));
    expect(t.got).toMatch(/^HTTP\/1\.1 200 /);
    const [d] = await recorded();
    expect(d).toMatchObject({ outcome: 'stored' });
    expect(bodyOf(d!.id)).toBe(body);
  });
});

describe('idle connections', () => {
  const post = 'POST /callbacks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}';

  it('closes a connection on the receiver port that sends nothing, without answering or recording anything', async () => {
    const r = await start();
    const t = await talk(r.port, [], 3000);
    expect(t).toEqual({ got: '', closed: true });
    expect(rows()).toHaveLength(0);
  });

  it('closes a kept-alive connection on the receiver port after the keep-alive it announced', async () => {
    const r = await start({ ...FAST, idleMs: 1000 });
    const t = await talk(r.port, [post], 4000);
    expect(t.got).toMatch(/^HTTP\/1\.1 200 .*\r\nKeep-Alive: timeout=1\r\n/s);
    expect(t.closed).toBe(true);
  });

  it('leaves the tunnel entrance\'s connections open, fresh or kept alive, and serves them when a request comes', async () => {
    const r = await start();
    const fresh = talk(r.tunnelPort, [1500, post], 300);
    const kept = talk(r.tunnelPort, [post, 1500, post], 300);
    const [a, b] = await Promise.all([fresh, kept]);
    expect(a).toMatchObject({ closed: false });
    expect(a.got.match(/HTTP\/1\.1 200 /g)).toHaveLength(1);
    expect(b).toMatchObject({ closed: false });
    expect(b.got.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    expect(b.got).not.toMatch(/Keep-Alive: timeout/);
    expect(rows()).toHaveLength(3);
  });

  it('still cuts a slow request on the tunnel entrance', async () => {
    const r = await start();
    const t = await talk(r.tunnelPort, ['POST /callbacks HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{'], 3000);
    expect(t.got).toMatch(/^HTTP\/1\.1 408 /);
    expect(t.closed).toBe(true);
  });
});
