// The rules users reach for when they test how their endpoint (and the gateway) behave, one click each. Written
// as a rules file would write them, then turned into an editor draft with an id of its own.
import type { ResponseRulesInput } from '../../../shared/response-rules';
import { freshRuleId, ruleToDraft, type RuleDraft } from './rules-draft';

type RuleInput = NonNullable<ResponseRulesInput['rules']>[number];

export interface RulePreset {
  key: string;
  label: string;
  rule: RuleInput;
}

export const RULE_PRESETS: readonly RulePreset[] = [
  { key: 'fail-first-2', label: 'Fail the first 2 attempts with 503', rule: { name: 'fail first 2', action: { kind: 'status', status: 503 }, firstAttempts: 2 } },
  { key: 'error-10-percent', label: 'Answer 500 to 10 %', rule: { name: '500 to 10 %', action: { kind: 'status', status: 500 }, percent: 10 } },
  {
    key: 'slow-12s',
    label: "Take 12 s (past the gateway's timeout)",
    rule: { name: 'take 12 s', action: { kind: 'delay', ms: 12_000, status: 200 } },
  },
  { key: 'hang', label: 'Hang until the gateway gives up', rule: { name: 'hang', action: { kind: 'hang' } } },
  { key: 'close', label: 'Close the connection', rule: { name: 'close the connection', action: { kind: 'close' } } },
  { key: 'rate-limit', label: 'Rate-limit with 429', rule: { name: 'rate limit', action: { kind: 'status', status: 429, headers: { 'Retry-After': '30' } } } },
];

/** the preset as a new rule of the draft: enabled, matching every delivery, with an id no other rule has */
export function presetRule(preset: RulePreset, rules: readonly RuleDraft[]): RuleDraft {
  const r = preset.rule;
  const action = r.action.kind === 'delay' ? { ...r.action, status: r.action.status ?? 200 } : r.action;
  return ruleToDraft({ ...r, id: freshRuleId(rules), enabled: true, match: {}, action } as Parameters<typeof ruleToDraft>[0]);
}
