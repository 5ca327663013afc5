// Canonical JSON and ISO-8601 time parsing: small, pure helpers used by the callback parser, the classifier
// and the query language.

/**
 * JSON with object keys sorted recursively and no whitespace. Two payloads that differ only in key order or
 * whitespace give the same string, which is what "exact duplicate" means (design.md).
 * Built as a string rather than by rebuilding objects, so a `__proto__` key in untrusted input stays a plain key.
 * Throws RangeError on absurd nesting (stack); callers treat that as "no canonical form".
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    // JSON.stringify(undefined) is undefined: only reachable for values that did not come from JSON.parse.
    return JSON.stringify(value) ?? 'null';
  }
  // loops and concatenation, no intermediate arrays: this runs over every delivery's body when it is indexed
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return out + ']';
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) out += (i === 0 ? '' : ',') + JSON.stringify(keys[i]) + ':' + canonicalJson(obj[keys[i]!]);
  return out + '}';
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

export interface IsoParts {
  /** epoch ms */
  ms: number;
  /** whether the text carried Z or an offset */
  hasOffset: boolean;
  hasTime: boolean;
}

/**
 * Parses ISO-8601 dates and date-times, with or without seconds, fraction or offset.
 * Without an offset the wall-clock fields are read in `zone` ('utc' for gateway timestamps, 'local' for what a
 * user types in the search box). Returns null for anything that is not a real calendar date/time.
 * Deliberately not Date.parse: it reads offset-less date-times as local time and accepts many non-ISO forms.
 */
export function parseIsoTime(text: string, zone: 'utc' | 'local' = 'utc'): IsoParts | null {
  const m = ISO_RE.exec(text.trim());
  if (!m) return null;
  const [, ys, mos, ds, hs, mis, ss, frac, off] = m;
  const y = Number(ys);
  const mo = Number(mos);
  const d = Number(ds);
  const h = hs === undefined ? 0 : Number(hs);
  const mi = mis === undefined ? 0 : Number(mis);
  const s = ss === undefined ? 0 : Number(ss);
  const msPart = frac === undefined ? 0 : Math.floor(Number('0.' + frac) * 1000);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  // Reject 2025-02-30 and friends: the UTC fields must survive a round trip.
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) return null;
  let ms: number;
  if (off !== undefined) {
    ms = Date.UTC(y, mo - 1, d, h, mi, s, msPart);
    if (off.toUpperCase() !== 'Z') {
      const sign = off[0] === '-' ? -1 : 1;
      const digits = off.slice(1).replace(':', '');
      const oh = Number(digits.slice(0, 2));
      const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
      if (oh > 23 || om > 59) return null;
      ms -= sign * (oh * 60 + om) * 60_000;
    }
  } else if (zone === 'utc') {
    ms = Date.UTC(y, mo - 1, d, h, mi, s, msPart);
  } else {
    ms = new Date(y, mo - 1, d, h, mi, s, msPart).getTime();
  }
  return { ms, hasOffset: off !== undefined, hasTime: hs !== undefined };
}
