// A flush of the write-ahead log that stalls must not let the receiver take deliveries without bound: past the
// committer's cap on what waits for a flush (group-commit.ts), a delivery is answered "not stored, retry later"
// (503, Retry-After) and is not written; once the flush returns, the waiting get their 200 and new ones are taken.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { createIngest } from '../../electron/core/ingest-pipeline';
import { startReceiver, type Receiver } from '../../electron/core/receiver';
import { openStore } from '../../electron/core/store';
import type { Store } from '../../electron/core/store/types';
import { tempDir } from '../support/serve';

let store: Store | null = null;
let receiver: Receiver | null = null;
afterEach(async () => {
  vi.restoreAllMocks();
  await receiver?.close();
  store?.close();
  receiver = null;
  store = null;
});

function post(port: number, body: string): Promise<{ status: number; text: string; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/callbacks', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, retryAfter: res.headers['retry-after'] }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const body = (n: number) => JSON.stringify({ type: 'DELIVERED', reference: `ref-${n}`, event_id: `ev-${n}`, user_id: '5511999990000', timestamp: '2026-12-03T10:00:00Z' });

it('answers 503 with Retry-After, unstored, beyond the deliveries waiting for a stalled flush; 200s once it returns', async () => {
  store = openStore({ file: path.join(tempDir(), 'inspector.sqlite') });
  receiver = await startReceiver({ committer: createIngest(store, { maxWaiting: { deliveries: 2 } }), port: 0, maxBodyBytes: 1024 * 1024 });
  const port = receiver.port;
  // every flush is held until the test lets the disk go on
  const held: { fd: number; done: (err: NodeJS.ErrnoException | null) => void }[] = [];
  let stalled = true;
  const real = fs.fdatasync;
  vi.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    if (stalled) held.push({ fd, done: cb });
    else real(fd, cb);
  }) as typeof fs.fdatasync);

  const waiting = [post(port, body(1)), post(port, body(2))];
  await vi.waitFor(() => expect(store!.stats().deliveriesTotal).toBe(2));
  const third: { answer?: Awaited<ReturnType<typeof post>> } = {};
  void post(port, body(3)).then((r) => (third.answer = r));
  // answered at once, and not written (a delivery taken instead would sit unanswered behind the stalled flush)
  await vi.waitFor(
    () => {
      expect(store!.stats().deliveriesTotal).toBe(2);
      expect(third.answer).toBeDefined();
    },
    { timeout: 10_000 },
  );
  const refused = third.answer!;
  expect(refused.status).toBe(503);
  expect(refused.retryAfter).toBe('10');
  expect(JSON.parse(refused.text)).toMatchObject({ error: 'not stored, retry later' });
  expect(store!.stats().deliveriesTotal).toBe(2);

  stalled = false;
  for (const h of held.splice(0)) real(h.fd, h.done);
  expect((await Promise.all(waiting)).map((r) => r.status)).toEqual([200, 200]);
  expect((await post(port, body(4))).status).toBe(200);
  await vi.waitFor(() => expect(store!.pendingCount()).toBe(0));
  const refs = store!.listDeliveries({ query: '', offset: 0, limit: 10 }).rows.map((d) => d.reference);
  expect(refs.sort()).toEqual(['ref-1', 'ref-2', 'ref-4']);
});
