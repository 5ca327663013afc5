// What users answered: the suggestions they tapped (by button text and by postback value) and what they typed.
// Typed texts are the users' own words (hidden while masking); tapped suggestions and postbacks are the business's
// own labels, shown masked or not (only a phone number in them is masked, as shared/mask.ts does everywhere). A count opens the messages with a reply holding those words;
// free text matches words anywhere in a message's callbacks (and a short last word as a prefix), so the list may
// hold more: its count is asked first, and the list opens only when it is exactly the figure's.
import { useState } from 'react';
import type { Report, ValueCount } from '../../../shared/analytics';
import { revealHidden } from '../../../shared/visible-text';
import { errorMessage } from '../api/client';
import { messagesDrill, replyTerms } from '../lib/drill';
import { clip, num } from '../lib/format';
import { maskSuggestionText } from '../../../shared/mask';
import { MASK, useMasked } from '../lib/mask-view';
import { useApi, useInspectorStore } from '../store/context';
import { Card, CsvButton, Fig, useReportQuery } from './AnalyticsParts';

const LISTS: { key: keyof Report['replies']; title: string; file: string; personal: boolean }[] = [
  { key: 'suggestions', title: 'Suggestions tapped', file: 'replies-suggestions.csv', personal: false },
  { key: 'postbacks', title: 'Postback values', file: 'replies-postbacks.csv', personal: false },
  { key: 'texts', title: 'Typed replies', file: 'replies-texts.csv', personal: true },
];

/** a value as the screen shows it: a typed reply hidden while masking, a suggestion's label with its phone numbers masked */
function useShown(personal: boolean): (v: string) => string {
  const masked = useMasked();
  return (v) => (!masked ? v : personal ? MASK : maskSuggestionText(v));
}

const NO_WORDS = 'No filter picks this answer: free text finds words, and it holds none';
// a drill writes the answer's words into the search box, in plain sight
const MASKED = 'Personal data is masked: opening these would show the answer in the search box';

/** a count that opens the messages of its answer once the list has said it holds exactly that many */
function ReplyFig({ item, personal }: { item: ValueCount; personal: boolean }) {
  const base = useReportQuery();
  const api = useApi();
  const store = useInspectorStore();
  const [note, setNote] = useState<string | null>(null);
  const shown = useShown(personal);
  if (shown(item.value) !== item.value) return <Fig n={item.n} drill={null} why={MASKED} />;
  const terms = replyTerms(item.value);
  if (terms === null || item.n === 0) return <Fig n={item.n} drill={null} why={NO_WORDS} />;
  const drill = messagesDrill(base, terms);
  const open = async () => {
    try {
      const page = await api.listMessages({ query: drill.query, offset: 0, limit: 1 });
      if (page.totalIsExact && page.total === item.n) store.getState().drill(drill);
      else setNote(`${drill.query} lists ${num(page.total)}${page.totalIsExact ? '' : '+'} messages, not ${num(item.n)}: those words are also in other callbacks`);
    } catch (e) {
      setNote(errorMessage(e));
    }
  };
  return (
    <>
      <button
        type="button"
        className="fig drill"
        data-query={drill.query}
        title={`Show these messages: ${drill.query}. Free text matches words anywhere in a message's callbacks, so this opens only when the list holds exactly these ${num(item.n)}.`}
        onClick={() => void open()}
      >
        {num(item.n)}
      </button>
      {note ? (
        <span className="an-top-note dim" role="status">
          {note}
        </span>
      ) : null}
    </>
  );
}

function Top({ items, testId, personal }: { items: ValueCount[]; testId: string; personal: boolean }) {
  const shown = useShown(personal);
  if (items.length === 0) return <p className="dim an-none">None.</p>;
  const most = Math.max(1, ...items.map((i) => i.n));
  return (
    <ol className="an-top" data-testid={testId}>
      {items.map((it) => (
        <li key={it.value}>
          {shown(it.value) === MASK ? (
            <span className="an-top-value">{MASK}</span>
          ) : (
            <span className="an-top-value" title={revealHidden(shown(it.value))}>{revealHidden(clip(shown(it.value), 80)) || <span className="dim">(empty)</span>}</span>
          )}
          <span className="an-bar" aria-hidden>
            <span className="an-bar-fill" style={{ width: `${(100 * it.n) / most}%` }} />
          </span>
          <ReplyFig item={it} personal={personal} />
        </li>
      ))}
    </ol>
  );
}

export function AnalyticsReplies({ report }: { report: Report }) {
  const replies = report.replies;
  const shownPersonal = useShown(true);
  const shownLabel = useShown(false);
  if (!replies) return null;
  return (
    <>
      {LISTS.map((l) => (
        <Card
          key={l.key}
          title={l.title}
          testId={`an-replies-${l.key}`}
          actions={<CsvButton name={l.file} rows={() => [['value', 'messages'], ...(replies[l.key] ?? []).map((v) => [(l.personal ? shownPersonal : shownLabel)(v.value), v.n])]} />}
        >
          <Top items={replies[l.key] ?? []} testId={`an-top-${l.key}`} personal={l.personal} />
        </Card>
      ))}
    </>
  );
}
