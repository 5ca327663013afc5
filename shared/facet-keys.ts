// The keys the store files facts under, in one place: the writers (ingest, message rebuilds, the message fold) and
// the readers (filters, counts, suggestions) must spell them alike, and a key read back is taken apart here only.
//  - a message facet (message_facets.facet): `<prefix>:<value>`, one per fact a filter can ask a message about;
//  - a counter (counters.key): totals, deliveries per flag (`df:<flag>`), messages per facet (`mf:<facet>`).
// Stored data uses these spellings: changing one needs a migration.
import type { FlagName } from './domain';

export type FacetField = 'state' | 'flag' | 'anomaly' | 'kind' | 'status' | 'method' | 'type' | 'channel' | 'direction' | 'campaign';

const PREFIX: Record<FacetField, string> = {
  state: 'st',
  flag: 'f',
  anomaly: 'a',
  kind: 'k',
  status: 's',
  method: 'm',
  type: 't',
  channel: 'c',
  direction: 'd',
  campaign: 'g',
};
const FIELD_OF = new Map(Object.entries(PREFIX).map(([field, prefix]) => [prefix, field as FacetField]));

/**
 * The facet a message carries for `field` = `value`. Types are kept lower-cased (type filters ignore case) and
 * methods upper-cased, whoever asks; other values as given (the query parser already gives them canonical case).
 */
export function facetKey(field: FacetField, value: string | number): string {
  const v = field === 'type' ? String(value).toLowerCase() : field === 'method' ? String(value).toUpperCase() : String(value);
  return `${PREFIX[field]}:${v}`;
}

/** Every facet of `field` starts with this (and no facet of another field does). */
export function facetPrefix(field: FacetField): string {
  return `${PREFIX[field]}:`;
}

/** What a stored facet says; null for a spelling this version does not know. */
export function parseFacet(facet: string): { field: FacetField; value: string } | null {
  const colon = facet.indexOf(':');
  const field = colon < 0 ? undefined : FIELD_OF.get(facet.slice(0, colon));
  return field === undefined ? null : { field, value: facet.slice(colon + 1) };
}

export type Counter =
  /** indexed deliveries */
  | 'deliveries'
  /** messages */
  | 'messages'
  /** ms from first to last delivery of the longest-lasting message (the bound `before:` filters rely on) */
  | 'longest-span'
  /** the highest id of a deleted delivery (a deleted test callback): new deliveries are numbered above it */
  | 'retired-ids'
  /** transactions that deleted deliveries: what keeps a tally of rows (analytics-replies.ts) starts over when it moves */
  | 'deletions'
  /** deliveries carrying a flag */
  | { flag: FlagName }
  /** messages carrying a facet (a facetKey) */
  | { facet: string };

const LONGEST_SPAN = 'span:max';
const RETIRED_IDS = 'ids:retired';
/** Every flag counter's key starts with this. */
export const FLAG_COUNTERS = 'df:';
const FACET_COUNTERS = 'mf:';

export function counterKey(c: Counter): string {
  if (c === 'longest-span') return LONGEST_SPAN;
  if (c === 'retired-ids') return RETIRED_IDS;
  if (typeof c === 'string') return c;
  return 'flag' in c ? FLAG_COUNTERS + c.flag : FACET_COUNTERS + c.facet;
}

/** Every key counting messages per facet of `field` (of any field when omitted) starts with this. */
export function facetCounterPrefix(field?: FacetField): string {
  return FACET_COUNTERS + (field ? facetPrefix(field) : '');
}

/** What a counter key counts; null for a key this version does not know. A flag name is not checked. */
export function parseCounter(key: string): Counter | null {
  if (key === 'deliveries' || key === 'messages' || key === 'deletions') return key;
  if (key === LONGEST_SPAN) return 'longest-span';
  if (key === RETIRED_IDS) return 'retired-ids';
  if (key.startsWith(FLAG_COUNTERS)) return { flag: key.slice(FLAG_COUNTERS.length) as FlagName };
  if (key.startsWith(FACET_COUNTERS)) return { facet: key.slice(FACET_COUNTERS.length) };
  return null;
}
