// Untrusted input: whatever arrives, parsing, classification and lifecycle building never throw, and the result
// does not depend on the order deliveries are handed over in.
import { describe, expect, it } from 'vitest';
import { parseDeliveryBody, previewOf } from '../../shared/callback';
import { buildMessage } from '../../shared/lifecycle';
import { bytes, cb, Feed, parseJson, samples, T0 } from './feed';

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WEIRD: unknown[] = [null, 0, -1, 1e308, true, '', ' ', 'x', '2026-11-28', [], [1, 'a'], {}, { a: { b: null } }, '\u0000', 'ñ🙂'];

describe('parsing never throws', () => {
  it('random bytes', () => {
    const r = rng(1);
    for (let i = 0; i < 500; i++) {
      const b = new Uint8Array(Math.floor(r() * 64)).map(() => Math.floor(r() * 256));
      const p = parseDeliveryBody(b, r() < 0.5 ? 'application/json' : undefined);
      if (p.callback === null) expect(p.problems.length).toBeGreaterThan(0);
    }
  });

  it('sample bodies with fields replaced by values of every type', () => {
    const r = rng(2);
    const bodies = Object.values(samples.events);
    for (let i = 0; i < 1000; i++) {
      const body: Record<string, unknown> = { ...bodies[i % bodies.length] };
      const keys = Object.keys(body);
      for (let j = 0; j < 3; j++) body[keys[Math.floor(r() * keys.length)]] = WEIRD[Math.floor(r() * WEIRD.length)];
      const p = parseJson(body);
      expect(p.callback).not.toBeNull();
      expect(typeof p.callback!.text).toBe('string');
    }
  });

  it('absurdly nested JSON', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    const p = parseDeliveryBody(bytes(deep), 'application/json');
    expect(p.callback).toBeNull();
    expect(p.problems.length).toBeGreaterThan(0);
    const deepMessage = `{"reference":"r","event_id":"e","type":"Text","timestamp":"2026-11-28T10:00:00Z","message":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    expect(parseDeliveryBody(bytes(deepMessage), 'application/json').callback!.reference).toBe('r');
  });
});

describe('lifecycles are order-independent and total', () => {
  it('random lifecycles give the same message for any hand-over order', () => {
    const r = rng(3);
    const types = ['Text', 'DELIVERED', 'READ', 'EXCEPTION', 'ERROR', 'PREPAID_BLOCKED', 'suggestionResponse', 'TEXT', 'Mystery'];
    for (let round = 0; round < 100; round++) {
      const feed = new Feed();
      const n = 1 + Math.floor(r() * 8);
      for (let i = 0; i < n; i++) {
        const type = types[Math.floor(r() * types.length)];
        feed.add(
          T0 + Math.floor(r() * 100_000),
          cb({
            type,
            direction: r() < 0.5 ? 'inbound' : 'outbound',
            channel: r() < 0.3 ? 'SMS' : 'RCS',
            event_id: `ev-${Math.floor(r() * 3)}`,
            timestamp: r() < 0.1 ? 'bad' : new Date(T0 + Math.floor(r() * 100_000)).toISOString(),
            message: type === 'EXCEPTION' ? `Request failed with status code ${r() < 0.5 ? 403 : 401}` : null,
          }),
        );
      }
      const ds = feed.lifecycleDeliveries('ref-1');
      const now = T0 + 500_000;
      const m = buildMessage('ref-1', ds, now);
      expect(m.summary.deliveryCount).toBe(n);
      expect(m.events.reduce((sum, e) => sum + e.deliveries.length, 0)).toBe(n);
      const shuffled = [...ds].sort(() => r() - 0.5);
      expect(buildMessage('ref-1', shuffled, now)).toEqual(m);
    }
  });
});

describe('previewOf', () => {
  it('text, media URL, or the reason the body is unreadable', () => {
    expect(previewOf(parseJson(samples.events.inbound_text))).toBe('Qual o prazo de entrega para Campinas?');
    expect(previewOf(parseJson(samples.events.outbound_image))).toBe('https://cdn.lojaexemplo.com.br/rcs/bf25-banner.png');
    expect(previewOf(parseJson(samples.events.delivered))).toBe('');
    expect(previewOf(parseJson('[1]'))).toBe('body is JSON but not an object (got an array)');
    expect(previewOf(parseJson(cb({ message: { text: 'a\n\n  b' } })))).toBe('a b');
    expect(previewOf(parseJson(cb({ message: { text: 'x'.repeat(500) } }))).length).toBe(160);
  });
});

describe('absurdly deep JSON', () => {
  it('is cut below the depth limit (raw bytes keep it all), so nothing downstream overflows walking it', async () => {
    const { parseDeliveryBody, MAX_JSON_DEPTH } = await import('../../shared/callback');
    const deep = `{"reference":"r","message":${'{"a":'.repeat(8000)}1${'}'.repeat(8000)}}`;
    const r = parseDeliveryBody(new TextEncoder().encode(deep), 'application/json');
    expect(r.callback?.reference).toBe('r');
    expect(r.problems.join(' ')).toMatch(new RegExp(`more than ${MAX_JSON_DEPTH} levels`));
    expect(() => JSON.stringify(r)).not.toThrow();
    // a realistic callback with nested rich-card content is untouched
    const shallow = { reference: 'r', message: { a: { b: { c: [1, [2]] } } } };
    const ok = parseDeliveryBody(new TextEncoder().encode(JSON.stringify(shallow)), 'application/json');
    expect(ok.callback?.message).toEqual(shallow.message);
  });
});
