// NDJSON export: one JSON object per line, streamed from the store so a million deliveries never sit in memory.
import fs from 'node:fs';
import { once } from 'node:events';
import type { Store } from './store/types';

export async function exportNdjson(
  store: Store,
  target: string | NodeJS.WritableStream,
  kind: 'deliveries' | 'messages',
): Promise<number> {
  const out = typeof target === 'string' ? fs.createWriteStream(target) : target;
  let n = 0;
  const rows = kind === 'messages' ? store.iterateMessages() : store.iterateDeliveries();
  for (const row of rows) {
    // respect back-pressure: a slow disk or pipe must not make us buffer the whole store
    if (!out.write(JSON.stringify(row) + '\n')) await once(out, 'drain');
    n++;
  }
  if (typeof target === 'string') {
    await new Promise<void>((resolve, reject) => (out as fs.WriteStream).end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
  return n;
}
