// Masked exports and cURL copies: with --mask (or masking on in the app) NDJSON, CSV and HAR, of deliveries and of
// messages, hold no phone number and none of what customers wrote, and a cURL copy sends the masked body; without
// it every value is there, byte-exact, so the same checks would fail.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExport, type ExportFormat } from '../../electron/core/export-run';
import { curlCommand } from '../../electron/core/replay/curl';
import { openStore } from '../../electron/core/store';
import type { Store } from '../../electron/core/store/types';
import { deliveryInput, loadSamples, rejectedInput } from '../support/store-fixtures';
import { tempDir } from '../support/serve';

const T0 = Date.parse('2025-11-28T12:00:00Z');
const PHONE = '5511987650021';
const REPLY = 'Meu CPF é 123.456.789-00, me liga no (11) 98765-0021';
const NAME = 'Anastácia Pereira';
/**
 * what must not leave a masked export, in any spelling the formats use. A tapped suggestion's label and postback
 * ("Quero a oferta", "cta_quero_oferta") are the business's own text and stay readable (shared/mask.ts).
 */
const SECRETS = [PHONE, '987650021', '98765-0021', 'Anastácia', 'Pereira', 'Meu CPF', 'Qual o prazo', 'Campinas', 'comprovante.jpg', '-23.561414', '99990001', '99990002', 'A-10293'];

let dir: string;
let store: Store;

beforeAll(() => {
  dir = tempDir('rci-mask-export-');
  store = openStore({ file: path.join(dir, 'inspector.sqlite') });
  const s = loadSamples();
  const inputs = Object.values(s.lifecycles).flat().map((d, i) => deliveryInput(d.body, T0 + i * 1000));
  const ev = s.events;
  inputs.push(
    deliveryInput({ ...ev.inbound_text, reference: 'mask-1', user_id: PHONE, message: { contentType: 'text', text: REPLY }, vars: { nome: NAME } }, T0 + 100_000),
    deliveryInput(ev.inbound_image, T0 + 101_000),
    deliveryInput(ev.inbound_location, T0 + 102_000),
    // a body that is not JSON, and one refused for its size: their text is the customer's too
    deliveryInput(`{"user_id":"${PHONE}","message":{"text":"${NAME}"`, T0 + 103_000, { raw: true }),
    rejectedInput(`{"user_id":"${PHONE}","message":{"text":"${NAME}`, 5_000_000, T0 + 104_000),
  );
  store.ingest(inputs, T0 + 200_000);
});

afterAll(() => {
  store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function exported(format: ExportFormat, kind: 'deliveries' | 'messages', mask: boolean): Promise<string> {
  const file = path.join(dir, `out-${format}-${kind}-${mask}`);
  await runExport(store, file, { format, kind, filter: '', version: 'test', mask });
  return fs.readFileSync(file, 'utf8');
}

const leaks = (text: string) => SECRETS.filter((s) => text.includes(s) || text.includes(JSON.stringify(s).slice(1, -1)));

describe('masked exports', () => {
  it.each([
    ['ndjson', 'deliveries'],
    ['csv', 'deliveries'],
    ['har', 'deliveries'],
    ['ndjson', 'messages'],
    ['csv', 'messages'],
  ] as const)('%s of %s holds no phone number nor anything a customer wrote', async (format, kind) => {
    expect(leaks(await exported(format, kind, true))).toEqual([]);
    // the same export unmasked holds them: the check above can fail
    expect(leaks(await exported(format, kind, false)).length).toBeGreaterThan(0);
  });

  it('keeps what is not personal, and shows numbers the masked way', async () => {
    const lines = (await exported('ndjson', 'deliveries', true)).trim().split('\n').map((l) => JSON.parse(l));
    const row = lines.find((l) => l.callback?.reference === 'mask-1');
    expect(row.callback).toMatchObject({ userId: '55 11 9••••-••21', type: 'TEXT', campaignName: 'black_friday_2025_rcs', text: '•••' });
    // the body is rewritten: valid JSON, base64 and text agree, and no longer the bytes received
    expect(JSON.parse(row.request.bodyText)).toMatchObject({ user_id: '55 11 9••••-••21', message: { contentType: 'text', text: '•••' }, vars: { nome: '•••' } });
    expect(Buffer.from(row.request.bodyBase64, 'base64').toString('utf8')).toBe(row.request.bodyText);
    expect(row.request.headers).toContainEqual(['User-Agent', 'axios/1.7.2']);
    const exception = lines.find((l) => l.callback?.type === 'EXCEPTION');
    expect(exception.callback.message).toBe('Request failed with status code 403: Device does not support RCS');
  });
});

describe('masked cURL copy', () => {
  it('sends the masked body and says so', () => {
    const id = store.listDeliveries({ query: 'ref:mask-1', offset: 0, limit: 1 }).rows[0]!.id;
    const raw = store.getRawRequest(id)!;
    const plain = curlCommand(raw, null);
    expect(plain).toContain(REPLY);
    const masked = curlCommand(raw, null, { mask: true });
    expect(leaks(masked)).toEqual([]);
    expect(masked).toMatch(/^# personal data masked/);
    expect(masked).toContain('"user_id":"55 11 9••••-••21"');
  });
});
