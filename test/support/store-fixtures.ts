// Deliveries for store tests and benchmarks: the documented sample lifecycles, and a seeded generator of a
// realistic mix (happy paths, replies, no-RCS exceptions with and without SMS fallback, upstream errors, prepaid
// and duplicate blocks, gateway retries, broken bodies) in receipt order, streamed so a million rows never sit
// in memory at once.
import fs from 'node:fs';
import path from 'node:path';
import type { IngestInput } from '../../electron/core/store/types';
import { seededRandom } from '../../electron/core/simulate/content';

const SAMPLES_FILE = path.resolve(__dirname, '..', 'fixtures', 'callbacks.json');

interface SampleDelivery {
  seq: number;
  received_at: string;
  response_status: number | null;
  body: unknown;
}
interface Samples {
  events: Record<string, Record<string, unknown>>;
  lifecycles: Record<string, SampleDelivery[]>;
}

export function loadSamples(): Samples {
  return JSON.parse(fs.readFileSync(SAMPLES_FILE, 'utf8')) as Samples;
}

const encoder = new TextEncoder();

/** One received request as the receiver would hand it to the store. */
export function deliveryInput(
  body: unknown,
  receivedAt: number,
  opts: { contentType?: string | null; responseStatus?: number; path?: string; raw?: boolean } = {},
): IngestInput {
  const bytes =
    body instanceof Uint8Array ? body : encoder.encode(typeof body === 'string' && opts.raw ? body : JSON.stringify(body));
  const headers: [string, string][] = [
    ['Host', 'inspector.loca.lt'],
    ['User-Agent', 'axios/1.7.2'],
  ];
  if (opts.contentType !== null) headers.push(['Content-Type', opts.contentType ?? 'application/json']);
  headers.push(['Content-Length', String(bytes.length)], ['X-Forwarded-For', '203.0.113.7']);
  return {
    request: {
      method: 'POST',
      path: opts.path ?? '/callbacks',
      query: '',
      headers,
      body: bytes,
      bodySize: bytes.length,
      remoteAddress: '127.0.0.1',
      receivedAt,
    },
    outcome: 'stored',
    responseStatus: opts.responseStatus ?? 200,
    rejectReason: null,
    bodyTruncated: false,
  };
}

/** A refused delivery (e.g. 413 body too large): the store keeps metadata and the first bytes. */
export function rejectedInput(firstBytes: string, bodySize: number, receivedAt: number, reason = 'body larger than 1 MiB'): IngestInput {
  const input = deliveryInput(firstBytes, receivedAt, { raw: true, responseStatus: 413 });
  return { ...input, request: { ...input.request, bodySize }, outcome: 'rejected', rejectReason: reason, bodyTruncated: true };
}

/** Each sample lifecycle as store inputs, in the documented receipt order. */
export function sampleLifecycleInputs(): Record<string, IngestInput[]> {
  const samples = loadSamples();
  return Object.fromEntries(
    Object.entries(samples.lifecycles).map(([name, list]) => [
      name,
      list.map((d) =>
        // null = the gateway timed out waiting for us; the request still arrived and was stored
        deliveryInput(d.body, Date.parse(d.received_at), { responseStatus: d.response_status ?? 200 }),
      ),
    ]),
  );
}

// ------------------------------------------------------------------ generator

export interface GeneratorOptions {
  /** number of messages (references); about 3.3 deliveries each */
  messages: number;
  seed?: number;
  /** received time of the first delivery */
  startAt?: number;
  /** gap between the starts of two messages */
  spacingMs?: number;
}

const CAMPAIGNS = [
  'black_friday_2025_rcs',
  'black_friday_2025_sms',
  'cyber_monday_2025',
  'natal_2025_rcs',
  'boleto_lembrete',
  'entrega_status',
  'pesquisa_nps',
  'reativacao_clientes',
  'onboarding_app',
  'cashback_dezembro',
];
const NAMES = ['Maria', 'João', 'Paulo', 'Ana', 'Lucas', 'Beatriz', 'Carla', 'Rafael', 'Fernanda', 'Gustavo', 'Juliana', 'Pedro'];
const TEXTS = [
  'Olá {n}, seu pedido {p} foi enviado! Acompanhe pelo app.',
  '{n}, seu boleto vence amanhã. Pague pelo Pix e ganhe 5% de cashback.',
  'Black Friday: 25% OFF para você, {n}. Use o cupom BF25 até 30/11.',
  '{n}, seu pedido {p} saiu para entrega! Toque para acompanhar.',
  'Como foi sua experiência com a Loja Exemplo, {n}? Responda de 0 a 10.',
  'Feliz Natal, {n}! Frete grátis acima de R$ 199 em toda a loja.',
];
const REPLIES = ['Quero a oferta', 'Qual o prazo de entrega para Campinas?', 'Sim', 'Não, obrigado', '10', 'Falar com atendente'];

type Kind =
  | 'happy'
  | 'reply'
  | 'delivered'
  | 'sent'
  | 'read-only'
  | 'double'
  | 'norcs-fallback'
  | 'norcs-missing'
  | 'error'
  | 'prepaid'
  | 'dupblock'
  | 'retries'
  | 'invalid';
const MIX: [Kind, number][] = [
  ['happy', 0.38],
  ['read-only', 0.01],
  ['double', 0.01],
  ['reply', 0.1],
  ['delivered', 0.15],
  ['sent', 0.04],
  ['norcs-fallback', 0.08],
  ['norcs-missing', 0.02],
  ['error', 0.03],
  ['prepaid', 0.03],
  ['dupblock', 0.02],
  ['retries', 0.12],
  ['invalid', 0.01],
];

interface Pending {
  at: number;
  seq: number;
  make: () => IngestInput;
}

/** Min-heap on (at, seq): deliveries of overlapping messages come out in receipt order. */
class Heap {
  private a: Pending[] = [];
  get size(): number {
    return this.a.length;
  }
  peek(): Pending | undefined {
    return this.a[0];
  }
  private less(i: number, j: number): boolean {
    return this.a[i].at < this.a[j].at || (this.a[i].at === this.a[j].at && this.a[i].seq < this.a[j].seq);
  }
  push(p: Pending): void {
    const a = this.a;
    a.push(p);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      [a[i], a[parent]] = [a[parent], a[i]];
      i = parent;
    }
  }
  pop(): Pending {
    const a = this.a;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(l, m)) m = l;
        if (r < a.length && this.less(r, m)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

function hex(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(rand() * 16).toString(16);
  return s;
}

function uuid(rand: () => number): string {
  return `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-a${hex(rand, 3)}-${hex(rand, 12)}`;
}

/**
 * Realistic deliveries in receipt order. Deterministic for a seed. Every message's deliveries fall within
 * ~15 minutes of its start, so memory stays proportional to the messages in flight, not the total.
 */
export function* generateDeliveries(opts: GeneratorOptions): Generator<IngestInput> {
  const rand = seededRandom(opts.seed ?? 1);
  const start = opts.startAt ?? Date.UTC(2025, 10, 28, 9, 0, 0);
  const spacing = opts.spacingMs ?? 250;
  const heap = new Heap();
  let seq = 0;
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const iso = (ms: number) => new Date(ms).toISOString();

  for (let i = 0; i < opts.messages; i++) {
    const t0 = start + i * spacing;
    while (heap.size > 0 && heap.peek()!.at <= t0) yield heap.pop().make();

    let r = rand();
    let kind: Kind = 'happy';
    for (const [k, p] of MIX) {
      if (r < p) {
        kind = k;
        break;
      }
      r -= p;
    }
    const reference = uuid(rand);
    const eventId = uuid(rand);
    const campaign = pick(CAMPAIGNS);
    const user = `55${11 + Math.floor(rand() * 80)}9${String(Math.floor(rand() * 1e8)).padStart(8, '0')}`;
    const name = pick(NAMES);
    const order = `A-${10000 + Math.floor(rand() * 90000)}`;
    const text = pick(TEXTS).replace('{n}', name).replace('{p}', order);
    const vars = { nome: name, pedido: order };
    const base = { reference, campaign_name: campaign, event_id: eventId, session_id: null, user_id: user };
    const emit = (at: number, body: Record<string, unknown> | string, status = 200, contentType?: string | null) => {
      const s = seq++;
      heap.push({ at, seq: s, make: () => deliveryInput(body, at, { responseStatus: status, raw: typeof body === 'string', contentType }) });
    };
    const cb = (ts: number, fields: Record<string, unknown>) => ({ ...base, timestamp: iso(ts), ...fields, vars });
    const sent = (ts: number, channel = 'RCS') =>
      cb(ts, { direction: 'outbound', channel, type: 'Text', message: { contentType: 'text', text } });
    const status = (ts: number, type: string, channel = 'RCS') =>
      cb(ts, { direction: 'inbound', channel, type, message: null });
    const lag = () => 150 + Math.floor(rand() * 600);

    const tSent = t0;
    const tDel = tSent + 1000 + Math.floor(rand() * 5000);
    const tRead = tDel + 5000 + Math.floor(rand() * 600_000);
    switch (kind) {
      case 'invalid':
        if (rand() < 0.5) emit(t0 + lag(), `{"reference": "${reference}", "type": "Text", `, 200);
        else emit(t0 + lag(), { ...sent(tSent), timestamp: 'yesterday' }, 200, 'text/plain');
        break;
      case 'prepaid':
        emit(tSent + lag(), cb(tSent, { direction: 'inbound', channel: 'RCS', type: 'PREPAID_BLOCKED', message: rand() < 0.7 ? 'Limite de créditos do cliente atingido' : `Limite de créditos da conta atingido ${hex(rand, 8)}` }));
        break;
      case 'dupblock':
        emit(tSent + lag(), { ...sent(tSent), status: 'bloqueado por duplicidade' });
        break;
      case 'error':
        emit(tSent + lag(), sent(tSent));
        emit(tSent + 400 + lag(), cb(tSent + 400, { direction: 'inbound', channel: 'RCS', type: 'ERROR', message: `Request failed with status code ${pick([502, 503])}: upstream unavailable` }));
        break;
      case 'norcs-fallback':
      case 'norcs-missing': {
        emit(tSent + lag(), sent(tSent));
        const tExc = tSent + 600;
        emit(tExc + lag(), cb(tExc, { direction: 'inbound', channel: 'RCS', type: 'EXCEPTION', message: 'Request failed with status code 403: Device does not support RCS' }));
        if (kind === 'norcs-fallback') {
          emit(tExc + 500 + lag(), sent(tExc + 500, 'SMS'));
          emit(tExc + 6000 + lag(), status(tExc + 6000, 'DELIVERED', 'SMS'));
        }
        break;
      }
      case 'read-only':
        // the DELIVERED callback never reached us
        emit(tSent + lag(), sent(tSent));
        emit(tRead + lag(), status(tRead, 'READ'));
        break;
      case 'double':
        // the gateway fell back to SMS although RCS got through: the recipient got it twice
        emit(tSent + lag(), sent(tSent));
        emit(tDel + lag(), status(tDel, 'DELIVERED'));
        emit(tDel + 2000 + lag(), sent(tDel + 2000, 'SMS'));
        emit(tDel + 9000 + lag(), status(tDel + 9000, 'DELIVERED', 'SMS'));
        break;
      case 'retries': {
        emit(tSent + lag(), sent(tSent));
        // our endpoint failed: the gateway re-sends the same DELIVERED on its schedule (10 s, 30 s, 2 min)
        const body = status(tDel, 'DELIVERED');
        const attempts = 2 + Math.floor(rand() * 3);
        let at = tDel + lag();
        const gaps = [10_000, 30_000, 120_000];
        for (let a = 0; a < attempts; a++) {
          emit(at, body, a === attempts - 1 ? 200 : 503);
          at += gaps[a] + Math.floor(rand() * 3000);
        }
        if (rand() < 0.5) emit(tRead + 200_000 + lag(), status(tRead + 200_000, 'READ'));
        break;
      }
      default: {
        emit(tSent + lag(), sent(tSent));
        if (kind === 'sent') break;
        emit(tDel + lag(), status(tDel, 'DELIVERED'));
        if (kind === 'delivered') break;
        emit(tRead + lag(), status(tRead, 'READ'));
        if (kind === 'reply') {
          const tRep = tRead + 2000 + Math.floor(rand() * 60_000);
          const reply = pick(REPLIES);
          emit(tRep + lag(), cb(tRep, { event_id: uuid(rand), direction: 'inbound', channel: 'RCS', type: 'TEXT', message: { contentType: 'text', text: reply } }));
        }
      }
    }
  }
  while (heap.size > 0) yield heap.pop().make();
}

/** Feeds a generator into a store in batches (group commits), returning the number of deliveries. */
export function fillStore(
  store: { ingest(batch: IngestInput[], now?: number): unknown },
  source: Iterable<IngestInput>,
  batchSize = 500,
  now?: number,
): number {
  let batch: IngestInput[] = [];
  let n = 0;
  for (const d of source) {
    batch.push(d);
    if (batch.length >= batchSize) {
      store.ingest(batch, now);
      n += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) {
    store.ingest(batch, now);
    n += batch.length;
  }
  return n;
}
