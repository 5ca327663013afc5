// Test helper: plays deliveries through parse → classify the way the store does (prior attempts of the same
// event key, in receipt order) and builds messages from the result. Also loads the shared samples.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDeliveryBody, type ParseResult } from '../../shared/callback';
import { eventKeyOf } from '../../shared/callback-fields';
import { classifyDelivery, priorAttempts, type Classification, type PriorAttempt } from '../../shared/classify';
import { flagFacts } from '../../shared/flag-facts';
import { buildMessage, type LifecycleDelivery } from '../../shared/lifecycle';
import type { DeliverySummary, MessageDetail } from '../../shared/domain';

export interface SampleDelivery {
  seq: number;
  received_at: string;
  response_status: number | null;
  body: Record<string, unknown>;
  note?: string;
}

export interface Samples {
  events: Record<string, Record<string, unknown>>;
  lifecycles: Record<string, SampleDelivery[]>;
}

export const samples: Samples = JSON.parse(
  // the repo's copy of the provided samples, so a clone anywhere is self-contained
  readFileSync(path.join(__dirname, '..', 'fixtures', 'callbacks.json'), 'utf8'),
);

export const bytes = (body: unknown): Uint8Array =>
  body instanceof Uint8Array ? body : new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));

export const parseJson = (body: unknown, contentType: string | undefined = 'application/json'): ParseResult =>
  parseDeliveryBody(bytes(body), contentType);

export interface Fed {
  id: number;
  receivedAt: number;
  parse: ParseResult;
  classification: Classification;
  summary: DeliverySummary;
}

/** A stand-in for the store's ingest: ids in receipt order, prior attempts per event key. */
export class Feed {
  readonly fed: Fed[] = [];
  private readonly prior = new Map<string, PriorAttempt[]>();

  add(receivedAt: number | string, body: unknown, contentType: string | undefined = 'application/json'): Fed {
    const at = typeof receivedAt === 'string' ? Date.parse(receivedAt) : receivedAt;
    const id = this.fed.length + 1;
    const raw = bytes(body);
    const parse = parseDeliveryBody(raw, contentType);
    const key = parse.callback ? eventKeyOf(parse.callback) : null;
    const prior = key ? (this.prior.get(key) ?? []) : [];
    const classification = classifyDelivery({ receivedAt: at, parse, prior: priorAttempts(prior, parse.canonicalJson, raw) });
    if (key) this.prior.set(key, [...prior, { id, receivedAt: at, canonicalJson: parse.canonicalJson, body: raw }]);
    const cb = parse.callback;
    const summary: DeliverySummary = {
      id,
      receivedAt: at,
      method: 'POST',
      path: '/callbacks',
      outcome: 'stored',
      responseStatus: 200,
      responseMs: 1,
      rejectReason: null,
      bodySize: bytes(body).length,
      reference: cb?.reference ?? null,
      eventId: cb?.eventId ?? null,
      type: cb?.type ?? null,
      kind: cb?.kind ?? 'unknown',
      channel: cb?.channel ?? null,
      direction: cb?.direction ?? null,
      userId: cb?.userId ?? null,
      campaign: cb?.campaignName ?? null,
      timestamp: cb?.timestamp ?? null,
      attempt: classification.attempt,
      flags: classification.flags.map((f) => f.flag),
      ...flagFacts(classification.flags),
      preview: cb?.text ?? '',
    };
    const f: Fed = { id, receivedAt: at, parse, classification, summary };
    this.fed.push(f);
    return f;
  }

  addLifecycle(lc: SampleDelivery[]): Fed[] {
    return lc.map((d) => this.add(d.received_at, d.body));
  }

  lifecycleDeliveries(reference: string): LifecycleDelivery[] {
    return this.fed
      .filter((f) => f.parse.callback?.reference === reference)
      .map((f) => ({ summary: f.summary, callback: f.parse.callback!, flags: f.classification.flags }));
  }

  message(reference: string, now: number | string): MessageDetail {
    const t = typeof now === 'string' ? Date.parse(now) : now;
    return buildMessage(reference, this.lifecycleDeliveries(reference), t);
  }
}

/** A callback in the gateway's format, overridable field by field. */
export function cb(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    reference: 'ref-1',
    campaign_name: 'camp',
    event_id: 'ev-1',
    direction: 'outbound',
    session_id: null,
    user_id: '5511900000001',
    timestamp: '2026-11-28T10:00:00.000Z',
    channel: 'RCS',
    type: 'Text',
    message: { contentType: 'text', text: 'hello' },
    vars: null,
    ...overrides,
  };
}

export const T0 = Date.parse('2026-11-28T10:00:00.000Z');
/** ISO time `s` seconds after T0 */
export const at = (s: number): string => new Date(T0 + s * 1000).toISOString();
