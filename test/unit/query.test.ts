import { describe, expect, it } from 'vitest';
import { alternativesOf, answerBound, completeQuery, formatQuery, formatValue, parseQuery, phonePrefixes, QUERY_FIELDS, resolveField, toggleTerm, userPrefixes, type QueryTerm } from '../../shared/query';
import { FLAG_NAMES } from '../../shared/domain';

describe('parseQuery', () => {
  it('parses the full example from the brief', () => {
    const q =
      'type:EXCEPTION user:5511 campaign:"black friday" flag:duplicate channel:SMS state:fell-back after:2026-11-28T10:00 ' +
      'before:2026-11-29 ref:abc event:e1 anomaly:out-of-order direction:inbound status:413 -flag:duplicate "quoted free text" free words';
    const { terms, errors } = parseQuery(q);
    expect(errors).toEqual([]);
    expect(terms).toEqual([
      { field: 'type', value: 'EXCEPTION', negate: false },
      { field: 'user', value: '5511', negate: false },
      { field: 'campaign', value: 'black friday', negate: false },
      { field: 'flag', value: 'duplicate', negate: false },
      { field: 'channel', value: 'SMS', negate: false },
      { field: 'state', value: 'fell-back', negate: false },
      { field: 'after', value: '2026-11-28T10:00', negate: false, time: new Date(2026, 10, 28, 10, 0).getTime() },
      { field: 'before', value: '2026-11-29', negate: false, time: new Date(2026, 10, 29).getTime() },
      { field: 'ref', value: 'abc', negate: false },
      { field: 'event', value: 'e1', negate: false },
      { field: 'anomaly', value: 'out-of-order', negate: false },
      { field: 'direction', value: 'inbound', negate: false },
      { field: 'status', value: '413', negate: false },
      { field: 'flag', value: 'duplicate', negate: true },
      { field: 'text', value: 'quoted free text', negate: false },
      { field: 'text', value: 'free', negate: false },
      { field: 'text', value: 'words', negate: false },
    ]);
  });

  it('empty and blank queries', () => {
    expect(parseQuery('')).toEqual({ terms: [], errors: [] });
    expect(parseQuery('   ')).toEqual({ terms: [], errors: [] });
  });

  it('unknown field → an error naming the closest field, never text that silently matches nothing', () => {
    expect(parseQuery('typ:READ x')).toEqual({ terms: [{ field: 'text', value: 'x', negate: false }], errors: ['unknown field typ — did you mean type?'] });
    const closest = (q: string) => parseQuery(q).errors[0];
    expect(closest('tpye:READ')).toBe('unknown field tpye — did you mean type?');
    expect(closest('-usr:5511')).toBe('unknown field usr — did you mean user?');
    expect(closest('campain:natal')).toBe('unknown field campain — did you mean campaign?');
    expect(closest('camp:natal')).toBe('unknown field camp — did you mean campaign?');
    expect(closest('userid_:5511')).toBe('unknown field userid_ — did you mean user?');
    expect(closest('stat:read')).toBe('unknown field stat — did you mean state?');
    // nothing close: the fields, and how to search for text that has a colon
    expect(closest('colour:red')).toBe(
      'unknown field colour (fields: type, kind, user, campaign, flag, state, anomaly, channel, direction, ref, event, status, after, before, path, method, reason, account, attempt, retry, answer, pinned, note, source); ' +
        'to search for text with a colon, quote it: "colour:red"',
    );
    expect(parseQuery('"Obs: ligar"')).toEqual({ terms: [{ field: 'text', value: 'Obs: ligar', negate: false }], errors: [] });
    // a pasted wall of text is not echoed back whole: the error stays a line, not 2,000 characters
    const [wall] = parseQuery(`${'x'.repeat(900)}:${'y'.repeat(900)}`).errors;
    expect(wall!.length).toBeLessThan(400);
    expect(wall).toContain(`unknown field ${'x'.repeat(39)}…`);
  });

  it('URLs and clock times are free text, not fields', () => {
    expect(parseQuery('https://example.com/cb 12:30')).toEqual({
      terms: [
        { field: 'text', value: 'https://example.com/cb', negate: false },
        { field: 'text', value: '12:30', negate: false },
      ],
      errors: [],
    });
  });

  it('vocabulary fields are validated and normalized case-insensitively', () => {
    expect(parseQuery('flag:Duplicate state:FELL-BACK kind:Reply').terms.map((t) => t.value)).toEqual(['duplicate', 'fell-back', 'reply']);
    const bad = parseQuery('flag:dupe state:gone anomaly:weird');
    expect(bad.terms).toEqual([]);
    expect(bad.errors).toHaveLength(3);
    expect(bad.errors[0]).toBe(`unknown flag "dupe" (one of: ${FLAG_NAMES.join(', ')})`);
  });

  it('bad times and statuses are errors and do not filter', () => {
    const r = parseQuery('after:someday before:2026-13-01 status:abc status:5xx');
    expect(r.terms).toEqual([{ field: 'status', value: '5xx', negate: false }]);
    expect(r.errors).toEqual([
      'after: "someday" is not a time (use 2026-11-28, 2026-11-28T10:00, 2026-11-28T10:00:00Z, 15m, 2h, 3d or today)',
      'before: "2026-13-01" is not a time (use 2026-11-28, 2026-11-28T10:00, 2026-11-28T10:00:00Z, 15m, 2h, 3d or today)',
      'status: "abc" is not an HTTP status (e.g. 200, 503 or 5xx)',
    ]);
  });

  it('times with an offset are absolute; epoch ms accepted', () => {
    expect(parseQuery('after:2026-11-28T10:00:00-03:00').terms[0].time).toBe(Date.UTC(2026, 10, 28, 13));
    expect(parseQuery('before:1795860000000').terms[0].time).toBe(1795860000000);
  });

  it('an empty value is an error', () => {
    expect(parseQuery('type:')).toEqual({ terms: [], errors: ['type: needs a value'] });
  });

  it('aliases from the payload field names', () => {
    expect(parseQuery('user_id:5511 reference:r campaign_name:c event_id:e').terms.map((t) => t.field)).toEqual([
      'user',
      'ref',
      'campaign',
      'event',
    ]);
  });

  it('channel and method are upper-cased, direction lower-cased', () => {
    expect(parseQuery('channel:sms method:post direction:INBOUND').terms.map((t) => t.value)).toEqual(['SMS', 'POST', 'inbound']);
  });

  it('negation, escapes and unterminated quotes', () => {
    expect(parseQuery('-"not this" -word').terms).toEqual([
      { field: 'text', value: 'not this', negate: true },
      { field: 'text', value: 'word', negate: true },
    ]);
    expect(parseQuery('"say \\"hi\\""').terms).toEqual([{ field: 'text', value: 'say "hi"', negate: false }]);
    expect(parseQuery('campaign:"black fri').terms).toEqual([{ field: 'campaign', value: 'black fri', negate: false }]);
    expect(parseQuery('- lone').terms).toEqual([
      { field: 'text', value: '-', negate: false },
      { field: 'text', value: 'lone', negate: false },
    ]);
  });

  it('never throws on odd input', () => {
    for (const q of ['"', '-', '::', ':x', 'a:"', '\\', '"\\', '-"', 'type:"', '\u0000', 'x'.repeat(5000)]) {
      expect(() => parseQuery(q), q).not.toThrow();
    }
  });
});

describe('formatQuery round-trips', () => {
  const cases: QueryTerm[][] = [
    [{ field: 'campaign', value: 'black friday', negate: false }],
    [{ field: 'text', value: 'say "hi" \\ there', negate: true }],
    [{ field: 'text', value: 'type:EXCEPTION', negate: false }],
    [{ field: 'text', value: '-dash', negate: false }],
    [{ field: 'text', value: '', negate: false }],
    [
      { field: 'flag', value: 'duplicate', negate: true },
      { field: 'after', value: '2026-11-28T10:00', negate: false, time: new Date(2026, 10, 28, 10).getTime() },
      { field: 'text', value: 'free', negate: false },
    ],
  ];
  for (const terms of cases) {
    it(JSON.stringify(terms.map((t) => t.value)), () => {
      const text = formatQuery(terms);
      expect(parseQuery(text)).toEqual({ terms, errors: [] });
    });
  }

  it('formats readably', () => {
    expect(formatQuery(parseQuery('-flag:duplicate campaign:"black friday"  x').terms)).toBe('-flag:duplicate campaign:"black friday" x');
  });
});

describe('toggleTerm', () => {
  it('adds an absent term, removes a present one', () => {
    expect(toggleTerm('', 'flag', 'duplicate')).toBe('flag:duplicate');
    expect(toggleTerm('type:EXCEPTION', 'flag', 'duplicate')).toBe('type:EXCEPTION flag:duplicate');
    expect(toggleTerm('type:EXCEPTION flag:duplicate x', 'flag', 'duplicate')).toBe('type:EXCEPTION x');
    expect(toggleTerm('flag:Duplicate', 'flag', 'duplicate')).toBe('');
  });

  it('flips a negated term to positive', () => {
    expect(toggleTerm('a -flag:duplicate b', 'flag', 'duplicate')).toBe('a flag:duplicate b');
  });

  it('quotes values that need it and keeps the rest of the query as typed', () => {
    expect(toggleTerm('bogus:1 "two  spaces"', 'campaign', 'black friday')).toBe('bogus:1 "two  spaces" campaign:"black friday"');
    expect(toggleTerm('campaign:"black friday" "two  spaces"', 'campaign', 'black friday')).toBe('"two  spaces"');
  });
});

describe('failure reasons, attempts, retries and answer times', () => {
  const terms = (q: string) => parseQuery(q).terms.map((t) => [t.field, t.value, t.negate]);
  it('reads reason, account, attempt, retry and answer values in canonical form', () => {
    expect(terms('reason:AUTH reason:503 reason:Unknown account:Ab12 attempt:2 -attempt:3+ retry:Off-Schedule answer:>10s answer:"< 500 ms"')).toEqual([
      ['reason', 'auth', false],
      ['reason', '503', false],
      ['reason', 'unknown', false],
      ['account', 'Ab12', false],
      ['attempt', '2', false],
      ['attempt', '3+', true],
      ['retry', 'off-schedule', false],
      ['answer', '>10s', false],
      ['answer', '<500ms', false],
    ]);
    expect(parseQuery('reason:customer,account').terms[0]!.anyOf!.map((t) => t.value)).toEqual(['customer', 'account']);
    expect(answerBound('>10s')).toEqual({ op: '>', ms: 10_000 });
    expect(answerBound('<1.5m')).toEqual({ op: '<', ms: 90_000 });
    expect(answerBound('>250')).toEqual({ op: '>', ms: 250 });
  });

  it('refuses values those fields cannot mean, saying what they take', () => {
    for (const [q, says] of [
      ['reason:timeout', 'reason: "timeout" is none of auth, rcs-unsupported, other, customer, account, unknown nor an HTTP status code (503)'],
      ['reason:5033', 'nor an HTTP status code'],
      ['attempt:0', 'attempt: "0" is not an attempt number'],
      ['attempt:two', 'attempt: "two" is not an attempt number'],
      ['answer:10s', 'answer: "10s" is not a bound on the answer time (>10s, <500ms)'],
      ['answer:>fast', 'is not a bound'],
      ['retry:late', 'unknown retry "late" (one of: on-schedule, off-schedule, after-200)'],
      ['account:', 'account: needs a value'],
    ] as const) {
      const p = parseQuery(q);
      expect(p.terms, q).toEqual([]);
      expect(p.errors.join(' '), q).toContain(says);
    }
  });

  it('completes the closed vocabularies and round-trips through formatQuery', () => {
    expect(completeQuery('reason:rc').options.map((o) => o.label)).toEqual(['rcs-unsupported']);
    expect(completeQuery('retry:').options.map((o) => o.label)).toEqual(['on-schedule', 'off-schedule', 'after-200']);
    const q = 'reason:503,unknown account:"acc 1" attempt:2+ answer:>10s -retry:on-schedule';
    expect(parseQuery(formatQuery(parseQuery(q).terms)).terms).toEqual(parseQuery(q).terms);
  });
});

describe('pins and notes', () => {
  it('pinned: takes yes or no, note: any text; both round-trip', () => {
    expect(parseQuery('pinned:YES').terms).toEqual([{ field: 'pinned', value: 'yes', negate: false }]);
    expect(parseQuery('pinned:maybe').errors).toEqual(['unknown pinned "maybe" (one of: yes, no)']);
    const q = 'pinned:yes note:"ligar amanhã" -note:spam';
    expect(parseQuery(formatQuery(parseQuery(q).terms)).terms).toEqual(parseQuery(q).terms);
  });
});

describe('QUERY_FIELDS', () => {
  it('lists every field once, with vocabularies for closed sets', () => {
    const names = QUERY_FIELDS.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.sort()).toEqual(
      ['after', 'anomaly', 'before', 'campaign', 'channel', 'direction', 'event', 'flag', 'kind', 'method', 'path', 'ref', 'state', 'status', 'type', 'user', 'reason', 'account', 'attempt', 'retry', 'answer', 'pinned', 'note', 'source'].sort(),
    );
    expect(QUERY_FIELDS.find((f) => f.name === 'flag')!.values).toEqual(FLAG_NAMES);
    for (const f of QUERY_FIELDS) expect(f.description.length).toBeGreaterThan(5);
  });
});

describe('relative times', () => {
  const now = new Date(2026, 10, 28, 15, 30).getTime();
  it.each([
    ['15m', now - 15 * 60_000],
    ['-2h', now - 2 * 3_600_000],
    ['3d', now - 3 * 86_400_000],
    ['1w', now - 7 * 86_400_000],
    ['90s', now - 90_000],
    ['now', now],
    ['today', new Date(2026, 10, 28).getTime()],
    ['Yesterday', new Date(2026, 10, 27).getTime()],
  ])('after:%s', (value, time) => {
    expect(parseQuery(`after:${value}`, now)).toEqual({ terms: [{ field: 'after', value, negate: false, time }], errors: [] });
  });

  it('nonsense durations are errors', () => {
    expect(parseQuery('after:15y', now).errors).toHaveLength(1);
    expect(parseQuery('after:m', now).errors).toHaveLength(1);
  });
});

describe('completeQuery', () => {
  it('offers field names for a bare word', () => {
    const c = completeQuery('type:READ st');
    expect(c).toMatchObject({ from: 10, to: 12, field: null, prefix: 'st' });
    expect(c.options.map((o) => o.label)).toEqual(['state:', 'status:']);
    expect(completeQuery('').options).toHaveLength(QUERY_FIELDS.length);
  });

  it('offers vocabulary values after field:, keeping the negation', () => {
    const q = 'x -flag:du';
    const c = completeQuery(q);
    expect(c).toMatchObject({ field: 'flag', prefix: 'du', from: 8, to: 10 });
    expect(c.options.map((o) => o.label)).toEqual(['duplicate', 'duplicate-blocked']);
    expect(q.slice(0, c.from) + c.options[0].insert + q.slice(c.to)).toBe('x -flag:duplicate');
  });

  it('type suggests documented types, any casing typed', () => {
    expect(completeQuery('type:r').options.map((o) => o.label)).toEqual(['RichCard', 'READ']);
    expect(completeQuery('type:te').options.map((o) => o.label)).toEqual(['Text', 'TEXT']);
  });

  it('open fields hand field and prefix to the store', () => {
    expect(completeQuery('campaign:"black f')).toMatchObject({ field: 'campaign', prefix: 'black f', options: [] });
    expect(formatValue('black friday')).toBe('"black friday"');
  });

  it('works at a caret in the middle', () => {
    const q = 'state:fe flag:duplicate';
    expect(completeQuery(q, 8)).toMatchObject({ field: 'state', prefix: 'fe', from: 6, to: 8 });
    expect(completeQuery(q, 8).options.map((o) => o.label)).toEqual(['fell-back']);
  });

  it('offers what was typed up to the caret and replaces the whole token', () => {
    const q = 'state:fexx';
    const c = completeQuery(q, 8);
    expect(c).toMatchObject({ field: 'state', prefix: 'fe', from: 6, to: 10 });
    expect(q.slice(0, c.from) + c.options[0].insert + q.slice(c.to)).toBe('state:fell-back');
    // the caret in the name of name:value: names, replacing name and colon
    const n = completeQuery('sta:read', 2);
    expect(n).toMatchObject({ field: null, prefix: 'st', from: 0, to: 4 });
    expect(n.options.map((o) => o.label)).toEqual(['state:', 'status:']);
  });

  it('reads a quoted value with spaces as one value, as the parser does', () => {
    const q = 'campaign:"black f';
    expect(completeQuery(q)).toMatchObject({ field: 'campaign', prefix: 'black f', from: 9, to: q.length, askStore: true });
    expect(completeQuery('-campaign:"black fri" x', 18)).toMatchObject({ field: 'campaign', prefix: 'black f', from: 10, to: 21 });
    // a quoted free-text phrase is no field name in the making
    expect(completeQuery('"st').options).toEqual([]);
  });

  it('knows fields by their aliases', () => {
    expect(completeQuery('user_id:55')).toMatchObject({ field: 'user', prefix: '55', from: 8, askStore: true });
    expect(completeQuery('FLAGS:dup').options.map((o) => o.label)).toEqual(['duplicate', 'duplicate-blocked']);
    expect(completeQuery('campaign_n').options.map((o) => o.label)).toEqual(['campaign:']);
    expect(completeQuery('since').options.map((o) => o.label)).toEqual(['after:']);
  });

  it('offers nothing for an unknown field, and asks the store only for open fields', () => {
    expect(completeQuery('colour:re')).toMatchObject({ field: null, options: [], askStore: false });
    expect(completeQuery('flag:').askStore).toBe(false);
    expect(completeQuery('after:2').askStore).toBe(false);
    expect(completeQuery('ref:ab').askStore).toBe(true);
  });
});

describe('resolveField', () => {
  it('is the one alias table: names in any case and the payload spellings', () => {
    expect(['user', 'USER', 'user_id', 'userid', 'reference', 'campaign_name', 'event_id', 'flags', 'since', 'until', 'nope'].map(resolveField)).toEqual([
      'user',
      'user',
      'user',
      'user',
      'ref',
      'campaign',
      'event',
      'flag',
      'after',
      'before',
      null,
    ]);
  });
});

describe('phone numbers', () => {
  const users = (q: string) => {
    const parsed = parseQuery(q);
    expect(parsed.errors, q).toEqual([]);
    return parsed.terms.map((t) => `${t.field}:${t.value}`);
  };

  it('a user: number however typed keeps its digits (and a + saying the country code is in them)', () => {
    expect(users('user:11987650001')).toEqual(['user:11987650001']);
    expect(users('user:(11) 98765-0001')).toEqual(['user:11987650001']);
    expect(users('user:+55 11 98765-0001')).toEqual(['user:+5511987650001']);
    expect(users('user:+55(11)98765-0001 type:READ')).toEqual(['user:+5511987650001', 'type:READ']);
    expect(users('user:"+55 11 98765-0001"')).toEqual(['user:+5511987650001']);
    expect(users('-user:11.98765.0001')).toEqual(['user:11987650001']);
    expect(users('user:5511')).toEqual(['user:5511']);
    expect(users('user:(11) 9876 campinas')).toEqual(['user:119876', 'text:campinas']);
    expect(users('user:bot-7')).toEqual(['user:bot-7']);
  });

  it('a number typed with spaces as free text is one term; numbers and words beside it are not swallowed', () => {
    expect(users('+55 11 98765-0001')).toEqual(['text:+55 11 98765-0001']);
    expect(users('(11) 98765-0001 campinas')).toEqual(['text:(11) 98765-0001', 'text:campinas']);
    // two whole numbers are two terms; a date's parts are no number
    expect(users('11987650001 21988880003')).toEqual(['text:11987650001', 'text:21988880003']);
    expect(users('2026 11 28')).toEqual(['text:2026', 'text:11', 'text:28']);
  });

  it('the stored forms a number may start with: 55 added unless the country code is in it', () => {
    expect(phonePrefixes('11987650001')).toEqual(['11987650001', '5511987650001']);
    expect(phonePrefixes('(11) 98765-0001')).toEqual(['11987650001', '5511987650001']);
    expect(phonePrefixes('+55 11 98765-0001')).toEqual(['5511987650001']);
    expect(phonePrefixes('5511987650001')).toEqual(['5511987650001']);
    // area code 55 typed without the country code: both readings
    expect(phonePrefixes('55 99123-4567')).toEqual(['5599123-4567'.replace('-', ''), '555599123' + '4567']);
    expect(phonePrefixes('5511')).toEqual(['5511', '555511']);
    expect(phonePrefixes('55')).toEqual(['55']);
    expect(phonePrefixes('bot-7')).toBeNull();
    expect(userPrefixes('bot-7')).toEqual(['bot-7']);
  });

  it('free text that is a whole number also means its user; other text does not', () => {
    const alts = (q: string) => alternativesOf(parseQuery(q).terms[0]!)?.map((t) => `${t.field}:${t.value}`) ?? null;
    expect(alts('(11) 98765-0001')).toEqual(['text:(11) 98765-0001', 'user:11987650001']);
    expect(alts('+55 11 98765-0001')).toEqual(['text:+55 11 98765-0001', 'user:+5511987650001']);
    expect(alts('5511987650001')).toEqual(['text:5511987650001', 'user:5511987650001']);
    expect(alts('98765')).toBeNull();
    expect(alts('campinas')).toBeNull();
  });
});

describe('OR', () => {
  const shape = (q: string) => {
    const parsed = parseQuery(q);
    expect(parsed.errors, q).toEqual([]);
    return parsed.terms.map((t) => (t.anyOf ? `${t.negate ? '-' : ''}any(${t.anyOf.map((m) => `${m.field}:${m.value}`).join(' | ')})` : `${t.negate ? '-' : ''}${t.field}:${t.value}`));
  };

  it('joins the two terms beside it; space is still AND', () => {
    expect(shape('type:READ OR type:DELIVERED user:5511')).toEqual(['any(type:READ | type:DELIVERED)', 'user:5511']);
    expect(shape('flag:duplicate OR state:failed OR anomaly:out-of-order')).toEqual(['any(flag:duplicate | state:failed | anomaly:out-of-order)']);
    expect(shape('campinas OR recife')).toEqual(['any(text:campinas | text:recife)']);
    // lower-case or, and a quoted OR, are words
    expect(shape('this or "OR"')).toEqual(['text:this', 'text:or', 'text:OR']);
  });

  it('a field lists its values with commas, each checked; a negated list is none of them', () => {
    expect(shape('type:READ,DELIVERED')).toEqual(['any(type:READ | type:DELIVERED)']);
    expect(shape('-state:Failed,blocked')).toEqual(['-any(state:failed | state:blocked)']);
    expect(shape('campaign:"black friday",natal')).toEqual(['any(campaign:black friday | campaign:natal)']);
    expect(shape('type:READ,DELIVERED OR flag:duplicate')).toEqual(['any(type:READ | type:DELIVERED | flag:duplicate)']);
    expect(parseQuery('state:failed,gone').errors).toEqual([expect.stringContaining('unknown state "gone"')]);
    expect(parseQuery('type:READ,').errors).toEqual(['type: needs a value']);
  });

  it('is refused, saying what works, where it cannot mean what it says', () => {
    expect(parseQuery('OR type:READ').errors).toEqual(['OR needs a term on each side: type:READ OR type:DELIVERED']);
    expect(parseQuery('type:READ OR').errors).toEqual(['OR needs a term on each side: type:READ OR type:DELIVERED']);
    expect(parseQuery('-type:READ OR type:DELIVERED').errors).toEqual([expect.stringContaining('OR cannot join a negated term')]);
    for (const q of ['(type:READ OR type:DELIVERED) user:5511', 'type:READ OR (user:5511 flag:duplicate)', '( type:READ )', '(campinas OR recife)']) {
      const parsed = parseQuery(q);
      expect(parsed.errors, q).toContainEqual(expect.stringContaining('parentheses are not supported: OR joins the two terms beside it'));
    }
    // an area code in brackets, and text in brackets without OR, are no grouping
    expect(parseQuery('(11) 98765-0001 OR (21) 98888-0003').errors).toEqual([]);
    expect(parseQuery('(sic)').errors).toEqual([]);
  });

  it('round-trips through formatQuery', () => {
    for (const q of ['type:READ OR type:DELIVERED user:5511', '-state:failed,blocked', 'campinas OR recife', 'campaign:"a,b",natal', 'x OR "OR"', 'flag:duplicate OR user:+5511']) {
      const parsed = parseQuery(q);
      expect(parseQuery(formatQuery(parsed.terms)), q).toEqual(parsed);
    }
    expect(formatQuery(parseQuery('type:READ OR type:DELIVERED').terms)).toBe('type:READ,DELIVERED');
  });

  it('completion offers the value at the caret in a list', () => {
    const q = 'type:READ,DEL';
    const c = completeQuery(q);
    expect(c).toMatchObject({ field: 'type', prefix: 'DEL', from: 10, to: 13 });
    expect(c.options.map((o) => o.label)).toEqual(['DELIVERED']);
    expect(completeQuery('state:fa,read', 8)).toMatchObject({ field: 'state', prefix: 'fa', from: 6, to: 8 });
    expect(completeQuery('user:5511,55219')).toMatchObject({ field: 'user', prefix: '55219', askStore: true });
  });
});
