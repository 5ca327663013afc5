// From an analytics figure to the list query behind it, and the CSV the view exports: the terms pick exactly the
// rows counted (judged by the lists' own matcher), and a figure no term picks gets none.
import { describe, expect, it } from 'vitest';
import type { MessageSummary } from '../../shared/domain';
import { parseQuery } from '../../shared/query';
import { messageMatches } from '../../shared/query-match';
import { toCsv } from '../../renderer/src/lib/csv';
import { accountTerm, campaignTerm, deliveriesDrill, funnelTerm, messagesDrill, reasonTerm, replyTerms, timeTerms, withTerms } from '../../renderer/src/lib/drill';

const msg = (campaign: string | null) => ({ reference: 'r', userId: null, campaign, lastType: null, anomalies: [], flags: [], channels: [], state: 'sent' }) as unknown as MessageSummary;

describe('drill queries', () => {
  const names = ['promo', 'promo_2', 'black friday', 'black_friday', 'Natal "25"', null];

  it('picks a campaign by a term that matches it and none of the report’s other campaigns, or gives no term', () => {
    const picks = (term: string) => names.filter((n) => messageMatches(parseQuery(term), msg(n)));
    // promo is part of promo_2, and a space finds any character ("black friday" finds black_friday too)
    expect(campaignTerm('promo', names)).toBeNull();
    expect(campaignTerm('black friday', names)).toBeNull();
    for (const name of ['promo_2', 'black_friday', 'Natal "25"', null]) {
      const term = campaignTerm(name, names)!;
      expect(picks(term), term).toEqual([name]);
    }
    expect(campaignTerm('Natal "25"', names)).toBe('campaign:"Natal \\"25\\""');
    expect(campaignTerm('black friday', ['black friday', null])).toBe('campaign:"black friday"');
  });

  it('appends terms to the query, once each', () => {
    expect(withTerms('  ref:t1 ', ['state:read'])).toBe('ref:t1 state:read');
    expect(withTerms('ref:t1 state:READ', ['state:read', 'kind:reply'])).toBe('ref:t1 state:READ kind:reply');
    expect(messagesDrill('', ['flag:error'])).toEqual({ view: 'messages', query: 'flag:error' });
  });

  it('opens deliveries only under terms a message’s deliveries share', () => {
    expect(deliveriesDrill('ref:t1 state:failed campaign:x user:55', ['flag:duplicate'])).toEqual({ view: 'deliveries', query: 'ref:t1 state:failed campaign:x user:55 flag:duplicate' });
    // kind:reply is "has a reply" for messages but "is a reply" for deliveries; so for flags, text and times
    for (const q of ['kind:reply', 'flag:error', 'hello', 'after:2h', 'ref:t1 -type:READ']) expect(deliveriesDrill(q, ['flag:duplicate']), q).toBeNull();
  });

  it('picks the funnel steps reached at least, reasons, accounts and reply words with terms the parser reads back', () => {
    expect(['sent', 'delivered', 'read', 'replied'].map((s) => funnelTerm(s as 'sent'))).toEqual([
      'kind:sent,delivered,read,reply',
      'kind:delivered,read,reply',
      'kind:read,reply',
      'kind:reply',
    ]);
    for (const term of [reasonTerm('rcs-unsupported'), reasonTerm('503'), accountTerm('acc 1,"x"'), ...replyTerms('Sim, quero: "já"')!, ...replyTerms('-OR')!]) {
      expect(parseQuery(term).errors, term).toEqual([]);
      expect(parseQuery(term).terms, term).toHaveLength(1);
    }
    expect(parseQuery(accountTerm('acc 1,"x"')).terms[0]).toMatchObject({ field: 'account', value: 'acc 1,"x"' });
    expect(parseQuery(replyTerms('Sim, quero: "já"')![1]!).terms[0]).toMatchObject({ field: 'text', value: 'Sim, quero: "já"' });
    expect(parseQuery(replyTerms('-OR')![1]!).terms[0]).toMatchObject({ field: 'text', value: '-OR', negate: false });
    expect(replyTerms('  ')).toBeNull();
  });

  it('writes a time bucket as after (inclusive) and before (exclusive) to the millisecond', () => {
    const from = Date.UTC(2026, 11, 3, 10, 5, 0, 0);
    const parsed = parseQuery(timeTerms(from, from + 60_000).join(' '));
    expect(parsed.errors).toEqual([]);
    expect(parsed.terms.map((t) => [t.field, t.time])).toEqual([['after', from], ['before', from + 60_000]]);
  });
});

describe('CSV', () => {
  it('quotes what needs quoting and keeps cells a spreadsheet would run as formulas as text', () => {
    expect(toCsv([['a,b', 'say "hi"', 'two\nlines', 3, null], ['=SUM(A1)', '+1', '-x', '@me', -5]])).toBe(
      '"a,b","say ""hi""","two\nlines",3,\r\n\'=SUM(A1),\'+1,\'-x,\'@me,-5\r\n',
    );
  });
});
