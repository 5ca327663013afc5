// The attempt ladder of one event: gaps against the documented schedule, attempts lost on the way (and whether the
// tunnel was down then), and why the gateway retried — our non-200, our slow answer, or a retry after a 200 in time.
import { describe, expect, it } from 'vitest';
import {
  buildLadder,
  causeLabel,
  describeAnswer,
  describeMessageRetries,
  explainCause,
  explainGap,
  explainLost,
  retriedAfter200,
  retryCause,
  type AttemptAnswer,
  type LadderAttempt,
} from '../../shared/retry-ladder';

const T0 = Date.parse('2026-12-03T10:00:00Z');
const ok = (ms = 40): AttemptAnswer => ({ status: 200, ms });
const at = (attempt: number, offsetMs: number, answer: AttemptAnswer = ok(), id = attempt): LadderAttempt => ({ id, attempt, receivedAt: T0 + offsetMs, answer });

describe('why the gateway retried', () => {
  it('a 200 in time is a retry after 200; a slow 200, a non-200 and a rule are ours', () => {
    expect(retryCause(ok(35))).toEqual({ kind: 'after-200', ms: 35 });
    expect(retryCause(ok(9_999)).kind).toBe('after-200');
    expect(retryCause(ok(10_000))).toEqual({ kind: 'slow', ms: 10_000, rule: null });
    expect(retryCause({ status: 413, ms: 3, reason: 'body too large' })).toMatchObject({ kind: 'non-200', status: 413, reason: 'body too large' });
    expect(retryCause({ status: 200, ms: null })).toEqual({ kind: 'unknown' });
  });

  it('a response rule decides what we answered, and is named', () => {
    const byRule = (action: 'status' | 'delay' | 'close' | 'hang', status: number | null, ms: number): AttemptAnswer => ({
      status: 200,
      ms,
      answeredBy: { rule: 'fail first 2', action, status, delayMs: action === 'delay' ? ms : null },
    });
    const failed = byRule('status', 503, 4);
    expect(retryCause(failed)).toMatchObject({ kind: 'non-200', status: 503, rule: 'fail first 2' });
    expect(causeLabel(retryCause(failed))).toBe("our non-200 (503) (rule 'fail first 2')");
    expect(describeAnswer(failed)).toBe("answered 503 in 4 ms by rule 'fail first 2'");
    expect(retryCause(byRule('delay', null, 12_000))).toEqual({ kind: 'slow', ms: 12_000, rule: 'fail first 2' });
    expect(retryCause(byRule('close', null, 1))).toMatchObject({ kind: 'non-200', status: null, action: 'close' });
    expect(explainCause(retryCause(byRule('hang', null, 30_000)))).toMatch(/held the connection until the gateway gave up/);
    expect(retriedAfter200(byRule('status', 503, 4))).toBe(false);
  });

  it('retry:after-200 holds only for a repeat whose previous answer was a 200 in time', () => {
    expect(retriedAfter200(ok(120))).toBe(true);
    expect(retriedAfter200(ok(12_000))).toBe(false);
    expect(retriedAfter200({ status: 503, ms: 2 })).toBe(false);
    expect(retriedAfter200({ status: 200, ms: null })).toBe(false);
    expect(retriedAfter200(null)).toBe(false);
    expect(retriedAfter200(undefined)).toBe(false);
  });
});

describe('the ladder', () => {
  it('compares each gap with the documented one and names the cause from the attempt before', () => {
    const steps = buildLadder([at(1, 0, { status: 200, ms: 11_500 }), at(2, 21_000), at(3, 21_000 + 30_500, ok(80))]);
    expect(steps.map((s) => s.retry?.verdict ?? null)).toEqual([null, 'on-schedule', 'on-schedule']);
    expect(steps[1]!.retry).toMatchObject({ gapMs: 21_000, expectedGapMs: 10_000, cause: { kind: 'slow', ms: 11_500 } });
    expect(steps[2]!.retry).toMatchObject({ expectedGapMs: 30_000, cause: { kind: 'after-200', ms: 40 } });
    expect(explainGap(steps[1]!.retry!, 2)).toMatch(/^21 s after the previous attempt: on schedule \(the documented 10 s retry gap/);
    expect(explainCause(steps[2]!.retry!.cause, 'on-schedule')).toMatch(/^Retry after 200: we answered the attempt before with 200 in 40 ms/);
  });

  it('says off schedule for attempts posted far sooner than any retry', () => {
    const steps = buildLadder([at(1, 0), at(2, 300), at(3, 700)]);
    expect(steps.map((s) => s.retry?.verdict ?? null)).toEqual([null, 'early', 'early']);
    expect(explainGap(steps[1]!.retry!, 2)).toMatch(/off schedule, far sooner than the documented 10 s/);
    expect(explainCause(steps[1]!.retry!.cause, 'early')).toMatch(/sooner than any retry is due/);
  });

  it('infers lost attempts, renumbers the gateway attempts after them, and checks tunnel downtime', () => {
    // 10 s, then the 30 s retry lost, then 30 s + 2 min = 150 s; then the gateway's 5th attempt 10 min later
    const attempts = [at(1, 0, { status: 503, ms: 2 }), at(2, 10_000), at(3, 160_000), at(4, 760_000)];
    const none = buildLadder(attempts, []);
    expect(none.map((s) => s.gatewayAttempt)).toEqual([1, 2, 4, 5]);
    expect(none[2]!.retry).toMatchObject({ verdict: 'late', lost: { count: 1, dueAt: [T0 + 40_000], downtime: 'none' } });
    expect(none[3]!.retry).toMatchObject({ verdict: 'on-schedule', expectedGapMs: 600_000, lost: null });
    expect(explainGap(none[2]!.retry!, 4)).toMatch(/fits the documented schedule if 1 attempt in between never reached us \(this one is the gateway's attempt 4\)/);
    expect(explainLost(none[2]!.retry!.lost!)).toMatch(/no recorded tunnel downtime covers them/);
    expect(none[1]!.retry!.cause).toMatchObject({ kind: 'non-200', status: 503 });

    const down = buildLadder(attempts, [{ from: T0 + 30_000, to: T0 + 60_000 }]);
    expect(down[2]!.retry!.lost!.downtime).toBe('covered');
    expect(explainLost(down[2]!.retry!.lost!)).toMatch(/lost while the tunnel was down/);
    // an outage still going on covers what falls after its start
    expect(buildLadder(attempts, [{ from: T0 + 35_000, to: null }], T0 + 800_000)[2]!.retry!.lost!.downtime).toBe('covered');
    expect(buildLadder(attempts, [{ from: T0 + 100_000, to: T0 + 110_000 }])[2]!.retry!.lost!.downtime).toBe('none');
  });

  it('two lost attempts: partly covered when the tunnel was down for one of them', () => {
    // after attempt 2 (10 s): 30 s and 2 min lost, attempt 3 arrives 30 s + 2 min + 10 min later
    const steps = buildLadder([at(1, 0), at(2, 10_000), at(3, 10_000 + 750_000)], [{ from: T0 + 35_000, to: T0 + 45_000 }]);
    expect(steps[2]!.retry!.lost).toMatchObject({ count: 2, dueAt: [T0 + 40_000, T0 + 160_000], downtime: 'partly' });
    expect(steps[2]!.gatewayAttempt).toBe(5);
  });

  it('a late gap no loss explains stays off schedule, and a gap past the 10th retry is beyond the schedule', () => {
    const late = buildLadder([at(1, 0), at(2, 25_000)]);
    expect(late[1]!.retry).toMatchObject({ verdict: 'late', lost: null });
    expect(explainGap(late[1]!.retry!, 2)).toMatch(/no number of lost attempts explains it/);
    const many = Array.from({ length: 12 }, (_, i) => at(i + 1, i * 1_000));
    expect(buildLadder(many)[11]!.retry!.verdict).toBe('beyond-schedule');
  });

  it("takes the store's reading of the attempt before over the listed row, which shows an unrecorded time as 0 ms", () => {
    const steps = buildLadder([at(1, 0, ok(0)), { ...at(2, 10_000), previousAnswer: { status: 200, ms: null } }]);
    expect(steps[1]!.retry!.cause).toEqual({ kind: 'unknown' });
    // the rule comes from the listed row, which carries it
    const ruled: AttemptAnswer = { status: 503, ms: 3, answeredBy: { rule: 'fail first 2', action: 'status', status: 503, delayMs: null } };
    const withRule = buildLadder([at(1, 0, ruled), { ...at(2, 10_000), previousAnswer: { status: 503, ms: 3 } }]);
    expect(withRule[1]!.retry!.cause).toMatchObject({ kind: 'non-200', status: 503, rule: 'fail first 2' });
  });

  it('after omitted attempts only the cause is known, from what the store read of the attempt before', () => {
    const steps = buildLadder([at(1, 0), { ...at(25, 90_000), previousAnswer: { status: 200, ms: 15 } }, at(26, 100_000)]);
    expect(steps[1]).toMatchObject({ omittedBefore: 23, retry: { gapMs: null, verdict: null, cause: { kind: 'after-200', ms: 15 } } });
    expect(steps[2]!.retry).toMatchObject({ gapMs: 10_000, verdict: 'beyond-schedule' });
  });
});

describe('a message in one sentence', () => {
  it('counts the retries and tallies their causes', () => {
    const causes = [retryCause(ok(20)), retryCause(ok(30)), retryCause({ status: 413, ms: 1 })];
    expect(describeMessageRetries(3, causes)).toBe("this message's callbacks were retried 3 times; cause: 2 retry after 200, 1 our non-200 (413)");
    expect(describeMessageRetries(1, [retryCause(ok(20))])).toBe("this message's callbacks were retried once; cause: retry after 200");
    expect(describeMessageRetries(5, causes.slice(0, 2))).toBe("this message's callbacks were retried 5 times; cause: retry after 200 (of the 2 listed)");
    expect(describeMessageRetries(0, [])).toBe("this message's callbacks were never retried");
  });
});

describe('an attempt we never answered', () => {
  it('status 0 without a rule reads as no answer, not as a status', () => {
    const c = retryCause({ status: 0, ms: 10_000 });
    expect(c).toMatchObject({ kind: 'non-200', status: null });
    expect(causeLabel(c)).toBe('no answer from us');
    expect(describeAnswer({ status: 0, ms: null })).toBe('gave no answer');
    expect(explainCause(c)).toMatch(/got no answer from us/);
  });
});
