// The analytics contract (issue 14): the figures of a query's messages, shared by the UI, `serve` and
// `cli report --format json`. The JSON shape is documented in the README and kept stable: add fields, never
// rename or remove one.
import type { EventKind, MessageState } from './domain';

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

/** Histogram bounds (ms): 1-2-5 steps from 100 ms to 50,000 s, then 1 day. */
export const HISTOGRAM_BOUNDS_MS = [
  100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000,
  5_000_000, 10_000_000, 20_000_000, 50_000_000, 86_400_000,
] as const;

/** The bucket widths a time series picks from (TimeSeries.bucketMs): a minute, 5 min, an hour, a day. */
export const SERIES_BUCKETS_MS = [60_000, 300_000, 3_600_000, 86_400_000] as const;

/**
 * How a set of durations spreads: `counts[i]` values fell at or below `boundsMs[i]` (and above the bound before);
 * the last count holds the values above the last bound (counts has one more entry than boundsMs). The bounds are
 * fixed (1-2-5 steps from 100 ms to 1 day), so charts of two reports compare bucket by bucket.
 */
export interface Histogram {
  boundsMs: number[];
  counts: number[];
}

export interface LatencyFigures extends Percentiles {
  histogram: Histogram;
}

/** A value users picked or typed, with how many messages carry it (retries of one reply count once). */
export interface ValueCount {
  value: string;
  n: number;
}

/**
 * Deliveries of the matching messages over time, by received_at. Buckets are `bucketMs` wide (a minute, 5 min,
 * an hour or a day, chosen so the window holds at most ~200), aligned to multiples of bucketMs since the epoch,
 * contiguous from the first to the last bucket holding a delivery (empty buckets are zeros, not gaps).
 */
export interface TimeSeries {
  bucketMs: number;
  /** bucket start times (epoch ms), ascending */
  t: number[];
  /** first deliveries of each callback, by what they mean; every array is as long as `t` */
  byKind: Record<EventKind, number[]>;
  /** deliveries that repeat a callback already received (the `duplicate` flag: the gateway's retries) */
  repeats: number[];
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
    sentToDelivered: LatencyFigures;
    deliveredToRead: LatencyFigures;
    readToReply: LatencyFigures;
    /** per delivery: received_at − the callback's timestamp */
    callbackDelay: LatencyFigures;
  };
  retries: {
    /** callbacks (events) delivered more than once */
    eventsRetried: number;
    /** events by how many times they were delivered */
    attempts: Record<string, number>;
    /** repeated deliveries whose gap from the previous attempt did not fit the documented retry schedule */
    offSchedule: number;
    /** how long we took to answer the gateway, per delivery (ms); the gateway gives up after 10 s */
    answerMs: Percentiles & {
      /** answers that took longer than the gateway's 10 s timeout */
      overTimeout: number;
    };
  };
  /** what users answered: top 10 of each, most first (text is the user's own words: masked where masking applies) */
  replies: {
    /** suggestion responses by the button's text (postbackData when the text is missing) */
    suggestions: ValueCount[];
    /** suggestion responses by postbackData */
    postbacks: ValueCount[];
    /** inbound TEXT replies by their text */
    texts: ValueCount[];
  };
  overTime: TimeSeries;
  /** the span the figures cover: received_at of the first and last matching delivery (null when there is none) */
  window: { from: number | null; to: number | null };
}
