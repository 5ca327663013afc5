// The renderer's one clock: the same instant read in the local zone, UTC and the gateway's America/Sao_Paulo, the
// zone named beside a time that stands alone, and list cells short enough for their column.
import { describe, expect, it } from 'vitest';
import { offsetLabel, zonedParts } from '../../renderer/src/lib/clock';
import { formatDateTime, formatFullTime, formatRaw, formatTime, ordinal, plural } from '../../renderer/src/lib/format';

const T = Date.parse('2025-11-28T12:00:02.017Z');

describe('clock', () => {
  it('reads one instant in each zone and names the offset', () => {
    expect(formatFullTime(T, 'UTC')).toBe('2025-11-28 12:00:02.017 UTC');
    expect(formatFullTime(T, 'America/Sao_Paulo')).toBe('2025-11-28 09:00:02.017 UTC−03:00');
    expect(formatDateTime(T, 'America/Sao_Paulo')).toBe('2025-11-28 09:00:02.017');
    expect(formatRaw(T)).toBe('2025-11-28T12:00:02.017Z');
    // a time shortly after midnight UTC is the day before in São Paulo
    expect(formatDateTime(Date.parse('2025-11-29T01:30:00.005Z'), 'America/Sao_Paulo')).toBe('2025-11-28 22:30:00.005');
    // before 1970 the milliseconds stay positive
    expect(zonedParts(-1, 'UTC')).toMatchObject({ year: 1969, hour: 23, second: 59, ms: 999, offset: 0 });
  });

  it('follows the local zone, daylight saving included', () => {
    const local = -new Date(T).getTimezoneOffset();
    const sign = local < 0 ? '−' : '+';
    const a = Math.abs(local);
    expect(offsetLabel(T, 'local')).toBe(`UTC${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`);
    expect(formatDateTime(T, 'local').slice(11, 16)).toBe(`${String(new Date(T).getHours()).padStart(2, '0')}:${String(new Date(T).getMinutes()).padStart(2, '0')}`);
  });

  it('keeps list cells short: the time today, the day this year, the date otherwise, in the zone chosen', () => {
    const now = Date.parse('2025-11-28T20:00:00Z');
    expect(formatTime(T, now, 'UTC')).toBe('12:00:02.017');
    expect(formatTime(T, now, 'America/Sao_Paulo')).toBe('09:00:02.017');
    // 02:00Z on the 29th is still the 28th in São Paulo: "today" is the zone's day
    expect(formatTime(T, Date.parse('2025-11-29T02:00:00Z'), 'America/Sao_Paulo')).toBe('09:00:02.017');
    expect(formatTime(T, Date.parse('2025-11-29T02:00:00Z'), 'UTC')).toBe('Nov 28 12:00:02');
    expect(formatTime(T, Date.parse('2026-01-02T00:00:00Z'), 'UTC')).toBe('2025-11-28 12:00');
    expect(formatTime(null, now, 'UTC')).toBe('—');
  });
});

describe('counts in words', () => {
  it('puts the noun in the right number', () => {
    expect(plural(1, 'delivery', 'deliveries')).toBe('1 delivery');
    expect(plural(0, 'delivery', 'deliveries')).toBe('0 deliveries');
    expect(plural(1204, 'event')).toBe('1,204 events');
  });
  it('writes attempts as places, not as ids', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st', '111th']);
  });
});
