// The store's page cache while deliveries stream in (electron/core/store/page-cache.ts): smaller in a file under
// 1 GiB, where every commit walks the whole cache, large again for reading once the stream stops.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { LARGE_CACHE_KIB, PageCache, SMALL_CACHE_KIB, walkedOnCommit } from '../../electron/core/store/page-cache';
import { openStore } from '../../electron/core/store';
import { tempDir } from '../support/serve';
import { deliveryInput, loadSamples } from '../support/store-fixtures';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempFile(): string {
  const dir = tempDir('rci-page-cache-');
  dirs.push(dir);
  return path.join(dir, 'inspector.sqlite');
}
const cacheKib = (db: Database.Database) => -(db.pragma('cache_size', { simple: true }) as number);

describe('page cache', () => {
  it('is walked on commit in files up to 1 GiB, whatever the page size, and not past it', () => {
    expect(walkedOnCommit(1, 4096)).toBe(true);
    expect(walkedOnCommit(262_144, 4096)).toBe(true);
    expect(walkedOnCommit(262_145, 4096)).toBe(false);
    expect(walkedOnCommit(16_384, 65_536)).toBe(true);
    expect(walkedOnCommit(16_385, 65_536)).toBe(false);
  });

  it('shrinks while deliveries stream in and grows back for reading once they stop', () => {
    const db = new Database(tempFile());
    try {
      db.pragma(`cache_size = -${LARGE_CACHE_KIB}`);
      const cache = new PageCache(db);
      cache.forWrite(false);
      expect(cacheKib(db)).toBe(LARGE_CACHE_KIB);
      cache.forWrite(true);
      expect(cacheKib(db)).toBe(SMALL_CACHE_KIB);
      for (let i = 0; i < 1000; i++) cache.forWrite(true);
      expect(cacheKib(db)).toBe(SMALL_CACHE_KIB);
      cache.forWrite(false);
      expect(cacheKib(db)).toBe(LARGE_CACHE_KIB);
    } finally {
      db.close();
    }
  });

  it('indexes a stream the same with either cache: the store answers as before', () => {
    const store = openStore({ file: tempFile() });
    try {
      const body = loadSamples().events.delivered;
      store.ingestRaw([deliveryInput(body, Date.UTC(2025, 10, 28)), deliveryInput(body, Date.UTC(2025, 10, 28) + 1)]);
      const slice = (streaming: boolean) =>
        store.indexSlice({ maxRows: 1, budgetMs: 100, tailMsPerRow: 0.1, responseMs: new Map(), now: Date.UTC(2025, 10, 28), streaming });
      const a = slice(true);
      const b = slice(false);
      expect([...a.summaries, ...b.summaries].map((s) => s.attempt)).toEqual([1, 2]);
      expect(store.listDeliveries({ query: '', offset: 0, limit: 10 }).rows).toHaveLength(2);
    } finally {
      store.close();
    }
  });
});
