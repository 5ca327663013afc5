// The rules editor's pure side: presets become rules the core accepts and that do what their label says, the
// editor's strings round-trip to the schema, and a refusal is read back to the rule and field it names.
import { describe, expect, it } from 'vitest';
import { parseResponseRules } from '../../shared/response-rules';
import { RULE_PRESETS, presetRule } from '../../renderer/src/lib/rule-presets';
import { readRefusal } from '../../renderer/src/lib/rule-refusal';
import { describeRule, draftDiffers, draftToInput, duplicateRule, emptyRule, moveRule, rulesToDraft, ruleAnswerText, type RulesDraft } from '../../renderer/src/lib/rules-draft';

const accepted = (d: RulesDraft) => {
  const parsed = parseResponseRules(draftToInput(d));
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.rules;
};

describe('rule presets', () => {
  it('each becomes a rule the schema accepts, with an id of its own', () => {
    const draft: RulesDraft = { enabled: true, seed: '0', rules: [] };
    for (const p of RULE_PRESETS) draft.rules.push(presetRule(p, draft.rules));
    const rules = accepted(draft);
    expect(rules.rules).toHaveLength(RULE_PRESETS.length);
    expect(new Set(rules.rules.map((r) => r.id)).size).toBe(RULE_PRESETS.length);
  });

  it('do what their labels say', () => {
    const by = (key: string) => accepted({ enabled: true, seed: '0', rules: [presetRule(RULE_PRESETS.find((p) => p.key === key)!, [])] }).rules[0]!;
    expect(by('fail-first-2')).toMatchObject({ firstAttempts: 2, action: { kind: 'status', status: 503 }, match: {} });
    expect(by('error-10-percent')).toMatchObject({ percent: 10, action: { kind: 'status', status: 500 } });
    // past the gateway's 10 s, then the usual 200
    expect(by('slow-12s')).toMatchObject({ action: { kind: 'delay', ms: 12_000, status: 200 } });
    expect(by('hang').action).toEqual({ kind: 'hang' });
    expect(by('close').action).toEqual({ kind: 'close' });
  });
});

describe('the editor draft', () => {
  it('round-trips saved rules unchanged (no edit, nothing to save)', () => {
    const saved = accepted({
      enabled: false,
      seed: '7',
      rules: [
        { ...emptyRule([]), name: 'range', match: { path: '/callbacks*', type: 'DELIVERED', reference: '', userId: '+55 11', campaign: '', channel: 'RCS', attempt: '2-4' }, status: '503', headers: 'Retry-After: 10\nX-A: b' },
        { ...emptyRule([]), id: 'b', name: 'from 3', match: { ...emptyRule([]).match, attempt: '3+' }, kind: 'delay', ms: '12000', status: '', body: 'slow' },
      ],
    });
    expect(saved.rules[0]!.match.attempt).toEqual({ min: 2, max: 4 });
    expect(saved.rules[0]!.action).toEqual({ kind: 'status', status: 503, headers: { 'Retry-After': '10', 'X-A': 'b' } });
    expect(saved.rules[1]!.match.attempt).toEqual({ min: 3 });
    expect(draftDiffers(rulesToDraft(saved), saved)).toBe(false);
    const edited = rulesToDraft(saved);
    edited.rules[1]!.ms = '13000';
    expect(draftDiffers(edited, saved)).toBe(true);
  });

  it('sends what does not read as a number as typed, so the core refuses it by name', () => {
    const d: RulesDraft = { enabled: true, seed: '0', rules: [{ ...emptyRule([]), name: 'x', status: '5o3' }] };
    const parsed = parseResponseRules(draftToInput(d));
    expect(parsed).toEqual({ ok: false, message: "rule 1 'x': action.status must be a number" });
  });

  it('duplicates under a new id and moves rules up and down', () => {
    const a = { ...emptyRule([]), name: 'a' };
    const rules = duplicateRule([a], 0);
    expect(rules.map((r) => r.name)).toEqual(['a', 'a (copy)']);
    expect(rules[1]!.id).not.toBe(rules[0]!.id);
    expect(moveRule(rules, 1, -1).map((r) => r.name)).toEqual(['a (copy)', 'a']);
    expect(moveRule(rules, 0, -1).map((r) => r.name)).toEqual(['a', 'a (copy)']);
  });

  it('says in a few words what a rule does', () => {
    const fail = presetRule(RULE_PRESETS[0]!, []);
    expect(describeRule(fail)).toBe('answers 503 · first 2 attempts');
    expect(describeRule(presetRule(RULE_PRESETS.find((p) => p.key === 'slow-12s')!, []))).toBe('waits 12 s, then 200');
    expect(ruleAnswerText({ rule: 'fail first 2', action: 'status', status: 503, delayMs: null })).toBe("by rule 'fail first 2'");
    expect(ruleAnswerText({ rule: 'slow', action: 'delay', status: 200, delayMs: 12_000 })).toBe("by rule 'slow' (held back 12 s)");
    // the sender gave up before the delayed answer went out: nothing was answered
    expect(ruleAnswerText({ rule: 'slow', action: 'delay', status: null, delayMs: 12_000 })).toBe(
      "by rule 'slow' (held back 12 s): the sender gave up before the answer went out",
    );
  });
});

describe('a refusal', () => {
  it('is read back to the rule and the field it names', () => {
    const r = readRefusal("setRules: (argument): rule 2 'fail first 2': action.status must be 100–599; rule 3: match: unknown field \"foo\"; rule 1 'h': action.headers.Connection must not be one of content-length, connection");
    expect(r.message).toBe("rule 2 'fail first 2': action.status must be 100–599; rule 3: match: unknown field \"foo\"; rule 1 'h': action.headers.Connection must not be one of content-length, connection");
    expect(r.byRule.get(1)).toEqual([{ field: 'action.status', text: 'action.status must be 100–599' }]);
    expect(r.byRule.get(2)).toEqual([{ field: 'match', text: 'match: unknown field "foo"' }]);
    expect(r.byRule.get(0)).toEqual([{ field: 'action.headers', text: 'action.headers.Connection must not be one of content-length, connection' }]);
  });

  it('of the real schema lands on the field the editor shows', () => {
    const d: RulesDraft = { enabled: true, seed: '0', rules: [presetRule(RULE_PRESETS[0]!, []), { ...emptyRule([]), id: 'x', name: "it's late", kind: 'delay', ms: '-5', match: { ...emptyRule([]).match, attempt: '0' } }] };
    const parsed = parseResponseRules(draftToInput(d));
    expect(parsed.ok).toBe(false);
    const r = readRefusal(parsed.ok ? '' : parsed.message);
    expect(r.byRule.get(1)?.map((p) => p.field).sort()).toEqual(['action.ms', 'match.attempt']);
  });
});
