// Ingest benchmark: one load (autocannon, own process) against three servers (each in its own process), one
// after the other, in rounds: (a) bare node:http, (b) mockttp recording in memory, (c) `serve` committing
// every delivery to SQLite (WAL, synchronous=FULL, group commit) before it answers 200.
import { apiOf } from '../reliability/support/api';
import { startServe } from '../support/serve';
import { peakRssOf, runLoadChild, startPeer } from './children';
import type { LoadResult } from './load-run';
import { median, medianBy, round } from './stats';

interface IngestRow {
  server: 'bare node:http' | 'mockttp (in memory)' | 'receiver (durable)';
  load: LoadResult;
  peakRssBytes: number | null;
  /** receiver only: deliveries in the store after the run vs 200s the load generator saw */
  stored?: number;
  acknowledged?: number;
}

interface IngestRound {
  rows: IngestRow[];
  ratios: { receiverOverBare: number; receiverOverMockttp: number };
}

export interface IngestBenchResult {
  connections: number;
  durationSec: number;
  warmupSec: number;
  /** each round runs the three servers back to back, so a ratio compares runs minutes apart at most */
  rounds: IngestRound[];
  /** per server: the round with its median req/s */
  rows: IngestRow[];
  /** median over the rounds of each round's own ratio */
  ratios: { receiverOverBare: number; receiverOverMockttp: number };
}

/**
 * Runs `rounds` rounds of bare → mockttp → receiver. On a shared VM the machine's speed drifts by a third within
 * minutes (bare node:http measured 15,000-25,000 req/s within one hour here), so one run of each compares
 * different machines; the ratios are taken within each round, and their median is reported.
 */
export async function runIngestBench(opts: {
  connections: number;
  durationSec: number;
  warmupSec: number;
  rounds: number;
  log: (s: string) => void;
}): Promise<IngestBenchResult> {
  const rounds: IngestRound[] = [];
  for (let i = 0; i < opts.rounds; i++) {
    opts.log(`ingest: round ${i + 1} of ${opts.rounds}`);
    rounds.push(await runRound(opts));
    const r = rounds[rounds.length - 1]!.ratios;
    opts.log(`  round ${i + 1}: receiver/bare ${r.receiverOverBare}, receiver/mockttp ${r.receiverOverMockttp}`);
  }
  const rows = rounds[0]!.rows.map((_, k) => medianBy(rounds.map((r) => r.rows[k]!), (row) => row.load.reqPerSec));
  return {
    connections: opts.connections,
    durationSec: opts.durationSec,
    warmupSec: opts.warmupSec,
    rounds,
    rows,
    ratios: {
      receiverOverBare: median(rounds.map((r) => r.ratios.receiverOverBare)),
      receiverOverMockttp: median(rounds.map((r) => r.ratios.receiverOverMockttp)),
    },
  };
}

async function runRound(opts: {
  connections: number;
  durationSec: number;
  warmupSec: number;
  log: (s: string) => void;
}): Promise<IngestRound> {
  const load = (url: string) =>
    runLoadChild({ url, connections: opts.connections, durationSec: opts.durationSec, warmupSec: opts.warmupSec, seed: 1 });
  const rows: IngestRow[] = [];
  const show = (r: IngestRow) =>
    opts.log(
      `  ${r.server.padEnd(22)} ${Math.round(r.load.reqPerSec).toString().padStart(7)} req/s  p50 ${r.load.latencyMs.p50} ms  p99 ${r.load.latencyMs.p99} ms  statuses ${JSON.stringify(r.load.statuses)} errors ${r.load.errors}`,
    );

  for (const kind of ['bare', 'mockttp'] as const) {
    opts.log(`ingest: ${kind} (${opts.connections} connections, ${opts.warmupSec} s warm-up + ${opts.durationSec} s)`);
    const peer = await startPeer(kind);
    try {
      const result = await load(peer.url);
      const row: IngestRow = {
        server: kind === 'bare' ? 'bare node:http' : 'mockttp (in memory)',
        load: result,
        peakRssBytes: peakRssOf(peer.proc.pid),
      };
      rows.push(row);
      show(row);
    } finally {
      await peer.stop();
    }
  }

  opts.log(`ingest: receiver via serve (${opts.connections} connections, ${opts.warmupSec} s warm-up + ${opts.durationSec} s)`);
  const serve = await startServe();
  try {
    const result = await load(serve.receiverUrl);
    const status = await apiOf(serve)('getStatus', {});
    const row: IngestRow = {
      server: 'receiver (durable)',
      load: result,
      peakRssBytes: peakRssOf(serve.proc.pid),
      stored: status.deliveriesTotal,
      acknowledged: (result.statuses['200'] ?? 0) + result.warmupAcknowledged,
    };
    rows.push(row);
    show(row);
    opts.log(
      `  store holds ${status.deliveriesTotal.toLocaleString('en')} deliveries for ${row.acknowledged!.toLocaleString('en')} answered 200 (warm-up included), ${(status.storeBytes / 1e6).toFixed(1)} MB`,
    );
  } finally {
    await serve.stop();
  }

  const [a, b, c] = rows;
  return {
    rows,
    ratios: {
      receiverOverBare: round(c!.load.reqPerSec / a!.load.reqPerSec),
      receiverOverMockttp: round(c!.load.reqPerSec / b!.load.reqPerSec),
    },
  };
}

