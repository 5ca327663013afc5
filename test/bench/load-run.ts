// The load generator, run as its own process so it never shares an event loop with the server it measures.
// Usage: node --import tsx test/bench/load-run.ts '<LoadOptions as JSON>'  → last stdout line is a LoadResult.
import autocannon from 'autocannon';
import { callbackBodyFactory } from './callback-bodies';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSec: number;
  /** unmeasured run first, so the JIT and the SQLite page cache are warm for every contender alike */
  warmupSec: number;
  /** requests per second over all connections; absent = as fast as the server answers */
  overallRate?: number;
  seed?: number;
  /** every callback on this one reference */
  reference?: string;
}

export interface LoadResult {
  url: string;
  connections: number;
  durationSec: number;
  requests: number;
  reqPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  meanBodyBytes: number;
  /** 200 answers during the warm-up (those deliveries are stored too) */
  warmupAcknowledged: number;
}

async function run(opts: LoadOptions, seconds: number, seedOffset: number) {
  const next = callbackBodyFactory({ seed: (opts.seed ?? 1) + seedOffset, ...(opts.reference ? { reference: opts.reference } : {}) });
  let bytes = 0;
  let made = 0;
  const result = await autocannon({
    url: `${opts.url}/callbacks`,
    method: 'POST',
    connections: opts.connections,
    duration: seconds,
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
    headers: { 'content-type': 'application/json', 'user-agent': 'axios/1.7.2' },
    requests: [
      {
        setupRequest: (req: Record<string, unknown>) => {
          const b = next().body;
          bytes += b.length;
          made++;
          return { ...req, body: b };
        },
      },
    ],
  });
  return { result, meanBodyBytes: made ? bytes / made : 0 };
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const warm = opts.warmupSec > 0 ? (await run(opts, opts.warmupSec, 1000)).result : null;
  const { result: r, meanBodyBytes } = await run(opts, opts.durationSec, 0);
  const statuses: Record<string, number> = {};
  for (const [code, s] of Object.entries((r.statusCodeStats ?? {}) as Record<string, { count: number }>)) statuses[code] = s.count;
  return {
    url: opts.url,
    connections: opts.connections,
    durationSec: opts.durationSec,
    requests: r.requests.total,
    reqPerSec: r.requests.average,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: r.latency.average },
    statuses,
    errors: r.errors,
    timeouts: r.timeouts,
    meanBodyBytes: Math.round(meanBodyBytes),
    warmupAcknowledged: warm?.statusCodeStats?.['200']?.count ?? 0,
  };
}

if (require.main === module) {
  runLoad(JSON.parse(process.argv[2] ?? '{}') as LoadOptions)
    .then((res) => process.stdout.write(JSON.stringify(res) + '\n'))
    .catch((err) => {
      process.stderr.write(String(err instanceof Error ? err.stack : err) + '\n');
      process.exit(1);
    });
}
