// Privacy masking (shared/mask.ts): phone numbers keep country code, area code, first digit and last two; what the
// customer wrote, names and template values become •••; ids, types, times and the gateway's notices stay readable.
import { describe, expect, it } from 'vitest';
import { parseDeliveryBody, previewOf } from '../../shared/callback';
import type { DeliveryDetail, DeliverySummary } from '../../shared/domain';
import {
  MASK,
  maskBodyText,
  maskCallback,
  maskCallbackJson,
  maskDeliveryDetail,
  maskDeliverySummary,
  maskPhone,
  maskPhonesInText,
  maskQuoting,
} from '../../shared/mask';
import { loadSamples } from '../support/serve';

const samples = loadSamples();
const STRUCTURE = new Set(['contentType', 'type', 'mimeType', 'fileSizeBytes']);
const PUBLIC = new Set(['reference', 'campaign_name', 'event_id', 'direction', 'session_id', 'timestamp', 'channel', 'type', 'status']);

/** every personal string of a sample body, found independently of the module under test */
function personalOf(body: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (v: unknown, key: string | null) => {
    if (typeof v === 'string' || typeof v === 'number') {
      if (key !== null && STRUCTURE.has(key)) return;
      if (String(v).length >= 3) out.push(String(v));
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  const notice = ['EXCEPTION', 'ERROR', 'PREPAID_BLOCKED'].includes(String(body.type));
  for (const [k, v] of Object.entries(body)) {
    if (PUBLIC.has(k) || (k === 'message' && notice)) continue;
    if (k === 'message' && v && typeof v === 'object' && 'suggestionResponse' in v) {
      // a tapped suggestion's label and postback are the business's words (checked on their own below)
      const { suggestionResponse: _tap, ...rest } = v as Record<string, unknown>;
      walk(rest, k);
      continue;
    }
    if (k === 'message' && body.direction === 'outbound' && v && typeof v === 'object') {
      // the sender's media links stay (host and path): only their texts are personal
      const texts: string[] = [];
      const w = (x: unknown, key: string | null) => {
        if (typeof x === 'string' && key !== null && !STRUCTURE.has(key) && !/url$/i.test(key) && x.length >= 3) texts.push(x);
        else if (Array.isArray(x)) x.forEach((y) => w(y, key));
        else if (x && typeof x === 'object') for (const [kk, y] of Object.entries(x)) w(y, kk);
      };
      w(v, null);
      out.push(...texts);
      continue;
    }
    walk(v, k);
  }
  return out;
}

const allBodies = [
  ...Object.values(samples.events),
  ...Object.values(samples.lifecycles).flatMap((l) => l.map((d) => d.body)),
];

describe('maskPhone', () => {
  it.each([
    ['5511987650021', '55 11 9••••-••21'],
    ['551140028922', '55 11 4•••-••22'],
    ['+55 (11) 98765-0021', '+55 11 9••••-••21'],
    ['11987650021', '11 9••••-••21'],
    ['1140028922', '11 4•••-••22'],
    ['+14155550123', '+14 •••••••23'],
    ['maria@example.com', MASK],
    ['12', MASK],
  ])('%s → %s', (raw, shown) => {
    expect(maskPhone(raw)).toBe(shown);
  });
});

describe('maskPhonesInText', () => {
  it('masks every way a phone number is written in a sentence', () => {
    expect(maskPhonesInText('ligue 11 98765-4321 ou +55 (11) 4002-8922, ou 5521988880003.')).toBe(
      'ligue 11 9••••-••21 ou +55 11 4•••-••22, ou 55 21 9••••-••03.',
    );
  });

  it('leaves dates, times, status codes and addresses alone', () => {
    const text = 'Request failed with status code 403 at 2025-11-28T12:00:01.204Z from 201.17.123.45 (R$ 2.799)';
    expect(maskPhonesInText(text)).toBe(text);
  });
});

describe('maskCallbackJson on every sample body', () => {
  it.each(allBodies.map((b, i) => [i, String(b.type), b] as const))('#%i %s: no personal value survives', (_i, _t, body) => {
    const masked = JSON.stringify(maskCallbackJson(body));
    for (const value of personalOf(body)) expect(masked, value).not.toContain(value);
    // nor the national part of the number, however it would be written
    expect(masked).not.toContain(String(body.user_id).slice(4));
  });

  it('keeps what is not personal: ids, times, types, campaign, the gateway notices and the sender media links', () => {
    const masked = maskCallbackJson(samples.events.exception_403) as Record<string, unknown>;
    expect(masked).toMatchObject({
      reference: samples.events.exception_403.reference,
      event_id: samples.events.exception_403.event_id,
      timestamp: samples.events.exception_403.timestamp,
      campaign_name: 'black_friday_2025_rcs',
      type: 'EXCEPTION',
      user_id: '55 11 9••••-••05',
      message: 'Request failed with status code 403: Device does not support RCS',
      vars: { nome: MASK, pedido: MASK },
    });
    const card = maskCallbackJson(samples.events.outbound_richcard) as { message: { message: Record<string, unknown> } };
    expect(card.message.message).toMatchObject({
      title: MASK,
      description: MASK,
      fileUrl: 'https://cdn.lojaexemplo.com.br/rcs/bf25-hero.jpg',
      suggestions: [{ type: 'reply', title: MASK, value: MASK }, { type: 'openUrl', title: MASK }, { type: 'call', title: MASK }],
    });
    expect(maskCallbackJson(samples.events.duplicate_blocked)).toMatchObject({ status: 'bloqueado por duplicidade' });
  });

  it("shows a tapped suggestion's label and postback, the business's own words, with any phone number in them masked; typed replies stay hidden", () => {
    const tap = {
      ...samples.events.suggestion_response,
      message: { contentType: 'suggestionResponse', suggestionResponse: { type: 'REPLY', text: 'Quero a oferta', postbackData: 'call_me_5511987650021', extra: 'x' } },
    };
    const json = maskCallbackJson(tap) as { message: { suggestionResponse: Record<string, unknown> } };
    expect(json.message.suggestionResponse).toEqual({ type: 'REPLY', text: 'Quero a oferta', postbackData: 'call_me_55 11 9••••-••21', extra: MASK });
    const parse = parseDeliveryBody(new TextEncoder().encode(JSON.stringify(tap)), 'application/json');
    const cb = maskCallback(parse.callback!);
    expect(cb.text).toContain('Quero a oferta');
    expect(cb.text).not.toContain('987650021');
    const row = maskDeliverySummary(summaryOf(tap));
    expect(row.preview).toContain('Quero a oferta');
    expect(row.preview).not.toContain('987650021');
    // the raw body, exports and cURL copies say the same as the lists
    expect(maskBodyText(JSON.stringify(tap))).toContain('"text":"Quero a oferta"');
    // what the customer typed is still theirs
    expect(maskDeliverySummary(summaryOf(samples.events.inbound_text)).preview).toBe(MASK);
    expect((maskCallbackJson(samples.events.inbound_text) as { message: Record<string, unknown> }).message).not.toMatchObject({ text: expect.stringMatching(/[a-z]/) });
  });

  it('hides the customer location and the files they sent', () => {
    const loc = maskCallbackJson(samples.events.inbound_location) as { message: { location: unknown } };
    expect(loc.message.location).toEqual({ latitude: MASK, longitude: MASK });
    const img = maskCallbackJson(samples.events.inbound_image) as { message: { image: Record<string, unknown> } };
    expect(img.message.image).toEqual({ mimeType: 'image/jpeg', fileSizeBytes: 184233, fileName: MASK, fileUri: MASK });
  });

  it('hides names in a contact card and phone numbers in fields the spec does not list', () => {
    const body = {
      ...samples.events.inbound_text,
      type: 'CONTACT',
      message: { contentType: 'contact', contact: { displayName: 'Maria Souza', phoneNumber: '+5511987650021' } },
      profile: { name: 'Maria', msisdn: '5511987650021' },
    };
    const masked = JSON.stringify(maskCallbackJson(body));
    expect(masked).not.toMatch(/Maria|Souza|87650021/);
    expect(masked).toContain('"msisdn":"55 11 9••••-••21"');
  });
});

describe('maskBodyText', () => {
  it('writes JSON back in its own indentation', () => {
    const text = JSON.stringify(samples.events.inbound_text, null, 2);
    const masked = maskBodyText(text);
    expect(masked).toContain('\n  "reference": ');
    expect(masked).not.toContain('Campinas');
    expect(maskBodyText(JSON.stringify(samples.events.inbound_text))).not.toContain('\n');
  });

  it('masks the strings of JSON that does not parse, and hides any other body whole', () => {
    const cut = JSON.stringify(samples.events.inbound_text).slice(0, 330);
    const masked = maskBodyText(cut);
    expect(masked).not.toMatch(/Campinas|Maria|5511999990001/);
    expect(maskBodyText('user=5511999990001&text=Qual o prazo')).toBe(MASK);
  });
});

function summaryOf(body: unknown, id = 1): DeliverySummary {
  const parse = parseDeliveryBody(new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body)), 'application/json');
  const cb = parse.callback;
  // a cast, not a literal type: rows gain fields over time and this test reads only these
  return {
    id, receivedAt: 0, method: 'POST', path: '/callbacks', outcome: 'stored', responseStatus: 200, responseMs: 1, rejectReason: null,
    bodySize: 10, reference: cb?.reference ?? null, eventId: cb?.eventId ?? null, type: cb?.type ?? null, kind: cb?.kind ?? 'unknown',
    channel: cb?.channel ?? null, direction: cb?.direction ?? null, userId: cb?.userId ?? null, campaign: cb?.campaignName ?? null,
    timestamp: cb?.timestamp ?? null, attempt: 1, flags: parse.problems.length ? ['invalid'] : [], reasons: [], blockedAccount: null, retry: null,
    preview: previewOf(parse),
  } as DeliverySummary;
}

describe('rows and details', () => {
  it('hides what a reply says and keeps what an exception says', () => {
    expect(maskDeliverySummary(summaryOf(samples.events.inbound_text))).toMatchObject({ preview: MASK, userId: '55 11 9••••-••01' });
    expect(maskDeliverySummary(summaryOf(samples.events.exception_403)).preview).toBe('Request failed with status code 403: Device does not support RCS');
  });

  it("masks the quotes of a parse problem, which can hold the body's first words", () => {
    const broken = '{"user_id": "5511999990001", "message": "Qual o prazo de entrega"';
    const row = maskDeliverySummary(summaryOf(broken));
    expect(row.preview).toMatch(/^body is not valid JSON/);
    expect(row.preview).not.toMatch(/Qual|99990001/);
    expect(maskQuoting('got the string "Qual o prazo"')).toBe(`got the string "${MASK}"`);
  });

  it("masks a delivery's body, callback and an endpoint's echo of it", () => {
    const body = JSON.stringify(samples.events.inbound_text);
    const parse = parseDeliveryBody(new TextEncoder().encode(body), 'application/json');
    const d = {
      ...summaryOf(samples.events.inbound_text),
      query: '', headers: [['content-type', 'application/json']], remoteAddress: '127.0.0.1', bodyBase64: Buffer.from(body).toString('base64'),
      bodyText: body, bodyTruncated: false, callback: parse.callback, flagDetails: [], answeredBy: null,
      forwards: [{ id: 1, deliveryId: 1, targetUrl: 'http://127.0.0.1:9/x', mode: 'replay', startedAt: 0, attempt: 1, requestHeaders: [], requestBodySize: 1, status: 500, responseHeaders: [], responseExcerpt: `{"echo":${JSON.stringify(samples.events.inbound_text.message)}}`, durationMs: 1, error: null }],
    } as unknown as DeliveryDetail;
    const shown = JSON.stringify(maskDeliveryDetail(d));
    expect(shown).not.toMatch(/Campinas|Maria|99990001|A-10293|BF25/);
    expect(Buffer.from(maskDeliveryDetail(d).bodyBase64, 'base64').toString()).toBe(maskDeliveryDetail(d).bodyText);
    expect(maskCallback(parse.callback!).text).toBe(MASK);
  });
});
