// Flags for one delivery (design.md "Flags"), decided from its parsed body and the earlier deliveries of the
// same event. Pure: the store feeds it what it has stored.
import type { ExceptionKind, FlagDetail, NormalizedCallback, PrepaidScope } from './domain';
import { GATEWAY_TIMEOUT_MS, RETRY_SCHEDULE_MS } from './constants';
import type { ParseResult } from './callback';
import { eventKeyOf, messageText } from './callback-fields';

export interface PriorAttempt {
  id: number;
  receivedAt: number;
  canonicalJson: string | null;
  /** the body as received, when the caller keeps it (tells byte-identical retries from reformatted ones) */
  body?: Uint8Array;
}

/** What classification needs of the earlier deliveries of the same event: a few facts, however many there are. */
export interface PriorAttempts {
  count: number;
  firstId: number;
  last: { id: number; receivedAt: number };
  /** an earlier delivery carried the same canonical payload */
  samePayload: boolean;
  /** with samePayload: whether one of them had the very same body bytes (absent when bytes were not compared) */
  sameBytes?: boolean;
}

export interface Classification {
  eventKey: string | null;
  /** 1 = first delivery of this event; null when the delivery has no event key */
  attempt: number | null;
  flags: FlagDetail[];
}

/**
 * How many earlier attempts with the same payload an exact duplicate's bytes are compared with, the newest: at most
 * 100, and about 4 MiB of bodies in all. Only bodies of its own size are compared (no other can be equal): a sender
 * repeating one JSON with other bytes each time (spacing, key order) would otherwise make every repeat read all the
 * earlier bodies (15 ms a delivery after 100,000 small ones), and copies padded to other sizes would make a small
 * repeat read 100 of theirs. The store (ingest.ts priorOf, delete-rows.ts) holds to the same bounds.
 */
export function sameBytesLookback(bodyBytes: number): number {
  return Math.max(1, Math.min(100, Math.floor((4 << 20) / Math.max(1, bodyBytes))));
}

/**
 * What comparing an exact duplicate's bytes with its newest earlier attempts of the same payload (sameBytesLookback
 * of them) says: true, one has the very same bytes; false, none has and there were no others; undefined, older ones
 * were not compared, so whether one of them had is not known.
 */
export function sameBytesVerdict(matched: boolean, olderNotCompared: boolean): boolean | undefined {
  return matched ? true : olderNotCompared ? undefined : false;
}

/** The facts of a list of earlier attempts (in receipt order), for callers that keep them in memory. */
export function priorAttempts(prior: readonly PriorAttempt[], canonicalJson: string | null, body?: Uint8Array): PriorAttempts | null {
  const last = prior[prior.length - 1];
  if (!last) return null;
  const same = canonicalJson === null ? [] : prior.filter((p) => p.canonicalJson === canonicalJson);
  const lookback = sameBytesLookback(body?.length ?? 0);
  const newest = same.slice(-lookback);
  const compared = body !== undefined && newest.length > 0 && newest.every((p) => p.body !== undefined);
  const bytes = compared ? sameBytesVerdict(newest.some((p) => sameBytes(p.body!, body)), same.length > lookback) : undefined;
  return {
    count: prior.length,
    firstId: prior[0]!.id,
    last: { id: last.id, receivedAt: last.receivedAt },
    samePayload: same.length > 0,
    ...(bytes !== undefined ? { sameBytes: bytes } : {}),
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** prior = what is known of the earlier stored deliveries with the same event key (null: none). */
export function classifyDelivery(input: { receivedAt: number; parse: ParseResult; prior: PriorAttempts | null; speed?: number }): Classification {
  const { receivedAt, parse, prior, speed = 1 } = input;
  const cb = parse.callback;
  const flags: FlagDetail[] = [];
  const eventKey = cb ? eventKeyOf(cb) : null;
  const attempt = eventKey === null ? null : (prior?.count ?? 0) + 1;

  if (eventKey !== null && prior) flags.push(duplicateFlag(receivedAt, prior, speed));

  if (cb) flags.push(...callbackFlags(cb));
  if (parse.problems.length > 0) flags.push({ flag: 'invalid', problems: [...parse.problems] });
  return { eventKey, attempt, flags };
}

/**
 * What makes a delivery a repeat of its callback, from the earlier deliveries of the same event. Also used when
 * some of those are deleted (store/delete-rows.ts): the ones left are judged again against what remains.
 */
export function duplicateFlag(receivedAt: number, prior: PriorAttempts, speed = 1): Extract<FlagDetail, { flag: 'duplicate' }> {
  const gapMs = receivedAt - prior.last.receivedAt;
  const expectedGapMs = expectedRetryGap(prior.count + 1);
  return {
    flag: 'duplicate',
    kind: prior.samePayload ? 'exact' : 'semantic',
    ...(prior.samePayload && prior.sameBytes !== undefined ? { sameBytes: prior.sameBytes } : {}),
    of: prior.firstId,
    previous: prior.last.id,
    attempt: prior.count + 1,
    gapMs,
    expectedGapMs,
    // a simulated retry comes `speed` times sooner: judged against the schedule scaled by it
    ...(speed !== 1 ? { speed } : {}),
    fitsSchedule: retryFitsSchedule(gapMs, expectedGapMs, speed),
  };
}

/** Flags that depend on the callback alone (everything but `duplicate` and `invalid`). */
export function callbackFlags(cb: NormalizedCallback): FlagDetail[] {
  const flags: FlagDetail[] = [];
  if (cb.status !== null) {
    flags.push({ flag: 'duplicate-blocked', status: cb.status, source: 'status' });
  } else if (cb.kind === 'duplicate-blocked' && cb.typeRaw) {
    flags.push({ flag: 'duplicate-blocked', status: cb.typeRaw, source: 'type' });
  }
  const text = messageText(cb.message);
  if (cb.kind === 'exception') {
    const code = statusCodeOf(text);
    flags.push({ flag: 'exception', kind: exceptionKind(code, text), code, text });
  } else if (cb.kind === 'error') {
    flags.push({ flag: 'error', code: statusCodeOf(text), text });
  } else if (cb.kind === 'prepaid-blocked') {
    flags.push({ flag: 'prepaid-blocked', ...prepaidScope(text), text });
  }
  if (cb.channel === 'SMS') flags.push({ flag: 'fallback', channel: cb.channel });
  return flags;
}

/** "Request failed with status code 403: ..." → 403; otherwise the first HTTP-looking number, or null. */
export function statusCodeOf(text: string): number | null {
  const m = /status(?:\s+code)?\s*:?\s*(\d{3})\b/i.exec(text) ?? /(?:^|[^\d.])([1-5]\d\d)(?![\d.])/.exec(text);
  return m ? Number(m[1]) : null;
}

export function exceptionKind(code: number | null, text: string): ExceptionKind {
  if (code === 401 || /\btoken\b|authenticat/i.test(text)) return 'auth';
  if (code === 403 || code === 404 || /not support(?:s)? RCS|n[ãa]o suporta/i.test(text)) return 'rcs-unsupported';
  return 'other';
}

/**
 * "Limite de créditos do cliente atingido" → customer; "Limite de créditos da conta atingido <accountId>" →
 * account with its id. English wording is accepted too, in case a gateway version translates it.
 */
export function prepaidScope(text: string): { scope: PrepaidScope; accountId: string | null } {
  const account = /(?:da\s+conta|account)\b[^]*?(?:atingido|reached|exceeded)\s*[:\-–]?\s*([^\s.,;]+)?/i.exec(text);
  if (account) return { scope: 'account', accountId: account[1] ?? null };
  if (/\bcliente\b|\bcustomer\b|\bclient\b/i.test(text)) return { scope: 'customer', accountId: null };
  return { scope: 'unknown', accountId: null };
}

/** Documented gap before the given attempt (2 = first retry); null outside the schedule. */
export function expectedRetryGap(attempt: number): number | null {
  return attempt >= 2 ? (RETRY_SCHEDULE_MS[attempt - 2] ?? null) : null;
}

/**
 * The window in which a retry counts as "on schedule".
 * The gateway waits the documented gap after an attempt has *failed*, and an attempt can take up to the 10 s
 * timeout to fail, so the gap between two arrivals here is expected to lie between the documented gap (fast
 * failure: a 500 or a refused connection) and the gap plus 10 s (timeout). On both sides we allow slack for
 * tunnel latency and the gateway's own scheduler: 2 s or 10 % of the gap, whichever is larger (an hour-long gap
 * is not kept to the second).
 */
export function retryWindow(expectedGapMs: number, speed = 1): { minMs: number; maxMs: number } {
  const slack = Math.max(2_000, expectedGapMs * 0.1);
  if (speed === 1) return { minMs: expectedGapMs - slack, maxMs: expectedGapMs + GATEWAY_TIMEOUT_MS + slack };
  // the simulator (X-RCI-Simulated-Speed) divides the documented gap by its speed-up, but its 10 s timeout and the
  // machine's own delays (a busy event loop, the network) stay real time
  return { minMs: (expectedGapMs - slack) / speed, maxMs: (expectedGapMs + slack) / speed + GATEWAY_TIMEOUT_MS + SIMULATED_DELAY_MS };
}

/** Real-time delay allowed on top of a simulated retry's scaled gap (a scaled 2 s slack is a few ms at 60×). */
const SIMULATED_DELAY_MS = 1_000;

/** `speed`: a simulated delivery's speed-up, the gap then being real time between two simulated arrivals. */
export function retryFitsSchedule(gapMs: number, expectedGapMs: number | null, speed = 1): boolean {
  if (expectedGapMs === null) return false;
  const { minMs, maxMs } = retryWindow(expectedGapMs, speed);
  return gapMs >= minMs && gapMs <= maxMs;
}

/**
 * When a gap does not fit its own slot: how many attempts in between never reached us (e.g. while the tunnel was
 * down) would explain it. The previous delivery we saw is taken as attempt `attempt - 1`; with k attempts missed,
 * the gap spans k + 1 documented slots and up to k + 1 timeouts. Returns k (1 or more), or null if nothing fits.
 */
export function missedAttemptsFor(gapMs: number, attempt: number): number | null {
  let total = 0;
  for (let k = 0; ; k++) {
    const gap = expectedRetryGap(attempt + k);
    if (gap === null) return null;
    total += gap;
    if (k === 0) continue;
    const slack = Math.max(2_000, total * 0.1);
    if (gapMs >= total - slack && gapMs <= total + GATEWAY_TIMEOUT_MS * (k + 1) + slack) return k;
  }
}
