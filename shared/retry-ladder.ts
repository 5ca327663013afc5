// Retry forensics: an event's attempts as a ladder (arrival, our answer, the documented gap against the observed
// one, attempts that must have been lost on the way) and why the gateway retried each time. Pure and free of
// parsing code, so the renderer, the store's in-memory matcher and the tests share one judgement.
//
// Why the gateway sent attempt n+1 is read off what we answered attempt n: the gateway retries on anything but a
// 200 within 10 s. When we did answer 200 in time, the answer was lost or too slow end to end (tunnel, network):
// that is the "retry after 200" users filter on (`retry:after-200`), derived when read rather than stored, since
// an answer's time is written up to a second after it went out.
import { GATEWAY_TIMEOUT_MS } from './constants';
import { expectedRetryGap, missedAttemptsFor, retryWindow } from './classify';
import { formatDuration } from './explain';

/** The response rule that made our answer (response rules: recorded on the delivery when one applied). */
export interface AnswerRule {
  rule: string;
  action: 'status' | 'delay' | 'close' | 'hang';
  status: number | null;
  delayMs: number | null;
}

/** What we answered one attempt, as recorded: the status, how long it took (null: not recorded), the rule if any. */
export interface AttemptAnswer {
  status: number;
  ms: number | null;
  answeredBy?: AnswerRule | null;
  /** why a refused delivery was refused (too large, a bad head, ...) */
  reason?: string | null;
}

export interface LadderAttempt {
  id: number;
  /** the attempt number indexing gave it: the n-th delivery of the event that reached us */
  attempt: number | null;
  receivedAt: number;
  answer: AttemptAnswer;
  /** what we answered the attempt before, read by the store: used when that attempt is not in the list */
  previousAnswer?: AttemptAnswer | null;
  /** a simulated attempt sent this many times faster than real time (its gap is judged scaled); absent: 1 */
  speed?: number;
}

/** A recorded tunnel outage (AppStatus tunnel.downtime); `to` null while it lasts. */
export interface Outage {
  from: number;
  to: number | null;
}

export type RetryCause =
  /** we answered something else than 200, or nothing (a rule closed or held the connection) */
  | { kind: 'non-200'; status: number | null; rule: string | null; action: AnswerRule['action'] | null; reason: string | null }
  /** a 200, but at or past the gateway's 10 s limit */
  | { kind: 'slow'; ms: number; rule: string | null }
  /** a 200 in time: the answer was lost or too slow end to end */
  | { kind: 'after-200'; ms: number }
  /** a 200 whose time was not recorded */
  | { kind: 'unknown' };

export type GapVerdict = 'on-schedule' | 'early' | 'late' | 'beyond-schedule';

export interface LostAttempts {
  count: number;
  /** when each lost attempt was due, at the earliest (the gateway adds up to 10 s per timed-out attempt) */
  dueAt: number[];
  /** whether recorded tunnel downtime covers when they were due: every one, some, or none */
  downtime: 'covered' | 'partly' | 'none';
}

export interface LadderRetry {
  /** null when the attempt before is not listed (then only the cause is known) */
  gapMs: number | null;
  /** the documented gap before this attempt, counting lost attempts before it; null past the 10th retry */
  expectedGapMs: number | null;
  /** late with `lost`: off schedule for the next slot, on schedule once the lost attempts are counted */
  verdict: GapVerdict | null;
  /** the simulator's speed-up the gap was judged at (1: real time); the documented gaps stay unscaled */
  speed: number;
  /** attempts that must have been sent in between and never reached us; null when none or when nothing fits */
  lost: LostAttempts | null;
  cause: RetryCause;
}

export interface LadderStep {
  id: number;
  attempt: number;
  /** the gateway's own attempt number: ours plus the attempts lost before this one */
  gatewayAttempt: number;
  receivedAt: number;
  answer: AttemptAnswer;
  /** attempts between the previous listed one and this one that the list leaves out */
  omittedBefore: number;
  /** null for the first attempt (and for one after omitted attempts whose previous answer is unknown) */
  retry: LadderRetry | null;
}

/** What we answered, once a rule is taken into account: a closed or held connection answered nothing. */
function effectiveAnswer(a: AttemptAnswer): { status: number | null; ms: number | null; rule: string | null; action: AnswerRule['action'] | null } {
  const r = a.answeredBy ?? null;
  // status 0: nothing was answered (the sender hung up first, or a rule closed or held the connection)
  if (r === null) return { status: a.status === 0 ? null : a.status, ms: a.ms, rule: null, action: null };
  const none = r.action === 'close' || r.action === 'hang';
  // a delay's answer the sender gave up on: the rule's status is null, the delivery's 0
  return { status: none ? null : (r.status ?? (a.status === 0 ? null : a.status)), ms: a.ms, rule: r.rule, action: r.action };
}

/** Why the gateway sent another attempt after one we answered so. */
export function retryCause(previous: AttemptAnswer): RetryCause {
  const a = effectiveAnswer(previous);
  if (a.status !== 200) return { kind: 'non-200', status: a.status, rule: a.rule, action: a.action, reason: previous.reason ?? null };
  if (a.ms === null) return { kind: 'unknown' };
  if (a.ms >= GATEWAY_TIMEOUT_MS) return { kind: 'slow', ms: a.ms, rule: a.rule };
  return { kind: 'after-200', ms: a.ms };
}

/** A badge's tooltip: what "retry after 200" means for the user. */
export const RETRY_AFTER_200_HINT =
  "Retry after 200: we answered the attempt before with 200 within the gateway's 10 s, yet the gateway sent it again. The answer was lost or too slow end to end (the tunnel or the network); your endpoint must treat such repeats as duplicates. Search: retry:after-200";

/** `retry:after-200`: a repeat whose previous attempt we answered 200 within the gateway's limit. */
export function retriedAfter200(previous: AttemptAnswer | null | undefined): boolean {
  return previous != null && retryCause(previous).kind === 'after-200';
}

/** How the gap before gateway attempt `gatewayAttempt` compares with the schedule. */
function verdictOf(gapMs: number, expectedGapMs: number | null, speed: number): GapVerdict {
  if (expectedGapMs === null) return 'beyond-schedule';
  const { minMs, maxMs } = retryWindow(expectedGapMs, speed);
  return gapMs < minMs ? 'early' : gapMs > maxMs ? 'late' : 'on-schedule';
}

/** When each of `count` lost attempts after gateway attempt `afterAttempt` (received at `from`) was due. */
function dueTimes(from: number, afterAttempt: number, count: number, speed: number): number[] {
  const out: number[] = [];
  let t = from;
  for (let i = 1; i <= count; i++) {
    t += (expectedRetryGap(afterAttempt + i) ?? 0) / speed;
    out.push(t);
  }
  return out;
}

function coverage(dueAt: number[], outages: readonly Outage[], now: number): LostAttempts['downtime'] {
  // an attempt is due between its documented time and that plus a timeout for each attempt before it that timed out
  const covered = dueAt.map((t, i) => {
    const slack = Math.max(2_000, (t - (dueAt[0] ?? t)) * 0.1);
    const lo = t - slack;
    const hi = t + GATEWAY_TIMEOUT_MS * (i + 1) + slack;
    return outages.some((o) => o.from <= hi && (o.to ?? now) >= lo);
  });
  return covered.every(Boolean) ? 'covered' : covered.some(Boolean) ? 'partly' : 'none';
}

/**
 * The ladder of one event's attempts (listed in arrival order; a long list may leave attempts out between two
 * listed ones). Lost attempts shift the gateway's numbering, so later gaps are compared with the slots they really
 * follow.
 */
export function buildLadder(attempts: readonly LadderAttempt[], outages: readonly Outage[] = [], now = Date.now()): LadderStep[] {
  const steps: LadderStep[] = [];
  let lostSoFar = 0;
  attempts.forEach((a, i) => {
    const attempt = a.attempt ?? i + 1;
    const prev = steps[steps.length - 1];
    const omittedBefore = Math.max(0, attempt - (prev?.attempt ?? 0) - 1);
    const base = { id: a.id, attempt, receivedAt: a.receivedAt, answer: a.answer, omittedBefore };
    if (!prev || omittedBefore > 0) {
      // the attempt before is not listed: no gap to judge, but the store read what we answered it
      const previous = attempt > 1 ? (a.previousAnswer ?? null) : null;
      const retry = previous ? { gapMs: null, expectedGapMs: null, verdict: null, speed: a.speed ?? 1, lost: null, cause: retryCause(previous) } : null;
      steps.push({ ...base, gatewayAttempt: attempt + lostSoFar, retry });
      return;
    }
    const gapMs = a.receivedAt - prev.receivedAt;
    // a simulated retry comes `speed` times sooner: judged against the schedule scaled by it
    const speed = a.speed ?? 1;
    let gatewayAttempt = prev.gatewayAttempt + 1;
    let expectedGapMs = expectedRetryGap(gatewayAttempt);
    const verdict = verdictOf(gapMs, expectedGapMs, speed);
    let lost: LostAttempts | null = null;
    const k = verdict === 'late' ? missedAttemptsFor(gapMs * speed, gatewayAttempt) : null;
    if (k !== null) {
      const dueAt = dueTimes(prev.receivedAt, prev.gatewayAttempt, k, speed);
      lost = { count: k, dueAt, downtime: coverage(dueAt, outages, now) };
      lostSoFar += k;
      gatewayAttempt += k;
      expectedGapMs = expectedRetryGap(gatewayAttempt);
    }
    // the store's reading of the attempt before (its time unrecorded reads as unknown) with the rule the list shows
    const before = a.previousAnswer ? { ...prev.answer, ...a.previousAnswer, answeredBy: prev.answer.answeredBy ?? null } : prev.answer;
    steps.push({ ...base, gatewayAttempt, retry: { gapMs, expectedGapMs, verdict, speed, lost, cause: retryCause(before) } });
  });
  return steps;
}

// ---- plain words ----

const ruleName = (rule: string) => `rule '${rule}'`;

/** "answered 503 by rule 'fail first 2'", "answered 200 in 35 ms", "closed the connection (rule 'x')" */
export function describeAnswer(a: AttemptAnswer): string {
  const e = effectiveAnswer(a);
  const time = a.ms === null ? '' : ` in ${formatDuration(a.ms)}`;
  if (e.action === 'close') return `closed the connection without an answer by ${ruleName(e.rule!)}`;
  if (e.action === 'hang') return `held the connection unanswered by ${ruleName(e.rule!)}${time ? ` (${formatDuration(a.ms!)})` : ''}`;
  if (e.status === null) return `gave no answer${time ? ` (${formatDuration(a.ms!)})` : ''}`;
  return `answered ${e.status}${time}${e.rule ? ` by ${ruleName(e.rule)}` : ''}`;
}

/** A cause in a few words, for a badge or a summary: "our 503 (rule 'x')", "our slow answer", "retry after 200". */
export function causeLabel(c: RetryCause): string {
  switch (c.kind) {
    case 'non-200': {
      const what = c.status === null ? (c.action === 'close' ? 'connection closed by us' : 'no answer from us') : `our non-200 (${c.status})`;
      return `${what}${c.rule ? ` (${ruleName(c.rule)})` : ''}`;
    }
    case 'slow':
      return `our slow answer${c.rule ? ` (${ruleName(c.rule)})` : ''}`;
    case 'after-200':
      return 'retry after 200';
    case 'unknown':
      return 'unknown';
  }
}

/** Why the gateway sent this attempt, in a sentence. */
export function explainCause(c: RetryCause, verdict?: GapVerdict): string {
  switch (c.kind) {
    case 'non-200': {
      const by = c.rule ? ` by ${ruleName(c.rule)}` : '';
      if (c.status === null)
        return c.action === 'close'
          ? `Retried because ${ruleName(c.rule!)} closed the connection of the attempt before without an answer.`
          : c.action === 'hang'
            ? `Retried because we never answered the attempt before: ${ruleName(c.rule!)} held the connection until the gateway gave up.`
            : 'Retried because the attempt before got no answer from us (the connection ended first).';
      return `Retried because we answered the attempt before with ${c.status}${by}${c.reason ? ` (${c.reason})` : ''}: the gateway retries on anything but 200.`;
    }
    case 'slow':
      return `Retried because we answered the attempt before with 200 but took ${formatDuration(c.ms)}${c.rule ? ` (${ruleName(c.rule)})` : ''}: at or past the gateway's ${GATEWAY_TIMEOUT_MS / 1000} s limit it counts as failed.`;
    case 'after-200':
      return verdict === 'early'
        ? `Sent again although we answered the attempt before with 200 in ${formatDuration(c.ms)}, sooner than any retry is due: the gateway repeated it, or our answer was lost at once (tunnel or network).`
        : `Retry after 200: we answered the attempt before with 200 in ${formatDuration(c.ms)}, within the gateway's ${GATEWAY_TIMEOUT_MS / 1000} s, yet it retried, so our answer was lost or too slow end to end (the tunnel or the network). Your endpoint must treat such repeats as duplicates.`;
    case 'unknown':
      return 'We answered the attempt before with 200; how long that took was not recorded, so whether it reached the gateway in time is unknown.';
  }
}

/** "simulated at 60× speed" */
function speedNote(speed: number): string {
  return `simulated at ${speed.toLocaleString('en-US')}× speed`;
}

/** The gap against the schedule, in a sentence. */
export function explainGap(r: LadderRetry, gatewayAttempt: number): string {
  if (r.gapMs === null) return 'The attempt before is not listed here, so its gap is not shown.';
  const gap = formatDuration(r.gapMs);
  const sim = r.speed !== 1 ? `, ${speedNote(r.speed)}` : '';
  if (r.verdict === 'beyond-schedule') return `${gap} after the previous attempt${sim}: beyond the gateway's schedule, which documents only 10 retries.`;
  // scaled: "the documented 10 s retry gap (167 ms simulated at 60× speed)"
  const expected = formatDuration(r.expectedGapMs ?? 0) + (r.speed !== 1 ? ` retry gap (${formatDuration(Math.round((r.expectedGapMs ?? 0) / r.speed))} ${speedNote(r.speed)})` : ' retry gap');
  // a repeat after our non-200 (or no answer) is a retry whatever its gap: the gateway retries on anything but 200
  const retriedOnOurAnswer = r.cause.kind === 'non-200' || r.cause.kind === 'slow';
  if (r.lost) {
    return `${gap} after the previous attempt${sim}: off schedule for the next slot, but it fits the documented schedule if ${r.lost.count} attempt${r.lost.count === 1 ? '' : 's'} in between never reached us (this one is the gateway's attempt ${gatewayAttempt}).`;
  }
  switch (r.verdict) {
    case 'on-schedule':
      return `${gap} after the previous attempt: on schedule (the documented ${expected}, up to 10 s more when the attempt timed out).`;
    case 'early':
      if (retriedOnOurAnswer) return `${gap} after the previous attempt: a retry, sooner than the documented ${expected}.`;
      return r.gapMs * r.speed < 1000
        ? `${gap} after the previous attempt: off schedule, far sooner than the documented ${expected} (the same event sent twice, not a retry).`
        : `${gap} after the previous attempt: off schedule, sooner than the documented ${expected}.`;
    default:
      return `${gap} after the previous attempt: off schedule, later than the documented ${expected}, and no number of lost attempts explains it.`;
  }
}

/** What the lost attempts were, and whether recorded tunnel downtime explains them. */
export function explainLost(l: LostAttempts): string {
  const n = l.count === 1 ? '1 attempt' : `${l.count} attempts`;
  const where =
    l.downtime === 'covered'
      ? 'recorded tunnel downtime covers when they were due, so they were lost while the tunnel was down'
      : l.downtime === 'partly'
        ? 'recorded tunnel downtime covers some of them; the others were lost elsewhere'
        : 'no recorded tunnel downtime covers them: they were lost before the tunnel (gateway or network), answered 503 unstored when the store could not write, or sent while the inspector was not running';
  return `${n} lost: ${where}.`;
}

/** Repeats of a message's callbacks by cause, most common first: "2 retry after 200, 1 our non-200 (413)". */
function tallyCauses(causes: readonly RetryCause[]): { label: string; n: number }[] {
  const by = new Map<string, number>();
  for (const c of causes) by.set(causeLabel(c), (by.get(causeLabel(c)) ?? 0) + 1);
  return [...by].map(([label, n]) => ({ label, n })).sort((a, b) => b.n - a.n || a.label.localeCompare(b.label));
}

/** "this message's callbacks were retried 3 times; cause: 2 retry after 200, 1 our non-200 (503)" */
export function describeMessageRetries(retries: number, causes: readonly RetryCause[]): string {
  if (retries === 0) return "this message's callbacks were never retried";
  const times = retries === 1 ? 'once' : `${retries.toLocaleString('en-US')} times`;
  const tally = tallyCauses(causes);
  const known = tally.reduce((s, t) => s + t.n, 0);
  const cause = tally.length === 0 ? 'not known' : tally.map((t) => (tally.length === 1 && t.n === known ? t.label : `${t.n} ${t.label}`)).join(', ');
  return `this message's callbacks were retried ${times}; cause: ${cause}${known > 0 && known < retries ? ` (of the ${known.toLocaleString('en-US')} listed)` : ''}`;
}
