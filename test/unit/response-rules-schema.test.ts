// The response-rules schema: what the editor, the control API and `serve --rules` accept, and how a refusal names
// the rule (number and name) and the field, so a user can find it in a file of twenty rules.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { activeRuleCount, parseResponseRules, RULE_DELAY_MAX_MS } from '../../shared/response-rules';

const failFirst2 = {
  name: 'fail first 2',
  match: { type: 'DELIVERED', attempt: { min: 1, max: 3 } },
  action: { kind: 'status', status: 503, body: 'try later', headers: { 'Retry-After': '10' } },
  firstAttempts: 2,
};

function problem(input: unknown): string {
  const r = parseResponseRules(input);
  if (r.ok) throw new Error('expected a refusal');
  return r.message;
}

describe('response rules schema', () => {
  it('accepts the documented shapes and fills defaults (enabled, ids, seed)', () => {
    const r = parseResponseRules({
      rules: [
        failFirst2,
        { id: 'slow', name: 'slow', action: { kind: 'delay', ms: 12_000, status: 200 }, percent: 25 },
        { name: 'drop', enabled: false, match: { path: '/callbacks', channel: 'sms' }, action: { kind: 'close' } },
        { name: 'hold', match: { attempt: 1 }, action: { kind: 'hang' } },
      ],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.rules.enabled).toBe(true);
    expect(r.rules.seed).toBe(0);
    expect(r.rules.rules.map((x) => x.id)).toEqual(['rule-1', 'slow', 'rule-3', 'rule-4']);
    expect(r.rules.rules.map((x) => x.enabled)).toEqual([true, true, false, true]);
    expect(activeRuleCount(r.rules)).toBe(3);
    expect(activeRuleCount({ ...r.rules, enabled: false })).toBe(0);
    expect(parseResponseRules({}).ok).toBe(true);
  });

  it('names the rule by number and name, and the field, for a bad status', () => {
    const msg = problem({ rules: [{ name: 'ok', action: { kind: 'status', status: 200 } }, { ...failFirst2, action: { kind: 'status', status: 700 } }] });
    expect(msg).toBe("rule 2 'fail first 2': action.status must be 200–599");
  });

  it('refuses a 1xx status (not a final answer) and a header value Node cannot send (outside Latin-1)', () => {
    expect(problem({ rules: [{ name: 'early', action: { kind: 'status', status: 103 } }] })).toBe("rule 1 'early': action.status must be 200–599");
    expect(problem({ rules: [{ name: 'slow', action: { kind: 'delay', ms: 5, status: 100 } }] })).toBe("rule 1 'slow': action.status must be 200–599");
    expect(problem({ rules: [{ name: 'x', action: { kind: 'status', status: 503, headers: { 'X-Why': 'fail → retry' } } }] })).toBe(
      "rule 1 'x': action.headers.X-Why must hold only Latin-1 characters (no control characters)",
    );
    expect(problem({ rules: [{ name: 'x', action: { kind: 'status', status: 503, headers: { 'X-Why': 'a\u0001b' } } }] })).toContain('action.headers.X-Why');
    // what Node sends as given: tabs, printable ASCII and Latin-1 (é)
    expect(parseResponseRules({ rules: [{ name: 'x', action: { kind: 'status', status: 503, headers: { 'X-Why': 'caf\u00e9\tok' } } }] }).ok).toBe(true);
  });

  it('refuses unknown fields, negative or too long delays, bad kinds, percent and header problems', () => {
    expect(problem({ rules: [{ ...failFirst2, colour: 'red' }] })).toBe(`rule 1 'fail first 2': unknown field "colour"`);
    expect(problem({ rules: [{ ...failFirst2, match: { typ: 'READ' } }] })).toBe(`rule 1 'fail first 2': match: unknown field "typ"`);
    expect(problem({ rules: [{ name: 'slow', action: { kind: 'delay', ms: -5 } }] })).toBe(
      `rule 1 'slow': action.ms must be from 0 to ${RULE_DELAY_MAX_MS}`,
    );
    expect(problem({ rules: [{ name: 'slow', action: { kind: 'delay', ms: RULE_DELAY_MAX_MS + 1 } }] })).toContain('action.ms must be from 0');
    expect(problem({ rules: [{ name: 'x', action: { kind: 'explode' } }] })).toBe(`rule 1 'x': action.kind must be one of status, delay, close, hang`);
    expect(problem({ rules: [{ name: 'x', action: { kind: 'close', status: 500 } }] })).toBe(`rule 1 'x': action: unknown field "status"`);
    expect(problem({ rules: [{ name: 'x', action: { kind: 'close' }, percent: 101 }] })).toBe(`rule 1 'x': percent must be from 0 to 100`);
    expect(problem({ rules: [{ name: 'x', action: { kind: 'status', status: 500, headers: { 'Bad Name': 'v' } } }] })).toContain(
      `rule 1 'x': action.headers`,
    );
    expect(problem({ rules: [{ name: 'x', action: { kind: 'status', status: 500, headers: { 'X-A': 'a\r\nb' } } }] })).toContain(
      `rule 1 'x': action.headers.X-A`,
    );
    expect(problem({ rules: [{ name: 'x', action: { kind: 'status', status: 500, headers: { 'content-length': '3' } } }] })).toContain(
      'content-length',
    );
  });

  it('names a rule without a usable name by its number, and says what is missing', () => {
    expect(problem({ rules: [{ action: { kind: 'close' } }] })).toBe('rule 1: name is required');
    expect(problem({ rules: [{ name: 'x' }] })).toBe(`rule 1 'x': action is required`);
    expect(problem({ rules: [{ name: 'x', action: { kind: 'status', status: '500' } }] })).toBe(`rule 1 'x': action.status must be a number`);
  });

  it('refuses top-level problems and duplicate ids', () => {
    expect(problem({ enabled: 'yes' })).toBe('enabled must be a boolean');
    expect(problem({ rules: [], extra: 1 })).toBe('unknown field "extra"');
    expect(problem([])).toBe('the rules must be an object: {"enabled": true, "rules": [...]}');
    expect(
      problem({ rules: [{ id: 'a', name: 'one', action: { kind: 'close' } }, { id: 'a', name: 'two', action: { kind: 'close' } }] }),
    ).toBe(`rule 2 'two': id "a" is used by rule 1 too`);
  });

  it("accepts the README's example as written", () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Response rules'));
    const example = /```json\n([\s\S]*?)```/.exec(section)![1]!;
    const r = parseResponseRules(JSON.parse(example));
    expect(r.ok ? r.rules.rules.map((x) => x.action.kind) : r.message).toEqual(['status', 'delay', 'close', 'hang']);
  });
});
