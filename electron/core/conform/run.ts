// Running the battery against one endpoint: every probe is a single HTTP attempt, measured alone (status, time,
// body), never retried here: a retry is itself a probe of the battery. The lifecycle goes first and alone, so an
// endpoint nobody answers at is reported in one sentence instead of as nine failed checks; the burst goes last and
// alone, so its concurrency is the battery's only load.
import type { ConformReport } from '../../../shared/api';
import { ApiError } from '../../../shared/api-error';
import { GATEWAY_TIMEOUT_MS } from '../../../shared/constants';
import { createAgents, isTimeoutError, send } from '../replay/http-send';
import { parseTargetUrl, type HeaderPair } from '../replay/request';
import { limiter } from '../replay/attempts';
import type { Campaign, CheckPlan, Probe } from './battery';
import { planBattery } from './battery';
import { judgeCheck, summarize, type ProbeResult } from './verdict';

/** How long a probe waits: past the gateway's 10 s, so a late answer says how late ("took 12.0 s > 10 s"). */
const PROBE_WAIT_MS = 15_000;

/** Headers that belong to the connection or the body: set here, not copied from the simulated delivery. */
const OWN_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive']);

export interface ConformOptions {
  url: string;
  /** the target's own headers (e.g. Authorization), added to every probe */
  headers?: HeaderPair[];
  seed: number;
  campaign: Campaign;
  signal?: AbortSignal;
  /** after each check, for progress lines */
  onCheck?: (c: ConformReport['checks'][number]) => void;
  waitMs?: number;
}

export async function runConformance(o: ConformOptions): Promise<ConformReport> {
  const url = parseTargetUrl(o.url);
  const startedAt = Date.now();
  const agents = createAgents();
  const waitMs = o.waitMs ?? PROBE_WAIT_MS;
  const plans = planBattery(o.campaign);
  const sendOne = async (p: Probe): Promise<ProbeResult> => {
    const body = Buffer.from(p.body, 'utf8');
    const headers: HeaderPair[] = [['Host', url.host]];
    for (const [k, v] of Object.entries(p.headers)) if (!OWN_HEADERS.has(k.toLowerCase())) headers.push([k, v]);
    if (!headers.some(([k]) => k.toLowerCase() === 'content-type')) headers.push(['Content-Type', 'application/json']);
    for (const [k, v] of o.headers ?? []) {
      for (let i = headers.length - 1; i >= 0; i--) if (headers[i]![0].toLowerCase() === k.toLowerCase()) headers.splice(i, 1);
      if (v !== '') headers.push([k, v]);
    }
    headers.push(['Content-Length', String(body.length)], ['Connection', 'close']);
    const r = await send({ url, method: 'POST', headers, body }, { timeoutMs: waitMs, signal: o.signal, agents });
    return { status: r.status, durationMs: r.durationMs, error: r.error, answer: r.responseExcerpt };
  };
  const runPlan = async (plan: CheckPlan): Promise<ProbeResult[]> => {
    const slot = limiter(plan.concurrency);
    const results = await Promise.all(plan.probes.map((p) => slot(() => sendOne(p))));
    if (o.signal?.aborted) throw new Error('the conformance run was cancelled');
    return results;
  };

  try {
    const all: ProbeResult[] = [];
    const checks: ConformReport['checks'] = [];
    const judged = (plan: CheckPlan, results: ProbeResult[]) => {
      all.push(...results);
      const c = judgeCheck(plan, results);
      checks.push(c);
      o.onCheck?.(c);
    };
    const [first, ...rest] = plans;
    const burst = rest.pop()!;
    const lifecycle = await runPlan(first!);
    const unreachable = lifecycle.length > 0 && lifecycle.every((r) => r.status === null && r.error !== null && !isTimeoutError(r.error));
    // 'unavailable': the same code a call gets when what it needs is not there; the message is the one sentence shown
    if (unreachable) throw new ApiError('unavailable', `cannot reach ${url.href}: ${lifecycle[0]!.error}`);
    judged(first!, lifecycle);
    const silent = lifecycle.length > 0 && lifecycle.every((r) => r.status === null && isTimeoutError(r.error));
    if (silent) {
      // an endpoint that answered none of them would only make the rest wait minutes to say the same
      const why = `not run: the endpoint answered none of the lifecycle's ${lifecycle.length} requests within ${waitMs / 1000} s`;
      for (const plan of [...rest, burst]) {
        const c: ConformReport['checks'][number] = { ...judgeCheck({ ...plan, probes: [] }, []), verdict: 'fail', reason: why };
        checks.push(c);
        o.onCheck?.(c);
      }
    } else {
      // order only matters inside a check (each sends its probes in turn), so the middle checks run side by side
      const middle = await Promise.all(rest.map(runPlan));
      rest.forEach((plan, i) => judged(plan, middle[i]!));
      judged(burst, await runPlan(burst));
    }
    return {
      id: 0,
      targetUrl: url.href,
      seed: o.seed,
      startedAt,
      durationMs: Date.now() - startedAt,
      ok: checks.every((c) => c.verdict !== 'fail'),
      checks,
      summary: summarize(all, GATEWAY_TIMEOUT_MS),
    };
  } finally {
    agents.destroy();
  }
}
