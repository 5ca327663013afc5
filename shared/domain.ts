// The domain vocabulary shared by store, export, filters and UI (see design.md glossary).
// Types and constant lists only: no imports and no logic, so every layer can import it without cost. The renderer
// takes its vocabulary from here, never from the parsing modules (callback.ts, api.ts), which bring zod with them.

/** Every flag a delivery can carry. One vocabulary for store, export, filter and UI. */
export const FLAG_NAMES = [
  'duplicate',
  'duplicate-blocked',
  'exception',
  'error',
  'prepaid-blocked',
  'fallback',
  'invalid',
] as const;
export type FlagName = (typeof FLAG_NAMES)[number];

export const MESSAGE_STATES = ['sent', 'delivered', 'read', 'replied', 'failed', 'fell-back', 'blocked'] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

export const ANOMALY_NAMES = [
  'read-without-delivered',
  'out-of-order',
  'event-after-terminal',
  'fallback-missing',
  'double-delivery',
  'field-drift',
] as const;
export type AnomalyName = (typeof ANOMALY_NAMES)[number];

/** What an event means in the lifecycle, independent of the gateway's type spelling. */
export const EVENT_KINDS = [
  'sent', // outbound content echo (Text, Image, Video, RichCard, Carousel, ...)
  'delivered',
  'read',
  'reply', // suggestionResponse or an inbound TEXT/IMAGE/VIDEO/LOCATION
  'exception',
  'error',
  'prepaid-blocked',
  'duplicate-blocked',
  'unknown',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** Canonical spellings of the documented content types: outbound echoes... */
export const OUTBOUND_CONTENT_TYPES = ['Text', 'Image', 'Video', 'RichCard', 'Carousel'] as const;
/** ...and inbound replies, which the gateway spells in upper case. */
export const INBOUND_CONTENT_TYPES = ['TEXT', 'IMAGE', 'VIDEO', 'LOCATION'] as const;

/** Canonical spellings of every documented type (for autocomplete). */
export const KNOWN_TYPES: readonly string[] = [
  ...OUTBOUND_CONTENT_TYPES,
  ...INBOUND_CONTENT_TYPES,
  'suggestionResponse',
  'DELIVERED',
  'READ',
  'EXCEPTION',
  'ERROR',
  'PREPAID_BLOCKED',
];

export type ExceptionKind = 'auth' | 'rcs-unsupported' | 'other';
export type PrepaidScope = 'customer' | 'account' | 'unknown';
type DuplicateKind = 'exact' | 'semantic';

/** Details behind each flag; stored as JSON beside the delivery and shown in the UI. */
export type FlagDetail =
  | {
      flag: 'duplicate';
      kind: DuplicateKind;
      /** exact only: an earlier attempt had the very same body bytes (false: equal JSON, other bytes); absent when not compared */
      sameBytes?: boolean;
      /** id of the first delivery of the same event (the one this repeats) */
      of: number;
      /** id of the delivery just before this one for the same event */
      previous: number;
      attempt: number;
      /** ms between the previous attempt's received_at and this one's */
      gapMs: number;
      /** documented retry gap for this attempt, null past the 10th retry */
      expectedGapMs: number | null;
      /** judged against the schedule sped up this many times (a simulated delivery: X-RCI-Simulated-Speed); absent: real time */
      speed?: number;
      fitsSchedule: boolean;
    }
  | { flag: 'duplicate-blocked'; status: string; source: 'status' | 'type' }
  | { flag: 'exception'; kind: ExceptionKind; code: number | null; text: string }
  | { flag: 'error'; code: number | null; text: string }
  | { flag: 'prepaid-blocked'; scope: PrepaidScope; accountId: string | null; text: string }
  | { flag: 'fallback'; channel: string }
  | { flag: 'invalid'; problems: string[] };

/** The callback after normalization. Unknown fields are kept in `extra`; nothing is dropped. */
export interface NormalizedCallback {
  reference: string | null;
  campaignName: string | null;
  eventId: string | null;
  direction: string | null;
  sessionId: string | null;
  userId: string | null;
  /** the timestamp as sent */
  timestampRaw: string | null;
  /** epoch ms, null when unparseable */
  timestamp: number | null;
  channel: string | null; // upper-cased: RCS, SMS, or whatever was sent
  /** the type exactly as sent */
  typeRaw: string | null;
  /** canonical spelling (e.g. 'RichCard', 'DELIVERED', 'TEXT'); unknown types kept as sent */
  type: string | null;
  kind: EventKind;
  /** object | string | null as sent */
  message: unknown;
  vars: Record<string, unknown> | null;
  status: string | null;
  /** searchable text: message text, titles, replies, exception texts */
  text: string;
  /** fields the spec does not list, kept as sent */
  extra: Record<string, unknown>;
}

/** What the receiver recorded about one HTTP request. Immutable once stored. */
export interface DeliveryRequest {
  method: string;
  path: string;
  query: string;
  /** raw header pairs in arrival order (names as sent) */
  headers: [string, string][];
  body: Uint8Array;
  /** total body bytes received (can exceed body.length when the body was rejected as too large) */
  bodySize: number;
  remoteAddress: string;
  receivedAt: number;
}

type DeliveryOutcome = 'stored' | 'rejected';

/** The answer a response rule gave a delivery instead of the usual 200 (shared/response-rules.ts). */
export interface AnsweredBy {
  /** the rule's name */
  rule: string;
  action: 'status' | 'delay' | 'close' | 'hang';
  /** the status answered; null when nothing was (the connection was closed, or held until the sender gave up) */
  status: number | null;
  /** how long the answer was held back (delay only) */
  delayMs: number | null;
}

/** One row of the flat deliveries list. */
export interface DeliverySummary {
  id: number;
  receivedAt: number;
  method: string;
  path: string;
  outcome: DeliveryOutcome;
  /** what we answered (200, 413, ...) */
  responseStatus: number;
  responseMs: number;
  rejectReason: string | null;
  bodySize: number;
  reference: string | null;
  eventId: string | null;
  type: string | null;
  kind: EventKind;
  channel: string | null;
  direction: string | null;
  userId: string | null;
  campaign: string | null;
  timestamp: number | null;
  attempt: number | null;
  flags: FlagName[];
  /** what its flags' details say that search reads (reason:, account:, retry:): see flag-facts.ts */
  reasons: string[];
  blockedAccount: string | null;
  retry: 'on-schedule' | 'off-schedule' | null;
  /** a simulated repeat: the speed-up its retry gap was judged at (flag-facts.ts); absent: real time */
  simSpeed?: number;
  /** the gateway simulator sent it (its X-RCI-Simulated header); absent: not simulated */
  simulated?: true;
  /**
   * a repeat: what we answered the attempt before it (status, time; null when not recorded), read from that attempt
   * when the row is read (shared/retry-ladder.ts judges why the gateway retried); absent where not read
   */
  previousAnswer?: { status: number; ms: number | null } | null;
  /** short human text: message text, exception text or reject reason */
  preview: string;
  /** the user pinned it (absent: not pinned; shared/marks.ts) */
  pinned?: true;
  /** the user's note on it (absent: none) */
  note?: string;
}

export interface DeliveryDetail extends DeliverySummary {
  query: string;
  headers: [string, string][];
  remoteAddress: string;
  /** raw body as base64 (exact bytes) */
  bodyBase64: string;
  /** body decoded as UTF-8 (lossy only if invalid) */
  bodyText: string;
  bodyTruncated: boolean;
  callback: NormalizedCallback | null;
  flagDetails: FlagDetail[];
  forwards: ForwardAttempt[];
  /** the attempts of its event, in arrival order (the first and latest when there are many), for the retry ladder */
  attempts?: TimelineEvent['deliveries'];
  /** the response rule that answered it, and how (null: no rule did; the usual answer went out) */
  answeredBy: AnsweredBy | null;
}

/** A row of the messages list: everything sharing one reference. */
export interface MessageSummary {
  reference: string;
  /** the user pinned it (absent: not pinned; shared/marks.ts) */
  pinned?: true;
  /** the user's note on it (absent: none) */
  note?: string;
  /** the gateway simulator sent a delivery of it (absent: none; read with the row, like the mark) */
  simulated?: true;
  state: MessageState;
  userId: string | null;
  campaign: string | null;
  lastType: string | null;
  lastKind: EventKind;
  /** received_at of the first / last delivery */
  firstReceivedAt: number;
  lastReceivedAt: number;
  /** event timestamps (ms) for the lifecycle milestones */
  sentAt: number | null;
  deliveredAt: number | null;
  readAt: number | null;
  repliedAt: number | null;
  failedAt: number | null;
  deliveryCount: number;
  eventCount: number;
  duplicateCount: number;
  flags: FlagName[];
  flagCounts: Partial<Record<FlagName, number>>;
  anomalies: AnomalyName[];
  channels: string[];
}

export interface TimelineEvent {
  /** `${reference}|${eventId}|${typeKey}|${channel}` */
  key: string;
  eventId: string | null;
  type: string | null;
  kind: EventKind;
  channel: string | null;
  direction: string | null;
  timestamp: number | null;
  /** the deliveries of this event, attempt order; a heavily retried event lists its first and latest only */
  deliveries: (DeliverySummary & {
    /** the response rule that answered it (null: none did) */
    answeredBy?: AnsweredBy | null;
  })[];
  /** how many deliveries the event has (more than `deliveries` holds when capped) */
  deliveryTotal: number;
  flagDetails: FlagDetail[];
}

export interface MessageDetail {
  summary: MessageSummary;
  /** events in timestamp order: one page of them, from the first (more with getMessage's eventsOffset) */
  events: TimelineEvent[];
  /** how many events the message has in all */
  eventsTotal: number;
  /** events grouped by event_id, in order of first timestamp */
  eventIds: { eventId: string | null; eventKeys: string[] }[];
  /** ms from sent to delivered / read / replied (event timestamps) */
  durations: { toDelivered: number | null; toRead: number | null; toReplied: number | null };
  anomalyDetails: { anomaly: AnomalyName; detail: string }[];
}

export interface Page<T> {
  rows: T[];
  /** total rows matching the query (may be capped for speed: see totalIsExact) */
  total: number;
  totalIsExact: boolean;
  offset: number;
}

/** A replay/forward attempt to a user target. */
export interface ForwardAttempt {
  id: number;
  deliveryId: number;
  targetUrl: string;
  /** replay-as-gateway: a replay with the gateway's timeout and retries */
  mode: 'replay' | 'replay-as-gateway' | 'forward' | 'proxy' | 'idempotency';
  startedAt: number;
  attempt: number;
  requestHeaders: [string, string][];
  requestBodySize: number;
  status: number | null;
  responseHeaders: [string, string][];
  responseExcerpt: string;
  durationMs: number;
  error: string | null;
}
