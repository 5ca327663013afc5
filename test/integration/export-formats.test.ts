// Exports checked by the libraries other tools use, not by our own reading of the formats: CSV parsed by
// csv-parse in strict RFC 4180 mode (what a spreadsheet import does), HAR validated against the HAR 1.2 JSON
// Schema (har-schema) with Ajv. Cells and notes hold commas, quotes, CR/LF, non-ASCII and formula-like text.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Ajv from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json';
import { parse } from 'csv-parse/sync';
import harSchemas from 'har-schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExport, type ExportFormat } from '../../electron/core/export-run';
import { openStore } from '../../electron/core/store';
import type { Store } from '../../electron/core/store/types';
import { deliveryInput, loadSamples } from '../support/store-fixtures';
import { tempDir } from '../support/serve';

const T0 = Date.parse('2025-11-28T12:00:00Z');
const NOT_UTF8 = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xff, 0xfe, 0x7d]);

/** what users type and callbacks carry, and what a spreadsheet must get back */
const TRICKY: Record<string, string> = {
  comma: 'a, b, c',
  quotes: 'She said "hi", then ""bye""',
  leadingQuote: '"quoted" first',
  newlines: 'line 1\r\nline 2\nline 3\rline 4',
  unicode: 'Olá, São Paulo — ✓ 😀',
  equals: '=HYPERLINK("http://evil.example","x")',
  plus: '+55 11 98765-0021',
  minus: '-2+3',
  at: '@SUM(A1:A9)',
  tab: '\tindented',
  cr: '\rafter a carriage return',
};
/** the export's promise: a cell a spreadsheet would run as a formula starts with ', everything else is as typed */
const FORMULA_LIKE = new Set(['equals', 'plus', 'minus', 'at', 'tab', 'cr']);
const asExported = (key: string) => (FORMULA_LIKE.has(key) ? `'${TRICKY[key]}` : TRICKY[key]!);
/** the text column is the delivery's searchable text, which the classifier trims (shared/callback.ts) */
const textAsExported = (key: string) => {
  const t = TRICKY[key]!.trim();
  return /^[=+\-@]/.test(t) ? `'${t}` : t;
};

const DELIVERY_HEADER = [
  'id', 'received_at', 'reference', 'event_id', 'type', 'kind', 'channel', 'direction', 'user_id', 'campaign',
  'event_timestamp', 'flags', 'attempt', 'outcome', 'answer_status', 'answer_ms', 'reject_reason', 'method', 'path',
  'body_size', 'text', 'imported', 'pinned', 'note',
];
const MESSAGE_HEADER = [
  'reference', 'state', 'user_id', 'campaign', 'first_received_at', 'last_received_at', 'sent_at', 'delivered_at',
  'read_at', 'replied_at', 'failed_at', 'last_type', 'deliveries', 'events', 'duplicates', 'flags', 'anomalies',
  'channels', 'pinned', 'note',
];

let dir: string;
let store: Store;
let total: number;

beforeAll(() => {
  dir = tempDir('rci-export-formats-');
  store = openStore({ file: path.join(dir, 'inspector.sqlite') });
  const s = loadSamples();
  const inputs = Object.values(s.lifecycles).flat().map((d, i) => deliveryInput(d.body, T0 + i * 1000));
  Object.entries(TRICKY).forEach(([key, value], i) => {
    const body = { ...s.events.inbound_text, reference: `tricky-${key}`, campaign_name: value, message: { contentType: 'text', text: value } };
    inputs.push(deliveryInput(body, T0 + 500_000 + i * 1000));
  });
  inputs.push(deliveryInput(NOT_UTF8, T0 + 600_000));
  const stored = store.ingest(inputs, T0 + 700_000);
  total = stored.length;
  for (const key of Object.keys(TRICKY)) {
    const d = store.listDeliveries({ query: `ref:tricky-${key}`, offset: 0, limit: 1 }).rows[0]!;
    store.setMark('delivery', d.id, { pinned: true, note: TRICKY[key] });
    store.setMark('message', `tricky-${key}`, { note: TRICKY[key] });
  }
});

afterAll(() => {
  store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function exported(format: ExportFormat, kind: 'deliveries' | 'messages', opts: { mask?: boolean; filter?: string } = {}): Promise<string> {
  const file = path.join(dir, `out-${format}-${kind}-${opts.mask ?? false}-${encodeURIComponent(opts.filter ?? '')}`);
  await runExport(store, file, { format, kind, filter: opts.filter ?? '', version: 'test', mask: opts.mask });
  return fs.readFileSync(file, 'utf8');
}

/** strict RFC 4180 as a spreadsheet import reads it: quotes only around whole fields, CRLF between records */
const parseStrict = (text: string): string[][] =>
  parse(text, { bom: true, relax_quotes: false, relax_column_count: false, record_delimiter: '\r\n', skip_empty_lines: false });

describe('CSV read by csv-parse (strict RFC 4180)', () => {
  it('deliveries: the documented header, one record per delivery, tricky cells and notes back exactly as promised', async () => {
    const text = await exported('csv', 'deliveries');
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    const [head, ...body] = parseStrict(text);
    expect(head).toEqual(DELIVERY_HEADER);
    expect(body).toHaveLength(total);
    const col = (name: string) => DELIVERY_HEADER.indexOf(name);
    expect(new Set(body.map((r) => r[col('id')])).size).toBe(total);
    for (const key of Object.keys(TRICKY)) {
      const row = body.find((r) => r[col('reference')] === `tricky-${key}`);
      expect(row, key).toBeDefined();
      expect({ key, campaign: row![col('campaign')], text: row![col('text')], note: row![col('note')], pinned: row![col('pinned')] }).toEqual({
        key,
        campaign: asExported(key),
        text: textAsExported(key),
        note: asExported(key),
        pinned: 'yes',
      });
    }
  });

  it('messages: the documented header, one record per message, tricky cells and notes back exactly as promised', async () => {
    const text = await exported('csv', 'messages');
    const [head, ...body] = parseStrict(text);
    expect(head).toEqual(MESSAGE_HEADER);
    const messages = store.listMessages({ query: '', offset: 0, limit: 5000 }, T0 + 700_000).rows;
    expect(body.map((r) => r[0]).sort()).toEqual(messages.map((m) => m.reference).sort());
    const col = (name: string) => MESSAGE_HEADER.indexOf(name);
    for (const key of Object.keys(TRICKY)) {
      const row = body.find((r) => r[col('reference')] === `tricky-${key}`);
      expect({ key, campaign: row?.[col('campaign')], note: row?.[col('note')] }).toEqual({ key, campaign: asExported(key), note: asExported(key) });
    }
  });

  it('the parser is strict: a quote inside an unquoted cell is refused', () => {
    expect(() => parseStrict('a,b\r\nx"y,z\r\n')).toThrow(/quote/i);
  });
});

/** Ajv loaded with the HAR 1.2 schemas from har-schema (draft-06, with a few non-standard keywords: strict off) */
function harValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addMetaSchema(draft06);
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s) && !Number.isNaN(Date.parse(s)));
  ajv.addFormat('ipv4', (s: string) => net.isIPv4(s));
  ajv.addFormat('ipv6', (s: string) => net.isIPv6(s));
  // RFC 3986 characters only, with a scheme, and a URL a browser accepts
  ajv.addFormat('uri', (s: string) => /^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/.test(s) && URL.canParse(s));
  for (const schema of Object.values(harSchemas)) ajv.addSchema(schema, schema.$id);
  const validate = ajv.getSchema('har.json#')!;
  return (doc: unknown) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
}

describe('HAR validated against the HAR 1.2 schema (har-schema)', () => {
  const validate = harValidator();

  it('the validator catches a broken document: no creator, a status as text', async () => {
    const har = JSON.parse(await exported('har', 'deliveries'));
    const broken = structuredClone(har);
    delete broken.log.creator;
    broken.log.entries[0].response.status = '200';
    const errors = validate(broken);
    expect(errors).toEqual(expect.arrayContaining(["/log must have required property 'creator'", '/log/entries/0/response/status must be integer']));
  });

  it('every delivery, with a non-UTF-8 body (base64) and tricky texts', async () => {
    const har = JSON.parse(await exported('har', 'deliveries'));
    expect(validate(har)).toEqual([]);
    expect(har.log.entries).toHaveLength(total);
    const odd = har.log.entries.filter((e: { request: { postData?: { encoding?: string } } }) => e.request.postData?.encoding === 'base64');
    expect(odd).toHaveLength(1);
    expect(Buffer.from(odd[0].request.postData.text, 'base64')).toEqual(Buffer.from(NOT_UTF8));
  });

  it('masked', async () => {
    const har = JSON.parse(await exported('har', 'deliveries', { mask: true }));
    expect(validate(har)).toEqual([]);
    expect(har.log.entries).toHaveLength(total);
  });

  it('empty (a filter nothing matches)', async () => {
    const har = JSON.parse(await exported('har', 'deliveries', { filter: 'ref:no-such-message' }));
    expect(har.log.entries).toEqual([]);
    expect(validate(har)).toEqual([]);
  });
});
