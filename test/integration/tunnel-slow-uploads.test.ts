// Attacks on the tunnel's ten sockets, through the public side of a localtunnel-protocol server, against `serve`
// with the real tunnel client: a gateway-like sender must still get its callbacks acknowledged within its own 10 s.
// A tunnel carries at most 10 requests at a time and queues the rest, so anything that holds a request open holds
// one of the gateway's ten slots.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportDeliveries } from '../reliability/support/api';
import { parseResponses } from '../reliability/support/raw-http';
import { startLtServer, type LtServer } from '../support/lt-server';
import { loadSamples, startServe, type ServeHandle } from '../support/serve';

const samples = loadSamples();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The gateway: `perRound` callbacks at once every `everyMs`, each given up after 10 s (its own timeout), none
 * awaited before the next round.
 */
async function gateway(publicUrl: string, rounds: number, everyMs: number, tag: string, perRound = 1) {
  const sends: Promise<{ eventId: string; status: number | string; ms: number }>[] = [];
  for (let i = 0; i < rounds * perRound; i++) {
    const eventId = `${tag}-${i}`;
    const t0 = Date.now();
    sends.push(
      fetch(`${publicUrl}/callbacks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...samples.events.delivered, event_id: eventId }),
        signal: AbortSignal.timeout(10_000),
      }).then(
        async (res) => ({ eventId, status: (await res.arrayBuffer(), res.status), ms: Date.now() - t0 }),
        // the error's cause (a reset, a refused connection) says what the gateway would have seen
        (e: Error) => ({ eventId, status: `${e.name}${(e.cause as { code?: string } | undefined)?.code ? `: ${(e.cause as { code: string }).code}` : ''}`, ms: Date.now() - t0 }),
      ),
    );
    if (i % perRound === perRound - 1) await sleep(everyMs);
  }
  return Promise.all(sends);
}

/**
 * A sender that keeps `count` uploads open at all times: each declares a 100,000-byte body, sends its head and one
 * byte, then one more byte every `dripMs`; whenever one is answered or cut it starts again at once.
 */
function slowUploaders(lt: LtServer, tunnelPath: string, count: number, dripMs: (i: number) => number) {
  let stopped = false;
  const answers: { status: number; id?: number }[] = [];
  const open = new Set<net.Socket>();
  const one = (i: number) => {
    if (stopped) return;
    const s = net.connect(lt.port, '127.0.0.1');
    open.add(s);
    let got = Buffer.alloc(0);
    let timer: NodeJS.Timeout | null = null;
    s.on('connect', () => {
      s.write(
        `POST ${tunnelPath}/callbacks HTTP/1.1\r\nHost: 127.0.0.1:${lt.port}\r\nContent-Type: application/json\r\n` +
          'Content-Length: 100000\r\n\r\n{',
      );
      timer = setInterval(() => s.write(' '), dripMs(i));
    });
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const [r] = parseResponses(got);
      if (r) {
        let id: number | undefined;
        try {
          id = (JSON.parse(r.body) as { id?: number }).id;
        } catch {
          id = undefined;
        }
        answers.push({ status: r.status, id });
        s.destroy();
      }
    });
    s.on('error', () => {});
    s.on('close', () => {
      if (timer) clearInterval(timer);
      open.delete(s);
      setTimeout(() => one(i), 20);
    });
  };
  for (let i = 0; i < count; i++) one(i);
  return {
    answers,
    stop() {
      stopped = true;
      for (const s of open) s.destroy();
    },
  };
}

/** Holds `count` protocol upgrades open: the tunnel server pipes each one to a tunnel socket for as long as it lasts. */
function heldUpgrades(lt: LtServer, tunnelPath: string, count: number) {
  const socks: net.Socket[] = [];
  const answers: string[] = [];
  for (let i = 0; i < count; i++) {
    const s = net.connect(lt.port, '127.0.0.1', () =>
      s.write(
        `GET ${tunnelPath}/ws HTTP/1.1\r\nHost: 127.0.0.1:${lt.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      ),
    );
    let got = '';
    s.on('data', (d) => {
      got += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      if (m && answers.length < count) answers.push(m[1]!);
    });
    s.on('error', () => {});
    socks.push(s);
  }
  return { answers, stop: () => socks.forEach((s) => s.destroy()) };
}

describe('the tunnel under attack', () => {
  let lt: LtServer;
  let s: ServeHandle;
  let tunnelPath: string;
  /** the client keeps (or gets back) all ten tunnel sockets: none is lost to how the receiver closed a connection */
  const allSocketsBack = () => lt.waitFor(() => lt.tunnel(tunnelPath.split('/').pop()!)?.sockets === 10, 5000, 'ten tunnel sockets');
  const summary = (rs: { ms: number }[]) => {
    const ms = rs.map((r) => r.ms).sort((a, b) => a - b);
    return `median ${ms[ms.length >> 1]} ms, max ${ms.at(-1)} ms`;
  };
  beforeAll(async () => {
    lt = await startLtServer();
    s = await startServe(['--tunnel', 'localtunnel', '--tunnel-host', lt.url]);
    tunnelPath = new URL(s.publicUrl!).pathname;
  });
  afterAll(async () => {
    await s?.stop();
    await lt?.close();
  });

  it('ten slow uploads do not shut the gateway out: its callbacks get 200 within its 10 s and are stored', { timeout: 90_000 }, async () => {
    // half drip a byte every 3 s (they stall), half every 1.5 s (they never stall, but cannot finish in time)
    const attack = slowUploaders(lt, tunnelPath, 10, (i) => (i % 2 ? 1500 : 3000));
    await sleep(1000); // every tunnel socket is busy with an upload now
    // 100 posts over 40 s: enough for the 99 % the gateway needs to mean something (40 would demand all of them)
    const results = await gateway(s.publicUrl!, 100, 400, 'under-slow-uploads');
    attack.stop();
    console.log(`gateway under 10 slow uploads: ${summary(results)}; uploads cut: ${attack.answers.length}`);
    await allSocketsBack();

    const ok = results.filter((r) => r.status === 200);
    expect(ok.length / results.length, JSON.stringify(results.filter((r) => r.status !== 200))).toBeGreaterThanOrEqual(0.99);

    const rows = await exportDeliveries(s.dataDir);
    const stored = new Set(rows.filter((d) => d.outcome === 'stored').map((d) => d.callback?.eventId));
    expect(ok.filter((r) => !stored.has(r.eventId))).toEqual([]);
    // the uploads were cut (408) and each cut is on record with the bytes that came
    const cut = attack.answers.filter((a) => a.status === 408);
    expect(cut.length).toBeGreaterThanOrEqual(10);
    const byId = new Map(rows.map((d) => [d.id, d]));
    for (const a of cut) {
      const d = byId.get(a.id ?? -1);
      expect(d).toMatchObject({ outcome: 'rejected', response: { status: 408 }, request: { path: '/callbacks' } });
      expect(d!.rejectReason).toMatch(/^body (stalled|too slow)/);
      expect(Buffer.from(d!.request.bodyBase64, 'base64').toString('latin1')).toMatch(/^\{ */);
    }
  });

  it('ten protocol upgrades held open do not take the tunnel: each is refused, recorded and closed', { timeout: 60_000 }, async () => {
    const before = (await exportDeliveries(s.dataDir)).length;
    const held = heldUpgrades(lt, tunnelPath, 10);
    await sleep(1000);
    // in bursts: the tunnel server keeps one socket for plain requests, so one at a time would still get through
    const results = await gateway(s.publicUrl!, 3, 1000, 'under-upgrades', 5);
    held.stop();
    console.log(`gateway under 10 held upgrades: ${summary(results)}`);
    await allSocketsBack();
    expect(results.map((r) => r.status)).toEqual(Array(15).fill(200));
    expect(held.answers).toEqual(Array(10).fill('400'));
    const rows = (await exportDeliveries(s.dataDir)).slice(before);
    const refused = rows.filter((d) => d.request.path === '/ws');
    expect(refused).toHaveLength(10);
    for (const d of refused) expect(d).toMatchObject({ outcome: 'rejected', response: { status: 400 }, rejectReason: expect.stringMatching(/upgrade/i) });
  });

  it('keeps the tunnel\'s connections through a silence longer than the keep-alive: none closed, the next callbacks get 200', async () => {
    await allSocketsBack();
    const id = tunnelPath.split('/').pop()!;
    const before = lt.tunnel(id)!.clientClosed;
    const errorsBefore = lt.relayErrors.length;
    // longer than the receiver's 5 s keep-alive: a connection closed now would lose whatever the tunnel sends it next
    await sleep(6500);
    expect(lt.tunnel(id)!.clientClosed).toBe(before);
    const results = await gateway(s.publicUrl!, 1, 0, 'after-silence', 10);
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(lt.relayErrors.slice(errorsBefore)).toEqual([]);
  });
});
