// The conformance verdicts: what fails a MUST (no 200, no answer, over 10 s), what only warns (a retry answered
// 200 with another body, a check the campaign could not fill), and the reason a user reads first.
import { describe, expect, it } from 'vitest';
import type { CheckPlan } from '../../electron/core/conform/battery';
import { judgeCheck, percentile, summarize, type ProbeResult } from '../../electron/core/conform/verdict';
import { formatConform } from '../../electron/core/conform/format';
import type { ConformReport } from '../../shared/api';

const ok = (durationMs = 5, answer = '{"ok":true}'): ProbeResult => ({ status: 200, durationMs, error: null, answer });
const plan = (labels: string[], retryOf: (number | undefined)[] = []): CheckPlan => ({
  id: 'exact-retry',
  title: 'Exact retries',
  what: 'w',
  requirement: 'r',
  concurrency: 1,
  probes: labels.map((label, i) => ({ label, body: '{}', headers: {}, ...(retryOf[i] !== undefined ? { retryOf: retryOf[i] } : {}) })),
});
const retries = plan(['the first delivery of DELIVERED of reference r1', 'exact retry 1 of DELIVERED of reference r1', 'exact retry 2 of DELIVERED of reference r1'], [undefined, 0, 0]);

describe('conformance verdicts', () => {
  it('passes when every probe got 200 in time, saying how slow the slowest was', () => {
    const c = judgeCheck(retries, [ok(3), ok(1200), ok(8)]);
    expect(c.verdict).toBe('pass');
    expect(c.reason).toBe('all 3 answered 200, slowest 1.2 s');
    expect(judgeCheck(retries, [ok(3), ok(640), ok(8)]).reason).toBe('all 3 answered 200, slowest 640 ms');
    expect(c.ok200).toBe(3);
  });

  it('fails on the first non-200 and counts the others', () => {
    const c = judgeCheck(retries, [ok(), { status: 500, durationMs: 2, error: null, answer: 'dup' }, { status: 409, durationMs: 2, error: null, answer: '' }]);
    expect(c.verdict).toBe('fail');
    expect(c.reason).toBe('answered 500 to exact retry 1 of DELIVERED of reference r1 (2 of 3 probes failed)');
    expect(c.failures.map((f) => f.status)).toEqual([500, 409]);
  });

  it('fails a 200 that came after 10 s: the gateway had given up and retries', () => {
    const c = judgeCheck(retries, [ok(), ok(12_040), ok()]);
    expect(c.verdict).toBe('fail');
    expect(c.reason).toBe('took 12.0 s > 10 s on exact retry 1 of DELIVERED of reference r1');
    // exactly 10 s is still within the limit
    expect(judgeCheck(retries, [ok(10_000), ok(), ok()]).verdict).toBe('pass');
  });

  it('fails no answer at all with what happened', () => {
    const c = judgeCheck(retries, [ok(), ok(), { status: null, durationMs: 15_000, error: 'no answer within the timeout (15000 ms)', answer: '' }]);
    expect(c.reason).toBe('no answer within the timeout (15000 ms) on exact retry 2 of DELIVERED of reference r1');
  });

  it('warns, without failing, when a retry is answered 200 with another body than its first delivery', () => {
    const c = judgeCheck(retries, [ok(1, '{"id":1}'), ok(1, '{"id":2}'), ok(1, '{"id":1}')]);
    expect(c.verdict).toBe('warn');
    expect(c.reason).toBe('answered "{\\"id\\":2}" to exact retry 1 of DELIVERED of reference r1, "{\\"id\\":1}" to its first delivery');
    // a first delivery that failed leaves nothing to compare with: the failure is the reason
    const failedFirst = judgeCheck(retries, [{ status: 503, durationMs: 1, error: null, answer: 'x' }, ok(), ok()]);
    expect(failedFirst.verdict).toBe('fail');
  });

  it('warns when the campaign could not fill a check, and never passes an empty one', () => {
    const empty = judgeCheck({ ...retries, probes: [], note: 'the campaign held no SMS fallback' }, []);
    expect(empty).toMatchObject({ verdict: 'warn', reason: 'not run: the campaign held no SMS fallback' });
    const partial = judgeCheck({ ...plan(['a TEXT reply callback']), note: 'not in this campaign: LOCATION reply' }, [ok()]);
    expect(partial).toMatchObject({ verdict: 'warn', reason: 'answered 200, slowest 5 ms; not in this campaign: LOCATION reply' });
  });

  it('summarizes the 200 rate, nearest-rank percentiles, timeouts and non-200 answers', () => {
    const s = summarize([ok(10), ok(20), { status: 500, durationMs: 30, error: null, answer: '' }, ok(12_000), { status: null, durationMs: 4, error: 'connection reset by the target (ECONNRESET)', answer: '' }]);
    expect(s).toMatchObject({ probes: 5, ok200: 3, rate200: 0.6, timeouts: 1, non200: { '500': 1 }, connectionErrors: 1 });
    expect(s.latencyMs).toEqual({ p50: 20, p99: 12_000, max: 12_000 });
    expect(percentile([], 0.5)).toBeNull();
  });

  it('prints a table with every check and the verdict, and Markdown a CI summary can hold', () => {
    const c = judgeCheck(retries, [ok(), { status: 500, durationMs: 2, error: null, answer: 'dup' }, ok()]);
    const report: ConformReport = { id: 0, targetUrl: 'http://127.0.0.1:9/cb', seed: 7, startedAt: 0, durationMs: 1500, ok: false, checks: [c], summary: summarize([ok(), ok(), ok()]) };
    const text = formatConform(report, 'text');
    expect(text).toContain('FAIL  Exact retries         3  5 ms  5 ms  answered 500 to exact retry 1 of DELIVERED of reference r1');
    expect(text).toContain('FAILED: 1 of 1 checks failed a MUST');
    const md = formatConform(report, 'md');
    expect(md).toContain('| FAIL | Exact retries | 3 | 5 ms | 5 ms | answered 500 to exact retry 1 of DELIVERED of reference r1 |');
    expect(JSON.parse(formatConform(report, 'json'))).toEqual(report);
  });
});
