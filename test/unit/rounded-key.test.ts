// The analytics summaries key a duration by K (schema.ts, SQL, used by the migration that filled them) and, since
// indexing computes it itself, by roundedKey (summary-deltas.ts): both must file every value under the same key,
// or percentiles would read two buckets for one value.
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { K } from '../../electron/core/store/schema';
import { roundedKey } from '../../electron/core/store/summary-deltas';

it('roundedKey files every value where K does', () => {
  const values = [0, 1, -1, 999, -999, 1000, -1000, 1001, -1001, 1234, -1234, 9999, 10_000, 10_001, 99_999, 123_456, -123_456, 3_600_000, 86_400_001, -86_400_001, 1_764_320_000_000];
  for (let v = 1; v < 1e12; v = Math.floor(v * 1.37) + 1) values.push(v, -v);
  const db = new Database(':memory:');
  const k = db.prepare(`SELECT ${K('x')} FROM (SELECT CAST(? AS INTEGER) x)`).pluck();
  for (const v of values) expect({ v, k: roundedKey(v) }).toEqual({ v, k: k.get(v) });
  db.close();
});
