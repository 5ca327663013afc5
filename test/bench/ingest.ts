// Ingest benchmark: one load (autocannon, own process) against three servers (each in its own process), one
// after the other, in the same run: (a) bare node:http, (b) mockttp recording in memory, (c) `serve` committing
// every delivery to SQLite (WAL, synchronous=FULL, group commit) before it answers 200.
import { apiOf } from '../reliability/support/api';
import { startServe } from '../support/serve';
import { peakRssOf, runLoadChild, startPeer } from './children';
import type { LoadResult } from './load-run';

export interface IngestRow {
  server: 'bare node:http' | 'mockttp (in memory)' | 'receiver (durable)';
  load: LoadResult;
  peakRssBytes: number | null;
  /** receiver only: deliveries in the store after the run vs 200s the load generator saw */
  stored?: number;
  acknowledged?: number;
}

export interface IngestBenchResult {
  connections: number;
  durationSec: number;
  warmupSec: number;
  rows: IngestRow[];
  ratios: { receiverOverBare: number; receiverOverMockttp: number };
}

export async function runIngestBench(opts: {
  connections: number;
  durationSec: number;
  warmupSec: number;
  log: (s: string) => void;
}): Promise<IngestBenchResult> {
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
    connections: opts.connections,
    durationSec: opts.durationSec,
    warmupSec: opts.warmupSec,
    rows,
    ratios: {
      receiverOverBare: round(c!.load.reqPerSec / a!.load.reqPerSec),
      receiverOverMockttp: round(c!.load.reqPerSec / b!.load.reqPerSec),
    },
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
