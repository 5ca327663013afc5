import { describe, expect, it } from 'vitest';
import { describeRetryGap, explainAnomaly, explainException, explainFlag, explainState, formatDuration } from '../../shared/explain';
import { ANOMALY_NAMES, MESSAGE_STATES, type FlagDetail } from '../../shared/domain';

describe('explainException', () => {
  it.each([
    [403, 'the phone has no RCS; an SMS fallback is expected if your account has it configured'],
    [404, 'the phone has no RCS'],
    [401, 'authentication token'],
    [502, 'Upstream outage'],
    [503, 'Service Unavailable'],
    [400, 'rejected the request as invalid ("Invalid argument: fileUrl could not be fetched")'],
  ])('%s', (code, words) => {
    const text = `Request failed with status code ${code}: Invalid argument: fileUrl could not be fetched`;
    expect(explainException(code, text).toLowerCase()).toContain(words.toLowerCase());
  });

  it('falls back to the gateway text when nothing is known', () => {
    expect(explainException(null, 'weird thing')).toBe('The gateway reported: "weird thing".');
    expect(explainException(null, '')).toMatch(/without any detail/);
    expect(explainException(null, 'Failed to fetch the authentication token')).toBe(explainException(401, ''));
  });
});

describe('explainFlag', () => {
  it('duplicates say which delivery, which attempt and whether the gap fits', () => {
    const d: FlagDetail = { flag: 'duplicate', kind: 'exact', sameBytes: true, of: 7, previous: 8, attempt: 3, gapMs: 30_040, expectedGapMs: 30_000, fitsSchedule: true };
    expect(explainFlag(d)).toBe(
      'Attempt 3: byte for byte the same payload as delivery #7 was delivered again, 30 s after the previous attempt, which fits the documented 30 s retry gap.',
    );
    expect(explainFlag({ ...d, kind: 'semantic', gapMs: 4, fitsSchedule: false })).toMatch(/different payload.*4 ms .*far sooner.*or the same event sent twice/);
  });

  it('prepaid scopes', () => {
    expect(explainFlag({ flag: 'prepaid-blocked', scope: 'customer', accountId: null, text: '' })).toMatch(/customer account has run out/);
    expect(explainFlag({ flag: 'prepaid-blocked', scope: 'account', accountId: 'acc-9', text: '' })).toMatch(/\(acc-9\) has run out/);
  });

  it('every flag kind has words', () => {
    const all: FlagDetail[] = [
      { flag: 'duplicate-blocked', status: 'bloqueado por duplicidade', source: 'status' },
      { flag: 'duplicate-blocked', status: 'bloqueado por duplicidade', source: 'type' },
      { flag: 'exception', kind: 'rcs-unsupported', code: 403, text: '' },
      { flag: 'error', code: 502, text: '' },
      { flag: 'fallback', channel: 'SMS' },
      { flag: 'invalid', problems: ['body is empty', 'no Content-Type header'] },
    ];
    const texts = all.map(explainFlag);
    expect(texts[0]).toMatch(/blocked this send as a duplicate/);
    expect(texts[1]).toMatch(/older gateway/);
    expect(texts[2]).toMatch(/no RCS/);
    expect(texts[3]).toMatch(/Upstream outage/);
    expect(texts[4]).toMatch(/over SMS instead of RCS/);
    expect(texts[5]).toBe('This delivery does not match the documented callback format: body is empty; no Content-Type header.');
  });
});

describe('describeRetryGap', () => {
  it('fits, early, late, missed attempts, beyond schedule', () => {
    expect(describeRetryGap(10_020, 10_000)).toMatch(/fits the documented 10 s retry gap/);
    expect(describeRetryGap(19_000, 10_000)).toMatch(/fits/); // first attempt timed out (10 s) before the 10 s wait
    expect(describeRetryGap(5_000, 10_000)).toMatch(/sooner than the documented 10 s/);
    expect(describeRetryGap(5 * 60_000, 30_000)).toMatch(/longer than the documented 30 s retry gap\.$/);
    expect(describeRetryGap(40_000, 10_000, 2)).toMatch(/1 attempt in between never reached/);
    expect(describeRetryGap(60_000, null)).toMatch(/beyond its schedule/);
  });

  it('formats durations for people', () => {
    expect([850, 12_400, 30_000, 125_000, 3_780_000, 90_000_000, -2_000].map(formatDuration)).toEqual([
      '850 ms',
      '12.4 s',
      '30 s',
      '2 min 5 s',
      '1 h 3 min',
      '1 d 1 h',
      '-2 s',
    ]);
  });
});

describe('anomalies and states', () => {
  it('every anomaly and state has a distinct explanation', () => {
    const a = ANOMALY_NAMES.map(explainAnomaly);
    expect(new Set(a).size).toBe(ANOMALY_NAMES.length);
    const s = MESSAGE_STATES.map(explainState);
    expect(new Set(s).size).toBe(MESSAGE_STATES.length);
    expect(explainAnomaly('fallback-missing')).toMatch(/60 s/);
  });
});
