// What a query means, judged in memory over list rows: the reference semantics the store's SQL filter
// (electron/core/store/filters.ts) is held to by its oracle test, and the filter of the test stand-in core.
// Every term must hold (AND); `-` negates one term; an OR group holds when any member does (alternativesOf, which
// also makes a phone number typed as free text find its user). user, ref and event match a prefix ignoring case (a
// phone number any of its stored forms: userPrefixes); type a
// case-insensitive equality (type:text finds Text and TEXT); status a code or a class (5xx); after is inclusive,
// before exclusive; reason, account and retry read the facts of the delivery's flag details (flag-facts.ts), retry:after-200
// what we answered the attempt before (retry-ladder.ts); attempt
// the gateway's attempt number (N or N and later), answer our answer time (a missing one reads as 0 ms). Campaign and free text have their own rules, shared with the store (campaignPattern, freeText).
//
// One known difference: the store's free text also searches the raw body (JSON keys, vars, postback values) and a
// message's full text, which list rows do not hold; on what a row shows (preview, ids, campaign, type, path), the two agree.
import type { DeliverySummary, MessageSummary } from './domain';
import { alternativesOf, answerBound, attemptBound, userPrefixes, type ParsedQuery, type QueryTerm } from './query';
import { retriedAfter200 } from './retry-ladder';
import { noteHolds } from './marks';

const lower = (s: string | null | undefined) => (s ?? '').toLowerCase();
const prefix = (v: string | null, p: string) => v !== null && lower(v).startsWith(p.toLowerCase());

/**
 * campaign:<pattern> finds any part of a campaign name, in any case, a space standing for any one character
 * (`campaign:"black friday"` finds black_friday_2025_rcs). The store resolves a pattern to the names it knows with it.
 */
export function campaignPattern(pattern: string): RegExp {
  const parts = pattern
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(parts.join('.'), 'isu');
}

// Free text is matched by words, as the store's full-text index (SQLite FTS5, `unicode61 remove_diacritics 2`)
// does: letters and digits make words, everything else separates them; case and Latin accents are ignored
// ("ola" finds Olá); a term's words must follow one another; its last word is a prefix when it has 3+ characters
// ("campin" finds Campinas, but "de" is only the word de).
const WORD = /[\p{L}\p{N}\p{Co}\p{Mn}]+/gu;
const ENDS_IN_WORD = /[\p{L}\p{N}\p{Co}\p{Mn}]$/u;

/** The words of a text as the index keeps them: lower case, accents of Latin letters removed. */
export function searchWords(text: string): string[] {
  return text.toLowerCase().normalize('NFD').replace(/(\p{Script=Latin})\p{Mn}+/gu, '$1').match(WORD) ?? [];
}

export interface FreeText {
  words: string[];
  /** the last word also matches longer words it starts */
  lastIsPrefix: boolean;
}

/** A free-text term's words; null when it holds none (such a term matches nothing). */
export function freeText(value: string): FreeText | null {
  const words = searchWords(value);
  if (words.length === 0) return null;
  return { words, lastIsPrefix: ENDS_IN_WORD.test(value) && [...words[words.length - 1]!].length >= 3 };
}

function wordsFollow(q: FreeText, words: string[]): boolean {
  const n = q.words.length;
  const last = q.words[n - 1]!;
  outer: for (let i = 0; i + n <= words.length; i++) {
    for (let j = 0; j < n - 1; j++) if (words[i + j] !== q.words[j]) continue outer;
    const w = words[i + n - 1]!;
    if (q.lastIsPrefix ? w.startsWith(last) : w === last) return true;
  }
  return false;
}

// per term, so filtering a list does not compile the same pattern for every row
const patterns = new WeakMap<QueryTerm, RegExp>();
const texts = new WeakMap<QueryTerm, FreeText | null>();

function patternOf(t: QueryTerm): RegExp {
  let re = patterns.get(t);
  if (!re) patterns.set(t, (re = campaignPattern(t.value)));
  return re;
}

function textOf(t: QueryTerm): FreeText | null {
  if (!texts.has(t)) texts.set(t, freeText(t.value));
  return texts.get(t)!;
}

/** Joined as the index joins a delivery's fields, so a phrase may run from one into the next there too. */
function wordsOf(fields: (string | null)[]): string[] {
  return searchWords(fields.filter((f) => f !== null && f !== '').join('\n'));
}

function campaignMatches(t: QueryTerm, campaign: string | null): boolean {
  return campaign !== null && patternOf(t).test(campaign);
}

function statusMatches(status: number, value: string): boolean {
  return /xx$/i.test(value) ? String(status)[0] === value[0] : String(status) === value;
}

function deliveryTerm(t: QueryTerm, d: DeliverySummary, m: MessageSummary | null | undefined): boolean {
  switch (t.field) {
    case 'text': {
      const q = textOf(t);
      return q !== null && wordsFollow(q, wordsOf([d.preview, d.reference, d.userId, d.campaign, d.eventId, d.type, d.rejectReason, d.path]));
    }
    case 'type':
      return lower(d.type) === t.value.toLowerCase();
    case 'kind':
      return d.kind === t.value;
    case 'user':
      return userMatches(t, d.userId);
    case 'campaign':
      return campaignMatches(t, d.campaign);
    case 'flag':
      return d.flags.includes(t.value as DeliverySummary['flags'][number]);
    case 'channel':
      return (d.channel ?? '') === t.value;
    case 'direction':
      return (d.direction ?? '') === t.value;
    case 'ref':
      return prefix(d.reference, t.value);
    case 'event':
      return prefix(d.eventId, t.value);
    case 'status':
      return statusMatches(d.responseStatus, t.value);
    case 'path':
      return d.path.startsWith(t.value);
    case 'method':
      return d.method.toUpperCase() === t.value;
    case 'after':
      return t.time !== undefined && d.receivedAt >= t.time;
    case 'before':
      return t.time !== undefined && d.receivedAt < t.time;
    case 'state':
      return m ? m.state === t.value : false;
    case 'anomaly':
      return m ? m.anomalies.includes(t.value as MessageSummary['anomalies'][number]) : false;
    case 'reason':
      return d.reasons.includes(t.value);
    case 'account':
      return d.blockedAccount === t.value;
    case 'retry':
      return t.value === 'after-200' ? retriedAfter200(d.previousAnswer) : d.retry === t.value;
    case 'attempt': {
      const { n, orLater } = attemptBound(t.value);
      return d.attempt !== null && (orLater ? d.attempt >= n : d.attempt === n);
    }
    case 'answer': {
      // a delivery without a recorded answer time reads as 0 ms, as its row shows
      const b = answerBound(t.value);
      return b !== null && (b.op === '>' ? d.responseMs > b.ms : d.responseMs < b.ms);
    }
    case 'pinned':
    case 'note':
      return markMatches(t, d);
    case 'source':
      return d.simulated === true;
  }
}

const prefixesOf = new WeakMap<QueryTerm, string[]>();

function userMatches(t: QueryTerm, userId: string | null): boolean {
  let prefixes = prefixesOf.get(t);
  if (!prefixes) prefixesOf.set(t, (prefixes = userPrefixes(t.value)));
  return prefixes.some((p) => prefix(userId, p));
}

const alternatives = new WeakMap<QueryTerm, QueryTerm[] | null>();

function alternativesCached(t: QueryTerm): QueryTerm[] | null {
  if (!alternatives.has(t)) alternatives.set(t, alternativesOf(t));
  return alternatives.get(t)!;
}

/** Whether a delivery matches; state/anomaly terms are judged on its message (no message → no match). */
export function deliveryMatches(parsed: ParsedQuery, d: DeliverySummary, message?: MessageSummary | null): boolean {
  return parsed.terms.every((t) => {
    const any = alternativesCached(t);
    const hit = any ? any.some((a) => deliveryTerm(a, d, message)) : deliveryTerm(t, d, message);
    return hit !== t.negate;
  });
}

/**
 * Whether a message matches, judged from its summary alone. Delivery-level terms (type, kind, event, direction,
 * status, path, method) need the message's deliveries: a message matches when ANY of its deliveries does, which a
 * summary cannot tell, so the answer is null ("ask the store") when such a term is present. So is free text found
 * nowhere in the summary, and a campaign other than the summary's when the message's campaign changed (field-drift).
 */
export function messageMatches(parsed: ParsedQuery, m: MessageSummary): boolean | null {
  let undecided = false;
  for (const t of parsed.terms) {
    const any = alternativesCached(t);
    // a group: true when a member is, false when every member is, undecided otherwise
    const hits = any ? any.map((a) => messageTerm(a, m)) : [messageTerm(t, m)];
    const hit = hits.includes(true) ? true : hits.includes(null) ? null : false;
    if (hit === null) undecided = true;
    else if (hit === t.negate) return false;
  }
  return undecided ? null : true;
}

function messageTerm(t: QueryTerm, m: MessageSummary): boolean | null {
  switch (t.field) {
    case 'text': {
      const q = textOf(t);
      return q === null ? false : wordsFollow(q, wordsOf([m.reference, m.userId, m.campaign, m.lastType])) ? true : null;
    }
    case 'user':
      return userMatches(t, m.userId);
    case 'campaign':
      return campaignMatches(t, m.campaign) ? true : m.anomalies.includes('field-drift') ? null : false;
    case 'ref':
      return prefix(m.reference, t.value);
    case 'flag':
      return m.flags.includes(t.value as MessageSummary['flags'][number]);
    case 'state':
      return m.state === t.value;
    case 'anomaly':
      return m.anomalies.includes(t.value as MessageSummary['anomalies'][number]);
    case 'channel':
      return m.channels.includes(t.value);
    case 'after':
      return t.time !== undefined && m.lastReceivedAt >= t.time;
    case 'before':
      return t.time !== undefined && m.firstReceivedAt < t.time;
    case 'pinned':
    case 'note':
      return markMatches(t, m);
    default:
      return null;
  }
}

/** pinned:yes|no and note:text judge the row's own mark (a message's, not its deliveries'). */
function markMatches(t: QueryTerm, row: { pinned?: true; note?: string }): boolean {
  return t.field === 'pinned' ? (row.pinned === true) === (t.value === 'yes') : noteHolds(row.note, t.value);
}
