// An in-memory core built from the shared domain functions, plugged into the page as a fake `window.rci` bridge.
// Used to look at the UI (screenshots) and to drive live bursts without a server; the e2e tests use real `serve`.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { ROOT } from '../support/browser';
import type { Api, ApiEventBatch, AppStatus, Counts, LiveStatus } from '../../shared/api';
import { parseDeliveryBody, previewOf } from '../../shared/callback';
import { eventKeyOf } from '../../shared/callback-fields';
import { classifyDelivery, priorAttempts, type PriorAttempt } from '../../shared/classify';
import { flagFacts } from '../../shared/flag-facts';
import type { DeliveryDetail, DeliverySummary, MessageSummary } from '../../shared/domain';
import { buildMessage, type LifecycleDelivery } from '../../shared/lifecycle';
import { parseQuery } from '../../shared/query';
import { deliveryMatches, messageMatches } from '../../shared/query-match';

interface Stored extends LifecycleDelivery {
  detail: DeliveryDetail;
}

export class FakeCore {
  private rows: Stored[] = [];
  private byRef = new Map<string, Stored[]>();
  private lastAt = new Map<string, number>();
  private byEvent = new Map<string, PriorAttempt[]>();
  private messageCache = new Map<string, MessageSummary>();
  readonly listeners = new Set<(b: ApiEventBatch) => void>();
  /** like the core's countCap: list totals past it are reported as inexact */
  countCap = Infinity;
  /** replaces parts of the status the page reads (tunnel downtime, public URL) */
  tunnel: Partial<AppStatus['tunnel']> = {};
  /** what the status says about deliveries stored and not indexed yet */
  indexing: AppStatus['indexing'] = { pending: 0, lagMs: 0 };
  /** the store file in use, and the damaged ones the status reports */
  storeFile = '/home/dev/.config/rcs-callback-inspector/inspector.sqlite';
  damagedStores: AppStatus['damagedStores'] = [];

  /** the frame the core's live-events module would send for these new rows, status bar numbers included */
  batchFor(rows: DeliverySummary[]): ApiEventBatch {
    const refs = [...new Set(rows.map((r) => r.reference).filter((r): r is string => !!r))];
    const data = { deliveries: rows.slice(-200).reverse(), messages: refs.slice(-200).map((r) => this.message(r)), total: this.rows.length, status: this.liveStatus() };
    return [{ event: 'deliveries', data }];
  }

  /** what every status and every live frame say about the store */
  private liveStatus(): LiveStatus {
    return {
      deliveriesTotal: this.rows.length + this.indexing.pending, deliveriesToday: this.rows.length, messagesTotal: this.lastAt.size,
      indexing: this.indexing, storeBytes: 4096 * 1024 + this.rows.length * 900,
    };
  }

  post(body: unknown, receivedAt = Date.now()): DeliverySummary {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const bytes = new TextEncoder().encode(text);
    const parse = parseDeliveryBody(bytes, 'application/json');
    const cb = parse.callback;
    const key = cb ? eventKeyOf(cb) : null;
    const prior = key ? (this.byEvent.get(key) ?? []) : [];
    const cls = classifyDelivery({ receivedAt, parse, prior: priorAttempts(prior, parse.canonicalJson, bytes) });
    const id = this.rows.length + 1;
    if (key) this.byEvent.set(key, [...prior, { id, receivedAt, canonicalJson: parse.canonicalJson, body: bytes }]);
    const flags = [...new Set([...cls.flags.map((f) => f.flag), ...(parse.problems.length ? (['invalid'] as const) : [])])];
    const summary: DeliverySummary = {
      id, receivedAt, method: 'POST', path: '/callbacks', outcome: 'stored', responseStatus: 200, responseMs: 1 + (id % 7),
      rejectReason: null, bodySize: bytes.length, reference: cb?.reference ?? null, eventId: cb?.eventId ?? null, type: cb?.type ?? null,
      kind: cb?.kind ?? 'unknown', channel: cb?.channel ?? null, direction: cb?.direction ?? null, userId: cb?.userId ?? null,
      campaign: cb?.campaignName ?? null, timestamp: cb?.timestamp ?? null, attempt: cls.attempt, flags, ...flagFacts(cls.flags),
      preview: previewOf(parse),
    };
    const detail: DeliveryDetail = {
      ...summary, query: '', headers: [['host', '127.0.0.1'], ['content-type', 'application/json'], ['user-agent', 'gateway']],
      remoteAddress: '127.0.0.1', bodyBase64: Buffer.from(bytes).toString('base64'), bodyText: text, bodyTruncated: false,
      callback: cb, flagDetails: cls.flags, forwards: [], answeredBy: null,
    };
    const stored = { summary, callback: cb!, flags: cls.flags, detail };
    this.rows.push(stored);
    if (summary.reference) {
      this.messageCache.delete(summary.reference);
      if (cb) this.byRef.set(summary.reference, [...(this.byRef.get(summary.reference) ?? []), stored]);
      this.lastAt.delete(summary.reference);
      this.lastAt.set(summary.reference, receivedAt);
    }
    return summary;
  }

  /** what the core's live-events module would send for these new rows, into the page */
  emit(page: Page, rows: DeliverySummary[]) {
    return this.emitBatch(page, this.batchFor(rows));
  }

  /** any live events (urlChanged, warning, tunnel…) into the page */
  emitBatch(page: Page, batch: ApiEventBatch) {
    return page.evaluate((b) => (window as unknown as { __rciEmit: (b: unknown) => void }).__rciEmit(b), batch);
  }

  /** the core's capped total (electron/core/store/queries.ts): exact up to the cap or on a short page */
  private page<T>(all: T[], offset: number, limit: number, query: string) {
    const rows = all.slice(offset, offset + limit);
    // without a query the core reads its counters, which are exact
    if (!query || all.length <= this.countCap) return { rows, total: all.length, totalIsExact: true, offset };
    if (rows.length > 0 && rows.length < limit) return { rows, total: offset + rows.length, totalIsExact: true, offset };
    return { rows, total: Math.max(this.countCap, offset + rows.length), totalIsExact: false, offset };
  }

  private message(ref: string): MessageSummary {
    let m = this.messageCache.get(ref);
    if (!m) {
      m = buildMessage(ref, this.byRef.get(ref) ?? [], Date.now()).summary;
      this.messageCache.set(ref, m);
    }
    return m;
  }

  private messages(query: string): MessageSummary[] {
    const parsed = parseQuery(query);
    if (parsed.errors.length) throw new Error(parsed.errors.join('; '));
    // lastAt keeps insertion order = arrival order of each reference's latest delivery
    const out: MessageSummary[] = [];
    for (const ref of [...this.lastAt.keys()].reverse()) {
      const m = this.message(ref);
      if (messageMatches(parsed, m) !== false) out.push(m);
    }
    return out;
  }

  api(): Api {
    const status = (): AppStatus => ({
      version: '0.1.0', receiverUrl: 'http://127.0.0.1:4730', callbackPath: '/callbacks',
      tunnel: { state: 'online', publicUrl: 'https://brave-otter-42.loca.lt', host: 'https://localtunnel.me', requestedSubdomain: null, attempt: 0, nextTryAt: null, reason: null, since: Date.now(), downtime: [], ...this.tunnel },
      ...this.liveStatus(), dataDir: '/home/dev/.config/rcs-callback-inspector', maxBodyBytes: 1 << 20,
      storeFile: this.storeFile, damagedStores: this.damagedStores,
    });
    const impl: Partial<Api> = {
      getStatus: async () => status(),
      listMessages: async ({ query = '', offset = 0, limit = 100 }) => {
        return this.page(this.messages(query), offset, limit, query);
      },
      listDeliveries: async ({ query = '', offset = 0, limit = 100 }) => {
        const parsed = parseQuery(query);
        const all = this.rows.map((r) => r.summary).reverse().filter((d) => deliveryMatches(parsed, d, d.reference ? this.message(d.reference) : null));
        return this.page(all, offset, limit, query);
      },
      getMessage: async ({ reference }) => {
        const rows = this.byRef.get(reference) ?? [];
        return rows.length ? buildMessage(reference, rows, Date.now()) : null;
      },
      getDelivery: async ({ id }) => this.rows[id - 1]?.detail ?? null,
      getCounts: async ({ query = '' }) => {
        const ms = this.messages(query);
        const c: Counts = { flags: {}, states: {}, anomalies: {}, campaigns: [], deliveries: query ? Math.min(this.countCap, this.rows.length) : this.rows.length, messages: query ? Math.min(this.countCap, ms.length) : ms.length, sampled: query !== '' && (this.rows.length > this.countCap || ms.length > this.countCap) };
        // like the core: exact counters without a query, counted over at most the cap with one
        for (const m of ms) {
          c.states[m.state] = (c.states[m.state] ?? 0) + 1;
          for (const f of m.flags) c.flags[f] = (c.flags[f] ?? 0) + 1;
          for (const a of m.anomalies) c.anomalies[a] = (c.anomalies[a] ?? 0) + 1;
        }
        return c;
      },
      suggestValues: async () => [],
      listTargets: async () => [{ id: 1, url: 'http://127.0.0.1:3000/webhooks/rcs', headers: [], isDefault: true }],
      listForwards: async () => [],
      copyAsCurl: async ({ deliveryId }) => `curl -X POST http://127.0.0.1:3000/webhooks/rcs --data-binary @delivery-${deliveryId}.json`,
      sendTestCallback: async () => ({ deliveryId: null, status: 200, url: 'http://127.0.0.1:4730/callbacks' }),
      getMark: async () => ({ pinned: false, note: null }),
      listJobs: async () => [],
    };
    return impl as Api;
  }

  /** installs window.rci in the page, calling back into this process */
  async attach(page: Page): Promise<void> {
    const api = this.api() as unknown as Record<string, (a: unknown) => Promise<unknown>>;
    await page.exposeFunction('__rciCall', async (name: string, arg: unknown) => {
      const fn = api[name];
      if (!fn) throw new Error(`fake core has no ${name}`);
      return fn(arg ?? {});
    });
    // a string, not a function: the test transpiler would inject helpers the page does not have
    await page.addInitScript(`(() => {
      const listeners = new Set();
      window.__rciEmit = (b) => listeners.forEach((l) => l(b));
      window.rci = {
        platform: 'linux',
        api: new Proxy({}, { get: (_t, name) => (arg) => window.__rciCall(String(name), arg) }),
        onEvents: (l) => (listeners.add(l), () => listeners.delete(l)),
      };
    })()`);
  }
}

/** serves the built renderer (dist/renderer) on 127.0.0.1 for pages driven by a FakeCore */
export async function serveRendererDist(): Promise<{ url: string; close: () => Promise<void> }> {
  const dist = path.join(ROOT, 'dist', 'renderer');
  const server = http.createServer((req, res) => {
    const p = path.join(dist, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/$/, '/index.html'));
    if (!p.startsWith(dist) || !fs.existsSync(p)) return void res.writeHead(404).end();
    const type = p.endsWith('.js') ? 'text/javascript' : p.endsWith('.css') ? 'text/css' : 'text/html';
    res.writeHead(200, { 'content-type': type }).end(fs.readFileSync(p));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
