// Indexing checks a body's field types by hand when it surely fits the documented shape and asks zod otherwise
// (shared/callback.ts fitsShape): the problems a user reads must be the same either way, also for bodies built to
// look plain (own `constructor` or `__proto__` keys, arrays where objects belong, numbers where strings belong).
import { expect, it } from 'vitest';
import { parseDeliveryBody } from '../../shared/callback';

const base = { reference: 'r', event_id: 'e', type: 'DELIVERED', timestamp: '2025-11-28T09:00:00Z' };
const parse = (o: unknown) => parseDeliveryBody(new TextEncoder().encode(typeof o === 'string' ? o : JSON.stringify(o)), 'application/json');

it('words the same problems whatever path checked the fields', () => {
  const cases: [unknown, string[]][] = [
    [base, []],
    [{ ...base, message: [] }, ['message should be an object, a string or null, got an array']],
    [{ ...base, vars: [] }, ['vars should be an object or null, got an array']],
    [{ ...base, vars: 'x' }, ['vars should be an object or null, got the string "x"']],
    [{ ...base, user_id: 5511 }, ['user_id should be a string or null, got number 5511']],
    [{ ...base, channel: true }, ['channel should be a string or null, got boolean true']],
    [{ ...base, message: { constructor: 'x', text: 'hi' } }, []],
    [{ ...base, vars: { constructor: { prototype: 1 } } }, []],
    [{ ...base, constructor: 'x' }, []],
    ['{"reference":"r","event_id":"e","type":"DELIVERED","timestamp":"2025-11-28T09:00:00Z","__proto__":{"a":1},"message":{"__proto__":[]}}', []],
    [{ ...base, message: null, vars: null, status: null, session_id: null }, []],
  ];
  for (const [body, problems] of cases) expect({ body, problems: parse(body).problems }).toEqual({ body, problems });
});
