// The idempotency check: one stored callback sent N times one after another, then N times at once, judged
// against what of the spec's endpoint requirements shows from outside (200 for confirmation, an answer within 10 s,
// duplicates accepted with 200). Whether the endpoint acted on the event only once cannot be seen from here, and
// the report says so rather than claim it.
import type { IdempotencyReport } from '../../../shared/api';
import { ApiError } from '../../../shared/api-error';
import { GATEWAY_TIMEOUT_MS } from '../../../shared/constants';
import type { ForwardAttempt } from '../../../shared/domain';
import { isTimeoutError } from './http-send';
import { attemptOnce, attemptSucceeded, type SendContext } from './attempts';
import { unsendableReason, type HeaderPair } from './request';

type Sample = IdempotencyReport['sequential'][number];

export async function checkIdempotency(
  ctx: SendContext,
  o: { deliveryId: number; target: { url: string; headers: HeaderPair[] }; times: number; signal?: AbortSignal },
): Promise<IdempotencyReport> {
  const raw = ctx.store.getRawRequest(o.deliveryId);
  if (!raw) throw new ApiError('not-found', `delivery ${o.deliveryId} does not exist`);
  const refused = unsendableReason(raw);
  if (refused) throw new ApiError('bad-request', refused);
  const opts = { deliveryId: o.deliveryId, target: o.target, mode: 'idempotency' as const, asGateway: false, speed: 1, signal: o.signal };
  const sent = async (attempt: number) => {
    const a = await attemptOnce(ctx, opts, attempt);
    if (!a) throw new ApiError('unavailable', 'the idempotency check was cancelled');
    return a;
  };

  const sequential: ForwardAttempt[] = [];
  for (let i = 1; i <= o.times; i++) sequential.push(await sent(i));
  const concurrent = await Promise.all(Array.from({ length: o.times }, (_, i) => sent(o.times + i + 1)));

  return {
    targetUrl: sequential[0]?.targetUrl ?? o.target.url,
    sequential: sequential.map(sample),
    concurrent: concurrent.map(sample),
    checks: judge(sequential, concurrent, ctx.timeoutMs),
  };
}

const sample = (a: ForwardAttempt): Sample => ({ status: a.status, durationMs: a.durationMs, error: a.error });

function outcome(a: ForwardAttempt): string {
  if (a.error) return a.status === null ? a.error : `${a.status} (${a.error})`;
  return String(a.status);
}

/** "500 ×2, connection refused ×1" */
function tally(list: ForwardAttempt[]): string {
  const counts = new Map<string, number>();
  for (const a of list) counts.set(outcome(a), (counts.get(outcome(a)) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ×${n}`).join(', ');
}

function judge(sequential: ForwardAttempt[], concurrent: ForwardAttempt[], timeoutMs: number): IdempotencyReport['checks'] {
  const all = [...sequential, ...concurrent];
  const notOk = all.filter((a) => !attemptSucceeded(a));
  const limit = Math.min(timeoutMs, GATEWAY_TIMEOUT_MS);
  const late = all.filter((a) => a.durationMs >= limit || isTimeoutError(a.error));
  const slowest = (list: ForwardAttempt[]) => Math.max(0, ...list.map((a) => a.durationMs));
  const first = sequential[0]!;
  const repeats = [...sequential.slice(1), ...concurrent];
  const repeatsNotOk = repeats.filter((a) => !attemptSucceeded(a));
  const concurrentNotOk = concurrent.filter((a) => !attemptSucceeded(a));

  return [
    {
      requirement: 'Must return HTTP 200 for confirmation',
      ok: notOk.length === 0,
      detail:
        notOk.length === 0
          ? `all ${all.length} sends answered 200`
          : `${notOk.length} of ${all.length} sends did not get a 200: ${tally(notOk)}`,
    },
    {
      requirement: `Maximum response time: ${GATEWAY_TIMEOUT_MS / 1000} seconds`,
      ok: late.length === 0,
      detail:
        (late.length === 0 ? 'every send was answered in time' : `${late.length} of ${all.length} sends were not answered within ${limit / 1000} s`) +
        `; slowest ${slowest(sequential)} ms one at a time, ${slowest(concurrent)} ms all at once`,
    },
    {
      requirement: 'Duplicates are accepted with 200',
      ok: attemptSucceeded(first) && repeatsNotOk.length === 0,
      detail: !attemptSucceeded(first)
        ? `the first send already failed (${outcome(first)}), so duplicates could not be judged`
        : repeatsNotOk.length === 0
          ? `all ${repeats.length} duplicates were answered 200 (${sequential.length - 1} one after another, ${concurrent.length} at the same time); ` +
            'whether your endpoint acted on the event only once cannot be seen from here: check that your data holds it once'
          : `${repeatsNotOk.length} of ${repeats.length} duplicates were not accepted: ${tally(repeatsNotOk)}` +
            (concurrentNotOk.length > 0 ? ` (${concurrentNotOk.length} of them sent at the same time)` : ''),
    },
  ];
}
