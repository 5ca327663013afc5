// A retried callback equal as JSON but not byte for byte (keys reordered, other spacing) must not be called "the
// same payload": the UI says which of the two it is, and says neither when the bytes were never compared.
import { describe, expect, it } from 'vitest';
import type { FlagDetail } from '../../shared/domain';
import { explainFlag } from '../../shared/explain';

const dup: FlagDetail = { flag: 'duplicate', kind: 'exact', of: 7, previous: 8, attempt: 2, gapMs: 10_020, expectedGapMs: 10_000, fitsSchedule: true };

describe('explaining an exact duplicate', () => {
  it('says "same JSON, different bytes" when only the JSON is equal', () => {
    const text = explainFlag({ ...dup, sameBytes: false });
    expect(text).toMatch(/^Attempt 2: same JSON, different bytes — the payload of delivery #7 was delivered again/);
    expect(text).not.toMatch(/same payload/);
  });

  it('says the bytes are identical when they are', () => {
    expect(explainFlag({ ...dup, sameBytes: true })).toMatch(/^Attempt 2: byte for byte the same payload as delivery #7 was delivered again, 10 s after/);
  });

  it('claims only equal JSON when the bytes were never compared (stored by an earlier version)', () => {
    const text = explainFlag(dup);
    expect(text).toMatch(/^Attempt 2: the same JSON as delivery #7 was delivered again/);
    expect(text).not.toMatch(/same payload|byte/);
  });
});
