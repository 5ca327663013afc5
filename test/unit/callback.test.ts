import { describe, expect, it } from 'vitest';
import { canonicalType, isJsonContentType, parseDeliveryBody } from '../../shared/callback';
import { INBOUND_CONTENT_TYPES, KNOWN_TYPES } from '../../shared/domain';
import { eventKeyOf, typeKey } from '../../shared/callback-fields';
import { canonicalJson, parseIsoTime } from '../../shared/canonical';
import { bytes, cb, parseJson, samples } from './feed';

describe('sample events (shared/samples/callbacks.json)', () => {
  const expected: Record<string, { type: string; kind: string; channel: string; text: string | RegExp }> = {
    outbound_text: { type: 'Text', kind: 'sent', channel: 'RCS', text: /^Olá Maria, seu pedido A-10293/ },
    outbound_image: { type: 'Image', kind: 'sent', channel: 'RCS', text: '' },
    outbound_video: { type: 'Video', kind: 'sent', channel: 'RCS', text: '' },
    outbound_richcard: { type: 'RichCard', kind: 'sent', channel: 'RCS', text: /Black Friday: 25% OFF.*Use o cupom BF25.*Quero a oferta/ },
    outbound_carousel: { type: 'Carousel', kind: 'sent', channel: 'RCS', text: /Escolha sua oferta.*Smart TV 50".*De R\$ 3\.999/ },
    delivered: { type: 'DELIVERED', kind: 'delivered', channel: 'RCS', text: '' },
    read: { type: 'READ', kind: 'read', channel: 'RCS', text: '' },
    suggestion_response: { type: 'suggestionResponse', kind: 'reply', channel: 'RCS', text: /Quero a oferta.*cta_quero_oferta/ },
    inbound_text: { type: 'TEXT', kind: 'reply', channel: 'RCS', text: 'Qual o prazo de entrega para Campinas?' },
    inbound_image: { type: 'IMAGE', kind: 'reply', channel: 'RCS', text: 'comprovante.jpg' },
    inbound_video: { type: 'VIDEO', kind: 'reply', channel: 'RCS', text: 'produto_avariado.mp4' },
    inbound_location: { type: 'LOCATION', kind: 'reply', channel: 'RCS', text: '-23.561414,-46.655881' },
    exception_403: { type: 'EXCEPTION', kind: 'exception', channel: 'RCS', text: /status code 403/ },
    error: { type: 'ERROR', kind: 'error', channel: 'RCS', text: /status code 400/ },
    prepaid_blocked: { type: 'PREPAID_BLOCKED', kind: 'prepaid-blocked', channel: 'RCS', text: 'Limite de créditos do cliente atingido' },
    sms_fallback_sent: { type: 'Text', kind: 'sent', channel: 'SMS', text: /^Loja Exemplo: Paulo/ },
    sms_fallback_delivered: { type: 'DELIVERED', kind: 'delivered', channel: 'SMS', text: '' },
    duplicate_blocked: { type: 'Text', kind: 'duplicate-blocked', channel: 'RCS', text: /^Olá Maria/ },
  };

  it('covers every sample event', () => {
    expect(Object.keys(samples.events).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [name, want] of Object.entries(expected)) {
    it(`${name}: ${want.type} / ${want.kind}, no problems`, () => {
      const body = samples.events[name];
      const r = parseJson(body);
      expect(r.problems).toEqual([]);
      const c = r.callback!;
      expect(c.type).toBe(want.type);
      expect(c.typeRaw).toBe(body.type);
      expect(c.kind).toBe(want.kind);
      expect(c.channel).toBe(want.channel);
      expect(c.reference).toBe(body.reference);
      expect(c.eventId).toBe(body.event_id);
      expect(c.timestamp).toBe(Date.parse(body.timestamp as string));
      expect(c.message).toEqual(body.message);
      expect(c.extra).toEqual({});
      if (typeof want.text === 'string') expect(c.text).toBe(want.text);
      else expect(c.text).toMatch(want.text);
    });
  }

  it('duplicate_blocked keeps the status', () => {
    expect(parseJson(samples.events.duplicate_blocked).callback!.status).toBe('bloqueado por duplicidade');
  });
});

describe('real-world variance', () => {
  it.each([
    ['Text', 'outbound', 'Text', 'sent'],
    ['text', 'outbound', 'Text', 'sent'],
    ['TEXT', 'outbound', 'Text', 'sent'],
    ['Text', 'inbound', 'TEXT', 'reply'],
    ['text', 'inbound', 'TEXT', 'reply'],
    ['TEXT', null, 'TEXT', 'reply'],
    ['Text', null, 'Text', 'sent'],
    ['RichCard', 'outbound', 'RichCard', 'sent'],
    ['richCard', 'outbound', 'RichCard', 'sent'],
    ['richcard', 'outbound', 'RichCard', 'sent'],
    ['carousel', 'outbound', 'Carousel', 'sent'],
    ['image', 'inbound', 'IMAGE', 'reply'],
    ['Location', 'inbound', 'LOCATION', 'reply'],
    ['delivered', 'inbound', 'DELIVERED', 'delivered'],
    ['Read', 'inbound', 'READ', 'read'],
    ['exception', 'inbound', 'EXCEPTION', 'exception'],
    ['Error', 'inbound', 'ERROR', 'error'],
    ['prepaid_blocked', 'inbound', 'PREPAID_BLOCKED', 'prepaid-blocked'],
    ['SuggestionResponse', 'inbound', 'suggestionResponse', 'reply'],
    ['suggestionresponse', 'inbound', 'suggestionResponse', 'reply'],
    ['bloqueado por duplicidade', 'outbound', 'bloqueado por duplicidade', 'duplicate-blocked'],
    ['Bloqueado por Duplicidade', 'outbound', 'Bloqueado por Duplicidade', 'duplicate-blocked'],
    ['AudioMessage', 'outbound', 'AudioMessage', 'unknown'],
  ])('type %s (%s) → %s / %s', (type, direction, canonical, kind) => {
    const r = parseJson(cb({ type, direction }));
    expect(r.callback!.type).toBe(canonical);
    expect(r.callback!.kind).toBe(kind);
    expect(r.callback!.typeRaw).toBe(type);
    expect(r.problems).toEqual([]);
  });

  it('session_id and vars missing instead of null are fine', () => {
    const body = cb();
    delete body.session_id;
    delete body.vars;
    const r = parseJson(body);
    expect(r.problems).toEqual([]);
    expect(r.callback!.sessionId).toBeNull();
    expect(r.callback!.vars).toBeNull();
  });

  it('message as a string, null, missing or an object', () => {
    expect(parseJson(cb({ type: 'EXCEPTION', message: 'Request failed with status code 401' })).callback!.text).toBe(
      'Request failed with status code 401',
    );
    const nul = parseJson(cb({ type: 'DELIVERED', message: null }));
    expect(nul.callback!.message).toBeNull();
    expect(nul.problems).toEqual([]);
    const body = cb({ type: 'READ' });
    delete body.message;
    const missing = parseJson(body);
    expect(missing.callback!.message).toBeNull();
    expect(missing.problems).toEqual([]);
  });

  it('coordinates as strings or numbers, nested or flat', () => {
    const nested = parseJson(
      cb({ direction: 'inbound', type: 'LOCATION', message: { location: { latitude: '-23.5', longitude: '-46.6' } } }),
    );
    expect(nested.callback!.text).toBe('-23.5,-46.6');
    expect(nested.problems).toEqual([]);
    const flat = parseJson(cb({ direction: 'inbound', type: 'location', message: { latitude: -22.9, longitude: -43.2 } }));
    expect(flat.callback!.text).toBe('-22.9,-43.2');
    // the message itself is kept as sent (strings stay strings)
    expect((nested.callback!.message as any).location.latitude).toBe('-23.5');
  });

  it('coordinates that are not numbers are a problem', () => {
    const r = parseJson(cb({ direction: 'inbound', type: 'LOCATION', message: { location: { latitude: 'north', longitude: '-46.6' } } }));
    expect(r.problems).toEqual(['message.location.latitude should be a decimal number (like -23.5505), got the string "north"']);
  });

  it.each(['-23.5505', '46', '0', '-0.5', '180.000000'])('the coordinate string %j is a number', (lat) => {
    const r = parseJson(cb({ direction: 'inbound', type: 'LOCATION', message: { location: { latitude: lat, longitude: '-46.6' } } }));
    expect(r.problems).toEqual([]);
    expect(r.callback!.text).toBe(`${Number(lat)},-46.6`);
  });

  // Number() reads all of these, but a gateway sending them is sending something else than a coordinate
  it.each(['0x10', '1e1', ' 12 ', 'Infinity', '1_0', '+46', '.5', '46.', '0b1', '12\u00a0', '٤٦'])(
    'the coordinate string %j is an invalid field, kept as sent',
    (lat) => {
      const r = parseJson(cb({ direction: 'inbound', type: 'LOCATION', message: { location: { latitude: lat, longitude: '-46.6' } } }));
      expect(r.problems).toEqual([`message.location.latitude should be a decimal number (like -23.5505), got the string ${JSON.stringify(lat)}`]);
      expect(r.callback!.text).toBe('');
      expect((r.callback!.message as any).location.latitude).toBe(lat);
    },
  );

  it.each([
    ['2026-11-28T10:00:00.000Z', Date.UTC(2026, 10, 28, 10)],
    ['2026-11-28T10:00:00Z', Date.UTC(2026, 10, 28, 10)],
    ['2026-11-28T07:00:00-03:00', Date.UTC(2026, 10, 28, 10)],
    ['2026-11-28T07:00:00.250-0300', Date.UTC(2026, 10, 28, 10, 0, 0, 250)],
    ['2026-11-28T12:30:00+02:30', Date.UTC(2026, 10, 28, 10)],
    ['2026-11-28T10:00:00', Date.UTC(2026, 10, 28, 10)],
    ['2026-11-28 10:00:00.5Z', Date.UTC(2026, 10, 28, 10, 0, 0, 500)],
    ['2026-11-28T10:00:00.123456Z', Date.UTC(2026, 10, 28, 10, 0, 0, 123)],
  ])('timestamp %s → epoch ms', (timestamp, ms) => {
    const r = parseJson(cb({ timestamp }));
    expect(r.callback!.timestamp).toBe(ms);
    expect(r.callback!.timestampRaw).toBe(timestamp);
    expect(r.problems).toEqual([]);
  });

  it('channel is upper-cased, direction lower-cased', () => {
    const c = parseJson(cb({ channel: 'sms', direction: 'Inbound', type: 'delivered' })).callback!;
    expect(c.channel).toBe('SMS');
    expect(c.direction).toBe('inbound');
  });

  it('unknown fields go to extra unchanged and known ones do not', () => {
    const r = parseJson(cb({ gateway_version: '2.3', retry: { n: 2 }, __proto__x: 1 }));
    expect(r.callback!.extra).toEqual({ gateway_version: '2.3', retry: { n: 2 }, __proto__x: 1 });
    expect(r.problems).toEqual([]);
  });

  it('a __proto__ key in the payload stays a plain field', () => {
    const r = parseDeliveryBody(new TextEncoder().encode('{"reference":"r","event_id":"e","type":"READ","timestamp":"2026-11-28T10:00:00Z","__proto__":{"polluted":true}}'), 'application/json');
    expect(Object.keys(r.callback!.extra)).toEqual(['__proto__']);
    expect(({} as any).polluted).toBeUndefined();
    expect(r.canonicalJson).toContain('"__proto__":{"polluted":true}');
  });

  it('unknown types are kept as sent with kind unknown', () => {
    const c = parseJson(cb({ type: 'PAYMENT_LINK' })).callback!;
    expect(c.type).toBe('PAYMENT_LINK');
    expect(c.kind).toBe('unknown');
  });
});

describe('invalid deliveries', () => {
  it('invalid UTF-8 → no callback, clear problem', () => {
    const r = parseDeliveryBody(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 'application/json');
    expect(r.callback).toBeNull();
    expect(r.canonicalJson).toBeNull();
    expect(r.problems).toEqual(['body is not valid UTF-8 text (6 bytes)']);
  });

  it('empty and whitespace-only bodies', () => {
    expect(parseDeliveryBody(new Uint8Array(), 'application/json').problems).toEqual(['body is empty']);
    expect(parseJson('  \n', 'application/json').problems).toEqual(['body is only whitespace']);
  });

  it('malformed JSON names the parser error', () => {
    const r = parseJson('{"reference": "x",', 'application/json');
    expect(r.callback).toBeNull();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/^body is not valid JSON: /);
  });

  it.each([
    ['[1,2]', 'an array'],
    ['"hello"', 'the string "hello"'],
    ['42', 'number 42'],
    ['null', 'null'],
    ['true', 'boolean true'],
  ])('JSON %s is not an object', (text, what) => {
    const r = parseJson(text);
    expect(r.callback).toBeNull();
    expect(r.problems).toEqual([`body is JSON but not an object (got ${what})`]);
    expect(r.canonicalJson).not.toBeNull();
  });

  it('wrong content type: still parsed, problem recorded', () => {
    const r = parseJson(cb(), 'text/plain; charset=utf-8');
    expect(r.callback!.type).toBe('Text');
    expect(r.problems).toEqual(['Content-Type is "text/plain; charset=utf-8", expected application/json']);
    expect(parseDeliveryBody(bytes(cb()), undefined).problems).toEqual(['no Content-Type header (expected application/json)']);
  });

  it('JSON content types with parameters or +json suffix are accepted', () => {
    expect(isJsonContentType('application/json; charset=utf-8')).toBe(true);
    expect(isJsonContentType('Application/JSON')).toBe(true);
    expect(isJsonContentType('application/vnd.gateway.callback+json')).toBe(true);
    expect(isJsonContentType('application/x-www-form-urlencoded')).toBe(false);
    expect(isJsonContentType('text/json')).toBe(false);
  });

  it('reference not a string: problem, best-effort string value', () => {
    const r = parseJson(cb({ reference: 12345 }));
    expect(r.problems).toEqual(['reference should be a string or null, got number 12345']);
    expect(r.callback!.reference).toBe('12345');
  });

  it('unparseable timestamp: problem, timestamp null, raw kept', () => {
    const r = parseJson(cb({ timestamp: '28/11/2026 10:00' }));
    expect(r.problems).toEqual(['timestamp "28/11/2026 10:00" is not an ISO 8601 date-time']);
    expect(r.callback!.timestamp).toBeNull();
    expect(r.callback!.timestampRaw).toBe('28/11/2026 10:00');
    expect(parseJson(cb({ timestamp: '2026-02-30T10:00:00Z' })).callback!.timestamp).toBeNull();
    expect(parseJson(cb({ timestamp: '2026-11-28T25:00:00Z' })).callback!.timestamp).toBeNull();
  });

  it('epoch timestamp: wrong type reported, but placed in time', () => {
    const r = parseJson(cb({ timestamp: 1795860000 }));
    expect(r.problems).toEqual(['timestamp should be a string or null, got number 1795860000']);
    expect(r.callback!.timestamp).toBe(1795860000_000);
  });

  it('vars / message of the wrong type', () => {
    expect(parseJson(cb({ vars: ['a'] })).problems).toEqual(['vars should be an object or null, got an array']);
    expect(parseJson(cb({ message: 7 })).problems).toEqual(['message should be an object, a string or null, got number 7']);
  });

  it('missing or empty required fields', () => {
    const body = cb({ event_id: '' });
    delete body.reference;
    delete body.type;
    const r = parseJson(body);
    expect(r.problems).toEqual(['reference is missing', 'event_id is empty', 'type is missing']);
    expect(r.callback).not.toBeNull();
    expect(eventKeyOf(r.callback!)).toBeNull();
  });

  it('several problems are all listed', () => {
    const r = parseJson(cb({ reference: null, channel: 5, timestamp: 'yesterday' }), 'text/html');
    expect(r.problems).toHaveLength(4);
  });
});

describe('canonical JSON and event keys', () => {
  it('key order and whitespace do not matter; values do', () => {
    const a = parseDeliveryBody(new TextEncoder().encode('{"b":1,"a":{"y":[1,{"q":2,"p":3}],"x":null}}'), 'application/json');
    const b = parseDeliveryBody(new TextEncoder().encode('{ "a" : { "x": null, "y": [ 1, {"p":3, "q":2} ] },\n "b": 1 }'), 'application/json');
    expect(a.canonicalJson).toBe('{"a":{"x":null,"y":[1,{"p":3,"q":2}]},"b":1}');
    expect(b.canonicalJson).toBe(a.canonicalJson);
    expect(canonicalJson({ a: [2, 1] })).not.toBe(canonicalJson({ a: [1, 2] }));
  });

  it('event key = reference|event_id|lower-cased type|channel', () => {
    const c = parseJson(cb({ type: 'RichCard' })).callback!;
    expect(typeKey(c)).toBe('richcard');
    expect(eventKeyOf(c)).toBe('ref-1|ev-1|richcard|RCS');
    // casing drift between retries still lands on one event
    expect(eventKeyOf(parseJson(cb({ type: 'richCard' })).callback!)).toBe(eventKeyOf(c));
    // sent echo, DELIVERED and READ share event_id but are different events
    const d = parseJson(cb({ type: 'DELIVERED', direction: 'inbound' })).callback!;
    expect(eventKeyOf(d)).toBe('ref-1|ev-1|delivered|RCS');
  });

  it('parseIsoTime in local zone reads offset-less times as local', () => {
    expect(parseIsoTime('2026-11-28T10:00', 'local')!.ms).toBe(new Date(2026, 10, 28, 10, 0).getTime());
    expect(parseIsoTime('2026-11-28', 'local')!.ms).toBe(new Date(2026, 10, 28).getTime());
    expect(parseIsoTime('2026-11-28T10:00Z', 'local')!.ms).toBe(Date.UTC(2026, 10, 28, 10));
    expect(parseIsoTime('nope')).toBeNull();
  });
});

describe('the documented types', () => {
  it('autocomplete offers each in the spelling the parser gives it', () => {
    for (const t of KNOWN_TYPES) expect(canonicalType(t, null, null).type, t).toBe(t);
    // any casing, told apart by direction where a spelling is both an outbound and an inbound type
    for (const t of KNOWN_TYPES) {
      const direction = (INBOUND_CONTENT_TYPES as readonly string[]).includes(t) ? 'inbound' : 'outbound';
      expect(canonicalType(t.toLowerCase(), direction, null).type, t).toBe(t);
    }
  });
});
