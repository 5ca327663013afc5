// Analytics benchmark (issue 14): the report on the cached 1M-delivery store (query-store.ts), through `serve`'s
// control API as the view asks for it (cold = first call after start, warm = median of repeats), each part's time
// on a connection of the bench's own, and `cli report` end to end (a process start included). Prints; asserts
// nothing.
import path from 'node:path';
import Database from 'better-sqlite3';
import { getAnalytics } from '../../electron/core/store/analytics';
import { createContext } from '../../electron/core/store/context';
import { openStore } from '../../electron/core/store';
import { apiOf } from '../reliability/support/api';
import { runCli, startServe } from '../support/serve';
import { ensureQueryStore } from './query-store';

interface Timing {
  name: string;
  query: string;
  coldMs: number;
  medianMs: number;
  maxMs: number;
  targetColdMs: number | null;
  targetWarmMs: number | null;
}

export interface AnalyticsBenchResult {
  messages: number;
  deliveries: number;
  /** the first open after an upgrade builds the summaries (schema migration 6); 0 when they were there */
  openMs: number;
  /** per report part, on a connection of the bench's own: ms of the warm run */
  sections: { query: string; totalMs: number; parts: Record<string, number> }[];
  api: Timing[];
  cli: { format: string; ms: number; code: number | null }[];
}

const QUERIES: [string, string, number | null, number | null][] = [
  // name, query, cold target, warm target
  ['every message', '', 1000, 300],
  ['one campaign', 'campaign:black_friday_2025_rcs', null, null],
  ['flagged duplicate', 'flag:duplicate', null, null],
  ['an hour', 'after:2025-11-28T20:00Z before:2025-11-28T21:00Z', null, null],
];

export async function runAnalyticsBench(opts: { resultsDir: string; messages: number; repeats: number; log: (s: string) => void }): Promise<AnalyticsBenchResult> {
  const dir = path.join(opts.resultsDir, `query-store-${opts.messages}`);
  const { dataDir, manifest } = ensureQueryStore(dir, { messages: opts.messages, log: opts.log });
  const file = path.join(dataDir, 'inspector.sqlite');

  const t0 = performance.now();
  openStore({ file }).close();
  const openMs = Math.round(performance.now() - t0);
  opts.log(`analytics: store opened in ${openMs} ms (summaries built now if this is the first open since the upgrade)`);

  const sections: AnalyticsBenchResult['sections'] = [];
  const db = new Database(file, { readonly: true });
  try {
    db.pragma('cache_size = -65536');
    const ctx = createContext(db);
    for (const [, query] of QUERIES) {
      let parts: Record<string, number> = {};
      let totalMs = 0;
      for (let i = 0; i < 2; i++) {
        parts = {};
        const t = performance.now();
        getAnalytics(ctx, query, Date.now(), (s, ms) => (parts[s] = Math.round((parts[s] ?? 0) + ms)));
        totalMs = Math.round(performance.now() - t);
      }
      sections.push({ query, totalMs, parts });
      opts.log(`  parts of ${JSON.stringify(query)}: ${totalMs} ms = ${Object.entries(parts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    }
  } finally {
    db.close();
  }

  const api: Timing[] = [];
  const serve = await startServe([], { dataDir, timeoutMs: 120_000 });
  try {
    const call = apiOf(serve);
    for (const [name, query, targetColdMs, targetWarmMs] of QUERIES) {
      const once = async () => {
        const t = performance.now();
        await call('getAnalytics', { query });
        return performance.now() - t;
      };
      const coldMs = await once();
      const warm: number[] = [];
      for (let i = 0; i < opts.repeats; i++) warm.push(await once());
      warm.sort((a, b) => a - b);
      const t: Timing = { name, query, coldMs: round(coldMs), medianMs: round(warm[Math.floor(warm.length / 2)]), maxMs: round(warm.at(-1)!), targetColdMs, targetWarmMs };
      api.push(t);
      opts.log(`  view ${name.padEnd(20)} cold ${t.coldMs} ms  median ${t.medianMs} ms`);
    }
  } finally {
    await serve.stop();
  }

  const cli: AnalyticsBenchResult['cli'] = [];
  for (const format of ['json', 'text']) {
    const t = performance.now();
    const r = await runCli(['report', '--data-dir', dataDir, '--format', format]);
    cli.push({ format, ms: Math.round(performance.now() - t), code: r.code });
    opts.log(`  cli report --format ${format}: ${cli.at(-1)!.ms} ms (exit ${r.code})`);
  }
  return { messages: opts.messages, deliveries: manifest.deliveries, openMs, sections, api, cli };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export function analyticsReport(r: AnalyticsBenchResult, table: (head: string[], rows: (string | number)[][]) => string, mark: (ok: boolean | null) => string): string {
  const out = [`\nAnalytics: ${r.deliveries.toLocaleString('en')} deliveries / ${r.messages.toLocaleString('en')} messages; store open ${r.openMs} ms`];
  out.push(
    table(
      ['view (serve, HTTP)', 'query', 'cold ms', 'median ms', 'max ms', 'target', ''],
      r.api.map((t) => [
        t.name,
        t.query || '(none)',
        t.coldMs,
        t.medianMs,
        t.maxMs,
        t.targetWarmMs ? `cold < ${t.targetColdMs}, warm < ${t.targetWarmMs}` : '',
        t.targetWarmMs ? mark(t.coldMs < t.targetColdMs! && t.medianMs < t.targetWarmMs) : '',
      ]),
    ),
  );
  for (const s of r.sections) out.push(`parts of ${JSON.stringify(s.query)} (${s.totalMs} ms): ${Object.entries(s.parts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  out.push(r.cli.map((c) => `cli report --format ${c.format}: ${c.ms} ms (target < 2000: ${mark(c.ms < 2000 && c.code === 0)})`).join('; '));
  return out.join('\n');
}
