// The peers the receiver is compared with, each run as its own process (like `serve`) so every contender gets
// the same isolation from the load generator:
//   bare    - node:http that reads the body and answers 200: the ceiling for a Node server on this machine
//   mockttp - HTTP Toolkit's mock server, recording every request in memory (its default for mocked endpoints)
//   bare-tunnel <tunnel host> - bare, reached through the stock @n8n/localtunnel client exactly as its README shows
//             (the tunnel bench's side (a)); the URL printed is the tunnel's public one
// Usage: node --import tsx test/bench/peer-server.ts bare|mockttp|bare-tunnel [host]   → prints {"event":"ready","url":...}
import http from 'node:http';
import type { AddressInfo } from 'node:net';

async function bare(keepAliveTimeout = 65_000): Promise<string> {
  const server = http.createServer((req, res) => {
    let size = 0;
    req.on('data', (c: Buffer) => (size += c.length));
    req.on('end', () => {
      const text = `{"received":true,"bytes":${size}}`;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  server.keepAliveTimeout = keepAliveTimeout;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function mockttp(): Promise<string> {
  const { getLocal } = await import('mockttp');
  const server = getLocal();
  await server.start();
  const body = '{"received":true}';
  // explicit length: with custom headers mockttp otherwise ends the body by closing the connection
  const endpoint = await server
    .forPost('/callbacks')
    .thenReply(200, body, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
  // report how many requests it holds on SIGUSR2, so the bench can check nothing was dropped
  process.on('SIGUSR2', () => {
    void endpoint.getSeenRequests().then((seen) => process.stdout.write(JSON.stringify({ event: 'seen', count: seen.length }) + '\n'));
  });
  return server.url.replace('localhost', '127.0.0.1').replace(/\/$/, '');
}

async function bareTunnel(tunnelHost: string): Promise<string> {
  // Node's default keep-alive, as a user's server behind the stock client would have
  const port = Number(new URL(await bare(5_000)).port);
  const { default: localtunnel } = await import('@n8n/localtunnel');
  const tunnel = await localtunnel({ port, host: tunnelHost, local_host: '127.0.0.1' });
  tunnel.on('error', (e: Error) => process.stderr.write(`tunnel error: ${e.message}\n`));
  return tunnel.url;
}

async function main(): Promise<void> {
  const kind = process.argv[2];
  const url =
    kind === 'bare' ? await bare() : kind === 'mockttp' ? await mockttp() : kind === 'bare-tunnel' && process.argv[3] ? await bareTunnel(process.argv[3]) : null;
  if (!url) throw new Error(`usage: peer-server.ts bare|mockttp|bare-tunnel <tunnel host> (got ${kind})`);
  process.stdout.write(JSON.stringify({ event: 'ready', url }) + '\n');
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((err) => {
  process.stderr.write(String(err instanceof Error ? err.stack : err) + '\n');
  process.exit(1);
});
