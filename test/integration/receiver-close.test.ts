// Shutting down: close() waits until every request being handled has its answer, on the receiver port and on the
// tunnel's entrance alike (the HTTP server only counts the connections it accepted itself).
import net from 'node:net';
import { afterEach, expect, it } from 'vitest';
import type { DeliverySummary } from '../../shared/domain';
import type { DeliverySink } from '../../electron/core/ingest-pipeline';
import { startReceiver, type Receiver } from '../../electron/core/receiver';

let receiver: Receiver | null = null;
afterEach(async () => {
  await receiver?.close();
  receiver = null;
});

/** a store whose commit takes `ms`: the request is in the handler all that time */
function slowSink(ms: number, events: string[]): DeliverySink {
  let id = 0;
  return {
    async submit() {
      events.push('submitted');
      await new Promise((r) => setTimeout(r, ms));
      events.push('committed');
      return { summary: { id: ++id, flags: [] } as unknown as DeliverySummary, answered: () => {} };
    },
  };
}

function post(port: number, events: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const body = '{"reference":"r","event_id":"e","type":"DELIVERED"}';
    const s = net.connect(port, '127.0.0.1', () =>
      s.write(`POST /callbacks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`),
    );
    let got = '';
    s.on('data', (d) => {
      got += d.toString();
      if (/\r\n\r\n[^]*\}/.test(got)) {
        events.push('answered');
        resolve(got.split('\r\n')[0]!);
        s.destroy();
      }
    });
    s.on('error', reject);
  });
}

for (const via of ['receiver port', 'tunnel entrance'] as const) {
  it(`waits for a request in flight through the ${via} before it resolves`, async () => {
    const events: string[] = [];
    receiver = await startReceiver({ committer: slowSink(300, events), port: 0, maxBodyBytes: 1024 * 1024 });
    const answer = post(via === 'receiver port' ? receiver.port : receiver.tunnelPort, events);
    while (!events.includes('submitted')) await new Promise((r) => setTimeout(r, 5));
    const closed = receiver.close().then(() => events.push('closed'));
    receiver = null;
    expect(await answer).toBe('HTTP/1.1 200 OK');
    await closed;
    // the answer was written before close() resolved (the client may read it a moment later)
    expect(events.indexOf('closed')).toBeGreaterThan(events.indexOf('committed'));
  });
}
