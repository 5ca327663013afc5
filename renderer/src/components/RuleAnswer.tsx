// After "answered 503 in 2 ms" on a delivery a response rule answered: "by rule 'fail first 2'", so the retries
// that follow are read as the rule's doing, not the gateway's or the tunnel's.
import type { AnsweredBy } from '../../../shared/domain';
import { revealHidden } from '../../../shared/visible-text';
import { ruleAnswerText } from '../lib/rules-draft';

export function RuleAnswer({ by }: { by: AnsweredBy | null | undefined }) {
  if (!by) return null;
  return (
    <span className="rule-answer" data-testid="rule-answer" title="A response rule gave this answer instead of the usual 200 (Response rules, in Settings)">
      {' '}
      {revealHidden(ruleAnswerText(by))}
    </span>
  );
}
