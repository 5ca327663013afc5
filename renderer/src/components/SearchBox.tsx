// The query box: the text goes to the core as typed; autocomplete knows field names and asks the core for values.
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { QUERY_FIELDS } from '../../../shared/query';
import { revealHidden } from '../../../shared/visible-text';
import { useApi, useInspector, useInspectorStore } from '../store/context';
import { Icon } from './Icons';

interface Suggestion {
  /** replaces the token under the caret */
  insert: string;
  label: string;
  hint: string;
}

/** the whitespace-delimited token ending at the caret (quotes are rare in partial input; good enough for hints) */
function tokenAt(text: string, caret: number): { start: number; token: string } {
  let start = caret;
  while (start > 0 && !/\s/.test(text[start - 1])) start--;
  return { start, token: text.slice(start, caret) };
}

const quoteValue = (v: string) => (/[\s"]/.test(v) ? `"${v.replace(/(["\\])/g, '\\$1')}"` : v);

export interface SearchBoxHandle {
  focus(): void;
}

export const SearchBox = forwardRef<SearchBoxHandle>(function SearchBox(_props, ref) {
  const store = useInspectorStore();
  const api = useApi();
  const query = useInspector((s) => s.query);
  const queryError = useInspector((s) => s.queryError);
  const [text, setText] = useState(query);
  const [suggestions, setSuggestions] = useState<Suggestion[]>([]);
  const [active, setActive] = useState(0);
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
    const { token } = tokenAt(value, caret);
    const seq = ++suggestSeq.current;
    const neg = token.startsWith('-') ? '-' : '';
    const body = token.slice(neg.length);
    const colon = body.indexOf(':');
    if (colon < 0) {
      if (!body) return setSuggestions([]);
      const list = QUERY_FIELDS.filter((f) => f.name.startsWith(body.toLowerCase())).map((f) => ({
        insert: `${neg}${f.name}:`,
        label: `${f.name}:`,
        hint: f.description,
      }));
      setSuggestions(list);
      setActive(0);
      return;
    }
    const field = body.slice(0, colon).toLowerCase();
    const prefix = body.slice(colon + 1).replace(/^"/, '');
    const def = QUERY_FIELDS.find((f) => f.name === field);
    if (!def) return setSuggestions([]);
    const local = (def.values ?? [])
      .filter((v) => v.toLowerCase().startsWith(prefix.toLowerCase()))
      .map((v) => ({ insert: `${neg}${field}:${quoteValue(v)} `, label: v, hint: def.name }));
    setSuggestions(local);
    setActive(0);
    if (def.values || field === 'after' || field === 'before') return;
    api
      .suggestValues({ field, prefix })
      .then((values) => {
        if (seq !== suggestSeq.current) return;
        setSuggestions(values.slice(0, 20).map((v) => ({ insert: `${neg}${field}:${quoteValue(v)} `, label: v, hint: def.name })));
        setActive(0);
      })
      .catch(() => {});
  };

  const accept = (s: Suggestion) => {
    const el = inputRef.current;
    const caret = el?.selectionStart ?? text.length;
    const { start } = tokenAt(text, caret);
    const next = text.slice(0, start) + s.insert + text.slice(caret);
    setText(next);
    const pos = start + s.insert.length;
    requestAnimationFrame(() => el?.setSelectionRange(pos, pos));
    if (!s.insert.endsWith(':')) {
      setSuggestions([]);
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
      const caret = inputRef.current?.selectionStart ?? text.length;
      const { token } = tokenAt(text, caret);
      // Enter on a token that is already complete runs the search instead of re-inserting it
      const complete = suggestions[active] && suggestions[active].insert.trim() === token;
      if (e.key === 'Tab' || (e.key === 'Enter' && suggestions[active] && !complete)) {
        e.preventDefault();
        return accept(suggestions[active]);
      }
    }
    if (e.key === 'Enter') {
      e.preventDefault();
      setSuggestions([]);
      apply(text, 0);
      inputRef.current?.blur();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      if (suggestions.length > 0) setSuggestions([]);
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
          blurTimer.current = setTimeout(() => ((blurTimer.current = null), setSuggestions([])), 150);
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
      {suggestions.length > 0 ? (
        <ul className="suggest" role="listbox">
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
      ) : null}
      {queryError ? <div className="query-error" role="alert">{queryError}</div> : null}
    </div>
  );
});
