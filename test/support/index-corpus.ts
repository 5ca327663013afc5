// A seeded corpus that exercises everything indexing derives (retries, exact and reformatted duplicates,
// out-of-order arrival, invalid and refused bodies, simulated traffic, test callbacks, hot references), and a
// normalised dump of every table indexing writes, so two ways of indexing (or two versions of the code) can be
// compared table by table.
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import { generateCampaign } from '../../electron/core/simulate/generate';
import { seededRandom } from '../../electron/core/simulate/content';
import { TEST_CALLBACK_CAMPAIGN, TEST_CALLBACK_REFERENCE_PREFIX } from '../../shared/constants';
import type { IngestInput } from '../../electron/core/store/types';
import { deliveryInput, generateDeliveries, loadSamples, rejectedInput } from './store-fixtures';

const START = Date.UTC(2025, 10, 28, 9, 0, 0);

/** Deliveries in arrival order (ids follow this order). */
export function indexCorpus(seed = 11): IngestInput[] {
  const rand = seededRandom(seed);
  const out: IngestInput[] = [...generateDeliveries({ messages: 160, seed, startAt: START, spacingMs: 900 })];

  // the gateway simulator's traffic: its own content variance and the X-RCI-Simulated headers
  const sim = generateCampaign({ messages: 60, seed: seed + 1, startMs: START, speed: 60 });
  for (const d of sim.deliveries) {
    const input = deliveryInput(d.body, START + d.atMs, { raw: true });
    input.request.headers = [...input.request.headers, ...Object.entries(d.headers)];
    out.push(input);
  }

  const samples = loadSamples();
  const ev = samples.events as Record<string, Record<string, unknown>>;
  const anyEvent = Object.values(ev)[0]!;
  const extra: IngestInput[] = [];
  // out of order: READ arrives before DELIVERED, then the echo last
  const ooo = { ...anyEvent, reference: 'ooo-1', event_id: 'ooo-e', campaign_name: 'ooo' };
  extra.push(deliveryInput({ ...ooo, type: 'READ', direction: 'inbound', message: null, timestamp: '2025-11-28T09:10:05.000Z' }, START + 600_000));
  extra.push(deliveryInput({ ...ooo, type: 'DELIVERED', direction: 'inbound', message: null, timestamp: '2025-11-28T09:10:02.000Z' }, START + 601_000));
  extra.push(deliveryInput({ ...ooo, type: 'Text', direction: 'outbound', timestamp: '2025-11-28T09:10:00.000Z' }, START + 602_000));
  // exact duplicate with the same bytes, then with reordered keys (same JSON, other bytes), then a semantic one
  const dupBody = { ...anyEvent, reference: 'dup-1', event_id: 'dup-e', type: 'DELIVERED', direction: 'inbound', message: null, timestamp: '2025-11-28T09:20:00.000Z' };
  extra.push(deliveryInput(JSON.stringify(dupBody), START + 1_200_000, { raw: true, responseStatus: 503 }));
  extra.push(deliveryInput(JSON.stringify(dupBody), START + 1_210_100, { raw: true, responseStatus: 503 }));
  extra.push(deliveryInput(JSON.stringify(Object.fromEntries(Object.entries(dupBody).reverse())), START + 1_240_000, { raw: true }));
  extra.push(deliveryInput({ ...dupBody, vars: { changed: 'yes' } }, START + 1_400_000, { raw: false }));
  // refused (too large), no Content-Type, not UTF-8, not an object, deeply nested
  extra.push(rejectedInput('{"reference":"big-1","event_id":"x"', 3_000_000, START + 1_500_000));
  extra.push(deliveryInput({ ...dupBody, reference: 'noct-1' }, START + 1_500_100, { contentType: null }));
  extra.push(deliveryInput(new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]), START + 1_500_200));
  extra.push(deliveryInput('[1,2,3]', START + 1_500_300, { raw: true }));
  let deep: unknown = { reference: 'deep-1', event_id: 'deep-e', type: 'DELIVERED' };
  for (let i = 0; i < 80; i++) deep = { nested: deep };
  extra.push(deliveryInput({ reference: 'deep-1', event_id: 'deep-e', type: 'DELIVERED', timestamp: '2025-11-28T09:25:00Z', deep }, START + 1_500_400));
  // test callbacks (the first-run screen's button)
  for (let i = 0; i < 3; i++) {
    extra.push(
      deliveryInput(
        { ...anyEvent, reference: `${TEST_CALLBACK_REFERENCE_PREFIX}${i}`, event_id: `t-${i}`, campaign_name: TEST_CALLBACK_CAMPAIGN, timestamp: '2025-11-28T09:30:00.000Z' },
        START + 1_800_000 + i,
      ),
    );
  }
  // a hot reference: one message touched many times, across many slices
  for (let i = 0; i < 40; i++) {
    const type = ['Text', 'DELIVERED', 'READ', 'TEXT'][i % 4]!;
    extra.push(
      deliveryInput(
        { ...anyEvent, reference: 'hot-1', event_id: `hot-${i % 7}`, type, direction: type === 'Text' ? 'outbound' : 'inbound', timestamp: `2025-11-28T09:${String(30 + (i % 20)).padStart(2, '0')}:00.000Z` },
        START + 1_900_000 + i * 5_000,
        { responseStatus: i % 5 === 0 ? 500 : 200 },
      ),
    );
  }

  // interleave the three sources the way concurrent traffic arrives
  const sources = [out.slice(0, 500), out.slice(500), extra];
  const mixed: IngestInput[] = [];
  while (sources.some((s) => s.length > 0)) {
    const s = sources[Math.floor(rand() * sources.length)]!;
    const n = 1 + Math.floor(rand() * 6);
    mixed.push(...s.splice(0, n));
  }
  return mixed;
}

/** JSON with sorted keys: two producers of the same object compare equal however they ordered its keys. */
function canon(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canon);
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]));
  }
  return v;
}

const JSON_COLUMNS = new Set(['flags', 'summary', 'acc', 'headers']);

function normRow(r: Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (v instanceof Uint8Array) o[k] = crypto.createHash('sha256').update(v).digest('hex');
    else if (JSON_COLUMNS.has(k) && typeof v === 'string') o[k] = canon(JSON.parse(v));
    else o[k] = v;
  }
  return o;
}

/**
 * The message rows without their facet list (messages.facets, schema.ts migration 15), once checked against the
 * facet table: the list is what indexing reads before a rewrite, so a list that drifted from the rows would leave
 * facets behind or add them twice. Left out of the digest, which predates it (the table's rows are in it).
 */
function messagesWithTheirFacets(db: Database.Database, rows: Record<string, unknown>[]): Record<string, unknown>[] {
  const byMsg = new Map<number, string[]>();
  for (const r of db.prepare('SELECT msg_id, facet FROM message_facets').all() as { msg_id: number; facet: string }[]) {
    let l = byMsg.get(r.msg_id);
    if (!l) byMsg.set(r.msg_id, (l = []));
    l.push(r.facet);
  }
  return rows.map(({ facets, ...r }) => {
    const list = JSON.parse(String(facets)) as string[];
    const listed = JSON.stringify([...list].sort());
    const stored = JSON.stringify((byMsg.get(r.id as number) ?? []).sort());
    if (listed !== stored) throw new Error(`message ${String(r.id)}: its row lists facets ${listed}, the facet table holds ${stored}`);
    // the accumulator is stored without its facets since then (messages.ts parseAcc): compared with them, as read
    const acc = r.acc as Record<string, unknown> | null;
    if (acc && !('facets' in acc)) acc.facets = list.filter((f) => !/^(st|f|a):/.test(f));
    return r;
  });
}

/** Every table indexing writes, normalised (JSON columns key-sorted, blobs as hashes), ordered by key. */
export function dumpIndexedTables(file: string): Record<string, unknown[]> {
  const db = new Database(file);
  try {
    const q = (sql: string) => (db.prepare(sql).all() as Record<string, unknown>[]).map(normRow);
    // a tally that went up and down again is no different from one never written
    const tally = (sql: string) => q(sql).filter((r) => r.n !== 0);
    db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_vocab USING fts5vocab(main, deliveries_fts, instance)`);
    return {
      inbox: q('SELECT id FROM inbox ORDER BY id'),
      deliveries: q('SELECT * FROM deliveries ORDER BY id'),
      bodies: q('SELECT * FROM bodies ORDER BY id'),
      delivery_flags: q('SELECT * FROM delivery_flags ORDER BY delivery_id, flag'),
      simulated: q('SELECT * FROM simulated ORDER BY id'),
      fts: q('SELECT term, doc, col, offset FROM temp.fts_vocab ORDER BY doc, col, offset, term'),
      messages: messagesWithTheirFacets(db, q('SELECT * FROM messages ORDER BY id')),
      message_facets: q('SELECT * FROM message_facets ORDER BY msg_id, facet'),
      counters: tally('SELECT * FROM counters ORDER BY key'),
      an_messages: tally('SELECT * FROM an_messages ORDER BY 1, 2, 3'),
      an_values: tally('SELECT * FROM an_values ORDER BY 1, 2, 3'),
      an_series: tally('SELECT * FROM an_series ORDER BY 1, 2, 3'),
      an_attempts: tally('SELECT * FROM an_attempts ORDER BY 1'),
      an_counts: tally('SELECT * FROM an_counts ORDER BY 1'),
      an_reasons: q('SELECT * FROM an_reasons ORDER BY 1, 2'),
    };
  } finally {
    db.close();
  }
}

/** One digest per table (and the row count), for a golden kept in the repository. */
export function digestOf(dump: Record<string, unknown[]>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(dump).map(([k, rows]) => [k, `${rows.length}:${crypto.createHash('sha256').update(JSON.stringify(canon(rows))).digest('hex').slice(0, 16)}`]),
  );
}
