import { describe, expect, it } from 'vitest';
import {
  classifyDelivery,
  exceptionKind,
  expectedRetryGap,
  missedAttemptsFor,
  prepaidScope,
  priorAttempts,
  retryFitsSchedule,
  sameBytesLookback,
  sameBytesVerdict,
  statusCodeOf,
} from '../../shared/classify';
import type { FlagDetail } from '../../shared/domain';
import { at, cb, Feed, parseJson, samples, T0 } from './feed';

const flagsOf = (body: unknown): FlagDetail[] => classifyDelivery({ receivedAt: 0, parse: parseJson(body), prior: null }).flags;

describe('sample events carry the documented flags', () => {
  it('exception 403 → rcs-unsupported with code', () => {
    expect(flagsOf(samples.events.exception_403)).toEqual([
      { flag: 'exception', kind: 'rcs-unsupported', code: 403, text: 'Request failed with status code 403: Device does not support RCS' },
    ]);
  });
  it('error 400 → error with code', () => {
    expect(flagsOf(samples.events.error)).toEqual([
      { flag: 'error', code: 400, text: 'Request failed with status code 400: Invalid argument: fileUrl could not be fetched' },
    ]);
  });
  it('prepaid blocked (customer)', () => {
    expect(flagsOf(samples.events.prepaid_blocked)).toEqual([
      { flag: 'prepaid-blocked', scope: 'customer', accountId: null, text: 'Limite de créditos do cliente atingido' },
    ]);
  });
  it('SMS events → fallback', () => {
    expect(flagsOf(samples.events.sms_fallback_sent)).toEqual([{ flag: 'fallback', channel: 'SMS' }]);
    expect(flagsOf(samples.events.sms_fallback_delivered)).toEqual([{ flag: 'fallback', channel: 'SMS' }]);
  });
  it('status present → duplicate-blocked from status', () => {
    expect(flagsOf(samples.events.duplicate_blocked)).toEqual([
      { flag: 'duplicate-blocked', status: 'bloqueado por duplicidade', source: 'status' },
    ]);
  });
  it('plain content, receipts and replies carry no flags', () => {
    for (const name of ['outbound_text', 'outbound_richcard', 'delivered', 'read', 'suggestion_response', 'inbound_location']) {
      expect(flagsOf(samples.events[name]), name).toEqual([]);
    }
  });
});

describe('flags from variants', () => {
  it('duplicate-blocking text in type (older gateways)', () => {
    expect(flagsOf(cb({ type: 'Bloqueado por duplicidade' }))).toEqual([
      { flag: 'duplicate-blocked', status: 'Bloqueado por duplicidade', source: 'type' },
    ]);
  });

  it.each([
    ['Request failed with status code 401: Failed to fetch the authentication token.', 'auth', 401],
    ['Request failed with status code 403: Device does not support RCS.', 'rcs-unsupported', 403],
    ['Request failed with status code 404: Device does not support RCS.', 'rcs-unsupported', 404],
    ['Request failed with status code 500: boom', 'other', 500],
    ['Failed to fetch the authentication token', 'auth', null],
    ['Something odd', 'other', null],
  ])('exception "%s" → %s', (message, kind, code) => {
    const flags = flagsOf(cb({ type: 'EXCEPTION', direction: 'inbound', message }));
    expect(flags).toEqual([{ flag: 'exception', kind, code, text: message }]);
  });

  it('exception text inside an object message', () => {
    const flags = flagsOf(cb({ type: 'exception', message: { text: 'Request failed with status code 404' } }));
    expect(flags[0]).toMatchObject({ flag: 'exception', kind: 'rcs-unsupported', code: 404 });
  });

  it.each([
    ['Request failed with status code 502: Bad Gateway', 502],
    ['Request failed with status code 503: Service Unavailable', 503],
    ['upstream broke', null],
  ])('error "%s" → code %s', (message, code) => {
    expect(flagsOf(cb({ type: 'ERROR', message }))).toEqual([{ flag: 'error', code, text: message }]);
  });

  it.each([
    ['Limite de créditos do cliente atingido', 'customer', null],
    ['Limite de créditos da conta atingido 7f3a9c21', 'account', '7f3a9c21'],
    ['Limite de créditos da conta atingido: 12345.', 'account', '12345'],
    ['Limite de creditos da conta atingido', 'account', null],
    ['Sem créditos', 'unknown', null],
  ])('prepaid "%s" → %s %s', (message, scope, accountId) => {
    expect(flagsOf(cb({ type: 'PREPAID_BLOCKED', message }))).toEqual([{ flag: 'prepaid-blocked', scope, accountId, text: message }]);
    expect(prepaidScope(message)).toEqual({ scope, accountId });
  });

  it('invalid lists the parse problems, alongside other flags', () => {
    const flags = flagsOf(cb({ channel: 'sms', timestamp: 'soon' }));
    expect(flags).toEqual([
      { flag: 'fallback', channel: 'SMS' },
      { flag: 'invalid', problems: ['timestamp "soon" is not an ISO 8601 date-time'] },
    ]);
  });

  it('a body that is not JSON: only invalid, no event key, no attempt', () => {
    const c = classifyDelivery({ receivedAt: 1, parse: parseJson('not json'), prior: null });
    expect(c.eventKey).toBeNull();
    expect(c.attempt).toBeNull();
    expect(c.flags.map((f) => f.flag)).toEqual(['invalid']);
  });

  it('statusCodeOf / exceptionKind helpers', () => {
    expect(statusCodeOf('Request failed with status code 503: Service Unavailable')).toBe(503);
    expect(statusCodeOf('HTTP 404 from provider')).toBe(404);
    expect(statusCodeOf('version 1.404.2')).toBeNull();
    expect(exceptionKind(null, 'device não suporta RCS')).toBe('rcs-unsupported');
  });
});

describe('gateway_retries lifecycle: duplicates and attempts', () => {
  const feed = new Feed();
  const fed = feed.addLifecycle(samples.lifecycles.gateway_retries);

  it('the DELIVERED event is attempted three times, byte-identical', () => {
    expect(fed.map((f) => f.classification.attempt)).toEqual([1, 1, 2, 3, 1]);
    expect(fed[1].classification.flags).toEqual([]);
    expect(fed[2].classification.flags).toEqual([
      { flag: 'duplicate', kind: 'exact', sameBytes: true, of: 2, previous: 2, attempt: 2, gapMs: 10_020, expectedGapMs: 10_000, fitsSchedule: true },
    ]);
    expect(fed[3].classification.flags).toEqual([
      { flag: 'duplicate', kind: 'exact', sameBytes: true, of: 2, previous: 3, attempt: 3, gapMs: 30_040, expectedGapMs: 30_000, fitsSchedule: true },
    ]);
  });

  it('sent echo, DELIVERED and READ share one event_id but are separate events', () => {
    const keys = fed.map((f) => f.classification.eventKey);
    expect(new Set(keys).size).toBe(3);
    expect(fed[4].classification.flags).toEqual([]);
  });
});

describe('duplicates', () => {
  it('same event, reordered keys and whitespace → exact', () => {
    const feed = new Feed();
    feed.add(T0, cb({ type: 'DELIVERED', direction: 'inbound' }));
    const reordered = Object.fromEntries(Object.entries(cb({ type: 'DELIVERED', direction: 'inbound' })).reverse());
    const second = feed.add(T0 + 10_000, JSON.stringify(reordered, null, 3));
    expect(second.classification.flags[0]).toMatchObject({ flag: 'duplicate', kind: 'exact', attempt: 2, sameBytes: false });
  });

  it('same event key, different payload → semantic; type casing drift is the same event', () => {
    const feed = new Feed();
    feed.add(T0, cb({ type: 'Text', message: { text: 'a' } }));
    const second = feed.add(T0 + 5, cb({ type: 'text', message: { text: 'b' } }));
    expect(second.classification.flags[0]).toMatchObject({ flag: 'duplicate', kind: 'semantic', of: 1, previous: 1, attempt: 2, gapMs: 5 });
    // 5 ms apart is not a retry
    expect(second.classification.flags[0]).toMatchObject({ fitsSchedule: false, expectedGapMs: 10_000 });
  });

  it('exact match against any earlier attempt, not just the first', () => {
    const feed = new Feed();
    feed.add(T0, cb({ vars: { a: 1 } }));
    feed.add(T0 + 10_000, cb({ vars: { a: 2 } }));
    const third = feed.add(T0 + 40_000, cb({ vars: { a: 2 } }));
    expect(third.classification.flags[0]).toMatchObject({ kind: 'exact', of: 1, previous: 2, attempt: 3, gapMs: 30_000, fitsSchedule: true });
  });

  it('different channel or type is a different event, not a duplicate', () => {
    const feed = new Feed();
    feed.add(T0, cb({ type: 'DELIVERED' }));
    expect(feed.add(T0 + 1, cb({ type: 'DELIVERED', channel: 'SMS' })).classification.attempt).toBe(1);
    expect(feed.add(T0 + 2, cb({ type: 'READ' })).classification.attempt).toBe(1);
    expect(feed.add(T0 + 3, cb({ type: 'DELIVERED', reference: 'ref-2' })).classification.attempt).toBe(1);
  });

  it('a retry that comes back after the timeout still fits; one beyond it does not', () => {
    // attempt 1 timed out after 10 s, then the gateway waited 10 s → 20 s between arrivals
    expect(retryFitsSchedule(20_000, 10_000)).toBe(true);
    expect(retryFitsSchedule(10_000, 10_000)).toBe(true);
    expect(retryFitsSchedule(8_000, 10_000)).toBe(true); // 2 s slack
    expect(retryFitsSchedule(7_500, 10_000)).toBe(false);
    expect(retryFitsSchedule(22_500, 10_000)).toBe(false);
    expect(retryFitsSchedule(43_000, 30_000)).toBe(true);
    expect(retryFitsSchedule(45_000, 30_000)).toBe(false);
    expect(retryFitsSchedule(3_600_000 + 300_000, 3_600_000)).toBe(true); // 10 % slack on long gaps
    expect(retryFitsSchedule(5, null)).toBe(false);
  });

  it('the 11th delivery is past the documented schedule', () => {
    expect(expectedRetryGap(1)).toBeNull();
    expect(expectedRetryGap(2)).toBe(10_000);
    expect(expectedRetryGap(11)).toBe(86_400_000);
    expect(expectedRetryGap(12)).toBeNull();
    const feed = new Feed();
    let t = T0;
    let last = feed.add(t, cb());
    for (let attempt = 2; attempt <= 12; attempt++) {
      t += expectedRetryGap(attempt) ?? 60_000;
      last = feed.add(t, cb());
    }
    expect(last.classification.flags[0]).toMatchObject({ attempt: 12, expectedGapMs: null, fitsSchedule: false });
    expect(feed.fed[10].classification.flags[0]).toMatchObject({ attempt: 11, expectedGapMs: 86_400_000, fitsSchedule: true });
  });

  it('missed attempts explain a long gap', () => {
    // we saw attempt 1 and then attempt 3 (which we count as 2): 10 s + 30 s later
    expect(missedAttemptsFor(40_000, 2)).toBe(1);
    expect(missedAttemptsFor(10_000 + 30_000 + 120_000, 2)).toBe(2);
    expect(missedAttemptsFor(5_000, 2)).toBeNull();
  });

  it('uses the time between arrivals, not the event timestamp', () => {
    const feed = new Feed();
    feed.add(at(0), cb({ type: 'READ', timestamp: at(0) }));
    const again = feed.add(at(31), cb({ type: 'READ', timestamp: at(0) }));
    expect(again.classification.flags[0]).toMatchObject({ gapMs: 31_000, expectedGapMs: 10_000, fitsSchedule: false });
  });
});

describe('which earlier attempts an exact duplicate\'s bytes are compared with', () => {
  it('the newest 100, fewer as bodies grow: about 4 MiB of them in all', () => {
    expect(sameBytesLookback(1_000)).toBe(100);
    expect(sameBytesLookback(200_000)).toBe(20);
    expect(sameBytesLookback(8 << 20)).toBe(1);
  });

  it('does not call what it did not compare "different"', () => {
    expect(sameBytesVerdict(true, true)).toBe(true);
    expect(sameBytesVerdict(false, false)).toBe(false);
    expect(sameBytesVerdict(false, true)).toBeUndefined();
  });

  it('in memory: an identical attempt beyond the bounds leaves the bytes unjudged; other sizes never match', () => {
    const body = new TextEncoder().encode('{"a":1,"b":2}');
    const other = new TextEncoder().encode('{"b":2,"a":1}');
    const attempt = (id: number, b: Uint8Array) => ({ id, receivedAt: id, canonicalJson: 'h', body: b });
    const prior = [attempt(1, body), ...Array.from({ length: 100 }, (_, i) => attempt(i + 2, other))];
    expect(priorAttempts(prior, 'h', body)).not.toHaveProperty('sameBytes');
    expect(priorAttempts(prior.slice(0, 100), 'h', body)).toMatchObject({ sameBytes: true });
    expect(priorAttempts(prior.slice(1, 50), 'h', body)).toMatchObject({ sameBytes: false });
    expect(priorAttempts([attempt(1, new TextEncoder().encode('{"a":1, "b":2}'))], 'h', body)).toMatchObject({ sameBytes: false });
  });
});
