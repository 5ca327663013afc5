// Simulated traffic and retries after our own non-200: the ladder must not call a retry "not a retry", and a
// simulator's speed-up (X-RCI-Simulated-Speed) scales the documented gaps, in the ladder and in the duplicate flag
// that analytics' off-schedule count and `retry:off-schedule` read.
import { describe, expect, it } from 'vitest';
import { duplicateFlag } from '../../shared/classify';
import { SIMULATED_HEADER, SIMULATED_SPEED_HEADER, simulatedSpeedOf } from '../../shared/constants';
import { explainFlag } from '../../shared/explain';
import { buildLadder, explainGap, type AttemptAnswer, type LadderAttempt } from '../../shared/retry-ladder';

const T0 = Date.parse('2026-12-03T10:00:00Z');
const failed: AttemptAnswer = { status: 503, ms: 2, answeredBy: { rule: 'fail first 2', action: 'status', status: 503, delayMs: null } };
const ok: AttemptAnswer = { status: 200, ms: 4 };
const at = (attempt: number, offsetMs: number, answer: AttemptAnswer, speed?: number): LadderAttempt => ({
  id: attempt,
  attempt,
  receivedAt: T0 + offsetMs,
  answer,
  ...(speed !== undefined ? { speed } : {}),
});

describe('retries of simulated traffic', () => {
  it('a repeat 169 ms after our 503 is a retry, never "not a retry", even without a speed-up', () => {
    const steps = buildLadder([at(1, 0, failed), at(2, 169, failed)]);
    const text = explainGap(steps[1]!.retry!, 2);
    expect(text).not.toMatch(/not a retry/);
    expect(text).toMatch(/a retry/);
  });

  it('at 60× speed the 169 ms and 500 ms gaps are the documented 10 s and 30 s, on schedule', () => {
    const steps = buildLadder([at(1, 0, failed, 60), at(2, 169, failed, 60), at(3, 669, ok, 60)]);
    expect(steps.map((s) => s.retry?.verdict ?? null)).toEqual([null, 'on-schedule', 'on-schedule']);
    const text = explainGap(steps[2]!.retry!, 3);
    expect(text).toMatch(/on schedule/);
    expect(text).toMatch(/30 s/);
    expect(text).toMatch(/simulated at 60× speed/);
    expect(text).not.toMatch(/off schedule/);
  });

  it('the speed is read from the simulator headers only when the delivery is simulated', () => {
    expect(simulatedSpeedOf([[SIMULATED_HEADER, '1'], [SIMULATED_SPEED_HEADER, '60']])).toBe(60);
    expect(simulatedSpeedOf([[SIMULATED_SPEED_HEADER, '60']])).toBe(1);
    expect(simulatedSpeedOf([[SIMULATED_HEADER.toLowerCase(), '1'], [SIMULATED_SPEED_HEADER.toLowerCase(), 'fast']])).toBe(1);
  });

  it("the duplicate flag judges a simulated gap at its speed (analytics' off-schedule count), and says so", () => {
    const prior = { count: 1, firstId: 1, last: { id: 1, receivedAt: T0 }, samePayload: true, sameBytes: true };
    const real = duplicateFlag(T0 + 169, prior);
    expect(real.fitsSchedule).toBe(false);
    const sim = duplicateFlag(T0 + 169, prior, 60);
    expect(sim.fitsSchedule).toBe(true);
    expect(explainFlag(sim)).toMatch(/simulated at 60× speed/);
    expect(explainFlag(sim)).not.toMatch(/not as a retry|not a retry/);
    expect(explainFlag(real)).not.toMatch(/not as a retry|not a retry/);
  });
});
