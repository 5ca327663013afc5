// A simulated campaign: seeded, deterministic message lifecycles as the gateway would call back about them
// (spec/rcs-callbacks.txt), with the field variance real gateway versions show, and the ground truth of what the
// inspector must make of each message (design.md "Flags" and the state rules in shared/message-acc.ts).
//
// Two promises the sender and the truth rely on: within a message, event timestamps strictly increase (also at
// one-second precision, for messages whose timestamps carry no milliseconds) and arrival times follow them, so
// a receiver that gets a message's callbacks in order sees no anomaly the truth does not list.
import { SIMULATED_HEADER } from '../../../shared/constants';
import type { AnomalyName, FlagName, MessageState } from '../../../shared/domain';
import { ANOMALY_NAMES, FLAG_NAMES } from '../../../shared/domain';
import {
  accountId,
  between,
  CAMPAIGN_NAMES,
  clickMessage,
  outboundMessage,
  pick,
  recipient,
  replyMessage,
  seededRandom,
  smsText,
  uuid,
  type ContentType,
  type Rand,
  type ReplyType,
} from './content';

export interface SimDelivery {
  reference: string;
  /** `${reference}|${event_id}|${lower-cased type}|${channel}`, as the inspector keys events */
  eventKey: string;
  /** the JSON text sent, byte for byte */
  body: string;
  headers: Record<string, string>;
  /** offset from the campaign's start, before --speed */
  atMs: number;
}

export interface SimTruth {
  reference: string;
  state: MessageState;
  flags: FlagName[];
  anomalies: AnomalyName[];
  /** callbacks the gateway sends about this message (first attempts; retries come on top) */
  deliveries: number;
}

/** Shares of outcomes; any subset may be given, the rest keep their defaults, and the whole is normalized. */
export interface SimMix {
  /** sent, never delivered (phone off, out of coverage) */
  sent: number;
  delivered: number;
  read: number;
  /** a free reply (TEXT, IMAGE, VIDEO or LOCATION) after reading */
  replied: number;
  /** a tap on a card's suggestion (suggestionResponse) after reading */
  clicked: number;
  /** 403/404 no RCS, then the SMS fallback */
  noRcsFallback: number;
  /** 403/404 no RCS and no SMS: fallback not configured */
  noRcsNoFallback: number;
  /** 401: the gateway could not get its token */
  auth: number;
  error502: number;
  error503: number;
  prepaidCustomer: number;
  prepaidAccount: number;
  /** the gateway refused to send the same content to the same user again */
  duplicateBlocked: number;
}

const DEFAULT_MIX: SimMix = {
  sent: 0.04,
  delivered: 0.22,
  read: 0.28,
  replied: 0.06,
  clicked: 0.08,
  noRcsFallback: 0.12,
  noRcsNoFallback: 0.03,
  auth: 0.02,
  error502: 0.02,
  error503: 0.03,
  prepaidCustomer: 0.04,
  prepaidAccount: 0.02,
  duplicateBlocked: 0.04,
};

export type Outcome = keyof SimMix;
export const OUTCOMES = Object.keys(DEFAULT_MIX) as Outcome[];

/** The header every simulated delivery carries, so the inspector (and the user's endpoint) can tell it apart. */
export { SIMULATED_HEADER };

export interface CampaignOptions {
  messages: number;
  seed: number;
  mix?: Partial<SimMix>;
  /** one campaign name for every message; by default each message gets one of a few */
  campaign?: string;
  /** epoch ms of the campaign's start: event timestamps are this plus their offset (default a fixed instant) */
  startMs?: number;
  /** the window over which messages are sent (default 100 ms per message, the pace of a campaign dispatch) */
  spreadMs?: number;
  /**
   * how many times faster than real time the campaign will be sent (default 1): event timestamps are compressed
   * alike, so a callback is never stamped later than it arrives
   */
  speed?: number;
}

const DEFAULT_START_MS = Date.UTC(2025, 10, 28, 12, 0, 0);
const DEFAULT_SPACING_MS = 100;

/** The full mix from a partial one; refuses unknown outcomes, negative shares and a mix of nothing. */
export function resolveMix(mix: Partial<SimMix> = {}): SimMix {
  for (const [k, v] of Object.entries(mix)) {
    if (!(k in DEFAULT_MIX)) throw new Error(`unknown outcome "${k}" in the mix; known: ${OUTCOMES.join(', ')}`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`the share of "${k}" must be a number of 0 or more`);
  }
  const full = { ...DEFAULT_MIX, ...mix };
  const total = OUTCOMES.reduce((s, k) => s + full[k], 0);
  if (!(total > 0)) throw new Error('the mix gives every outcome a share of 0');
  return Object.fromEntries(OUTCOMES.map((k) => [k, full[k] / total])) as unknown as SimMix;
}

export function generateCampaign(o: CampaignOptions): { deliveries: SimDelivery[]; truth: SimTruth[] } {
  if (!Number.isInteger(o.messages) || o.messages < 0) throw new Error('messages must be a whole number of 0 or more');
  const mix = resolveMix(o.mix);
  const rand = seededRandom(o.seed);
  const startMs = o.startMs ?? DEFAULT_START_MS;
  const speed = o.speed ?? 1;
  if (!(speed > 0)) throw new Error('speed must be above 0');
  const spacing = o.messages > 0 && o.spreadMs !== undefined ? Math.max(0, o.spreadMs) / o.messages : DEFAULT_SPACING_MS;
  const all: { d: SimDelivery; seq: number }[] = [];
  const truth: SimTruth[] = [];
  let previous: SentContent | null = null;

  for (let i = 0; i < o.messages; i++) {
    const outcome = drawOutcome(rand, mix);
    const t0 = Math.round(i * spacing + rand() * spacing);
    const m = new MessageBuilder(rand, startMs, speed, t0, o.campaign ?? pick(rand, CAMPAIGN_NAMES));
    const t = lifecycle(m, outcome, previous);
    if (t.content) previous = t.content;
    for (const d of m.deliveries) all.push({ d, seq: all.length });
    truth.push({
      reference: m.reference,
      state: t.state,
      flags: FLAG_NAMES.filter((f) => t.flags.includes(f)),
      anomalies: ANOMALY_NAMES.filter((a) => t.anomalies.includes(a)),
      deliveries: m.deliveries.length,
    });
  }
  all.sort((a, b) => a.d.atMs - b.d.atMs || a.seq - b.seq);
  return { deliveries: all.map((x) => x.d), truth };
}

function drawOutcome(rand: Rand, mix: SimMix): Outcome {
  let r = rand();
  for (const k of OUTCOMES) {
    if (r < mix[k]) return k;
    r -= mix[k];
  }
  return 'read';
}

/** What a message sent, for a later duplicate block of the same content to the same user. */
interface SentContent {
  userId: string;
  vars: Record<string, string>;
  type: ContentType;
  message: Record<string, unknown>;
}

interface LifecycleTruth {
  state: MessageState;
  flags: FlagName[];
  anomalies: AnomalyName[];
  content?: SentContent;
}

const CONTENT_TYPES: readonly ContentType[] = ['Text', 'Text', 'Text', 'Image', 'Video', 'RichCard', 'RichCard', 'Carousel'];
const CARD_TYPES: readonly ContentType[] = ['RichCard', 'RichCard', 'Carousel'];
const REPLY_TYPES: readonly ReplyType[] = ['TEXT', 'TEXT', 'TEXT', 'IMAGE', 'VIDEO', 'LOCATION'];

function lifecycle(m: MessageBuilder, outcome: Outcome, previous: SentContent | null): LifecycleTruth {
  const rand = m.rand;
  if (outcome === 'prepaidCustomer' || outcome === 'prepaidAccount') {
    // the send was refused before it went out: no echo, only the block
    const text = outcome === 'prepaidCustomer' ? 'Limite de créditos do cliente atingido' : `Limite de créditos da conta atingido ${accountId(rand)}`;
    m.event(between(rand, 100, 900), { direction: 'inbound', channel: 'RCS', type: 'PREPAID_BLOCKED', message: m.notice(text) });
    return { state: 'blocked', flags: ['prepaid-blocked'], anomalies: [] };
  }
  if (outcome === 'duplicateBlocked') {
    // the same content to the same user again: the gateway echoes it with `status` under the new reference
    const c = previous ?? m.content(pick(rand, CONTENT_TYPES));
    m.useRecipient(c.userId, c.vars);
    m.event(between(rand, 100, 900), { direction: 'outbound', channel: 'RCS', type: c.type, message: c.message, status: 'bloqueado por duplicidade' });
    return { state: 'blocked', flags: ['duplicate-blocked'], anomalies: [] };
  }

  const cardsOnly = outcome === 'clicked';
  const c = m.content(pick(rand, cardsOnly ? CARD_TYPES : CONTENT_TYPES));
  m.event(between(rand, 150, 900), { direction: 'outbound', channel: 'RCS', type: c.type, message: c.message });
  const sent = { content: c };

  switch (outcome) {
    case 'sent':
      return { ...sent, state: 'sent', flags: [], anomalies: [] };
    case 'noRcsFallback':
    case 'noRcsNoFallback': {
      const code = pick(rand, [403, 403, 404]);
      m.event(between(rand, 400, 1500), { direction: 'inbound', channel: 'RCS', type: 'EXCEPTION', message: m.notice(`Request failed with status code ${code}: Device does not support RCS${m.period()}`) });
      if (outcome === 'noRcsNoFallback') {
        // settled truth: once 60 s have passed since the exception arrived without an SMS callback
        return { ...sent, state: 'failed', flags: ['exception'], anomalies: ['fallback-missing'] };
      }
      m.event(between(rand, 300, 1500), { direction: 'outbound', channel: 'SMS', type: 'Text', message: { contentType: 'text', text: smsText(m.vars) } });
      if (rand() < 0.85) m.event(between(rand, 2000, 9000), { direction: 'inbound', channel: 'SMS', type: 'DELIVERED', message: null });
      return { ...sent, state: 'fell-back', flags: ['exception', 'fallback'], anomalies: [] };
    }
    case 'auth':
      m.event(between(rand, 300, 1200), { direction: 'inbound', channel: 'RCS', type: 'EXCEPTION', message: m.notice(`Request failed with status code 401: Failed to fetch the authentication token${m.period()}`) });
      return { ...sent, state: 'failed', flags: ['exception'], anomalies: [] };
    case 'error502':
    case 'error503': {
      const text = outcome === 'error502' ? `Request failed with status code 502: Bad Gateway${m.period()}` : 'Request failed with status code 503: Service Unavailable';
      m.event(between(rand, 300, 2500), { direction: 'inbound', channel: 'RCS', type: 'ERROR', message: m.notice(text) });
      return { ...sent, state: 'failed', flags: ['error'], anomalies: [] };
    }
    default:
      break;
  }

  m.event(between(rand, 1000, 6000), { direction: 'inbound', channel: 'RCS', type: 'DELIVERED', message: null });
  if (outcome === 'delivered') return { ...sent, state: 'delivered', flags: [], anomalies: [] };
  // most people read within a minute or two; some only much later
  m.event(rand() < 0.7 ? between(rand, 3000, 90_000) : between(rand, 90_000, 600_000), { direction: 'inbound', channel: 'RCS', type: 'READ', message: null });
  if (outcome === 'read') return { ...sent, state: 'read', flags: [], anomalies: [] };

  // an external event: a new event_id, and sometimes a conversation session
  const session = rand() < 0.4 ? uuid(rand) : undefined;
  if (outcome === 'clicked') {
    const s = pick(rand, c.suggestions);
    m.event(between(rand, 1500, 60_000), { direction: 'inbound', channel: 'RCS', type: 'suggestionResponse', message: clickMessage(s) }, { eventId: uuid(rand), session });
  } else {
    const type = pick(rand, REPLY_TYPES);
    m.event(between(rand, 2000, 90_000), { direction: 'inbound', channel: 'RCS', type, message: replyMessage(rand, type) }, { eventId: uuid(rand), session });
    if (rand() < 0.25) {
      // a second message in the same conversation
      m.event(between(rand, 3000, 60_000), { direction: 'inbound', channel: 'RCS', type: 'TEXT', message: replyMessage(rand, 'TEXT') }, { eventId: uuid(rand), session });
    }
  }
  return { ...sent, state: 'replied', flags: [], anomalies: [] };
}

type TimestampStyle = 'ms' | 'seconds' | 'offset';

/** How different gateway versions spell a type: mostly as documented, sometimes otherwise. */
const SPELLINGS: Record<string, readonly string[]> = {
  Text: ['text', 'TEXT'],
  Image: ['image', 'IMAGE'],
  Video: ['video'],
  RichCard: ['richCard', 'richcard'],
  Carousel: ['carousel'],
  DELIVERED: ['delivered', 'Delivered'],
  READ: ['read', 'Read'],
  EXCEPTION: ['exception'],
  ERROR: ['error'],
  PREPAID_BLOCKED: ['prepaid_blocked'],
  suggestionResponse: ['SuggestionResponse', 'suggestionresponse'],
  TEXT: ['text'],
};

interface EventFields {
  direction: 'inbound' | 'outbound';
  channel: 'RCS' | 'SMS';
  type: string;
  message: unknown;
  status?: string;
}

/** One message's callbacks, in the order they happen, with strictly increasing timestamps and arrival times. */
class MessageBuilder {
  readonly reference: string;
  readonly eventId: string;
  readonly deliveries: SimDelivery[] = [];
  userId: string;
  vars: Record<string, string>;
  private readonly style: TimestampStyle;
  private readonly sessionField: 'null' | 'absent';
  private readonly varsMissing: boolean;
  /** event time (offset from start, before the speed-up) and the last stamp's value at the message's precision */
  private lastEventAt: number;
  private lastEffective = -Infinity;
  private lastArrival = -Infinity;

  constructor(
    readonly rand: Rand,
    private readonly startMs: number,
    private readonly speed: number,
    t0: number,
    private readonly campaign: string,
  ) {
    this.reference = uuid(rand);
    this.eventId = uuid(rand);
    const r = recipient(rand);
    this.userId = r.userId;
    this.vars = r.vars;
    const s = rand();
    this.style = s < 0.7 ? 'ms' : s < 0.85 ? 'seconds' : 'offset';
    this.sessionField = rand() < 0.2 ? 'absent' : 'null';
    this.varsMissing = rand() < 0.05;
    this.lastEventAt = t0;
  }

  useRecipient(userId: string, vars: Record<string, string>): void {
    this.userId = userId;
    this.vars = vars;
  }

  content(type: ContentType): SentContent & { suggestions: ReturnType<typeof outboundMessage>['suggestions'] } {
    const { message, suggestions } = outboundMessage(this.rand, type, this.vars);
    return { userId: this.userId, vars: this.vars, type, message, suggestions };
  }

  /** An exception's, error's or block's text: a string as documented, now and then wrapped in an object. */
  notice(text: string): unknown {
    if (this.rand() >= 0.12) return text;
    const code = /status code (\d{3})/.exec(text)?.[1];
    return code ? { code: Number(code), message: text } : { message: text };
  }

  /** The spec lists some texts with a final period and the samples without: both are seen. */
  period(): string {
    return this.rand() < 0.5 ? '.' : '';
  }

  /** Adds an event `afterMs` after the previous one; its callback arrives a network moment later. */
  event(afterMs: number, f: EventFields, o: { eventId?: string; session?: string } = {}): void {
    const rand = this.rand;
    let at = this.lastEventAt + afterMs;
    let stamp = Math.round(this.startMs + at / this.speed);
    // Two events must never share a stamp, or their order would be lost: at one-second precision they fall in
    // different seconds; sped up, in different milliseconds.
    if (this.style === 'seconds' && Math.floor(stamp / 1000) * 1000 <= this.lastEffective) {
      stamp = (Math.floor(this.lastEffective / 1000) + 1) * 1000 + between(rand, 0, 999);
    } else if (this.style !== 'seconds' && stamp <= this.lastEffective) stamp = this.lastEffective + 1;
    at = Math.max(at, (stamp - this.startMs) * this.speed);
    this.lastEventAt = at;
    this.lastEffective = this.style === 'seconds' ? Math.floor(stamp / 1000) * 1000 : stamp;
    // a network moment in real time, whatever the speed-up
    const arrival = Math.max(at + between(rand, 120, 900) * this.speed, this.lastArrival + 20);
    this.lastArrival = arrival;

    const eventId = o.eventId ?? this.eventId;
    const type = rand() < 0.12 && SPELLINGS[f.type] ? pick(rand, SPELLINGS[f.type]!) : f.type;
    const body: Record<string, unknown> = {
      reference: this.reference,
      campaign_name: this.campaign,
      event_id: eventId,
      direction: f.direction,
    };
    if (o.session) body.session_id = o.session;
    else if (this.sessionField === 'null') body.session_id = null;
    body.user_id = this.userId;
    body.timestamp = this.timestamp(stamp);
    body.channel = f.channel;
    body.type = type;
    body.message = f.message;
    if (!this.varsMissing) body.vars = this.vars;
    if (f.status !== undefined) body.status = f.status;
    this.deliveries.push({
      reference: this.reference,
      eventKey: `${this.reference}|${eventId}|${type.toLowerCase()}|${f.channel}`,
      body: JSON.stringify(body),
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'axios/1.7.2',
        [SIMULATED_HEADER]: '1',
      },
      atMs: arrival,
    });
  }

  private timestamp(ms: number): string {
    const iso = new Date(ms).toISOString();
    if (this.style === 'seconds') return `${iso.slice(0, 19)}Z`;
    // the gateway's own zone (America/Sao_Paulo, UTC-3 all year since 2019)
    if (this.style === 'offset') return `${new Date(ms - 3 * 3_600_000).toISOString().slice(0, 23)}-03:00`;
    return iso;
  }
}
