// Judging a check from what each of its probes got back, against the gateway's documented endpoint requirements:
// HTTP 200 for confirmation, within 10 s, duplicates handled (200 again). Pure: the runner measures, this decides.
import type { ConformCheck, ConformReport } from '../../../shared/api';
import { GATEWAY_TIMEOUT_MS } from '../../../shared/constants';
import type { CheckPlan } from './battery';

export interface ProbeResult {
  status: number | null;
  durationMs: number;
  /** no complete answer: a reset, a refusal, or nothing within the wait */
  error: string | null;
  /** the start of the answer's body */
  answer: string;
}

const MAX_FAILURES_LISTED = 10;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const duration = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : seconds(ms));

/** A probe's problem as a MUST sees it, or null. Order: no answer, then the status, then the time. */
function probeProblem(label: string, r: ProbeResult, limitMs = GATEWAY_TIMEOUT_MS): string | null {
  if (r.status === null) return r.error ? `${r.error} on ${label}` : `no answer to ${label}`;
  if (r.error) return `answered ${r.status} but ${r.error} on ${label}`;
  if (r.status !== 200) return `answered ${r.status} to ${label}`;
  if (r.durationMs > limitMs) return `took ${seconds(r.durationMs)} > ${limitMs / 1000} s on ${label}`;
  return null;
}

/** Slower than the gateway waits, or never answered in full: the gateway counts it as a timeout and retries. */
function isTimeout(r: ProbeResult, limitMs = GATEWAY_TIMEOUT_MS): boolean {
  return r.durationMs > limitMs || (r.status === null && r.error !== null && /within the timeout/.test(r.error));
}

/** Nearest rank, as the analytics report computes its percentiles. */
export function percentile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

export function judgeCheck(plan: CheckPlan, results: ProbeResult[], limitMs = GATEWAY_TIMEOUT_MS): ConformCheck {
  const problems: string[] = [];
  const failures: ConformCheck['failures'] = [];
  const changed: string[] = [];
  plan.probes.forEach((p, i) => {
    const r = results[i]!;
    const problem = probeProblem(p.label, r, limitMs);
    if (problem) {
      problems.push(problem);
      if (failures.length < MAX_FAILURES_LISTED) failures.push({ label: p.label, status: r.status, durationMs: r.durationMs, error: r.error });
      return;
    }
    // a retry answered 200 but differently from its first delivery: the endpoint treated it as something new
    const first = p.retryOf === undefined ? undefined : results[p.retryOf];
    if (first && first.status === 200 && first.error === null && first.answer !== r.answer) {
      changed.push(`answered ${quote(r.answer)} to ${p.label}, ${quote(first.answer)} to its first delivery`);
    }
  });
  const durations = results.map((r) => r.durationMs);
  const ok200 = results.filter((r) => r.status === 200 && r.error === null).length;
  const head = { id: plan.id, title: plan.title, what: plan.what, requirement: plan.requirement };
  const figures = { probes: results.length, ok200, p50Ms: percentile(durations, 0.5), p99Ms: percentile(durations, 0.99), failures };
  const more = (n: number, what: string) => (n > 1 ? ` (${n} of ${results.length} ${what})` : '');

  if (plan.probes.length === 0) {
    return { ...head, ...figures, verdict: 'warn', reason: `not run: ${plan.note ?? 'the campaign held nothing for this check'}` };
  }
  if (problems.length > 0) {
    return { ...head, ...figures, verdict: 'fail', reason: problems[0]! + more(problems.length, 'probes failed') };
  }
  if (changed.length > 0) {
    return { ...head, ...figures, verdict: 'warn', reason: changed[0]! + more(changed.length, 'retries answered differently') };
  }
  const slowest = Math.max(...durations);
  const passed = `${results.length === 1 ? 'answered' : `all ${results.length} answered`} 200, slowest ${duration(slowest)}`;
  if (plan.note) return { ...head, ...figures, verdict: 'warn', reason: `${passed}; ${plan.note}` };
  return { ...head, ...figures, verdict: 'pass', reason: passed };
}

export function summarize(results: ProbeResult[], limitMs = GATEWAY_TIMEOUT_MS): ConformReport['summary'] {
  const durations = results.map((r) => r.durationMs);
  const ok200 = results.filter((r) => r.status === 200 && r.error === null).length;
  const non200: Record<string, number> = {};
  for (const r of results) if (r.status !== null && r.status !== 200) non200[r.status] = (non200[r.status] ?? 0) + 1;
  return {
    probes: results.length,
    ok200,
    rate200: results.length ? ok200 / results.length : 0,
    latencyMs: { p50: percentile(durations, 0.5), p99: percentile(durations, 0.99), max: durations.length ? Math.max(...durations) : null },
    limitMs,
    timeouts: results.filter((r) => isTimeout(r, limitMs)).length,
    non200,
    connectionErrors: results.filter((r) => r.status === null && r.error !== null && !isTimeout(r, limitMs)).length,
  };
}

/** The endpoint's answer in a reason: short, on one line. */
function quote(answer: string): string {
  const one = answer.replace(/\s+/g, ' ').trim();
  if (!one) return 'an empty body';
  return JSON.stringify(one.length > 60 ? `${one.slice(0, 59)}…` : one);
}
