// What a delivery's body alone says: the columns indexing (ingest.ts phase 2) fills in from it, and what reads
// show for a delivery that is stored but not indexed yet (phase 1 records the request only).
import { flagFacts } from '../../../shared/flag-facts';
import { parseDeliveryBody, previewOf, type ParseResult } from '../../../shared/callback';
import { eventKeyOf, typeKey } from '../../../shared/callback-fields';
import { callbackFlags } from '../../../shared/classify';
import type { DeliverySummary, EventKind, FlagDetail } from '../../../shared/domain';
import { flagNames, headerValue, type FullRow } from './rows';

export interface BodyFacts {
  reference: string | null;
  eventId: string | null;
  userId: string | null;
  type: string | null;
  /** the type as filters compare it */
  typeKey: string | null;
  kind: EventKind;
  channel: string | null;
  direction: string | null;
  campaign: string | null;
  timestamp: number | null;
  eventKey: string | null;
  /** every flag but `duplicate`, which needs the earlier deliveries */
  flags: FlagDetail[];
  preview: string;
}

export function bodyFacts(parse: ParseResult): BodyFacts {
  const cb = parse.callback;
  const flags: FlagDetail[] = cb ? callbackFlags(cb) : [];
  if (parse.problems.length > 0) flags.push({ flag: 'invalid', problems: [...parse.problems] });
  return {
    reference: cb?.reference ?? null,
    eventId: cb?.eventId ?? null,
    userId: cb?.userId ?? null,
    type: cb ? (cb.type ?? cb.typeRaw) : null,
    typeKey: cb ? typeKey(cb) || null : null,
    kind: cb?.kind ?? 'unknown',
    channel: cb?.channel ?? null,
    direction: cb?.direction ?? null,
    campaign: cb?.campaignName ?? null,
    timestamp: cb?.timestamp ?? null,
    eventKey: cb ? eventKeyOf(cb) : null,
    flags,
    preview: previewOf(parse),
  };
}

/** A not-yet-indexed delivery's summary with what its body says in place of the still-empty columns. */
export function withBodyFacts(s: DeliverySummary, f: BodyFacts): DeliverySummary {
  return {
    ...s,
    reference: f.reference,
    eventId: f.eventId,
    userId: f.userId,
    type: f.type,
    kind: f.kind,
    channel: f.channel,
    direction: f.direction,
    campaign: f.campaign,
    timestamp: f.timestamp,
    flags: flagNames(f.flags),
    ...flagFacts(f.flags),
    preview: f.preview,
  };
}

/** Parses a stored delivery's body as indexing did. */
export function parseRow(r: Pick<FullRow, 'headers' | 'body'>): ParseResult {
  const headers = JSON.parse(r.headers) as [string, string][];
  return parseDeliveryBody(r.body, headerValue(headers, 'content-type'));
}
