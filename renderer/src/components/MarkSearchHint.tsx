// pinned:/note: in All deliveries find the deliveries that were themselves pinned or noted. A pin is usually put on a
// message (its detail's Pin), so "pinned:yes" there shows none of that message's deliveries, which reads as "the pin
// was lost". The filter keeps meaning what it says (a delivery's own mark; Delete matching counts the same), and the
// empty list says where a message's pin is found, with the search one click away in Messages.
import { useInspectorStore } from '../store/context';

/** a pinned:/note: term (negated too) outside quotes */
function hasMarkTerm(query: string): boolean {
  return /(?:^|\s)-?(?:pinned|note):/i.test(query.replace(/"(?:[^"\\]|\\.)*"/g, '""'));
}

export function MarkSearchHint({ query }: { query: string }) {
  const store = useInspectorStore();
  if (!hasMarkTerm(query)) return null;
  return (
    <p className="dim" data-testid="mark-search-hint">
      Pins and notes are on what you pinned: a message's pin is found in Messages.{' '}
      <button type="button" className="btn small" onClick={() => store.getState().setView('messages')} data-testid="mark-search-messages">
        Search Messages
      </button>
    </p>
  );
}
