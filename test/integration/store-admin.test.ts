// The store's smaller surfaces against a real file: settings, replay targets, forward attempts, response times,
// streaming export while other queries run, stats and autocomplete.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../electron/core/store';
import type { Store } from '../../electron/core/store/types';
import { deliveryInput, loadSamples, sampleLifecycleInputs } from '../support/store-fixtures';

const NOW = Date.parse('2025-11-28T23:00:00Z');
let dir: string;
let file: string;
let store: Store;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-store-admin-'));
  file = path.join(dir, 'inspector.sqlite');
  store = openStore({ file });
});

afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('settings', () => {
  it('stores JSON values that survive a reopen', () => {
    expect(store.getSetting('settings')).toBeUndefined();
    store.setSetting('settings', { tunnel: { enabled: false, subdomain: 'minha-loja' }, notifications: true });
    store.setSetting('settings', { tunnel: { enabled: true, subdomain: null }, notifications: false });
    store.close();
    store = openStore({ file });
    expect(store.getSetting('settings')).toEqual({ tunnel: { enabled: true, subdomain: null }, notifications: false });
  });
});

describe('targets', () => {
  it('keeps exactly one default while any target exists', () => {
    const a = store.saveTarget({ url: 'http://127.0.0.1:3000/hook', headers: [['Authorization', 'Bearer x']], isDefault: false });
    expect(a.isDefault).toBe(true); // the first target is the default
    const b = store.saveTarget({ url: 'http://127.0.0.1:4000/hook', headers: [], isDefault: true });
    expect(store.listTargets().map((t) => [t.id, t.isDefault])).toEqual([
      [a.id, false],
      [b.id, true],
    ]);
    const edited = store.saveTarget({ id: a.id, url: 'http://127.0.0.1:3001/hook', headers: [], isDefault: false });
    expect(edited).toEqual({ id: a.id, url: 'http://127.0.0.1:3001/hook', headers: [], isDefault: false });
    store.deleteTarget(b.id);
    expect(store.listTargets()).toEqual([{ ...edited, isDefault: true }]);
    expect(() => store.saveTarget({ id: 999, url: 'http://x/', headers: [], isDefault: false })).toThrow(/no target/);
  });
});

describe('deliveries after the answer', () => {
  it('records response times and forward attempts, shown in the delivery detail', () => {
    const [d] = store.ingest([deliveryInput(loadSamples().events.delivered, NOW)], NOW);
    expect(store.getDelivery(d.id)!.responseMs).toBe(0);
    store.setResponseTimes([{ id: d.id, ms: 3.6 }]);
    expect(store.getDelivery(d.id)!.responseMs).toBe(4);
    const attempt = store.insertForward({
      deliveryId: d.id,
      targetUrl: 'http://127.0.0.1:3000/hook',
      mode: 'replay',
      startedAt: NOW + 1000,
      attempt: 1,
      requestHeaders: [['content-type', 'application/json']],
      requestBodySize: 312,
      status: 500,
      responseHeaders: [['content-type', 'text/plain']],
      responseExcerpt: 'boom',
      durationMs: 12.5,
      error: null,
    });
    expect(attempt.id).toBeGreaterThan(0);
    expect(store.listForwards(d.id)).toEqual([attempt]);
    expect(store.getDelivery(d.id)!.forwards).toEqual([attempt]);
    expect(store.listForwards(d.id + 1)).toEqual([]);
  });
});

describe('export and stats', () => {
  it('streams every delivery and message while other queries run between rows', () => {
    const batches = Object.values(sampleLifecycleInputs());
    for (const b of batches) store.ingest(b, NOW);
    const total = batches.reduce((n, b) => n + b.length, 0);
    const lines: number[] = [];
    for (const row of store.iterateDeliveries()) {
      // export awaits the disk between rows; the UI keeps querying meanwhile
      store.listMessages({ query: 'flag:duplicate', offset: 0, limit: 5 }, NOW);
      lines.push(row.id);
      if (row.id === 1) {
        expect(row.callback?.type).toBe('RichCard');
        expect(row.eventKey).toMatch(/^2c7e9a41-.*\|richcard\|RCS$/);
        expect(Buffer.from(row.request.bodyBase64, 'base64').toString()).toBe(row.request.bodyText);
      }
    }
    expect(lines).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const messages = [...store.iterateMessages(NOW)];
    expect(messages.map((m) => m.state).sort()).toEqual(['blocked', 'blocked', 'fell-back', 'read', 'replied']);
    expect(messages.every((m) => Array.isArray(m.anomalyDetails))).toBe(true);
  });

  it('counts deliveries since local midnight and the bytes on disk', () => {
    const midnight = new Date(2025, 10, 28).getTime();
    store.ingest(
      [
        deliveryInput(loadSamples().events.read, midnight - 60_000),
        deliveryInput(loadSamples().events.delivered, midnight + 60_000),
      ],
      midnight + 120_000,
    );
    const s = store.stats(midnight + 3_600_000);
    expect(s).toMatchObject({ deliveriesTotal: 2, deliveriesToday: 1, messagesTotal: 1 });
    expect(s.storeBytes).toBeGreaterThan(fs.statSync(file).size - 1);
  });

  it('suggests values people filter by', () => {
    for (const b of Object.values(sampleLifecycleInputs())) store.ingest(b, NOW);
    expect(store.suggestValues('user', '551195')).toEqual(['5511955550006', '5511955550007']);
    expect(store.suggestValues('ref', '2C7E')).toEqual(['2c7e9a41-0b6f-4d1e-8f3a-91c2d5e7b004']);
    expect(store.suggestValues('type', 'pre')).toEqual(['PREPAID_BLOCKED']);
    expect(store.suggestValues('channel', '')).toEqual(['RCS', 'SMS']);
    expect(store.suggestValues('flag', 'dup')).toEqual(['duplicate', 'duplicate-blocked']);
    expect(store.suggestValues('campaign_name', 'FRIDAY')).toEqual(['black_friday_2025_rcs']);
    expect(store.suggestValues('nonsense', '')).toEqual([]);
    expect(store.getMessageSummaries(['nope', '2c7e9a41-0b6f-4d1e-8f3a-91c2d5e7b004'], NOW).map((m) => m.state)).toEqual(['replied']);
  });
});
