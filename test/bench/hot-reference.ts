// One sender puts 100,000 deliveries on one reference (new event ids and retries), then normal traffic follows.
// Indexing runs in the receiver's process, so its cost per delivery and its longest slice are what an
// acknowledgement can wait behind. Figures: indexing µs per delivery on mixed traffic, on the hot reference early
// and late (the cost must not grow with the message), on mixed traffic after it, the longest slice, and the time
// to open the hot message (cold after a reopen, then warm). In process, on a real SQLite file.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../electron/core/store';
import { startCheckpointer } from '../../electron/core/store/checkpointer';
import type { IngestInput, Store } from '../../electron/core/store/types';
import { deliveryInput, generateDeliveries } from '../support/store-fixtures';
import { startServe } from '../support/serve';
import { apiOf } from '../reliability/support/api';
import { runLoadChild } from './children';
import type { LoadResult } from './load-run';

export interface HotReferenceResult {
  deliveries: number;
  indexUsPerDelivery: { mixedBefore: number; hotFirst10k: number; hotLast10k: number; mixedAfter: number };
  /** indexing slices (5 ms budget each) of the hot phase and of the mixed phases: what an acknowledgement can wait behind */
  sliceMs: { hot: { p99: number; max: number }; mixed: { p99: number; max: number } };
  openMessageMs: { cold: number; warm: number };
  eventsTotal: number;
  /** through a real serve: acknowledgements of mixed traffic before and after a flood on one reference */
  serve?: {
    mixedBefore: LoadSummary;
    hot: LoadSummary;
    mixedAfter: LoadSummary;
    hotDeliveries: number;
    /** getMessage of the hot reference over the control API once indexed */
    openMessageMs: number;
    /** how long after the flood until lists had every delivery */
    caughtUpMs: number | null;
  };
}

interface LoadSummary {
  reqPerSec: number;
  p50: number;
  p99: number;
  non200: number;
}

const summary = (r: LoadResult): LoadSummary => ({
  reqPerSec: Math.round(r.reqPerSec),
  p50: r.latencyMs.p50,
  p99: r.latencyMs.p99,
  non200: Object.entries(r.statuses).filter(([k]) => k !== '200').reduce((n, [, v]) => n + v, 0) + r.errors + r.timeouts,
});

/**
 * A real serve under 50 connections: 10 s of mixed callbacks, then the same load with every callback on one
 * reference (each a new event; the gateway's bodies), then mixed again. Acknowledgement latency of the mixed
 * phases shows whether the hot message slows anyone else down.
 */
async function throughServe(log: (s: string) => void, durationSec: number): Promise<NonNullable<HotReferenceResult['serve']>> {
  const serve = await startServe();
  const api = apiOf(serve);
  const load = (reference?: string) =>
    runLoadChild({ url: serve.receiverUrl, connections: 50, durationSec, warmupSec: 0, seed: 11, ...(reference ? { reference } : {}) });
  try {
    log('hotref: serve, mixed traffic');
    const mixedBefore = await load();
    log('hotref: serve, every callback on one reference');
    const hot = await load('hot-reference-serve');
    log('hotref: serve, mixed traffic again');
    const mixedAfter = await load();
    const flood = performance.now();
    let caughtUpMs: number | null = null;
    while (performance.now() - flood < 120_000) {
      const s = await api('getStatus', {});
      if (s.indexing.pending === 0) {
        caughtUpMs = performance.now() - flood;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const t = performance.now();
    const m = await api('getMessage', { reference: 'hot-reference-serve' });
    const openMessageMs = performance.now() - t;
    return {
      mixedBefore: summary(mixedBefore),
      hot: summary(hot),
      mixedAfter: summary(mixedAfter),
      hotDeliveries: m?.summary.deliveryCount ?? 0,
      openMessageMs,
      caughtUpMs,
    };
  } finally {
    await serve.stop();
  }
}

const T0 = Date.parse('2026-11-28T10:00:00.000Z');
const REF = 'hot-reference';

/** A UUID-shaped event id, as the gateway sends, fixed per k: sequential ids would keep every index's inserts at one end. */
function eventIdOf(k: number): string {
  const h = createHash('md5').update(`reply-${k}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function hotInput(k: number): IngestInput {
  // three in four are new replies (their own event ids), one in four a retry of the same DELIVERED
  const retry = k % 4 === 3;
  return deliveryInput(
    {
      reference: REF,
      campaign_name: 'storm',
      event_id: retry ? 'ev-1' : eventIdOf(k),
      direction: retry ? 'outbound' : 'inbound',
      session_id: null,
      user_id: '5511900000001',
      timestamp: new Date(T0 + (retry ? 1000 : 10_000 + k)).toISOString(),
      channel: 'RCS',
      type: retry ? 'DELIVERED' : 'TEXT',
      message: retry ? null : { text: `reply ${k}` },
      vars: null,
    },
    T0 + 10_000 + k,
  );
}

/**
 * Appends inputs (phase 1), then indexes them in 5 ms slices as the receiver does, holding slices while the WAL
 * starts over as the indexer does (store/wal-restart.ts: the loop is free meanwhile, so the wait does not count);
 * µs per delivery.
 */
async function ingestAndIndex(store: Store, inputs: IngestInput[], slices: number[]): Promise<number> {
  for (let i = 0; i < inputs.length; i += 500) store.ingestRaw(inputs.slice(i, i + 500));
  let busy = 0;
  for (;;) {
    const h = performance.now();
    const hold = store.checkpointWait();
    busy += performance.now() - h;
    if (hold > 0) {
      await new Promise((r) => setTimeout(r, hold));
      continue;
    }
    const t = performance.now();
    const done = store.indexPending(5000, T0 + 200_000, 5);
    if (done.length === 0) break;
    const ms = performance.now() - t;
    busy += ms;
    slices.push(ms);
  }
  return (busy * 1000) / inputs.length;
}

export async function runHotReferenceBench(opts: { deliveries: number; serveSec: number; log: (s: string) => void }): Promise<HotReferenceResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-hot-'));
  const file = path.join(dir, 'inspector.sqlite');
  let store = openStore({ file });
  // as in serve: WAL checkpoints on a worker thread, not in an indexing commit
  const checkpointer = startCheckpointer({
    file: store.file,
    onReady: () => store.setCheckpointsInBackground(true, checkpointer),
    onFailed: (err) => opts.log(`checkpointer failed: ${String(err)}`),
  });
  const hotSlices: number[] = [];
  const slices: number[] = [];
  const mixed = [...generateDeliveries({ messages: 12_000, seed: 3, startAt: T0 })];
  const half = Math.floor(mixed.length / 2);
  try {
    const mixedBefore = await ingestAndIndex(store, mixed.slice(0, half), slices);
    const n = opts.deliveries;
    const chunk = 10_000;
    let hotFirst10k = 0;
    let hotLast10k = 0;
    for (let from = 0; from < n; from += chunk) {
      const us = await ingestAndIndex(store, Array.from({ length: Math.min(chunk, n - from) }, (_, i) => hotInput(from + i)), hotSlices);
      if (from === 0) hotFirst10k = us;
      hotLast10k = us;
      opts.log(`  hot reference: ${Math.min(from + chunk, n).toLocaleString()} deliveries, ${us.toFixed(0)} µs each`);
    }
    const mixedAfter = await ingestAndIndex(store, mixed.slice(half), slices);
    await checkpointer.close();
    store.close();
    store = openStore({ file });
    let t = performance.now();
    const detail = store.getMessage(REF);
    const cold = performance.now() - t;
    t = performance.now();
    store.getMessage(REF);
    const warm = performance.now() - t;
    const result: HotReferenceResult = {
      deliveries: n,
      indexUsPerDelivery: { mixedBefore, hotFirst10k, hotLast10k, mixedAfter },
      sliceMs: { hot: spread(hotSlices), mixed: spread(slices) },
      openMessageMs: { cold, warm },
      eventsTotal: detail?.eventsTotal ?? 0,
    };
    result.serve = await throughServe(opts.log, opts.serveSec);
    return result;
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function spread(xs: number[]): { p99: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { p99: s[Math.floor(s.length * 0.99)] ?? 0, max: s[s.length - 1] ?? 0 };
}

export function hotReferenceReport(r: HotReferenceResult): string {
  const us = r.indexUsPerDelivery;
  return [
    `Hot reference: ${r.deliveries.toLocaleString()} deliveries on one reference (${r.eventsTotal.toLocaleString()} events), between mixed traffic`,
    `| indexing, µs per delivery | mixed before | hot, first 10k | hot, last 10k | mixed after |`,
    `|---|---|---|---|---|`,
    `| | ${us.mixedBefore.toFixed(0)} | ${us.hotFirst10k.toFixed(0)} | ${us.hotLast10k.toFixed(0)} | ${us.mixedAfter.toFixed(0)} |`,
    `indexing slices (5 ms budget): hot reference p99 ${r.sliceMs.hot.p99.toFixed(1)} ms, max ${r.sliceMs.hot.max.toFixed(1)} ms; mixed p99 ${r.sliceMs.mixed.p99.toFixed(1)} ms, max ${r.sliceMs.mixed.max.toFixed(1)} ms`,
    `open the hot message: cold ${r.openMessageMs.cold.toFixed(0)} ms, warm ${r.openMessageMs.warm.toFixed(0)} ms (target < 500 ms)`,
    ...(r.serve
      ? [
          `through serve, 50 connections (acknowledgements):`,
          `| phase | req/s | p50 ms | p99 ms | non-200 |`,
          `|---|---|---|---|---|`,
          ...(['mixedBefore', 'hot', 'mixedAfter'] as const).map((k) => {
            const p = r.serve![k];
            return `| ${k === 'hot' ? 'one reference' : k === 'mixedBefore' ? 'mixed, before' : 'mixed, after'} | ${p.reqPerSec} | ${p.p50} | ${p.p99} | ${p.non200} |`;
          }),
          `hot message: ${r.serve.hotDeliveries.toLocaleString()} deliveries, opened over the control API in ${r.serve.openMessageMs.toFixed(0)} ms; ` +
            `lists caught up ${r.serve.caughtUpMs === null ? 'not within 120 s' : `${(r.serve.caughtUpMs / 1000).toFixed(1)} s`} after the last phase`,
        ]
      : []),
  ].join('\n');
}
