// The analytics contract (issue 14): the figures of a query's messages, shared by the UI, `serve` and
// `cli report --format json`. The JSON shape is documented in the README and kept stable: add fields, never
// rename or remove one.
import type { MessageState } from './domain';

/** Messages that reached at least each step: a read message counts as delivered even if its DELIVERED never came. */
export interface Funnel {
  sent: number;
  delivered: number;
  read: number;
  replied: number;
}

/** Nearest-rank percentiles over every value of the set, in ms; null when n = 0. */
export interface Percentiles {
  p50: number | null;
  p90: number | null;
  p99: number | null;
  n: number;
}

export interface CampaignFigures {
  /** null: messages whose callbacks name no campaign */
  campaign: string | null;
  funnel: Funnel;
  states: Partial<Record<MessageState, number>>;
}

/** Failure counts are messages with at least one such callback (retries of one callback count once). */
interface Failures {
  exception: { auth: number; 'rcs-unsupported': number; other: number };
  /** by the HTTP status code in the error text; "unknown" when it names none */
  error: Record<string, number>;
  /** by scope; accounts: account-scope blocks per account id ("unknown" when the notice names none) */
  prepaidBlocked: { customer: number; account: number; accounts: Record<string, number> };
  duplicateBlocked: number;
}

export interface Report {
  /** messages matching the query */
  messages: number;
  funnel: Funnel;
  states: Partial<Record<MessageState, number>>;
  /** one row per campaign, most messages first */
  byCampaign: CampaignFigures[];
  failures: Failures;
  fallback: {
    /** messages with a no-RCS exception (403/404) that got an SMS callback */
    fellBack: number;
    /** messages with the fallback-missing anomaly */
    fallbackMissing: number;
    /** messages with the double-delivery anomaly */
    doubleDelivery: number;
  };
  latencyMs: {
    /** per message with both, from the callbacks' timestamps */
    sentToDelivered: Percentiles;
    deliveredToRead: Percentiles;
    readToReply: Percentiles;
    /** per delivery: received_at − the callback's timestamp */
    callbackDelay: Percentiles;
  };
  retries: {
    /** callbacks (events) delivered more than once */
    eventsRetried: number;
    /** events by how many times they were delivered */
    attempts: Record<string, number>;
  };
}
