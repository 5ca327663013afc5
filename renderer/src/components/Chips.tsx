// One-click filters with live counts; clicking toggles the term in the query text the user sees.
import { num } from '../lib/format';
import { useMemo } from 'react';
import { ANOMALY_NAMES, FLAG_NAMES, MESSAGE_STATES } from '../../../shared/domain';
import { parseQuery, termsOf, toggleTerm, type QueryField } from '../../../shared/query';
import { useInspector, useInspectorStore } from '../store/context';
import { FLAG_META, STATE_META } from './Badges';
import { Icon } from './Icons';

export function Chips() {
  const store = useInspectorStore();
  const query = useInspector((s) => s.query);
  const counts = useInspector((s) => s.counts);
  // no counts (a query that does not parse): the chips show none rather than 0 or the last query's figures.
  // A filtered count that stopped early is a lower bound, and says so
  const more = counts?.sampled ? '+' : '';
  const active = useMemo(() => {
    const parsed = parseQuery(query);
    const on = new Set<string>();
    for (const field of ['flag', 'state', 'anomaly'] as const)
      for (const t of termsOf(parsed, field)) if (!t.negate) on.add(`${field}:${t.value}`);
    return on;
  }, [query]);

  const toggle = (field: QueryField, value: string) => store.getState().setQuery(toggleTerm(query, field, value));

  // each chip's label says the count apart from the name ("prepaid (2)", not "prepaid2")
  return (
    <div className="chips" role="toolbar" aria-label="Quick filters">
      {FLAG_NAMES.map((f) => {
        const n = counts?.flags[f] ?? 0;
        const on = active.has(`flag:${f}`);
        return (
          <button key={f} className={`chip tone-${FLAG_META[f].tone} ${on ? 'on' : ''} ${n === 0 ? 'zero' : ''}`} aria-pressed={on} aria-label={counts ? `${FLAG_META[f].label} (${num(n)}${n > 0 ? more : ''})` : `${FLAG_META[f].label}`} data-chip={`flag:${f}`} title={FLAG_META[f].hint} onClick={() => toggle('flag', f)}>
            <Icon name={FLAG_META[f].icon} size={11} />
            {FLAG_META[f].label}
            {counts ? <span className="chip-count" data-testid="chip-count">{num(n)}{n > 0 ? more : ''}</span> : null}
          </button>
        );
      })}
      <span className="chip-sep" />
      {MESSAGE_STATES.map((st) => {
        const n = counts?.states[st] ?? 0;
        const on = active.has(`state:${st}`);
        if (n === 0 && !on) return null;
        return (
          <button key={st} className={`chip tone-${STATE_META[st].tone} ${on ? 'on' : ''}`} aria-pressed={on} aria-label={counts ? `${STATE_META[st].label} (${num(n)}${n > 0 ? more : ''})` : `${STATE_META[st].label}`} data-chip={`state:${st}`} onClick={() => toggle('state', st)}>
            <Icon name={STATE_META[st].icon} size={11} />
            {STATE_META[st].label}
            {counts ? <span className="chip-count" data-testid="chip-count">{num(n)}{n > 0 ? more : ''}</span> : null}
          </button>
        );
      })}
      {ANOMALY_NAMES.map((a) => {
        const n = counts?.anomalies[a] ?? 0;
        const on = active.has(`anomaly:${a}`);
        if (n === 0 && !on) return null;
        return (
          <button key={a} className={`chip tone-anomaly ${on ? 'on' : ''}`} aria-pressed={on} aria-label={counts ? `${a} (${num(n)}${n > 0 ? more : ''})` : `${a}`} data-chip={`anomaly:${a}`} onClick={() => toggle('anomaly', a)}>
            <Icon name="anomaly" size={11} />
            {a}
            {counts ? <span className="chip-count" data-testid="chip-count">{num(n)}{n > 0 ? more : ''}</span> : null}
          </button>
        );
      })}
    </div>
  );
}
