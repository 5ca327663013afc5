import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../shared/query';
import { campaignPattern, deliveryMatches, freeText, messageMatches, searchWords } from '../../shared/query-match';
import { at, cb, Feed, samples, T0 } from './feed';

const LATER = Date.parse('2025-11-29T00:00:00Z');

function sampleFeed() {
  const feed = new Feed();
  for (const lc of Object.values(samples.lifecycles)) feed.addLifecycle(lc);
  return feed;
}

describe('deliveryMatches (reference semantics for the store filter)', () => {
  const feed = sampleFeed();
  const ids = (q: string) => {
    const parsed = parseQuery(q);
    expect(parsed.errors).toEqual([]);
    return feed.fed.filter((f) => deliveryMatches(parsed, f.summary, f.summary.reference ? feed.message(f.summary.reference, LATER).summary : null)).map((f) => f.id);
  };

  it('the empty query matches everything', () => {
    expect(ids('')).toHaveLength(feed.fed.length);
  });

  it('flags, negation and their combination', () => {
    const dups = ids('flag:duplicate');
    expect(dups).toHaveLength(2);
    expect(ids('-flag:duplicate')).toHaveLength(feed.fed.length - 2);
    expect(ids('flag:duplicate -flag:duplicate')).toEqual([]);
  });

  it('type is case-insensitive equality; kind by meaning', () => {
    expect(ids('type:exception').map((i) => feed.fed[i - 1].summary.type)).toEqual(['EXCEPTION']);
    expect(ids('type:text').map((i) => feed.fed[i - 1].summary.type).sort()).toEqual(['TEXT', 'Text', 'Text', 'Text']);
    expect(ids('kind:reply')).toHaveLength(2);
  });

  it('channel, user prefix, campaign substring, ref prefix, free text', () => {
    expect(ids('channel:sms')).toHaveLength(2);
    expect(ids('user:552198')).toHaveLength(5);
    expect(ids('campaign:cobranca')).toHaveLength(5);
    expect(ids('ref:5a01cd74')).toHaveLength(2);
    expect(ids('campinas')).toHaveLength(1);
    expect(ids('"limite de créditos"')).toHaveLength(2);
  });

  it('message-level state and anomaly', () => {
    expect(ids('state:fell-back')).toHaveLength(4);
    expect(ids('state:blocked')).toHaveLength(2);
    expect(ids('anomaly:out-of-order')).toEqual([]);
  });

  it('time windows: after inclusive, before exclusive', () => {
    expect(ids('after:2025-11-28T18:00:00Z')).toHaveLength(2);
    expect(ids('before:2025-11-28T09:00:03.400Z')).toHaveLength(1);
    expect(ids('after:2025-11-28T09:00:03.400Z before:2025-11-28T09:00:43.460Z')).toHaveLength(2);
  });

  it('a phone number however typed, as user: and as free text, finds the same deliveries', () => {
    const spellings = ['11999990001', '+55 11 99999-0001', '(11) 99999-0001', '+55 (11) 99999-0001', '5511999990001', '11 99999 0001'];
    const happy = ids('user:5511999990001');
    expect(happy).toHaveLength(5);
    for (const s of spellings) {
      expect(ids(`user:${s}`), `user:${s}`).toEqual(happy);
      expect(ids(s), s).toEqual(happy);
    }
    // a prefix typed without the country code, and a number nobody has
    expect(ids('user:(11) 9999')).toEqual(ids('user:55119999'));
    expect(ids('(21) 99999-0001')).toEqual([]);
  });

  it("OR: any of a field's values, or either of two terms", () => {
    const read = ids('type:READ');
    const delivered = ids('type:DELIVERED');
    const both = [...read, ...delivered].sort((a, b) => a - b);
    expect(read.length).toBeGreaterThan(0);
    expect(delivered.length).toBeGreaterThan(0);
    expect(ids('type:READ OR type:DELIVERED')).toEqual(both);
    expect(ids('type:read,delivered')).toEqual(both);
    expect(ids('-type:READ,DELIVERED')).toHaveLength(feed.fed.length - both.length);
    const either = new Set([...ids('type:READ user:5521'), ...ids('flag:duplicate user:5521')]);
    expect(ids('type:READ OR flag:duplicate user:5521')).toEqual([...either].sort((a, b) => a - b));
    expect(either.size).toBeGreaterThan(ids('flag:duplicate user:5521').length);
  });

  it('status by code or class', () => {
    const feed2 = new Feed();
    const d = feed2.add(T0, cb());
    expect(deliveryMatches(parseQuery('status:200'), d.summary)).toBe(true);
    expect(deliveryMatches(parseQuery('status:2xx'), d.summary)).toBe(true);
    expect(deliveryMatches(parseQuery('status:5xx'), d.summary)).toBe(false);
    expect(deliveryMatches(parseQuery('state:sent'), d.summary)).toBe(false); // no message given
    expect(deliveryMatches(parseQuery('method:post path:/call'), d.summary)).toBe(true);
  });
});

describe('messageMatches', () => {
  const feed = new Feed();
  feed.add(T0, cb({ timestamp: at(0) }));
  feed.add(T0 + 2000, cb({ type: 'DELIVERED', direction: 'inbound', channel: 'SMS', timestamp: at(1), message: null }));
  const m = feed.message('ref-1', T0 + 10_000).summary;

  it('decides from the summary when it can', () => {
    expect(messageMatches(parseQuery('state:fell-back channel:SMS flag:fallback'), m)).toBe(true);
    expect(messageMatches(parseQuery('-channel:SMS'), m)).toBe(false);
    expect(messageMatches(parseQuery('user:5511 campaign:CAM ref:ref'), m)).toBe(true);
    expect(messageMatches(parseQuery(`after:${new Date(T0 + 1000).toISOString()}`), m)).toBe(true);
    expect(messageMatches(parseQuery(`before:${new Date(T0).toISOString()}`), m)).toBe(false);
  });

  it('answers null when only the deliveries can tell', () => {
    expect(messageMatches(parseQuery('type:READ'), m)).toBeNull();
    expect(messageMatches(parseQuery('hello'), m)).toBeNull();
    // ... but a failing decidable term still excludes it
    expect(messageMatches(parseQuery('type:READ state:read'), m)).toBe(false);
  });

  it('an OR group is decided when a member holds, or when every member fails', () => {
    expect(messageMatches(parseQuery('state:read OR channel:SMS'), m)).toBe(true);
    expect(messageMatches(parseQuery('state:read,blocked'), m)).toBe(false);
    expect(messageMatches(parseQuery('state:read OR type:READ'), m)).toBeNull();
    expect(messageMatches(parseQuery('-state:read,fell-back'), m)).toBe(false);
  });
});

describe('campaign patterns', () => {
  it('find any part of a name, any case, a space standing for any one character', () => {
    const hits = (p: string) => ['black_friday_2025_rcs', 'Black Friday', 'blackfriday', 'natal_2025'].filter((c) => campaignPattern(p).test(c));
    expect(hits('black friday')).toEqual(['black_friday_2025_rcs', 'Black Friday']);
    expect(hits('FRIDAY')).toEqual(['black_friday_2025_rcs', 'Black Friday', 'blackfriday']);
    expect(hits('2025')).toEqual(['black_friday_2025_rcs', 'natal_2025']);
    // regular expression characters are plain text
    expect(campaignPattern('(.*').test('a(.*b')).toBe(true);
    expect(campaignPattern('(.*').test('anything')).toBe(false);
  });
});

describe('free text', () => {
  it('splits words as the full-text index does: case and Latin accents ignored, punctuation separates', () => {
    expect(searchWords('Olá, João! black_friday R$199 créditos')).toEqual(['ola', 'joao', 'black', 'friday', 'r', '199', 'creditos']);
    // decomposed accents too
    expect(searchWords('cre\u0301ditos')).toEqual(['creditos']);
  });

  it('makes the last word a prefix only from three characters on', () => {
    expect(freeText('campin')).toEqual({ words: ['campin'], lastIsPrefix: true });
    expect(freeText('de')).toEqual({ words: ['de'], lastIsPrefix: false });
    expect(freeText('limite de')).toEqual({ words: ['limite', 'de'], lastIsPrefix: false });
    expect(freeText('prazo!')).toEqual({ words: ['prazo'], lastIsPrefix: false });
    expect(freeText('-- ...')).toBeNull();
  });

  it('matches words in order, not inside other words', () => {
    const feed = new Feed();
    const d = feed.add(T0, cb({ message: { text: 'Qual o prazo de entrega para Campinas?' } })).summary;
    const m = (q: string) => deliveryMatches(parseQuery(q), d);
    expect(m('"qual o prazo"')).toBe(true);
    expect(m('"prazo o qual"')).toBe(false);
    expect(m('CAMPINAS')).toBe(true);
    expect(m('campin')).toBe(true);
    expect(m('ampinas')).toBe(false);
    expect(m('entreg')).toBe(true);
    expect(m('"de entrega"')).toBe(true);
    // a term with no word matches nothing, as in the store
    expect(m('"?"')).toBe(false);
  });
});

describe('reason, account, retry, attempt and answer judged on a delivery row', () => {
  it('reads the facts its flag details leave on the row', () => {
    const feed = new Feed();
    const add = (i: number, type: string, message: unknown, extra: Record<string, unknown> = {}) =>
      feed.add(T0 + i * 1000, cb({ reference: `r${i}`, event_id: `e${i}`, direction: 'inbound', type, message, ...extra })).summary;
    const auth = add(1, 'EXCEPTION', 'Request failed with status code 401: invalid token');
    const err = add(2, 'ERROR', 'Request failed with status code 503: upstream unavailable');
    const noCode = add(3, 'ERROR', 'upstream unavailable');
    const account = add(4, 'PREPAID_BLOCKED', 'Limite de créditos da conta atingido acc-9');
    const customer = add(5, 'PREPAID_BLOCKED', 'Limite de créditos do cliente atingido');
    // a DELIVERED again 150 ms later: a repeat that fits no slot of the retry schedule; another 10.2 s later: it fits
    const again = (i: number, ms: number) => feed.add(T0 + i * 1000 + ms, cb({ reference: `r${i}`, event_id: `e${i}`, direction: 'inbound', type: 'DELIVERED', message: null })).summary;
    const first = add(6, 'DELIVERED', null);
    const early = again(6, 150);
    const second = add(7, 'DELIVERED', null);
    const onTime = again(7, 10_200);
    const rows = [auth, err, noCode, account, customer, first, early, second, onTime];
    const picks = (q: string) => rows.filter((d) => deliveryMatches(parseQuery(q), d));
    expect(picks('reason:auth')).toEqual([auth]);
    expect(picks('reason:503')).toEqual([err]);
    expect(picks('reason:unknown')).toEqual([noCode]);
    expect(picks('reason:account')).toEqual([account]);
    expect(picks('account:acc-9')).toEqual([account]);
    expect(picks('account:ACC-9')).toEqual([]);
    expect(picks('reason:customer,auth')).toEqual([auth, customer]);
    expect(picks('retry:off-schedule')).toEqual([early]);
    expect(picks('retry:on-schedule')).toEqual([onTime]);
    expect(picks('attempt:2')).toEqual([early, onTime]);
    expect(picks('attempt:2+')).toEqual([early, onTime]);
    expect(picks('attempt:3+')).toEqual([]);
    expect(picks('attempt:1')).toHaveLength(7);
    // answer times: the feed answers in 1 ms
    expect(picks('answer:>10s')).toEqual([]);
    expect(picks('answer:<2ms')).toHaveLength(rows.length);
    // on a message the store decides (any of its deliveries): the summary alone cannot tell
    expect(messageMatches(parseQuery('reason:503'), feed.message('r2', LATER).summary)).toBeNull();
  });
});
