// Full text is added in batches of its own after indexing (store/full-text.ts). Through the real store: a search
// finds a delivery the lists show even before its batch ran, a report on another connection too once the core has
// prepared it, and deleting deliveries (added to full text or still queued) leaves nothing of them in the index.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../electron/core/store';
import type { Store } from '../../electron/core/store/types';
import { runCli } from '../support/serve';
import { deliveryInput, rejectedInput } from '../support/store-fixtures';

const T = Date.UTC(2026, 0, 5, 12, 0, 0);
const dirs: string[] = [];
const opened: Store[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function storeFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-full-text-'));
  dirs.push(dir);
  return path.join(dir, 'inspector.sqlite');
}

function open(file: string, readonly = false): Store {
  const s = openStore({ file, readonly });
  opened.push(s);
  return s;
}

const callback = (i: number, text: string) =>
  deliveryInput(
    { reference: `ref-${i}`, event_id: `ev-${i}`, type: 'Text', channel: 'RCS', direction: 'outbound', user_id: `5511999${String(i).padStart(6, '0')}`, message: { text } },
    T + i,
  );

/** every term the full-text table holds, with the deliveries holding it */
function vocabulary(file: string): { term: string; doc: number }[] {
  const db = new Database(file, { readonly: true });
  try {
    db.exec(`CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, deliveries_fts, row)`);
    return db.prepare('SELECT term, doc FROM temp.v ORDER BY term').all() as { term: string; doc: number }[];
  } finally {
    db.close();
  }
}

/** the gateway's way: appended, then indexed in slices (full text queued), as serve does */
function receive(s: Store, inputs: ReturnType<typeof callback>[]): void {
  s.ingestRaw(inputs);
  while (s.indexPending(7).length > 0);
}

describe('free text added after indexing', () => {
  it('is found by a search as soon as the lists show the delivery', () => {
    const file = storeFile();
    const s = open(file);
    receive(s, [callback(1, 'Frete grátis para Campinas'), callback(2, 'Olá Rafael'), callback(3, 'Pedido saiu para entrega')]);
    expect(s.textPending()).toBe(3);
    expect(s.listDeliveries({ query: '', offset: 0, limit: 10 }).rows).toHaveLength(3);
    // the search adds the queue first, then finds the word (accents ignored, a prefix of the last word)
    expect(s.listDeliveries({ query: 'campinas', offset: 0, limit: 10 }).rows.map((d) => d.reference)).toEqual(['ref-1']);
    expect(s.listMessages({ query: 'entreg', offset: 0, limit: 10 }).rows.map((m) => m.reference)).toEqual(['ref-3']);
    expect(s.textPending()).toBe(0);
    // a query without free text leaves the queue to the indexer
    receive(s, [callback(4, 'Campinas de novo')]);
    s.listDeliveries({ query: 'channel:RCS', offset: 0, limit: 10 });
    expect(s.textPending()).toBe(1);
    expect(s.getCounts('campinas').deliveries).toBe(2);
  });

  it('is found by a report on a read-only connection once the core prepared the search', () => {
    const file = storeFile();
    const s = open(file);
    receive(s, [callback(1, 'promoção relâmpago'), callback(2, 'outra coisa')]);
    const reader = open(file, true);
    // the read-only connection cannot add the queue itself
    expect(reader.getAnalytics('relampago').messages).toBe(0);
    s.prepareSearch('relampago');
    expect(reader.getAnalytics('relampago').messages).toBe(1);
  });

  it('the command line says when a free-text filter cannot see what the app left queued', { timeout: 60_000 }, async () => {
    const file = storeFile();
    const dataDir = path.dirname(file);
    const s = openStore({ file });
    receive(s, [callback(1, 'jacarandá em flor'), callback(2, 'ipê amarelo')]);
    s.close();
    const queued = await runCli(['export', '--data-dir', dataDir, '--format', 'ndjson', '--filter', 'jacaranda']);
    expect(queued.code).toBe(0);
    expect(queued.stderr).toMatch(/warning: 2 deliveries are not in the search index yet/);
    // a filter without free text sees everything: no warning
    expect((await runCli(['export', '--data-dir', dataDir, '--format', 'ndjson', '--filter', 'channel:RCS'])).stderr).not.toMatch(/search index/);
    // once the queue is added (here by a search on a connection that can write), the same export finds it
    const w = open(file);
    w.prepareSearch('jacaranda');
    w.close();
    opened.splice(opened.indexOf(w), 1);
    const added = await runCli(['export', '--data-dir', dataDir, '--format', 'ndjson', '--filter', 'jacaranda']);
    expect(added.stderr).not.toMatch(/search index/);
    expect(added.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { id: number }).id)).toEqual([1]);
  });

  it('a search goes on with what is indexed while another process holds the write lock, and finds the rest after', () => {
    const file = storeFile();
    const s = open(file);
    receive(s, [callback(1, 'tamanduá bandeira')]);
    const other = new Database(file);
    try {
      // the command line's import writing the same file
      other.exec('BEGIN IMMEDIATE');
      expect(s.listDeliveries({ query: 'tamandua', offset: 0, limit: 10 }).rows).toEqual([]);
      expect(s.listDeliveries({ query: 'channel:RCS', offset: 0, limit: 10 }).rows).toHaveLength(1);
      other.exec('COMMIT');
    } finally {
      other.close();
    }
    expect(s.listDeliveries({ query: 'tamandua', offset: 0, limit: 10 }).rows.map((d) => d.id)).toEqual([1]);
  });

  it('a store the command line filled (import) is searched by its read-only export', { timeout: 60_000 }, async () => {
    const source = storeFile();
    const s = openStore({ file: source });
    receive(s, [callback(1, 'sabiá laranjeira'), callback(2, 'bem-te-vi')]);
    s.close();
    const ndjson = path.join(path.dirname(source), 'out.ndjson');
    fs.writeFileSync(ndjson, (await runCli(['export', '--data-dir', path.dirname(source), '--format', 'ndjson'])).stdout);
    const target = path.dirname(storeFile());
    expect((await runCli(['import', '--data-dir', target, ndjson])).code).toBe(0);
    const found = await runCli(['export', '--data-dir', target, '--format', 'ndjson', '--filter', 'sabia']);
    expect(found.stderr).not.toMatch(/search index/);
    expect(found.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('leaves nothing of deleted deliveries in the index, whether their batch ran or not', () => {
    const file = storeFile();
    const s = open(file);
    const inputs = [
      callback(1, 'zebra quokka'),
      rejectedInput('{"reference":"big-1","message":{"text":"capybara', 5_000_000, T + 10),
      deliveryInput('not json at all: wombat', T + 11, { raw: true, contentType: 'text/plain' }),
      deliveryInput('{"reference": "broken-1", "message": {"text": "narwhal"', T + 12, { raw: true }),
      callback(5, 'axolotl'),
      callback(6, 'pangolin'),
    ];
    receive(s, inputs.slice(0, 4));
    // the first four in the full-text table, the last two still queued
    expect(s.indexText(100)).toBe(4);
    receive(s, inputs.slice(4));
    expect(s.textPending()).toBe(2);
    expect(vocabulary(file).map((v) => v.term)).toEqual(expect.arrayContaining(['zebra', 'capybara', 'wombat', 'narwhal']));
    const ids = s.listDeliveries({ query: '', offset: 0, limit: 10 }).rows.map((d) => d.id);
    expect(ids).toHaveLength(6);
    s.deletion.slice(ids, false);
    expect(s.textPending()).toBe(0);
    // a contentless index forgets a row only when given back what it indexed: nothing may be left over
    expect(vocabulary(file)).toEqual([]);
    for (const word of ['zebra', 'capybara', 'wombat', 'narwhal', 'axolotl', 'pangolin']) {
      expect(s.listDeliveries({ query: word, offset: 0, limit: 10 }).rows, word).toEqual([]);
    }
  });
});
