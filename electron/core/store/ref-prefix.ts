// A reference prefix, case aside, read off the references' own unique index. `ref:` has always ignored case (as
// SQLite's NOCASE does: ASCII letters only); it had an index of its own, `messages_ref_nocase`, which every new
// message wrote at a random place, as it writes the unique one (~5 % of the pages an indexing commit wrote on the
// bench store's mix). Schema migration 16 dropped it: the prefix is now read as ranges of the unique (binary) index,
// one for each spelling of the prefix that some reference has.
import type { StoreContext } from './context';
import { FALSE, and, prefixRanges, type Pred } from './filter-sql';
import { prefixEnd } from './rows';

/**
 * Spellings kept at most. References are written in one case or another, not a mix at every letter, so a walk keeps
 * one to a few; past this many (references of random mixed case, and a long prefix typed), the ranges give way to
 * the check alone, which reads every reference.
 */
const MAX_SPELLINGS = 64;

/**
 * Letters walked at most: the spellings of a longer prefix are those of its first MAX_WALK_LETTERS letters, and the
 * check settles the rest on the references in their ranges. A query may hold a 2,000-character prefix, and references
 * spelled 64 ways along all of it made the walk ~256,000 seeks, about a second of the event loop per list call.
 */
const MAX_WALK_LETTERS = 24;

const isAsciiLetter = (c: string) => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');

/**
 * The spellings, case aside, of `prefix` (of its start up to the letter past MAX_WALK_LETTERS) that stored
 * references start with: walked letter by letter, a spelling is kept while some reference starts with it (one seek
 * each), so a 20-letter prefix costs about 40 seeks, not 2^20. Null when more than MAX_SPELLINGS survive. Every
 * reference starting with `prefix`, case aside, starts with one of them; the caller checks the whole prefix.
 */
export function refSpellings(ctx: StoreContext, prefix: string): string[] | null {
  const exists = ctx.stmt('SELECT 1 FROM messages WHERE reference >= ? AND reference < ? LIMIT 1', 'pluck');
  let spellings = [''];
  let letters = 0;
  for (const c of prefix) {
    if (letters === MAX_WALK_LETTERS) break;
    if (!isAsciiLetter(c)) {
      spellings = spellings.map((s) => s + c);
      continue;
    }
    const next: string[] = [];
    for (const s of spellings) {
      for (const v of [s + c.toUpperCase(), s + c.toLowerCase()]) if (exists.get(v, prefixEnd(v)) !== undefined) next.push(v);
    }
    if (next.length === 0) return [];
    if (next.length > MAX_SPELLINGS) return null;
    spellings = next;
    letters++;
  }
  return spellings;
}

/** `column` (a message's reference) starts with `prefix`, case aside: ranges of the unique index, then the check. */
export function refPrefixPred(ctx: StoreContext, column: string, prefix: string): Pred {
  const check: Pred = { sql: `${column} COLLATE NOCASE >= ? AND ${column} COLLATE NOCASE < ?`, params: [prefix, prefixEnd(prefix)] };
  const spellings = refSpellings(ctx, prefix);
  if (spellings === null) return check;
  if (spellings.length === 0) return FALSE;
  return and([prefixRanges(column, spellings), check]);
}
