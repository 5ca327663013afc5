// The app's own tunnel socket pool (client.ts openTunnelSockets): each tunnel socket is served by the receiver itself,
// request after request, through the localtunnel-protocol server (maxFreeSockets 1: it closes the free sockets it
// does not keep, and the client reopens them). Bodies cross byte for byte, sockets are reused and replaced, a server
// restart gives the same subdomain back, and a thousand requests leave no socket behind on either end.
import http from 'node:http';
import type net from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../../electron/core/receiver';
import { startLtServer, type LtServer } from '../support/lt-server';
import { recordingSink, tunnelThrough } from '../support/tunnel-fixtures';

const TOKEN = 'tok-direct';
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: { subdomain?: string; lt?: LtServer } = {}) {
  const { sink: committer, submitted } = recordingSink();
  const receiver: Receiver = await startReceiver({ committer, port: 0, maxBodyBytes: 1024 * 1024, probeToken: TOKEN });
  cleanups.push(() => receiver.close());
  const lt = opts.lt ?? (await startLtServer());
  if (!opts.lt) cleanups.push(() => lt.close());
  let entered = 0;
  /** tunnel sockets handed to the receiver and not closed yet: the client's end of the pool */
  const live = new Set<net.Socket>();
  const { sup, publicUrl, id } = await tunnelThrough(lt, {
    localPort: receiver.tunnelPort,
    accept: (s) => {
      entered++;
      live.add(s);
      s.once('close', () => live.delete(s));
      receiver.acceptTunnel(s);
    },
    probeToken: TOKEN,
    subdomain: opts.subdomain,
  });
  cleanups.push(() => sup.stop());
  return { submitted, receiver, lt, sup, publicUrl, id, entered: () => entered, clientSockets: () => live.size };
}

function post(url: string, body: Buffer, agent: http.Agent): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/callbacks`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** about `size` bytes of JSON whose text is made of 2-, 3- and 4-byte UTF-8 characters, so chunks split inside them */
function nonAsciiBody(size: number, tag: string): Buffer {
  const unit = 'é中🙂ção ñ ü ';
  const text = unit.repeat(Math.ceil(size / Buffer.byteLength(unit)));
  return Buffer.from(JSON.stringify({ reference: tag, event_id: tag, text }), 'utf8');
}

function openSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

it('stores 200 KB non-ASCII bodies byte for byte, sent at once over the tunnel sockets, and never a probe', async () => {
  const t = await setup();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 12 });
  cleanups.push(() => agent.destroy());
  const bodies = Array.from({ length: 12 }, (_, i) => nonAsciiBody(200 * 1024 + i * 7, `big-${i}`));
  const answers = await Promise.all(bodies.map((b) => post(t.publicUrl, b, agent)));
  expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
  expect(t.submitted).toHaveLength(12);
  const got = new Map(t.submitted.map((s) => [JSON.parse(Buffer.from(s.request.body).toString('utf8')).reference, Buffer.from(s.request.body)]));
  for (const [i, b] of bodies.entries()) expect(got.get(`big-${i}`)?.equals(b)).toBe(true);
  expect(t.submitted.every((s) => s.request.path === '/callbacks')).toBe(true);
  expect(t.lt.relayErrors).toEqual([]);
});

it('reuses a tunnel socket for request after request, and replaces the ones the server closes', async () => {
  const t = await setup();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 30 });
  cleanups.push(() => agent.destroy());
  const before = t.lt.tunnel(t.id)!;

  // one at a time: the server keeps its one free socket and sends the next request on it
  for (let i = 0; i < 20; i++) expect((await post(t.publicUrl, Buffer.from(`{"n":${i}}`), agent)).status).toBe(200);
  const sequential = t.lt.tunnel(t.id)!;
  expect(sequential.reused - before.reused).toBeGreaterThanOrEqual(15);

  // thirty at once on ten sockets: freed sockets beyond the one it keeps are closed by the server, and reopened
  const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => post(t.publicUrl, Buffer.from(`{"b":${i}}`), agent)));
  expect(burst.map((a) => a.status)).toEqual(Array(30).fill(200));
  expect(t.lt.tunnel(t.id)!.serverClosed).toBeGreaterThan(sequential.serverClosed);
  await t.lt.waitFor(() => t.lt.tunnel(t.id)!.accepted > sequential.accepted, 10_000, 'a replacement socket');
  await t.lt.waitFor(() => t.lt.tunnel(t.id)?.sockets === 10, 10_000, 'the pool back at ten sockets');
  const after = t.lt.tunnel(t.id)!;
  // each replacement is a tunnel socket served by the receiver itself, not a second connection to a local port
  expect(t.entered()).toBe(after.accepted);
  expect(t.submitted).toHaveLength(50);
  // nothing was sent on a tunnel socket without a request (no stray 408 from an idle connection)
  expect(t.lt.unsolicited).toEqual([]);
});

it('is back on the same subdomain after the tunnel server restarts', async () => {
  const t = await setup({ subdomain: 'direct-sub' });
  expect(t.publicUrl).toMatch(/\/t\/direct-sub$/);
  await t.lt.restart();
  // the restart forgets every tunnel; the supervisor notices (refused sockets), registers again and probes
  await t.lt.waitFor(() => t.lt.tunnel('direct-sub')?.sockets === 10 && t.sup.status().state === 'online', 15_000, 'back online');
  expect(t.sup.status().publicUrl).toBe(t.publicUrl);
  const agent = new http.Agent({ keepAlive: false });
  expect((await post(t.publicUrl, Buffer.from('{"after":"restart"}'), agent)).status).toBe(200);
  expect(t.submitted.map((s) => Buffer.from(s.request.body).toString('utf8'))).toEqual(['{"after":"restart"}']);
});

it('leaves no socket open on either end after 1,000 requests', async () => {
  const t = await setup();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 25 });
  // a first request, so whatever is opened once (and kept) is in the baseline
  expect((await post(t.publicUrl, Buffer.from('{"warm":1}'), agent)).status).toBe(200);
  agent.destroy();
  await t.lt.waitFor(() => t.lt.tunnel(t.id)?.sockets === 10, 10_000, 'ten tunnel sockets');
  const baseline = openSockets();

  const load = new http.Agent({ keepAlive: true, maxSockets: 25 });
  let next = 0;
  const statuses: number[] = [];
  await Promise.all(
    Array.from({ length: 25 }, async () => {
      while (next < 1000) {
        const n = next++;
        statuses.push((await post(t.publicUrl, Buffer.from(`{"n":${n},"t":"é"}`), load)).status);
      }
    }),
  );
  load.destroy();
  expect(statuses.filter((s) => s === 200)).toHaveLength(1000);
  expect(t.submitted).toHaveLength(1001);
  expect(t.lt.tunnel(t.id)!.accepted).toBeGreaterThan(10); // the run did replace sockets

  // the pool settles back to ten sockets on the server's side and ten served by the receiver, and the process holds
  // no more TCP sockets than before the run (lt-server, receiver and client all live in this process)
  await t.lt.waitFor(() => t.lt.tunnel(t.id)?.sockets === 10, 10_000, 'ten tunnel sockets on the server');
  let conns = -1;
  let open = -1;
  const end = Date.now() + 5000;
  while (Date.now() < end) {
    conns = t.clientSockets();
    open = openSockets();
    if (conns <= 10 && open <= baseline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(conns).toBe(10);
  expect(open).toBeLessThanOrEqual(baseline);
});
