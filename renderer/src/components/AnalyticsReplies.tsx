// What users answered: the suggestions they tapped (by button text and by postback value) and what they typed.
// Values are the users' own words, shown as text. The lists' free text matches words, not a whole value, so no
// filter picks exactly the messages of one answer: the counts are not clickable.
import type { Report, ValueCount } from '../../../shared/analytics';
import { revealHidden } from '../../../shared/visible-text';
import { clip } from '../lib/format';
import { Card, CsvButton, Fig } from './AnalyticsParts';

const LISTS: { key: keyof Report['replies']; title: string; file: string }[] = [
  { key: 'suggestions', title: 'Suggestions tapped', file: 'replies-suggestions.csv' },
  { key: 'postbacks', title: 'Postback values', file: 'replies-postbacks.csv' },
  { key: 'texts', title: 'Typed replies', file: 'replies-texts.csv' },
];

const WHY = 'No filter picks the messages of exactly one answer (free text matches words anywhere in a message)';

function Top({ items, testId }: { items: ValueCount[]; testId: string }) {
  if (items.length === 0) return <p className="dim an-none">None.</p>;
  const most = Math.max(1, ...items.map((i) => i.n));
  return (
    <ol className="an-top" data-testid={testId}>
      {items.map((it, i) => (
        <li key={i}>
          <span className="an-top-value" title={revealHidden(it.value)}>{revealHidden(clip(it.value, 80)) || <span className="dim">(empty)</span>}</span>
          <span className="an-bar" aria-hidden>
            <span className="an-bar-fill" style={{ width: `${(100 * it.n) / most}%` }} />
          </span>
          <Fig n={it.n} drill={null} why={WHY} />
        </li>
      ))}
    </ol>
  );
}

export function AnalyticsReplies({ report }: { report: Report }) {
  const replies = report.replies;
  if (!replies) return null;
  return (
    <>
      {LISTS.map((l) => (
        <Card
          key={l.key}
          title={l.title}
          testId={`an-replies-${l.key}`}
          actions={<CsvButton name={l.file} rows={() => [['value', 'messages'], ...(replies[l.key] ?? []).map((v) => [v.value, v.n])]} />}
        >
          <Top items={replies[l.key] ?? []} testId={`an-top-${l.key}`} />
        </Card>
      ))}
    </>
  );
}
