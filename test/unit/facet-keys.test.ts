import { describe, expect, it } from 'vitest';
import { ANOMALY_NAMES, EVENT_KINDS, FLAG_NAMES, MESSAGE_STATES } from '../../shared/domain';
import { counterKey, facetCounterPrefix, facetKey, facetPrefix, parseCounter, parseFacet, type FacetField } from '../../shared/facet-keys';
import { deliveryFacets, type LifecycleFact } from '../../shared/message-acc';

describe('facet and counter keys', () => {
  it('keep the spellings stores already hold', () => {
    // written into every store file: changing one needs a migration
    expect(
      [
        facetKey('state', 'failed'),
        facetKey('flag', 'duplicate'),
        facetKey('anomaly', 'out-of-order'),
        facetKey('kind', 'reply'),
        facetKey('status', 503),
        facetKey('method', 'post'),
        facetKey('type', 'RichCard'),
        facetKey('channel', 'SMS'),
        facetKey('direction', 'inbound'),
        facetKey('campaign', 'Black Friday'),
      ],
    ).toEqual(['st:failed', 'f:duplicate', 'a:out-of-order', 'k:reply', 's:503', 'm:POST', 't:richcard', 'c:SMS', 'd:inbound', 'g:Black Friday']);
    expect([
      counterKey('deliveries'),
      counterKey('messages'),
      counterKey('longest-span'),
      counterKey({ flag: 'fallback' }),
      counterKey({ facet: 'st:read' }),
    ]).toEqual(['deliveries', 'messages', 'span:max', 'df:fallback', 'mf:st:read']);
    expect(facetCounterPrefix('campaign')).toBe('mf:g:');
    expect(facetCounterPrefix()).toBe('mf:');
  });

  it('read back what they wrote, whatever the value holds', () => {
    const cases: [FacetField, string][] = [
      ...MESSAGE_STATES.map((v): [FacetField, string] => ['state', v]),
      ...FLAG_NAMES.map((v): [FacetField, string] => ['flag', v]),
      ...ANOMALY_NAMES.map((v): [FacetField, string] => ['anomaly', v]),
      ...EVENT_KINDS.map((v): [FacetField, string] => ['kind', v]),
      ['campaign', 'promo: 50% off: today'],
      ['campaign', ''],
      ['type', 'prepaid_blocked'],
      ['status', '200'],
    ];
    for (const [field, value] of cases) {
      expect(parseFacet(facetKey(field, value)), `${field} ${value}`).toEqual({ field, value });
      expect(facetKey(field, value).startsWith(facetPrefix(field))).toBe(true);
      expect(parseCounter(counterKey({ facet: facetKey(field, value) }))).toEqual({ facet: facetKey(field, value) });
    }
    for (const flag of FLAG_NAMES) expect(parseCounter(counterKey({ flag }))).toEqual({ flag });
    expect(parseCounter('span:max')).toBe('longest-span');
  });

  it('keep one field out of another: no facet prefix is a prefix of another field', () => {
    // `s:` (status) and `st:` (state): range scans over one field must not meet the other
    expect(parseFacet('st:read')).toEqual({ field: 'state', value: 'read' });
    expect(parseFacet('s:200')).toEqual({ field: 'status', value: '200' });
    expect(facetKey('state', 'read').startsWith(facetPrefix('status'))).toBe(false);
  });

  it('say so when a key is not one of theirs', () => {
    expect(parseFacet('zz:1')).toBeNull();
    expect(parseFacet('no colon')).toBeNull();
    expect(parseCounter('something-else')).toBeNull();
  });

  it('spell a type or method the same however it arrived, as filters ask for it', () => {
    expect(facetKey('type', 'TEXT')).toBe(facetKey('type', 'text'));
    expect(facetKey('method', 'Post')).toBe(facetKey('method', 'POST'));
    const fact = { kind: 'sent', responseStatus: 200, method: 'post', type: 'RichCard', channel: 'RCS', direction: 'outbound', campaign: 'bf' } as LifecycleFact;
    expect(deliveryFacets(fact).sort()).toEqual(
      [
        facetKey('kind', 'sent'),
        facetKey('status', 200),
        facetKey('method', 'POST'),
        facetKey('type', 'richcard'),
        facetKey('channel', 'RCS'),
        facetKey('direction', 'outbound'),
        facetKey('campaign', 'bf'),
      ].sort(),
    );
    expect(deliveryFacets(fact).every((f) => parseFacet(f) !== null)).toBe(true);
  });
});
