// An event's attempts as a ladder (retry forensics): when each arrived, what we answered and how fast, the gap
// against the documented schedule, attempts that must have been lost between two, and why the gateway retried.
// The judgement is shared/retry-ladder.ts; this only lays it out, every time in the chosen clock zone.
import { Fragment } from 'react';
import type { DeliverySummary } from '../../../shared/domain';
import {
  buildLadder,
  causeLabel,
  describeAnswer,
  explainCause,
  explainGap,
  explainLost,
  type AnswerRule,
  type AttemptAnswer,
  type LadderStep,
  type RetryCause,
} from '../../../shared/retry-ladder';
import { formatFullTime, formatRaw, formatTime } from '../lib/format';
import { useInspector, useInspectorStore } from '../store/context';
import { FlagBadge, RetryAfter200Badge } from './Badges';
import { Icon } from './Icons';

/** what we answered a delivery, with the response rule behind it when the row carries one */
function answerOf(d: DeliverySummary): AttemptAnswer {
  const rule = (d as { answeredBy?: AnswerRule | null }).answeredBy ?? null;
  return { status: d.responseStatus, ms: d.responseMs, answeredBy: rule, reason: d.rejectReason };
}

/** The ladder's reading of a message's listed attempts: why each repeat was sent (for the message's one-line summary). */
export function causesOf(events: { deliveries: DeliverySummary[] }[]): RetryCause[] {
  return events.flatMap((e) => ladderOf(e.deliveries, []).flatMap((s) => (s.retry ? [s.retry.cause] : [])));
}

function ladderOf(deliveries: DeliverySummary[], outages: { from: number; to: number | null }[]): LadderStep[] {
  return buildLadder(
    deliveries.map((d) => ({ id: d.id, attempt: d.attempt, receivedAt: d.receivedAt, answer: answerOf(d), previousAnswer: d.previousAnswer, speed: d.simSpeed })),
    outages,
  );
}

const NO_OUTAGES: { from: number; to: number | null }[] = [];

export function RetryLadder({ deliveries, total }: { deliveries: DeliverySummary[]; total: number }) {
  // recorded tunnel outages (this run) say whether lost attempts fell while the tunnel was down
  const outages = useInspector((s) => s.status?.tunnel.downtime ?? null) ?? NO_OUTAGES;
  // every time is formatted in the chosen zone: a new choice re-renders the ladder
  useInspector((s) => s.clockZone);
  const steps = ladderOf(deliveries, outages);
  return (
    <table className="attempts ladder" data-testid="retry-ladder">
      {/* fixed columns: in a narrow detail pane the answer and the badges wrap instead of pushing the table wider */}
      <colgroup>
        <col className="ladder-n" />
        <col className="ladder-time" />
        <col />
        <col />
        <col className="ladder-id" />
      </colgroup>
      <tbody>
        {steps.map((s, i) => (
          <Fragment key={s.id}>
            {i > 0 && s.omittedBefore > 0 ? (
              <tr className="attempt-gap" data-testid="attempts-omitted">
                <td colSpan={5} className="dim">
                  … {s.omittedBefore.toLocaleString()} more {s.omittedBefore === 1 ? 'attempt' : 'attempts'} ({total.toLocaleString()} in all; list them in the Deliveries tab)
                </td>
              </tr>
            ) : null}
            {s.retry?.lost ? (
              <tr className="attempt-lost" data-testid="attempts-lost">
                <td className="mono att-n">{s.retry.lost.count === 1 ? 'lost' : `${s.retry.lost.count} lost`}</td>
                <td className="mono dim" title={s.retry.lost.dueAt.map((t) => `due ${formatFullTime(t)} (${formatRaw(t)})`).join('\n')}>
                  ~{formatTime(s.retry.lost.dueAt[0]!)}
                </td>
                <td colSpan={3} className={`lost-text ${s.retry.lost.downtime}`}>
                  <Icon name="exception" size={11} /> {explainLost(s.retry.lost)}
                </td>
              </tr>
            ) : null}
            <AttemptRow d={deliveries[i]!} step={s} />
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}

/** An attempt on one line (when, what we answered, flags), and under it for a retry its gap and why it was sent. */
function AttemptRow({ d, step }: { d: DeliverySummary; step: LadderStep }) {
  const store = useInspectorStore();
  const selected = useInspector((s) => s.selectedDeliveryId === d.id);
  const r = step.retry;
  const open = () => store.getState().selectDelivery(d.id);
  // every attempt after the first repeats the event: the ladder itself says so, its other flags it does not
  const flags = d.flags.filter((f) => f !== 'duplicate');
  const badges = flags.length > 0 || r?.cause.kind === 'after-200';
  const fits = r?.verdict === 'on-schedule' ? 'fits' : r?.verdict === null || r?.verdict === 'beyond-schedule' ? '' : 'off';
  return (
    <>
      <tr
        className={`attempt ${selected ? 'selected' : ''}`}
        data-delivery-id={d.id}
        data-attempt-row
        tabIndex={0}
        onClick={open}
        onKeyDown={(e) => {
          const handled = attemptKey(e.key, e.currentTarget, open);
          // the window's list keys (arrows, Enter) must not also move the list underneath
          if (handled) {
            e.preventDefault();
            e.stopPropagation();
          }
        }}
        title="Open this delivery (Enter)"
      >
        <td className="mono att-n" title={step.gatewayAttempt !== step.attempt ? `the gateway's attempt ${step.gatewayAttempt}: attempts before it never reached us` : undefined}>
          attempt {step.attempt}
        </td>
        <td className="mono dim" data-testid="attempt-time" title={`received ${formatFullTime(d.receivedAt)} (${formatRaw(d.receivedAt)})`}>{formatTime(d.receivedAt)}</td>
        {/* without badges the answer takes their column too (a rule's answer is long in a narrow pane) */}
        <td className="att-answer" data-testid="attempt-answer" colSpan={badges ? 1 : 2}>{describeAnswer(step.answer)}</td>
        {badges ? (
          <td className="att-flags">
            {r?.cause.kind === 'after-200' ? <RetryAfter200Badge /> : null}
            {flags.map((f) => <FlagBadge key={f} flag={f} />)}
          </td>
        ) : null}
        <td className="mono dim att-id">#{d.id}</td>
      </tr>
      {r ? (
        <tr className={`attempt-why ${selected ? 'selected' : ''}`} data-delivery-id={d.id} onClick={open}>
          <td />
          <td colSpan={4}>
            <span className={`gap ${fits}`} data-testid="retry-gap" data-verdict={r.verdict ?? ''}>
              <Icon name={fits === 'fits' ? 'check' : 'exception'} size={11} /> {explainGap(r, step.gatewayAttempt)}
            </span>
            <span className={`retry-cause cause-${r.cause.kind}`} data-testid="retry-cause" data-cause={r.cause.kind}>
              <strong>{causeLabel(r.cause)}</strong> — {explainCause(r.cause, r.verdict ?? undefined)}
            </span>
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** Enter or Space opens the attempt; arrows, Home and End move between the view's attempts */
function attemptKey(key: string, row: HTMLElement, open: () => void): boolean {
  if (key === 'Enter' || key === ' ') {
    open();
    return true;
  }
  const scope = row.closest('[data-testid=timeline]') ?? row.closest('[data-testid=retry-ladder]');
  const rows = [...(scope?.querySelectorAll<HTMLElement>('[data-attempt-row]') ?? [])];
  const at = rows.indexOf(row);
  const to = key === 'ArrowDown' ? at + 1 : key === 'ArrowUp' ? at - 1 : key === 'Home' ? 0 : key === 'End' ? rows.length - 1 : null;
  if (to === null) return false;
  rows[Math.max(0, Math.min(rows.length - 1, to))]?.focus();
  return true;
}
