// From a figure of the analytics view to the list rows behind it: the current query plus the terms that pick
// exactly those rows, in the query language the lists already speak (shared/query.ts). A figure no query can
// express gets no drill (null), so nothing clickable ever lands on a list with another count.
import { campaignPattern } from '../../../shared/query-match';
import type { Funnel } from '../../../shared/analytics';
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

/** The funnel's "reached at least this step": a message with a callback of this step or a later one. */
export function funnelTerm(step: keyof Funnel): string {
  const later: Record<keyof Funnel, string> = { sent: 'sent,delivered,read,reply', delivered: 'delivered,read,reply', read: 'read,reply', replied: 'reply' };
  return `kind:${later[step]}`;
}

/** an exception kind, an error code ('unknown': none named) or a prepaid scope, as the report keys them */
export const reasonTerm = (key: string): string => `reason:${formatValue(key)}`;

/** account-scope prepaid blocks of one account ('unknown': the notice named none) */
export const accountTerm = (id: string): string => `account:${formatValue(id)}`;

/** no-RCS messages that got an SMS callback: the report's "fell back" */
export const FELL_BACK_TERMS = ['reason:rcs-unsupported', 'flag:fallback'];

/**
 * The Nth delivery of a callback: one per callback delivered at least N times (attempt:2 lists one delivery per
 * retried callback). Only deliveries of a message carry an attempt number, as only those are in the report.
 */
export const attemptTerm = (n: number): string => `attempt:${n}`;

/** deliveries of a message whose answer took longer than the gateway waits (attempt:1+: of a message, as the report counts) */
export const SLOW_ANSWER_TERMS = ['answer:>10s', 'attempt:1+'];

/** repeats whose gap from the attempt before did not fit the documented schedule */
export const OFF_SCHEDULE_TERM = 'retry:off-schedule';

/**
 * Deliveries of the report's attempts figure (events by how many times they were delivered): the Nth attempts are
 * as many as the callbacks delivered N times or more.
 */
export function nthAttempts(attempts: Record<string, number>): { n: number; deliveries: number; exactly: number }[] {
  const counts = Object.entries(attempts)
    .map(([a, n]) => [Number(a), n] as const)
    .filter(([a]) => Number.isInteger(a) && a >= 1)
    .sort((a, b) => a[0] - b[0]);
  const max = counts.length === 0 ? 0 : counts[counts.length - 1]![0];
  const out: { n: number; deliveries: number; exactly: number }[] = [];
  for (let n = 1; n <= max; n++) {
    out.push({ n, deliveries: counts.filter(([a]) => a >= n).reduce((s, [, c]) => s + c, 0), exactly: counts.find(([a]) => a === n)?.[1] ?? 0 });
  }
  return out;
}

/**
 * A top reply's messages: a reply whose words include the value. Free text matches words anywhere in a message's
 * callbacks, so this finds every message counted and maybe more: the view checks the list's count before opening it.
 */
export function replyTerms(value: string): string[] | null {
  const words = value.trim();
  return words === '' ? null : ['kind:reply', formatValue(words).startsWith('"') ? formatValue(words) : `"${words}"`];
}
