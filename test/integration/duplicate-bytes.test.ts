// The store tells a byte-identical retry from one that is only equal as JSON (keys reordered, other spacing), so the
// UI can say "same JSON, different bytes" instead of "the same payload".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../electron/core/store';
import type { Store } from '../../electron/core/store/types';
import { explainFlag } from '../../shared/explain';
import { deliveryInput, loadSamples } from '../support/store-fixtures';

const NOW = Date.parse('2025-11-28T23:00:00Z');
let dir: string;
let store: Store;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-dupbytes-'));
  store = openStore({ file: path.join(dir, 'inspector.sqlite'), busyTimeoutMs: 200 });
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('exact duplicates: same bytes or same JSON', () => {
  it('a retry with reordered keys is "same JSON, different bytes"; an identical retry is byte for byte the same', () => {
    const body = loadSamples().events.delivered;
    const original = JSON.stringify(body);
    const [a] = store.ingest([deliveryInput(original, NOW - 40_000, { raw: true })], NOW);
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(body).reverse()));
    const [b] = store.ingest([deliveryInput(reordered, NOW - 30_000, { raw: true })], NOW);
    const [c] = store.ingest([deliveryInput(original, NOW, { raw: true })], NOW);

    const second = store.getDelivery(b.id)!.flagDetails[0]!;
    expect(second).toMatchObject({ flag: 'duplicate', kind: 'exact', of: a.id, sameBytes: false });
    expect(explainFlag(second)).toMatch(/same JSON, different bytes/);

    const third = store.getDelivery(c.id)!.flagDetails[0]!;
    expect(third).toMatchObject({ flag: 'duplicate', kind: 'exact', sameBytes: true });
    expect(explainFlag(third)).toMatch(/byte for byte the same payload/);
  });
});
