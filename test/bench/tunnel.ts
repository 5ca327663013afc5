// Tunnel benchmark: the same load (autocannon, own process, ~1 KB callbacks) through one localtunnel-protocol server
// on 127.0.0.1 (test/support/lt-server.ts: the real server's relaying, maxFreeSockets 1 included) to
//   (a) the stock @n8n/localtunnel client in front of a bare node:http server answering 200 (own process), and
//   (b) `serve` with its tunnel (real store, real commit before every 200).
// Both stay registered for the whole run; each round loads (a) and (b) back to back at every concurrency, in
// alternating order, so a ratio compares runs seconds apart on a machine whose speed drifts. Besides the load's
// figures, the server counts per tunnel the sockets it accepted (reconnects) and how many relayed requests reused
// a socket that had carried one before.
import fs from 'node:fs';
import { apiOf } from '../reliability/support/api';
import { startLtServer, type LtServer } from '../support/lt-server';
import { startServe, type ServeHandle } from '../support/serve';
import { peakRssOf, runLoadChild, startPeer, type PeerHandle } from './children';
import type { LoadResult } from './load-run';
import { median, medianBy, round } from './stats';

type Side = 'stock client + bare' | 'serve';

interface TunnelRow {
  side: Side;
  connections: number;
  load: LoadResult;
  /** tunnel sockets the server accepted during this load (each one a connect by the client) */
  socketsAccepted: number;
  relayed: number;
  /** relayed requests that went out on a socket that had already carried one (keep-alive reuse) */
  reused: number;
  /** mean per relayed request at the tunnel server: waiting for a free tunnel socket, then until the answer's head */
  meanWaitMs: number;
  meanServiceMs: number;
  /** CPU time (user + system) of the process behind the tunnel (the client and the server it fronts), per request */
  cpuMsPerRequest: number | null;
  /**
   * share of the machine's CPU time left idle during the load (Linux /proc/stat): near 0, the load was bound by
   * CPU; well above, by each request's time to its answer (the tunnel lets 10 in at a time)
   */
  idleShare: number | null;
  /**
   * serve only: deliveries stored and not yet in its lists when the load ended, and how long until they were (null:
   * not within CATCH_UP_WAIT_MS). The next load starts after that, so one side's catch-up never runs during the
   * other's load, and a faster serve bought by lists falling behind shows here.
   */
  indexing?: { pendingAtEnd: number; caughtUpAfterMs: number | null };
}

/** how long to wait after a load for serve's lists to hold every stored delivery */
const CATCH_UP_WAIT_MS = 30_000;

interface TunnelRound {
  rows: TunnelRow[];
  /** per concurrency: serve's req/s over the stock client's */
  ratios: Record<number, number>;
}

export interface TunnelBenchResult {
  durationSec: number;
  warmupSec: number;
  concurrency: number[];
  rounds: TunnelRound[];
  /** per concurrency: median over rounds of each round's own ratio */
  ratios: Record<number, number>;
  /** per side and concurrency: the round with the median req/s */
  rows: TunnelRow[];
  peakRssBytes: { bare: number | null; serve: number | null };
}

export async function runTunnelBench(opts: {
  durationSec: number;
  warmupSec: number;
  rounds: number;
  concurrency: number[];
  log: (s: string) => void;
}): Promise<TunnelBenchResult> {
  const lt = await startLtServer();
  let bare: PeerHandle | null = null;
  let serve: ServeHandle | null = null;
  try {
    bare = await startPeer('bare-tunnel', lt.url);
    serve = await startServe(['--tunnel', 'localtunnel', '--tunnel-host', lt.url]);
    if (!serve.publicUrl) throw new Error(`serve's tunnel did not come online: ${serve.stderr()}`);
    const urls: Record<Side, string> = { 'stock client + bare': bare.url, serve: serve.publicUrl };
    const rounds: TunnelRound[] = [];
    // Each load sends callbacks of its own (new references and event ids), as a gateway does: `serve` keeps what
    // it received for the whole run, and the same seed every load made every load after the first a run of exact
    // duplicates of stored events (earlier passes measured that, costlier to index than new callbacks).
    let loads = 0;
    for (let i = 0; i < opts.rounds; i++) {
      const rows: TunnelRow[] = [];
      const ratios: Record<number, number> = {};
      for (const connections of opts.concurrency) {
        const order: Side[] = (i + connections) % 2 ? ['serve', 'stock client + bare'] : ['stock client + bare', 'serve'];
        const got: Partial<Record<Side, TunnelRow>> = {};
        for (const side of order) {
          const row = await measure(lt, side, urls[side], side === 'serve' ? serve.proc.pid : bare.proc.pid, connections, { ...opts, seed: 1 + loads++ });
          if (side === 'serve') row.indexing = await caughtUp(apiOf(serve));
          got[side] = row;
          rows.push(row);
          opts.log(
            `  round ${i + 1} ${String(connections).padStart(2)} senders  ${side.padEnd(20)} ${Math.round(row.load.reqPerSec).toString().padStart(5)} req/s` +
              `  p50 ${row.load.latencyMs.p50} ms  p99 ${row.load.latencyMs.p99} ms  non-200 ${nonOk(row.load)}` +
              `  sockets accepted ${row.socketsAccepted} for ${row.relayed} requests, ${row.reused} on a reused socket;` +
              ` mean wait for a socket ${row.meanWaitMs} ms, then ${row.meanServiceMs} ms to the answer; CPU ${row.cpuMsPerRequest} ms/request;` +
              ` machine idle ${row.idleShare === null ? '-' : `${Math.round(row.idleShare * 100)} %`}` +
              (row.indexing ? `; lists ${row.indexing.pendingAtEnd} behind at the end, caught up after ${row.indexing.caughtUpAfterMs ?? '>30000'} ms` : ''),
          );
        }
        ratios[connections] = round(got.serve!.load.reqPerSec / got['stock client + bare']!.load.reqPerSec);
      }
      opts.log(`  round ${i + 1}: serve/stock ${opts.concurrency.map((c) => `${ratios[c]} at ${c}`).join(', ')}`);
      rounds.push({ rows, ratios });
    }
    const ratios: Record<number, number> = {};
    const rows: TunnelRow[] = [];
    for (const c of opts.concurrency) {
      ratios[c] = median(rounds.map((r) => r.ratios[c]!));
      for (const side of ['stock client + bare', 'serve'] as Side[]) {
        rows.push(medianBy(rounds.flatMap((r) => r.rows.filter((x) => x.side === side && x.connections === c)), (x) => x.load.reqPerSec));
      }
    }
    return {
      durationSec: opts.durationSec,
      warmupSec: opts.warmupSec,
      concurrency: opts.concurrency,
      rounds,
      ratios,
      rows,
      peakRssBytes: { bare: peakRssOf(bare.proc.pid), serve: peakRssOf(serve.proc.pid) },
    };
  } finally {
    await serve?.stop();
    await bare?.stop();
    await lt.close();
  }
}

async function measure(
  lt: LtServer,
  side: Side,
  url: string,
  pid: number | undefined,
  connections: number,
  opts: { durationSec: number; warmupSec: number; seed: number },
): Promise<TunnelRow> {
  const id = url.split('/t/')[1]!;
  const before = lt.tunnel(id);
  if (!before) throw new Error(`the tunnel of ${side} is gone`);
  const cpuBefore = cpuMsOf(pid);
  const machineBefore = machineCpu();
  const load = await runLoadChild({ url, connections, durationSec: opts.durationSec, warmupSec: opts.warmupSec, seed: opts.seed });
  const cpuAfter = cpuMsOf(pid);
  const machineAfter = machineCpu();
  const after = lt.tunnel(id)!;
  return {
    side,
    connections,
    load,
    socketsAccepted: after.accepted - before.accepted,
    relayed: after.relayed - before.relayed,
    reused: after.reused - before.reused,
    meanWaitMs: round((after.waitMs - before.waitMs) / Math.max(1, after.relayed - before.relayed)),
    meanServiceMs: round((after.serviceMs - before.serviceMs) / Math.max(1, after.relayed - before.relayed)),
    cpuMsPerRequest:
      cpuBefore !== null && cpuAfter !== null ? round((cpuAfter - cpuBefore) / Math.max(1, after.relayed - before.relayed)) : null,
    idleShare:
      machineBefore && machineAfter && machineAfter.total > machineBefore.total
        ? round((machineAfter.idle - machineBefore.idle) / (machineAfter.total - machineBefore.total))
        : null,
  };
}

async function caughtUp(api: ReturnType<typeof apiOf>): Promise<NonNullable<TunnelRow['indexing']>> {
  const ended = Date.now();
  const pendingAtEnd = (await api('getStatus', {})).indexing.pending;
  for (let pending = pendingAtEnd; Date.now() - ended < CATCH_UP_WAIT_MS; pending = (await api('getStatus', {})).indexing.pending) {
    if (pending === 0) return { pendingAtEnd, caughtUpAfterMs: Date.now() - ended };
    await new Promise((r) => setTimeout(r, 50));
  }
  return { pendingAtEnd, caughtUpAfterMs: null };
}

/** the machine's CPU time, all cores, idle and in all (Linux /proc/stat, in clock ticks); null elsewhere */
function machineCpu(): { idle: number; total: number } | null {
  try {
    const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already counted in user)
    const idle = cpu[3]! + (cpu[4] ?? 0);
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
    return { idle, total };
  } catch {
    return null;
  }
}

export function tunnelReport(t: TunnelBenchResult, table: (head: string[], rows: (string | number)[][]) => string, mark: (ok: boolean | null) => string): string {
  const out = [
    `\nTunnel: ${t.durationSec} s after ${t.warmupSec} s warm-up per load, ${t.rounds.length} round${t.rounds.length === 1 ? '' : 's'}, one localtunnel-protocol server on 127.0.0.1 (median round per side shown)`,
    table(
      ['side', 'senders', 'req/s', 'p50 ms', 'p99 ms', 'non-200', 'socket connects per 100 req', 'reused', 'wait ms', 'answer ms', 'CPU ms/req', 'idle', 'behind at end', 'caught up ms'],
      t.rows.map((r) => [
        r.side,
        r.connections,
        Math.round(r.load.reqPerSec),
        r.load.latencyMs.p50,
        r.load.latencyMs.p99,
        nonOk(r.load),
        r.relayed ? round((100 * r.socketsAccepted) / r.relayed) : '-',
        r.relayed ? `${Math.round((100 * r.reused) / r.relayed)} %` : '-',
        r.meanWaitMs,
        r.meanServiceMs,
        r.cpuMsPerRequest ?? '-',
        r.idleShare === null ? '-' : `${Math.round(r.idleShare * 100)} %`,
        r.indexing?.pendingAtEnd ?? '-',
        r.indexing ? (r.indexing.caughtUpAfterMs ?? '>30000') : '-',
      ]),
    ),
    table(
      ['round', ...t.concurrency.flatMap((c) => [`serve/stock at ${c}`, `serve p99 at ${c}`])],
      t.rounds.map((r, k) => [
        k + 1,
        ...t.concurrency.flatMap((c) => [r.ratios[c]!, r.rows.find((x) => x.side === 'serve' && x.connections === c)?.load.latencyMs.p99 ?? '-']),
      ]),
    ),
  ];
  const p99 = medianOf(t.rounds.map((r) => r.rows.find((x) => x.side === 'serve' && x.connections === 50)?.load.latencyMs.p99).filter((x): x is number => x !== undefined));
  out.push(
    t.concurrency.map((c) => `serve/stock at ${c} = ${t.ratios[c]} (target >= 0.9: ${mark(t.ratios[c]! >= 0.9)})`).join(', ') +
      (p99 !== null ? `, serve p99 at 50 (median round) = ${p99} ms (target <= 250: ${mark(p99 <= 250)})` : ''),
  );
  return out.join('\n');
}

/** user + system CPU time of a process in ms (Linux /proc), null elsewhere */
function cpuMsOf(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux)
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

function nonOk(l: LoadResult): number {
  return Object.entries(l.statuses).filter(([k]) => k !== '200').reduce((n, [, v]) => n + v, 0) + l.errors + l.timeouts;
}

function medianOf(xs: number[]): number | null {
  return xs.length ? median(xs) : null;
}
