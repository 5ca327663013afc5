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
 * one to a few. When the next letter would make more (references sent in many spellings of one start), the walk
 * stops at the spellings it has: their ranges hold every match, and the check settles the letters after. (Reading
 * every reference instead, with the check alone, took 10.4 s on the 1M-delivery store cold, for a prefix whose
 * matches were old.)
 */
const MAX_SPELLINGS = 64;

/**
 * Letters walked at most, likewise. A query may hold a 2,000-character prefix, and references spelled 64 ways along
 * all of it made the walk ~256,000 seeks, about a second of the event loop per list call.
 */
const MAX_WALK_LETTERS = 24;

/**
 * The unique index on references (SQLite names a UNIQUE constraint's index so). Named where a prefix's ranges drive a
 * read: with the list's newest-first order and a LIMIT, the planner preferred walking every message by last activity
 * to 64 ranges, which is the 10 s read above.
 */
export const REFERENCES_INDEX = 'sqlite_autoindex_messages_1';

const isAsciiLetter = (c: string) => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');

/**
 * The spellings, case aside, of `prefix` (or of its start: MAX_WALK_LETTERS, MAX_SPELLINGS) that stored references
 * start with: walked letter by letter, a spelling is kept while some reference starts with it (one seek each), so a
 * 20-letter prefix costs about 40 seeks, not 2^20. Every reference starting with `prefix`, case aside, starts with
 * one of them; the caller checks the whole prefix. Empty when none does.
 */
export function refSpellings(ctx: StoreContext, prefix: string): string[] {
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
    if (next.length > MAX_SPELLINGS) break;
    spellings = next;
    letters++;
  }
  return spellings;
}

/** `column` (a message's reference) starts with `prefix`, case aside: ranges of the unique index, then the check. */
export function refPrefixPred(ctx: StoreContext, column: string, prefix: string): Pred {
  const check: Pred = { sql: `${column} COLLATE NOCASE >= ? AND ${column} COLLATE NOCASE < ?`, params: [prefix, prefixEnd(prefix)] };
  const spellings = refSpellings(ctx, prefix);
  if (spellings.length === 0) return FALSE;
  return and([prefixRanges(column, spellings), check]);
}
