// The conformance battery: a fixed list of checks, each a set of probes (one HTTP request each) cut from a seeded
// simulated campaign. Checks never share a message, so an endpoint that refuses duplicates fails the retry checks
// and only those. The list is documented in the README and in every report (`what`, `requirement`).
/** What this module needs of the simulator's output (electron/core/simulate/generate.ts). */
interface CampaignDelivery {
  reference: string;
  eventKey: string;
  body: string;
  headers: Record<string, string>;
  atMs: number;
}
interface CampaignTruth {
  reference: string;
  state: string;
  anomalies: readonly string[];
}
export interface Campaign {
  deliveries: CampaignDelivery[];
  truth: CampaignTruth[];
}

export interface Probe {
  /** what was sent, for a reason: "the exact retry 2 of DELIVERED of ref-1" */
  label: string;
  body: string;
  headers: Record<string, string>;
  /** index (in the same check) of the probe whose answer this retry must repeat */
  retryOf?: number;
}

export interface CheckPlan {
  id: string;
  title: string;
  what: string;
  requirement: string;
  probes: Probe[];
  /** probes in flight at once: 1 sends them one after another, in order */
  concurrency: number;
  /** a limit of the plan itself, e.g. documented types the campaign lacked */
  note?: string;
}

const BURST_SIZE = 100;
/** The documentation gives no figure; 20 at once is an assumption, said in the report. */
const BURST_CONCURRENCY = 20;
const RETRIES_PER_EVENT = 2;

const R200 = 'Must return HTTP 200 for confirmation, within 10 s';
const RIDEM = 'Must handle duplicate messages (idempotency): 200 again, the same answer';

/** Every type the gateway's documentation names, with the variants it lists (error codes, block scopes). */
const DOCUMENTED_TYPES = [
  'Text', 'Image', 'Video', 'RichCard', 'Carousel',
  'DELIVERED', 'READ', 'suggestionResponse',
  'TEXT reply', 'IMAGE reply', 'VIDEO reply', 'LOCATION reply',
  'EXCEPTION 401', 'EXCEPTION 403', 'EXCEPTION 404', 'ERROR 502', 'ERROR 503',
  'PREPAID_BLOCKED customer', 'PREPAID_BLOCKED account', 'duplicate block',
] as const;

interface Parsed {
  d: CampaignDelivery;
  json: Record<string, unknown>;
  type: string;
  /** DOCUMENTED_TYPES entry, or null */
  documented: string | null;
}

export function planBattery(campaign: Campaign): CheckPlan[] {
  const firsts = firstDeliveries(campaign.deliveries);
  const byRef = new Map<string, Parsed[]>();
  for (const p of firsts) byRef.set(p.d.reference, [...(byRef.get(p.d.reference) ?? []), p]);
  const truth = new Map(campaign.truth.map((t) => [t.reference, t]));
  const used = new Set<string>();
  const take = (pred: (ps: Parsed[], t: CampaignTruth | undefined) => boolean): Parsed[] => {
    for (const [ref, ps] of byRef) {
      if (used.has(ref) || !pred(ps, truth.get(ref))) continue;
      used.add(ref);
      return ps;
    }
    return [];
  };
  const clean = (t: CampaignTruth | undefined) => !!t && t.anomalies.length === 0;
  const has = (ps: Parsed[], ...types: string[]) => types.every((ty) => ps.some((p) => p.documented === ty));
  const plans: CheckPlan[] = [];

  const life = take((ps, t) => clean(t) && t!.state === 'replied' && has(ps, 'DELIVERED', 'READ'));
  const lifeAny = life.length ? life : take((ps, t) => clean(t) && has(ps, 'DELIVERED', 'READ'));
  plans.push({
    id: 'lifecycle',
    title: 'Normal lifecycle',
    what: 'one message from its sent echo through DELIVERED and READ to the reply, in order, one at a time',
    requirement: R200,
    probes: lifeAny.map((p) => probe(p, `${describe(p)}, in the lifecycle`)),
    concurrency: 1,
  });

  const retried = take((ps, t) => clean(t) && ps.length >= 3).slice(0, 3);
  plans.push({
    id: 'exact-retry',
    title: 'Exact retries',
    what: `${retried.length} events, each followed by ${RETRIES_PER_EVENT} byte-identical retries (sent after its answer: the gateway waits 10 s, the endpoint cannot tell)`,
    requirement: RIDEM,
    probes: withRetries(retried, 'exact retry', (p) => p.d.body),
    concurrency: 1,
  });

  const reordered = take((ps, t) => clean(t) && ps.length >= 2).slice(0, 2);
  plans.push({
    id: 'reordered-retry',
    title: 'Key-reordered retries',
    what: `${reordered.length} events, each retried with the same fields in another key order and spacing (the same event as JSON)`,
    requirement: RIDEM,
    probes: withRetries(reordered, 'key-reordered retry', (p) => JSON.stringify(reverseKeys(p.json), null, 2)),
    concurrency: 1,
  });

  const ooo = take((ps, t) => clean(t) && has(ps, 'DELIVERED', 'READ'));
  plans.push({
    id: 'out-of-order',
    title: 'Out-of-order arrival',
    what: 'one message\'s callbacks in reverse order: READ before DELIVERED before the sent echo',
    requirement: R200,
    probes: [...ooo].reverse().map((p) => probe(p, `${describe(p)}, arriving out of order`)),
    concurrency: 1,
  });

  const fb = take((_ps, t) => t?.state === 'fell-back');
  plans.push({
    id: 'sms-fallback',
    title: 'SMS fallback',
    what: 'a message whose device has no RCS: the 403/404 exception, then its SMS callbacks',
    requirement: R200,
    probes: fb.map((p) => probe(p, `${describe(p)}, in the SMS fallback`)),
    concurrency: 1,
    ...(fb.length ? {} : { note: 'the campaign held no SMS fallback' }),
  });

  // one callback of each documented type, from messages no other check uses
  const typed = new Map<string, Parsed>();
  for (const [ref, ps] of byRef) {
    if (used.has(ref)) continue;
    const fresh = ps.filter((p) => p.documented && !typed.has(p.documented));
    if (fresh.length === 0) continue;
    used.add(ref);
    for (const p of fresh) if (!typed.has(p.documented!)) typed.set(p.documented!, p);
    if (typed.size === DOCUMENTED_TYPES.length) break;
  }
  const missing = DOCUMENTED_TYPES.filter((t) => !typed.has(t));
  plans.push({
    id: 'types',
    title: 'Every documented type',
    what: `one callback of each of the ${DOCUMENTED_TYPES.length} documented types and variants (content echoes, statuses, replies, exceptions, errors, prepaid and duplicate blocks)`,
    requirement: R200,
    probes: DOCUMENTED_TYPES.filter((t) => typed.has(t)).map((t) => probe(typed.get(t)!, `a ${t} callback (reference ${typed.get(t)!.d.reference})`)),
    concurrency: 4,
    ...(missing.length ? { note: `not in this campaign: ${missing.join(', ')}` } : {}),
  });

  const extra = take((ps, t) => clean(t) && ps.length >= 2).slice(0, 2);
  const unknownType = take((ps, t) => clean(t) && ps.length >= 1).slice(0, 1);
  plans.push({
    id: 'unknown-fields',
    title: 'Unknown fields and types',
    what: 'callbacks carrying fields the documentation does not list (top level and inside message), and one of a type it does not list',
    requirement: R200,
    probes: [
      ...extra.map((p) => ({ ...probe(p, `${describe(p)} with unknown fields`), body: JSON.stringify(withUnknownFields(p.json)) })),
      ...unknownType.map((p) => ({ ...probe(p, 'a callback of an unknown type (IS_TYPING)'), body: JSON.stringify({ ...p.json, type: 'IS_TYPING', direction: 'inbound' }) })),
    ],
    concurrency: 4,
  });

  const big = take((ps, t) => clean(t) && ps.some((p) => p.documented === 'Carousel' || p.documented === 'RichCard'));
  const bigBase = big.find((p) => p.documented === 'Carousel' || p.documented === 'RichCard');
  const bigReply = take((ps, t) => clean(t) && ps.length >= 1)[0];
  const largeProbes: Probe[] = [];
  if (bigBase) largeProbes.push({ ...probe(bigBase, 'a 10-card carousel at the RCS field limits'), body: JSON.stringify(largestCarousel(bigBase.json)) });
  if (bigReply) largeProbes.push({ ...probe(bigReply, 'a long text reply with accents and emoji'), body: JSON.stringify(longReply(bigReply.json)) });
  const largest = Math.max(0, ...largeProbes.map((p) => Buffer.byteLength(p.body)));
  plans.push({
    id: 'large-bodies',
    title: 'Large bodies',
    what: `the largest callbacks the message limits allow: a 10-card carousel echo with every text at its limit and 50 vars (${Math.round(largest / 1024)} KB), and a 3,000-character reply`,
    requirement: R200,
    probes: largeProbes,
    concurrency: 2,
  });

  const burst: Parsed[] = [];
  for (const [ref, ps] of byRef) {
    if (burst.length >= BURST_SIZE) break;
    if (used.has(ref)) continue;
    used.add(ref);
    burst.push(...ps.slice(0, BURST_SIZE - burst.length));
  }
  plans.push({
    id: 'burst',
    title: 'Burst',
    what: `${burst.length} callbacks of a campaign, ${BURST_CONCURRENCY} at a time (the documentation names no limit; ${BURST_CONCURRENCY} is our assumption)`,
    requirement: R200,
    probes: burst.map((p) => probe(p, `${describe(p)}, in the burst`)),
    concurrency: BURST_CONCURRENCY,
  });
  return plans;
}

function probe(p: Parsed, label: string): Probe {
  return { label, body: p.d.body, headers: p.d.headers };
}

function withRetries(ps: Parsed[], what: string, retryBody: (p: Parsed) => string): Probe[] {
  const out: Probe[] = [];
  for (const p of ps) {
    const first = out.length;
    out.push(probe(p, `the first delivery of ${describe(p)}`));
    for (let i = 1; i <= RETRIES_PER_EVENT; i++) {
      out.push({ label: `${what} ${i} of ${describe(p)}`, body: retryBody(p), headers: p.d.headers, retryOf: first });
    }
  }
  return out;
}

/** "DELIVERED of reference 7f3a…": the reference is what a user finds in their own logs. */
function describe(p: Parsed): string {
  return `${p.documented ?? (p.type || 'a callback')} of reference ${p.d.reference}`;
}

/** Each event's first delivery, in the order the campaign sends them: the battery makes its own retries. */
function firstDeliveries(all: CampaignDelivery[]): Parsed[] {
  const seen = new Set<string>();
  const out: Parsed[] = [];
  for (const d of [...all].sort((a, b) => a.atMs - b.atMs)) {
    if (seen.has(d.eventKey)) continue;
    seen.add(d.eventKey);
    let json: unknown;
    try {
      json = JSON.parse(d.body);
    } catch {
      continue;
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) continue;
    const o = json as Record<string, unknown>;
    const type = typeof o.type === 'string' ? o.type : '';
    out.push({ d, json: o, type, documented: documentedType(o) });
  }
  return out;
}

const ECHO: Record<string, string> = { text: 'Text', image: 'Image', video: 'Video', richcard: 'RichCard', carousel: 'Carousel' };
const REPLY = new Set(['TEXT', 'IMAGE', 'VIDEO', 'LOCATION']);

function documentedType(o: Record<string, unknown>): string | null {
  if (o.status !== undefined && o.status !== null) return 'duplicate block';
  const type = typeof o.type === 'string' ? o.type : '';
  const up = type.toUpperCase();
  const text = typeof o.message === 'string' ? o.message : JSON.stringify(o.message ?? '');
  const inbound = String(o.direction ?? '').toLowerCase() === 'inbound';
  if (inbound && REPLY.has(up)) return `${up} reply`;
  if (!inbound && ECHO[type.toLowerCase()]) return ECHO[type.toLowerCase()]!;
  if (up === 'DELIVERED' || up === 'READ') return up;
  if (up === 'SUGGESTIONRESPONSE') return 'suggestionResponse';
  if (up === 'EXCEPTION' || up === 'ERROR') {
    const code = /status code (\d{3})/.exec(text)?.[1];
    return code ? `${up} ${code}` : null;
  }
  if (up === 'PREPAID_BLOCKED') return /conta/i.test(text) ? 'PREPAID_BLOCKED account' : 'PREPAID_BLOCKED customer';
  return null;
}

function reverseKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)]));
  return v;
}

function withUnknownFields(o: Record<string, unknown>): Record<string, unknown> {
  const message = o.message && typeof o.message === 'object' ? { ...(o.message as object), renderHint: { theme: 'dark', version: 3 } } : o.message;
  return { ...o, message, x_trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', priority: 'high', metadata: { region: 'sa-east-1', shard: 7, tags: ['a', 'b'] } };
}

const PT = 'Promoção válida até domingo — frete grátis para São Paulo, Brasília e Belém 🎉 ';
const fill = (n: number) => PT.repeat(Math.ceil(n / PT.length)).slice(0, n);

/** RCS Business Messaging's limits: 10 cards, title 200, description 2,000, 4 suggestions of 25 and postback 2,048. */
function largestCarousel(o: Record<string, unknown>): Record<string, unknown> {
  const items = Array.from({ length: 10 }, (_, i) => ({
    title: fill(200),
    description: fill(2000),
    fileUrl: `https://cdn.example.com.br/rcs/campanha/${'x'.repeat(150)}/${i}.jpg`,
    suggestions: Array.from({ length: 4 }, (_, j) => ({ type: 'reply', title: fill(25), value: `sku_${i}_${j}_${'p'.repeat(2030)}` })),
  }));
  const vars = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`var_${i}`, fill(200)]));
  return { ...o, type: 'Carousel', direction: 'outbound', message: { contentType: 'carousel', message: { text: fill(2000), items } }, vars };
}

function longReply(o: Record<string, unknown>): Record<string, unknown> {
  return { ...o, type: 'TEXT', direction: 'inbound', message: { contentType: 'text', text: fill(3000) } };
}
