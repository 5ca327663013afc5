// Rows a crash left pending (acknowledged by phase 1, never indexed) are indexed by the app in the background
// once it starts again: lists, counts and messages show them without any new delivery arriving.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createCore, DB_FILE_NAME } from '../../electron/core/app-core';
import { openStore } from '../../electron/core/store';
import { sampleLifecycleInputs } from '../support/store-fixtures';

let dir: string | null = null;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = null;
});

it('indexes on start what an earlier run acknowledged but never indexed', { timeout: 20_000 }, async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-pending-'));
  const inputs = sampleLifecycleInputs().gateway_retries;
  const store = openStore({ file: path.join(dir, DB_FILE_NAME) });
  const raw = store.ingestRaw(inputs);
  store.close();

  const core = await createCore({ dataDir: dir, receiverPort: 0, tunnel: { enabled: false }, version: 'test' });
  try {
    const until = Date.now() + 10_000;
    while (core.store.pendingCount() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(core.store.pendingCount()).toBe(0);
    const list = await core.handlers.listDeliveries({ query: 'flag:duplicate', offset: 0, limit: 50 });
    expect(list.rows.map((d) => d.id).sort()).toEqual([raw[2]!.id, raw[3]!.id].sort());
    const messages = await core.handlers.listMessages({ query: '', offset: 0, limit: 50 });
    expect(messages.rows).toHaveLength(1);
    expect(messages.rows[0]).toMatchObject({ deliveryCount: 5, duplicateCount: 2 });
  } finally {
    await core.close();
  }
});
