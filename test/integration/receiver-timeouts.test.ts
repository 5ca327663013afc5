// Slow senders: a body that stalls gets a 408 answer (not a silent close) and the attempt is recorded; an idle
// connection with no request at all is left alone (the tunnel keeps such connections open for minutes).
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GroupCommitter } from '../../electron/core/group-commit';
import { startReceiver, type Receiver } from '../../electron/core/receiver';
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

async function start(bodyTimeoutMs: number) {
  store = openStore({ file: path.join(tempDir(), 'inspector.sqlite') });
  const committer = new GroupCommitter(store);
  receiver = await startReceiver({ committer, port: 0, maxBodyBytes: 1024 * 1024, bodyTimeoutMs });
  return receiver;
}

function exchange(port: number, data: string, waitMs: number): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const sock = net.connect(port, '127.0.0.1', () => sock.write(data));
    sock.on('data', (d) => (got += d));
    const done = () => resolve(got);
    sock.on('close', done);
    setTimeout(() => (sock.destroy(), done()), waitMs);
  });
}

describe('receiver timeouts', () => {
  it('answers a stalled body with 408 and records the attempt with the bytes that arrived', async () => {
    const r = await start(300);
    const answer = await exchange(
      r.port,
      'POST /callbacks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"reference":"slow"',
      2000,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    const page = store!.listDeliveries({ query: '', offset: 0, limit: 10 });
    expect(page.rows).toHaveLength(1);
    expect(page.rows[0]).toMatchObject({ outcome: 'rejected', responseStatus: 408 });
    const raw = store!.getRawRequest(page.rows[0]!.id)!;
    expect(Buffer.from(raw.body).toString()).toBe('{"reference":"slow"');
  });

  it('leaves an idle connection without a request open and unanswered', async () => {
    const r = await start(300);
    const answer = await exchange(r.port, '', 1500);
    expect(answer).toBe('');
    expect(store!.listDeliveries({ query: '', offset: 0, limit: 10 }).rows).toHaveLength(0);
  });
});
