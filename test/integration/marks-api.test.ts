// Pins, notes, deletion and retention through the control API of a running core: a pin and a note show on the
// lists' rows and in search, go into the NDJSON and CSV exports, and deleting by filter (with its count first) keeps
// what is pinned; retention settings are kept.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/app-core';
import { dispatch } from '../../electron/core/api-dispatch';
import { NOTE_MAX_CHARS } from '../../shared/marks';
import { MASK } from '../../shared/mask';
import { maskExportedDelivery, maskExportedMessage } from '../../electron/core/export-mask';

let dir: string;
let core: Core;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-marks-'));
  core = await createCore({ dataDir: dir, receiverPort: 0, tunnel: { enabled: false }, version: 'test' });
});
afterEach(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function post(body: unknown): Promise<number> {
  const res = await fetch(`${core.receiverUrl}/callbacks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: number }).id;
}
async function indexed(): Promise<void> {
  const until = Date.now() + 10_000;
  while ((await core.handlers.getStatus({})).indexing.pending > 0) {
    if (Date.now() > until) throw new Error('indexing did not catch up');
    await new Promise((r) => setTimeout(r, 10));
  }
}
const cb = (reference: string, type: string, i: number, campaign = 'natal') => ({
  reference, campaign_name: campaign, event_id: `${reference}-${type}-${i}`, direction: 'inbound', user_id: '5511987650001',
  timestamp: new Date(Date.UTC(2025, 10, 28, 12, 0, i)).toISOString(), channel: 'RCS', type,
});
const call = (name: string, arg: unknown) => dispatch(core.handlers, name, arg);

/** RFC 4180 records (CRLF between records, "" for a quote inside quotes) */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else field += c;
  }
  return rows;
}

describe('pins and notes through the API', () => {
  it('show on the rows, in search and in both exports; a note is capped', async () => {
    const a = await post(cb('msg-a', 'DELIVERED', 1));
    const b = await post(cb('msg-b', 'READ', 2));
    await indexed();
    const note = 'Cliente disse "não recebi",\nligar amanhã';
    expect(await call('setMark', { kind: 'delivery', key: a, pinned: true, note })).toEqual({ pinned: true, note });
    await call('setMark', { kind: 'message', key: 'msg-b', note: 'checar, =SUM(A1)' });
    const rows = (await core.handlers.listDeliveries({ query: '', offset: 0, limit: 10 })).rows;
    expect(rows.find((d) => d.id === a)).toMatchObject({ pinned: true, note });
    expect(rows.find((d) => d.id === b)!.pinned).toBeUndefined();
    expect((await core.handlers.listDeliveries({ query: 'pinned:yes', offset: 0, limit: 10 })).rows.map((d) => d.id)).toEqual([a]);
    expect((await core.handlers.listMessages({ query: 'note:checar', offset: 0, limit: 10 })).rows.map((m) => m.reference)).toEqual(['msg-b']);
    expect(await call('getMark', { kind: 'message', key: 'msg-b' })).toEqual({ pinned: false, note: 'checar, =SUM(A1)' });

    await expect(call('setMark', { kind: 'delivery', key: a, note: 'x'.repeat(NOTE_MAX_CHARS + 1) })).rejects.toThrow(/note/);
    await expect(call('setMark', { kind: 'delivery', key: 99_999, pinned: true })).rejects.toThrow(/no such delivery/);

    const ndjson = path.join(dir, 'd.ndjson');
    await core.exportFile(ndjson, 'deliveries', 'ndjson');
    const lines = fs.readFileSync(ndjson, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: number; note?: string; pinned?: boolean });
    expect(lines.find((l) => l.id === a)).toMatchObject({ pinned: true, note });
    expect('note' in lines.find((l) => l.id === b)!).toBe(false);
    // a masked export says a note is there, never what it says (it may quote the customer)
    const [exported] = [...core.store.iterateDeliveries()].filter((d) => d.id === a);
    expect(maskExportedDelivery(exported!).note).toBe(MASK);
    const [message] = [...core.store.iterateMessages()].filter((m) => m.reference === 'msg-b');
    expect(maskExportedMessage(message!).note).toBe(MASK);

    const csv = path.join(dir, 'd.csv');
    await core.exportFile(csv, 'deliveries', 'csv');
    const [head, ...body] = parseCsv(fs.readFileSync(csv, 'utf8').replace(/^\uFEFF/, ''));
    const row = body.find((r) => r[0] === String(a))!;
    expect(row[head!.indexOf('note')]).toBe(note);
    expect(row[head!.indexOf('pinned')]).toBe('yes');
    const mcsv = path.join(dir, 'm.csv');
    await core.exportFile(mcsv, 'messages', 'csv');
    const [mhead, ...mbody] = parseCsv(fs.readFileSync(mcsv, 'utf8').replace(/^\uFEFF/, ''));
    // a formula-like note is kept as text
    expect(mbody.find((r) => r[0] === 'msg-b')![mhead!.indexOf('note')]).toBe('checar, =SUM(A1)');
  });
});

describe('deleting through the API', () => {
  it('counts first, then deletes what the filter matches, keeping the pinned message', async () => {
    for (let i = 0; i < 6; i++) await post(cb(`n-${i}`, 'DELIVERED', i));
    for (let i = 0; i < 3; i++) await post(cb(`o-${i}`, 'DELIVERED', 10 + i, 'other'));
    await indexed();
    await call('setMark', { kind: 'message', key: 'n-2', pinned: true });
    const scope = { kind: 'filter', list: 'messages', query: 'campaign:natal' };
    expect(await call('previewDelete', { scope })).toEqual({ deliveries: 5, messages: 5, pinned: 1 });
    expect(await call('deleteData', { scope })).toMatchObject({ deliveries: 5, messages: 5, pinned: 1 });
    const left = (await core.handlers.listMessages({ query: '', offset: 0, limit: 20 })).rows.map((m) => m.reference).sort();
    expect(left).toEqual(['n-2', 'o-0', 'o-1', 'o-2']);
    const status = await core.handlers.getStatus({});
    expect([status.deliveriesTotal, status.messagesTotal]).toEqual([4, 4]);

    expect(await call('previewDelete', { scope: { kind: 'all' } })).toEqual({ deliveries: 3, messages: 3, pinned: 1 });
    await call('deleteData', { scope: { kind: 'all' }, clearPins: true });
    expect((await core.handlers.getStatus({})).deliveriesTotal).toBe(0);
  });

  it('keeps the retention settings', async () => {
    expect(await call('getRetention', {})).toEqual({ maxDays: null, maxGb: null });
    await call('setRetention', { maxDays: 30, maxGb: 2 });
    expect(await call('getRetention', {})).toEqual({ maxDays: 30, maxGb: 2 });
    await expect(call('setRetention', { maxDays: 0, maxGb: null })).rejects.toThrow(/maxDays/);
  });
});
