// Plain words for the UI: what a flag, an exception, an anomaly or a retry gap means for the user.
import type { AnomalyName, FlagDetail, MessageState } from './domain';
import { FALLBACK_GRACE_MS } from './constants';
import { missedAttemptsFor, retryWindow } from './classify';

/** "Request failed with status code 403: ..." explained for someone integrating with the gateway. */
export function explainException(code: number | null, text: string): string {
  switch (code) {
    case 401:
      return 'The gateway could not get an authentication token from the RCS provider, so the message was not sent. Check the credentials configured for your account.';
    case 403:
    case 404:
      return 'The phone has no RCS; an SMS fallback is expected if your account has it configured.';
    case 400:
      return `The RCS provider rejected the request as invalid${detailOf(text)}. Check the message content (e.g. media URLs must be public and reachable).`;
    case 429:
      return 'The RCS provider is rate-limiting the gateway; the message was not sent.';
    case 500:
      return 'The RCS provider failed with an internal error; the message was not sent.';
    case 502:
    case 503:
    case 504:
      return `Upstream outage: the RCS provider answered ${code} (${code === 502 ? 'Bad Gateway' : code === 503 ? 'Service Unavailable' : 'Gateway Timeout'}). This is not caused by your request; the message was not sent.`;
    default:
      if (code === null && /token|authenticat/i.test(text)) return explainException(401, text);
      if (code === null && /not support(?:s)? RCS|n[ãa]o suporta/i.test(text)) return explainException(403, text);
      if (code !== null && code >= 400 && code < 500)
        return `The RCS provider refused the request with ${code}${detailOf(text)}.`;
      if (code !== null && code >= 500) return `The RCS provider failed with ${code}${detailOf(text)}; the message was not sent.`;
      return text ? `The gateway reported: "${text}".` : 'The gateway reported a failure without any detail.';
  }
}

export function explainFlag(detail: FlagDetail): string {
  switch (detail.flag) {
    case 'duplicate': {
      const what =
        detail.kind === 'semantic'
          ? `Attempt ${detail.attempt}: the same event as delivery #${detail.of} was delivered again with a different payload`
          : detail.sameBytes === true
            ? `Attempt ${detail.attempt}: byte for byte the same payload as delivery #${detail.of} was delivered again`
            : detail.sameBytes === false
              ? `Attempt ${detail.attempt}: same JSON, different bytes — the payload of delivery #${detail.of} was delivered again, formatted differently (key order, spacing or escapes)`
              : // bytes not compared (stored before they were, or the identical attempt too far back among many
                // repeats of this JSON: shared/classify.ts sameBytesLookback): equal JSON is all that is known
                `Attempt ${detail.attempt}: the same JSON as delivery #${detail.of} was delivered again`;
      return `${what}, ${describeRetryGap(detail.gapMs, detail.expectedGapMs, detail.attempt, detail.speed)}`;
    }
    case 'duplicate-blocked':
      return detail.source === 'status'
        ? `The gateway blocked this send as a duplicate of an earlier one ("${detail.status}"); nothing was sent to the phone. Where this reference has no send of its own, that ends it; where the original was sent, its lifecycle carries on.`
        : `The gateway blocked this send as a duplicate ("${detail.status}", reported in the type field by an older gateway version); nothing was sent to the phone. Where this reference has no send of its own, that ends it; where the original was sent, its lifecycle carries on.`;
    case 'exception':
      return explainException(detail.code, detail.text);
    case 'error':
      return explainException(detail.code, detail.text);
    case 'prepaid-blocked':
      if (detail.scope === 'customer')
        return 'Not sent: your customer account has run out of prepaid credits. Top up to resume sending.';
      if (detail.scope === 'account')
        return `Not sent: the account used for this send${detail.accountId ? ` (${detail.accountId})` : ''} has run out of prepaid credits, although your customer account may still have some.`;
      return `Not sent: blocked for lack of prepaid credits ("${detail.text}").`;
    case 'fallback':
      return `Sent over ${detail.channel} instead of RCS: the phone does not support RCS and the account has SMS fallback.`;
    case 'invalid':
      return `This delivery does not match the documented callback format: ${detail.problems.join('; ')}.`;
  }
}

const ANOMALY_TEXT: Record<AnomalyName, string> = {
  'read-without-delivered':
    'The message was reported read but no DELIVERED callback was received: it was lost, is still being retried, or the gateway skipped it.',
  'out-of-order':
    'Callbacks arrived in a different order than their timestamps: do not rely on arrival order to track state.',
  'event-after-terminal':
    'An event happened after the message had already failed or been blocked (a duplicate block counts where the reference was never sent), which should not happen.',
  'fallback-missing': `The phone has no RCS but no SMS callback followed within ${FALLBACK_GRACE_MS / 1000} s of the exception's arrival (the SMS callbacks follow it in flight, so the inspector waits that long before saying so): SMS fallback may not be configured for your account.`,
  'double-delivery': 'The message was delivered both over RCS and over SMS: the recipient got it twice.',
  'field-drift': 'user_id or campaign_name changed between callbacks of the same reference.',
};

export function explainAnomaly(anomaly: AnomalyName): string {
  return ANOMALY_TEXT[anomaly];
}

const STATE_TEXT: Record<MessageState, string> = {
  sent: 'Sent: the gateway sent it, no delivery receipt yet.',
  delivered: 'Delivered to the phone, not read yet.',
  read: 'Read by the recipient.',
  replied: 'The recipient answered or tapped a suggestion.',
  failed: 'Failed: the gateway reported an exception or error and nothing succeeded after it.',
  'fell-back': 'RCS was not possible; the message went out as SMS.',
  blocked: 'Blocked by the gateway: no prepaid credits, or a duplicate send on a reference that was never sent itself.',
};

export function explainState(state: MessageState): string {
  return STATE_TEXT[state];
}

/** Human duration: 850 ms, 12.4 s, 2 min 5 s, 1 h 3 min, 1 d 2 h. */
export function formatDuration(ms: number): string {
  const neg = ms < 0;
  const a = Math.abs(ms);
  let out: string;
  if (a < 1000) out = `${Math.round(a)} ms`;
  else if (a < 60_000) out = `${(a / 1000).toFixed(1).replace(/\.0$/, '')} s`;
  else if (a < 3_600_000) {
    const m = Math.floor(a / 60_000);
    const s = Math.round((a % 60_000) / 1000);
    out = s ? `${m} min ${s} s` : `${m} min`;
  } else if (a < 86_400_000) {
    const h = Math.floor(a / 3_600_000);
    const m = Math.round((a % 3_600_000) / 60_000);
    out = m ? `${h} h ${m} min` : `${h} h`;
  } else {
    const d = Math.floor(a / 86_400_000);
    const h = Math.round((a % 86_400_000) / 3_600_000);
    out = h ? `${d} d ${h} h` : `${d} d`;
  }
  return neg ? `-${out}` : out;
}

/** How a retry gap compares with the documented schedule. `attempt` (optional) enables the missed-attempt hint. */
export function describeRetryGap(gapMs: number, expectedGapMs: number | null, attempt?: number, speed = 1): string {
  const gap = formatDuration(gapMs) + (speed !== 1 ? ` (simulated at ${speed.toLocaleString('en-US')}× speed)` : '');
  if (expectedGapMs === null) {
    return `${gap} after the previous attempt; the gateway documents only 10 retries, so this is beyond its schedule.`;
  }
  const expected = formatDuration(expectedGapMs);
  const { minMs, maxMs } = retryWindow(expectedGapMs, speed);
  if (gapMs >= minMs && gapMs <= maxMs) {
    return `${gap} after the previous attempt, which fits the documented ${expected} retry gap.`;
  }
  if (gapMs < minMs) {
    return gapMs < 1000
      ? // not "not a retry": whether it was one depends on what we answered the attempt before (the ladder says)
        `${gap} after the previous attempt, far sooner than the documented ${expected} retry gap: a retry after a non-200 answer from us, or the same event sent twice.`
      : `${gap} after the previous attempt, sooner than the documented ${expected} retry gap.`;
  }
  const missed = attempt === undefined ? null : missedAttemptsFor(gapMs * speed, attempt);
  if (missed !== null) {
    return `${gap} after the previous attempt, longer than the documented ${expected} retry gap; it matches the schedule if ${missed} attempt${missed === 1 ? '' : 's'} in between never reached this receiver.`;
  }
  return `${gap} after the previous attempt, longer than the documented ${expected} retry gap.`;
}

function detailOf(text: string): string {
  const m = /status code \d{3}\s*:\s*(.+)$/i.exec(text);
  const detail = (m ? m[1] : '').trim();
  return detail ? ` ("${detail}")` : '';
}
