// Query benchmark: `serve` on the cached 1M-delivery store, timed through the control API over HTTP (what the
// browser UI uses; the Electron UI uses IPC to the same handlers, so this includes ~1 ms of HTTP it does not pay).
import fs from 'node:fs';
import path from 'node:path';
import type { ApiCallName, ApiInput } from '../../shared/api';
import { apiOf } from '../reliability/support/api';
import { startServe } from '../support/serve';
import { peakRssOf, rssOf } from './children';
import { ensureQueryStore } from './query-store';

interface QueryTiming {
  name: string;
  group: 'first page' | 'filter' | 'timeline' | 'free text' | 'counts' | 'paging';
  call: string;
  query: string;
  /** first call (cold caches) */
  coldMs: number;
  /** median and worst of the warm repeats */
  medianMs: number;
  maxMs: number;
  rows: number | null;
  targetMs: number | null;
}

export interface QueryBenchResult {
  messages: number;
  deliveries: number;
  storeReused: boolean;
  buildSeconds: number;
  dbBytes: number;
  serveRssBytes: number | null;
  servePeakRssBytes: number | null;
  timings: QueryTiming[];
}

const TARGETS = { 'first page': 30, filter: 50, timeline: 10, 'free text': 200, counts: null, paging: null } as const;

export async function runQueryBench(opts: {
  resultsDir: string;
  messages: number;
  repeats: number;
  log: (s: string) => void;
}): Promise<QueryBenchResult> {
  const dir = path.join(opts.resultsDir, `query-store-${opts.messages}`);
  opts.log(`query: store of ${opts.messages.toLocaleString('en')} messages in ${dir}`);
  const { dataDir, manifest, reused } = ensureQueryStore(dir, { messages: opts.messages, log: opts.log });
  opts.log(`query: ${reused ? 'reused' : `built in ${manifest.buildSeconds} s`}: ${manifest.deliveries.toLocaleString('en')} deliveries`);
  const dbBytes = ['inspector.sqlite', 'inspector.sqlite-wal'].reduce((n, f) => {
    try {
      return n + fs.statSync(path.join(dataDir, f)).size;
    } catch {
      return n;
    }
  }, 0);

  const serve = await startServe([], { dataDir, timeoutMs: 120_000 });
  const api = apiOf(serve);
  const timings: QueryTiming[] = [];
  try {
    const time = async <K extends ApiCallName>(name: string, group: QueryTiming['group'], call: K, arg: ApiInput<K>) => {
      const once = async () => {
        const t0 = performance.now();
        const r = (await api(call, arg)) as unknown;
        return { ms: performance.now() - t0, r };
      };
      const cold = await once();
      const warm: number[] = [];
      for (let i = 0; i < opts.repeats; i++) warm.push((await once()).ms);
      warm.sort((a, b) => a - b);
      const r = cold.r as { rows?: unknown[]; events?: unknown[] } | null;
      const rows = r && Array.isArray(r.rows) ? r.rows.length : r && Array.isArray(r.events) ? r.events.length : null;
      const t: QueryTiming = {
        name,
        group,
        call,
        query: 'query' in (arg as object) ? String((arg as { query?: string }).query ?? '') : JSON.stringify(arg),
        coldMs: round(cold.ms),
        medianMs: round(warm[Math.floor(warm.length / 2)] ?? cold.ms),
        maxMs: round(warm[warm.length - 1] ?? cold.ms),
        rows,
        targetMs: TARGETS[group],
      };
      timings.push(t);
      opts.log(`  ${name.padEnd(40)} cold ${fmt(t.coldMs)}  median ${fmt(t.medianMs)}  rows ${rows ?? '-'}`);
      return cold.r;
    };

    await time('messages, first page', 'first page', 'listMessages', { query: '', offset: 0, limit: 100 });
    await time('deliveries, first page', 'first page', 'listDeliveries', { query: '', offset: 0, limit: 100 });

    const dupPage = (await api('listMessages', { query: 'flag:duplicate', offset: 0, limit: 5 })) as { rows: { reference: string }[] };
    const ref = dupPage.rows[0]?.reference ?? '';
    const t0 = Date.UTC(2025, 10, 28, 9, 0, 0);
    const isoAt = (h: number) => new Date(t0 + h * 3600_000).toISOString().slice(0, 16) + 'Z';
    // the generator starts a message every 250 ms: an hour in the middle of the store's time span
    const midHour = Math.floor((opts.messages * 0.25) / 3600 / 2);
    const filters: [string, string][] = [
      ['type', 'type:EXCEPTION'],
      ['kind', 'kind:reply'],
      ['user (prefix)', 'user:551199'],
      ['campaign', 'campaign:natal_2025_rcs'],
      ['flag duplicate', 'flag:duplicate'],
      ['flag exception', 'flag:exception'],
      ['flag error', 'flag:error'],
      ['flag prepaid-blocked', 'flag:prepaid-blocked'],
      ['flag duplicate-blocked', 'flag:duplicate-blocked'],
      ['flag fallback', 'flag:fallback'],
      ['flag invalid', 'flag:invalid'],
      ['channel', 'channel:SMS'],
      ['direction', 'direction:inbound'],
      ['state', 'state:fell-back'],
      ['anomaly fallback-missing', 'anomaly:fallback-missing'],
      ['anomaly read-without-delivered', 'anomaly:read-without-delivered'],
      ['anomaly double-delivery', 'anomaly:double-delivery'],
      ['ref (prefix)', `ref:${ref.slice(0, 6)}`],
      ['event (prefix)', 'event:ab'],
      ['status', 'status:503'],
      ['after/before window', `after:${isoAt(midHour)} before:${isoAt(midHour + 1)}`],
      ['path', 'path:/callbacks'],
      ['method', 'method:POST'],
      ['negated', '-channel:SMS'],
      ['combined', 'campaign:black_friday_2025_rcs flag:duplicate channel:RCS'],
    ];
    for (const [name, q] of filters) {
      await time(`messages ${name}`, 'filter', 'listMessages', { query: q, offset: 0, limit: 100 });
      await time(`deliveries ${name}`, 'filter', 'listDeliveries', { query: q, offset: 0, limit: 100 });
    }

    await time('timeline (message with retries)', 'timeline', 'getMessage', { reference: ref });
    const anyRef = ((await api('listMessages', { query: '', offset: 0, limit: 1 })) as { rows: { reference: string }[] }).rows[0]?.reference ?? '';
    await time('timeline (latest message)', 'timeline', 'getMessage', { reference: anyRef });

    for (const q of ['Campinas', '"saiu para entrega"', 'upstream unavailable', 'atendente', 'zzzznotfound']) {
      await time(`messages text ${q}`, 'free text', 'listMessages', { query: q, offset: 0, limit: 100 });
      await time(`deliveries text ${q}`, 'free text', 'listDeliveries', { query: q, offset: 0, limit: 100 });
    }

    await time('counts, everything', 'counts', 'getCounts', { query: '' });
    await time('counts, one campaign', 'counts', 'getCounts', { query: 'campaign:natal_2025_rcs' });
    await time('counts, free text', 'counts', 'getCounts', { query: 'Campinas' });
    await time('messages, page at offset 10,000', 'paging', 'listMessages', { query: '', offset: 10_000, limit: 100 });
    await time('deliveries, page at offset 10,000', 'paging', 'listDeliveries', { query: '', offset: 10_000, limit: 100 });

    const serveRssBytes = rssOf(serve.proc.pid);
    const servePeakRssBytes = peakRssOf(serve.proc.pid);
    return {
      messages: opts.messages,
      deliveries: manifest.deliveries,
      storeReused: reused,
      buildSeconds: manifest.buildSeconds,
      dbBytes,
      serveRssBytes,
      servePeakRssBytes,
      timings,
    };
  } finally {
    await serve.stop();
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function fmt(ms: number): string {
  return `${ms.toFixed(1).padStart(7)} ms`;
}
