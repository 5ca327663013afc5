// Values the search box offers after `field:` for the fields whose values are open (users, campaigns, references...).
import { ANOMALY_NAMES, EVENT_KINDS, FLAG_NAMES, KNOWN_TYPES, MESSAGE_STATES } from '../../../shared/domain';
import type { FacetField } from '../../../shared/facet-keys';
import { resolveField, userPrefixes } from '../../../shared/query';
import { campaignPattern } from '../../../shared/query-match';
import type { StoreContext } from './context';
import { facetCounts } from './filter-sql';
import { refSpellings } from './ref-prefix';
import { prefixEnd } from './rows';

/** SQLite's NOCASE order: ASCII letters folded to lower case, then byte order (ties by the exact spelling). */
function byNocase(a: string, b: string): number {
  const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const fa = fold(a);
  const fb = fold(b);
  return fa < fb ? -1 : fa > fb ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

const SUGGEST_LIMIT = 20;

/** Autocomplete values for open fields, most used first where the store knows usage. */
export function suggestValues(ctx: StoreContext, rawField: string, prefix: string): string[] {
  const field = resolveField(rawField);
  const p = prefix.toLowerCase();
  const starts = (v: string) => v.toLowerCase().startsWith(p);
  const fromFacets = (f: FacetField) => facetCounts(ctx, f).map((v) => v.value).filter(starts).slice(0, SUGGEST_LIMIT);
  const range = (sql: string) => ctx.stmt(sql, 'pluck').all(prefix, prefixEnd(prefix), SUGGEST_LIMIT) as string[];
  switch (field) {
    case 'campaign': {
      // what the campaign filter would find, names that start with the text first
      const re = campaignPattern(prefix);
      const hits = facetCounts(ctx, 'campaign')
        .map((v) => ({ name: v.value, at: re.exec(v.value)?.index ?? -1 }))
        .filter((h) => h.at >= 0);
      return [...hits.filter((h) => h.at === 0), ...hits.filter((h) => h.at > 0)].map((h) => h.name).slice(0, SUGGEST_LIMIT);
    }
    case 'user': {
      // a number typed without the country code (or with punctuation) is offered in the stored form it matches
      const sql = 'SELECT DISTINCT user_id FROM messages WHERE user_id >= ? AND user_id < ? ORDER BY user_id LIMIT ?';
      const found = userPrefixes(prefix).flatMap((p) => ctx.stmt(sql, 'pluck').all(p, prefixEnd(p), SUGGEST_LIMIT) as string[]);
      return [...new Set(found)].slice(0, SUGGEST_LIMIT);
    }
    case 'ref': {
      // each spelling's first references off the unique index (ref-prefix.ts), merged in the order case aside
      const spellings = refSpellings(ctx, prefix);
      const sql = `SELECT reference FROM messages WHERE reference >= ? AND reference < ?
        AND reference COLLATE NOCASE >= ? AND reference COLLATE NOCASE < ? ORDER BY reference LIMIT ?`;
      const found = spellings.flatMap((s) => ctx.stmt(sql, 'pluck').all(s, prefixEnd(s), prefix, prefixEnd(prefix), SUGGEST_LIMIT) as string[]);
      return found.sort(byNocase).slice(0, SUGGEST_LIMIT);
    }
    case 'event':
      return range('SELECT DISTINCT event_id FROM deliveries WHERE event_id >= ? AND event_id < ? ORDER BY event_id LIMIT ?');
    case 'type': {
      const seen = facetCounts(ctx, 'type').map((v) => v.value);
      const spelled = seen.map(
        (lc) => KNOWN_TYPES.find((k) => k.toLowerCase() === lc) ?? (ctx.stmt('SELECT type FROM deliveries WHERE type_lc = ? LIMIT 1', 'pluck').get(lc) as string | undefined) ?? lc,
      );
      const extra = KNOWN_TYPES.filter((k) => !spelled.includes(k));
      return [...spelled, ...extra].filter(starts).slice(0, SUGGEST_LIMIT);
    }
    case 'channel':
      return [...new Set([...fromFacets('channel'), ...['RCS', 'SMS'].filter(starts)])].slice(0, SUGGEST_LIMIT);
    case 'direction':
      return [...new Set([...fromFacets('direction'), ...['inbound', 'outbound'].filter(starts)])];
    case 'kind':
      return EVENT_KINDS.filter(starts);
    case 'status':
      return fromFacets('status');
    case 'method':
      return fromFacets('method');
    case 'flag':
      return FLAG_NAMES.filter(starts);
    case 'state':
      return MESSAGE_STATES.filter(starts);
    case 'anomaly':
      return ANOMALY_NAMES.filter(starts);
    case 'path':
      // paths are few; look at recent traffic rather than index a column nobody filters often
      return (
        ctx
          .stmt('SELECT DISTINCT path FROM (SELECT path FROM deliveries ORDER BY id DESC LIMIT 5000) WHERE path >= ? AND path < ? LIMIT ?', 'pluck')
          .all(prefix, prefixEnd(prefix), SUGGEST_LIMIT) as string[]
      );
    default:
      return [];
  }
}
