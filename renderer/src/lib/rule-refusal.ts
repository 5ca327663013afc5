// The core's refusal of a rule set names the rule (its number, from 1) and the field: "rule 2 'fail first 2':
// action.status must be 200–599". Read back here so the editor shows each part next to the rule and field it names;
// the whole message is shown as well, word for word.
import { MATCH_FIELDS } from './rules-draft';

/** where in a rule's form a problem is shown; 'rule' when no field of the form is named */
export type RuleField =
  | 'rule'
  | 'name'
  | `match.${(typeof MATCH_FIELDS)[number]}`
  | 'match'
  | 'action.kind'
  | 'action.status'
  | 'action.ms'
  | 'action.body'
  | 'action.headers'
  | 'firstAttempts'
  | 'percent';

export interface RuleProblem {
  field: RuleField;
  /** the core's words after the rule's label ("action.status must be 200–599") */
  text: string;
}

export interface Refusal {
  /** the core's message without the transport's prefix ("setRules: (argument): ") */
  message: string;
  /** problems by rule index (from 0, in the order the rules were sent) */
  byRule: Map<number, RuleProblem[]>;
}

const FORM_FIELDS = new Set<string>(['name', 'match', 'action.kind', 'action.status', 'action.ms', 'action.body', 'action.headers', 'firstAttempts', 'percent', ...MATCH_FIELDS.map((f) => `match.${f}`)]);

function fieldOf(text: string): RuleField {
  const path = /^([A-Za-z]+(?:\.[A-Za-z0-9_-]+)*):?(?:\s|$)/.exec(text)?.[1] ?? '';
  // a header's own name or an attempt range's min/max: shown at the field that holds it
  for (let p = path; p !== ''; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
    if (FORM_FIELDS.has(p)) return p as RuleField;
  }
  return 'rule';
}

export function readRefusal(raw: string): Refusal {
  const message = raw.replace(/^setRules:\s*/, '').replace(/^\(argument\):\s*/, '');
  const byRule = new Map<number, RuleProblem[]>();
  for (const part of message.split('; ')) {
    const m = /^rule (\d+)(?: '.*?')?: (.*)$/s.exec(part.trim());
    if (!m) continue;
    const index = Number(m[1]) - 1;
    const text = m[2]!;
    byRule.set(index, [...(byRule.get(index) ?? []), { field: fieldOf(text), text }]);
  }
  return { message, byRule };
}
