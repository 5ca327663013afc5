// The query box: the text goes to the core as typed. Completion reads the text with the query parser's own
// tokenizer (shared/query.ts completeQuery): field names and aliases, closed vocabularies, and the core's values for
// open fields. The query's error, the completion list and the help share one popover under the box, stacked, so the
// list never covers the error that says why nothing matches.
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { completeQuery, formatValue, QUERY_FIELDS, resolveField, SEARCH_HELP } from '../../../shared/query';
import { revealHidden } from '../../../shared/visible-text';
import { useApi, useInspector, useInspectorStore } from '../store/context';
import { useMaskView } from '../lib/mask-view';
import { Icon } from './Icons';

interface Suggestion {
  /** replaces text.slice(from, to) of the list it belongs to */
  insert: string;
  label: string;
  hint: string;
}

/** the open list: what it offers and the part of the text an accepted item replaces */
interface SuggestionList {
  from: number;
  to: number;
  /** a value is being completed (accepting it ends the term), not a field name */
  value: boolean;
  items: Suggestion[];
}

const CLOSED: SuggestionList = { from: 0, to: 0, value: false, items: [] };

export interface SearchBoxHandle {
  focus(): void;
}

export const SearchBox = forwardRef<SearchBoxHandle>(function SearchBox(_props, ref) {
  const store = useInspectorStore();
  const api = useApi();
  // offered phone numbers are shown masked; picking one still puts the real number in the box, as search needs it
  const shown = useMaskView();
  const query = useInspector((s) => s.query);
  const queryError = useInspector((s) => s.queryError);
  const [text, setText] = useState(query);
  const [list, setList] = useState<SuggestionList>(CLOSED);
  const suggestions = list.items;
  const closeList = () => setList(CLOSED);
  const [active, setActive] = useState(0);
  const [help, setHelp] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const applyTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const suggestSeq = useRef(0);
  /** closing the list on blur waits so a click on it lands; a focus or keystroke since then cancels it */
  const blurTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const cancelBlur = () => {
    if (blurTimer.current) clearTimeout(blurTimer.current);
    blurTimer.current = null;
  };

  useImperativeHandle(ref, () => ({ focus: () => inputRef.current?.focus() }));

  // chips change the query from outside; follow unless the user is mid-edit
  useEffect(() => {
    // the store trims; keep what the user typed when it means the same query
    if (applyTimer.current === null) setText((t) => (t.trim() === query ? t : query));
  }, [query]);

  const apply = (value: string, delay = 250) => {
    if (applyTimer.current) clearTimeout(applyTimer.current);
    applyTimer.current = setTimeout(() => {
      applyTimer.current = null;
      store.getState().setQuery(value.trim());
    }, delay);
  };

  const computeSuggestions = (value: string, caret: number) => {
    const seq = ++suggestSeq.current;
    const c = completeQuery(value, caret);
    // a word just begun offers nothing yet: every field name at once is noise
    if (c.field === null && c.prefix === '') return closeList();
    const field = c.field;
    const items = c.options.map((o) => ({ insert: o.insert, label: o.label, hint: field ?? o.description }));
    setList({ from: c.from, to: c.to, value: field !== null, items });
    setActive(0);
    if (field === null || !c.askStore) return;
    api
      .suggestValues({ field, prefix: c.prefix })
      .then((values) => {
        if (seq !== suggestSeq.current) return;
        setList({ from: c.from, to: c.to, value: true, items: values.slice(0, 20).map((v) => ({ insert: formatValue(v), label: resolveField(field) === 'user' ? shown.phone(v) : v, hint: field })) });
        setActive(0);
      })
      .catch(() => {});
  };

  const accept = (s: Suggestion) => {
    const el = inputRef.current;
    // an accepted value ends its term: the caret moves on past a separating space
    const tail = text.slice(list.to);
    const insert = list.value && !/^\s/.test(tail) ? s.insert + ' ' : s.insert;
    const next = text.slice(0, list.from) + insert + tail;
    setText(next);
    const pos = list.from + insert.length + (list.value && insert === s.insert ? 1 : 0);
    requestAnimationFrame(() => el?.setSelectionRange(pos, pos));
    if (list.value) {
      closeList();
      apply(next, 0);
    } else {
      // re-arm the pending apply with the accepted text: the one armed by the last keystroke would apply the
      // shorter text and, through the query effect, put it back into the box
      apply(next);
      computeSuggestions(next, pos);
    }
  };

  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    if (suggestions.length > 0) {
      if (e.key === 'ArrowDown') return (e.preventDefault(), setActive((a) => (a + 1) % suggestions.length));
      if (e.key === 'ArrowUp') return (e.preventDefault(), setActive((a) => (a - 1 + suggestions.length) % suggestions.length));
      // Enter on a term that is already complete runs the search instead of re-inserting it
      const complete = suggestions[active] && suggestions[active].insert === text.slice(list.from, list.to);
      if (e.key === 'Tab' || (e.key === 'Enter' && suggestions[active] && !complete)) {
        e.preventDefault();
        return accept(suggestions[active]);
      }
    }
    if (e.key === 'Enter') {
      e.preventDefault();
      closeList();
      apply(text, 0);
      inputRef.current?.blur();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      if (help) setHelp(false);
      else if (suggestions.length > 0) closeList();
      else if (text) {
        setText('');
        apply('', 0);
      } else inputRef.current?.blur();
    }
  };

  return (
    <div className={`search ${queryError ? 'has-error' : ''}`}>
      <Icon name="search" size={14} />
      <input
        ref={inputRef}
        type="text"
        spellCheck={false}
        autoComplete="off"
        aria-label="Filter (query)"
        placeholder='Filter: type:EXCEPTION flag:duplicate user:5511 campaign:"black friday" -channel:SMS   ( / )'
        value={text}
        onChange={(e) => {
          cancelBlur();
          setText(e.target.value);
          apply(e.target.value);
          computeSuggestions(e.target.value, e.target.selectionStart ?? e.target.value.length);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => {
          cancelBlur();
          blurTimer.current = setTimeout(() => ((blurTimer.current = null), closeList()), 150);
        }}
        onFocus={(e) => {
          cancelBlur();
          computeSuggestions(e.target.value, e.target.selectionStart ?? 0);
        }}
      />
      {text ? (
        <button className="icon-btn" title="Clear filter (Esc)" aria-label="Clear filter" onClick={() => (setText(''), apply('', 0))}>
          <Icon name="close" size={12} />
        </button>
      ) : null}
      <button
        className="icon-btn"
        title="Search help"
        aria-label="Search help"
        aria-expanded={help}
        onMouseDown={(e) => e.preventDefault()}
        onClick={() => setHelp((h) => !h)}
      >
        ?
      </button>
      {queryError || suggestions.length > 0 || help ? (
        <div className="search-pop">
          {queryError ? (
            <div className="query-error" role="alert">
              {queryError}
            </div>
          ) : null}
          {suggestions.length > 0 ? (
            <div className="suggest">
              <ul role="listbox" aria-label="Suggestions" className="suggest-list">
                {suggestions.map((s, i) => (
                  <li
                    key={s.insert}
                    role="option"
                    aria-selected={i === active}
                    className={i === active ? 'active' : ''}
                    onMouseDown={(e) => (e.preventDefault(), accept(s))}
                  >
                    <span className="mono">{revealHidden(s.label)}</span>
                    <span className="dim">{s.hint}</span>
                  </li>
                ))}
              </ul>
              <div className="suggest-foot">
                {list.value ? 'a,b for any of several values · ' : ''}a OR b for either term · ? for help
              </div>
            </div>
          ) : null}
          {help ? (
            <div className="search-help" role="note" aria-label="Search syntax">
              <dl>
                {SEARCH_HELP.map((h) => (
                  <div key={h.example} style={{ display: 'contents' }}>
                    <dt>{h.example}</dt>
                    <dd>{h.meaning}</dd>
                  </div>
                ))}
              </dl>
              <div className="dim">Fields: {QUERY_FIELDS.map((f) => f.name).join(', ')}. Type a field name and a colon for its values.</div>
            </div>
          ) : null}
        </div>
      ) : null}
    </div>
  );
});
