// The large store for the query benchmark: 340,000 messages / ~1,000,000 deliveries (the generator makes ~2.96 a
// message) in the lifecycle mix of the samples (store-fixtures' generator), written straight through Store.ingest in big batches. Cached under
// bench-results/ with a manifest, so reruns start at once; rebuilt when the size or seed asked for changes.
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../../electron/core/store';
import type { IngestInput } from '../../electron/core/store/types';
import { fillStore, generateDeliveries } from '../support/store-fixtures';

/** app-core's DB_FILE_NAME; not imported so building the store does not start loading the whole core */
const DB_FILE_NAME = 'inspector.sqlite';

export interface QueryStoreManifest {
  messages: number;
  seed: number;
  deliveries: number;
  buildSeconds: number;
  builtAt: string;
}

/** Returns the data dir holding inspector.sqlite (what `serve --data-dir` takes). */
export function ensureQueryStore(
  dir: string,
  opts: { messages: number; seed?: number; log?: (s: string) => void },
): { dataDir: string; manifest: QueryStoreManifest; reused: boolean } {
  const seed = opts.seed ?? 20251128;
  const log = opts.log ?? (() => {});
  const manifestFile = path.join(dir, 'manifest.json');
  const dbFile = path.join(dir, DB_FILE_NAME);
  if (fs.existsSync(manifestFile) && fs.existsSync(dbFile)) {
    const m = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as QueryStoreManifest;
    if (m.messages === opts.messages && m.seed === seed) return { dataDir: dir, manifest: m, reused: true };
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const tmp = `${dir}.building`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const started = performance.now();
  const store = openStore({ file: path.join(tmp, DB_FILE_NAME) });
  let n = 0;
  try {
    const source = generateDeliveries({ messages: opts.messages, seed });
    // report progress every 100k rows: a 1M build takes minutes on two shared cores
    const counted = function* (): Generator<IngestInput> {
      for (const d of source) {
        if (++n % 100_000 === 0) log(`  ${n.toLocaleString('en')} deliveries (${((performance.now() - started) / 1000).toFixed(0)} s)`);
        yield d;
      }
    };
    fillStore(store, counted(), 5000);
  } finally {
    store.close();
  }
  const manifest: QueryStoreManifest = {
    messages: opts.messages,
    seed,
    deliveries: n,
    buildSeconds: Math.round((performance.now() - started) / 100) / 10,
    builtAt: new Date().toISOString(),
  };
  fs.writeFileSync(path.join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2));
  fs.renameSync(tmp, dir);
  return { dataDir: dir, manifest, reused: false };
}
