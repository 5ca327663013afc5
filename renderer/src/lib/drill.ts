// From a figure of the analytics view to the list rows behind it: the current query plus the terms that pick
// exactly those rows, in the query language the lists already speak (shared/query.ts). A figure no query can
// express gets no drill (null), so nothing clickable ever lands on a list with another count.
import { campaignPattern } from '../../../shared/query-match';
import { formatValue, parseQuery, type QueryField } from '../../../shared/query';

export interface Drill {
  view: 'messages' | 'deliveries';
  query: string;
}

/** the query with terms appended (AND); a term the query already holds is not repeated */
export function withTerms(base: string, terms: string[]): string {
  const have = new Set(parseQuery(base).terms.map((t) => `${t.negate ? '-' : ''}${t.field}:${t.value.toLowerCase()}`));
  const add = terms.filter((term) => {
    const t = parseQuery(term).terms[0];
    return !t || !have.has(`${t.negate ? '-' : ''}${t.field}:${t.value.toLowerCase()}`);
  });
  return [base.trim(), ...add].filter(Boolean).join(' ');
}

export const messagesDrill = (base: string, terms: string[]): Drill => ({ view: 'messages', query: withTerms(base, terms) });

/**
 * Report figures about deliveries count the deliveries of the matching messages. The deliveries list judges each
 * term on the delivery instead: the two agree only for terms a message's deliveries share (its state, anomalies,
 * reference, user and campaign). Under any other term (a kind, a flag, free text, a time window) the list would
 * show another set, so the figure gets no drill.
 */
const SAME_ON_DELIVERIES: ReadonlySet<QueryField | 'text'> = new Set<QueryField | 'text'>(['state', 'anomaly', 'ref', 'user', 'campaign']);

export function deliveriesDrill(base: string, terms: string[]): Drill | null {
  const parsed = parseQuery(base);
  if (parsed.errors.length > 0 || parsed.terms.some((t) => !SAME_ON_DELIVERIES.has(t.field))) return null;
  return { view: 'deliveries', query: withTerms(base, terms) };
}

/**
 * The term for one campaign of the report, or null when none picks it alone: `campaign:` matches any part of a
 * name, so a name inside another of the report's names (promo in promo_2) cannot be told apart. Messages with no
 * campaign are the ones `-campaign:" "` keeps (a blank pattern matches every name).
 */
export function campaignTerm(campaign: string | null, all: readonly (string | null)[]): string | null {
  if (campaign === null) return '-campaign:" "';
  if (campaign.trim() === '') return null;
  const re = campaignPattern(campaign);
  if (!re.test(campaign)) return null;
  if (all.some((other) => other !== null && other !== campaign && re.test(other))) return null;
  return `campaign:${formatValue(campaign)}`;
}

/** received in [from, to): after is inclusive, before exclusive, both exact to the millisecond */
export function timeTerms(from: number, to: number): string[] {
  return [`after:${new Date(from).toISOString()}`, `before:${new Date(to).toISOString()}`];
}
