// Where the response rules show outside their editor: a badge in the status bar while any rule answers deliveries
// (a user who forgot a "fail first 2" rule would otherwise blame the gateway), and a section in Settings. Both open
// the editor.
import { plural } from '../lib/format';
import { useInspector, useInspectorStore } from '../store/context';
import { Icon } from './Icons';

export function RulesBadge() {
  const store = useInspectorStore();
  const active = useInspector((s) => s.status?.rulesActive ?? 0);
  if (active === 0) return null;
  return (
    <button
      type="button"
      className="badge tone-bad rules-badge"
      data-testid="rules-badge"
      title="Response rules answer deliveries instead of the usual 200. Click to edit them or switch them all off."
      onClick={() => store.getState().openDialog('rules')}
      // the window's list keys take Enter (open the row under the cursor): here it presses this button
      onKeyDown={(e) => e.key === 'Enter' && e.stopPropagation()}
    >
      <Icon name="bolt" size={11} /> {plural(active, 'rule')} answering
    </button>
  );
}

export function RulesSection() {
  const store = useInspectorStore();
  const active = useInspector((s) => s.status?.rulesActive ?? 0);
  return (
    <section>
      <h3>Response rules</h3>
      <p className="dim">
        Answer like a failing endpoint (503s, slow answers, closed connections) to watch the gateway retry. Every delivery is
        stored first; a rule changes only the answer.
      </p>
      <div className="form-actions">
        <span className={active > 0 ? 'warn-text' : 'dim'}>{active > 0 ? `${plural(active, 'rule')} answering now` : 'No rule answering: every delivery gets 200'}</span>
        <button type="button" className="btn" onClick={() => store.getState().openDialog('rules')}>Edit response rules…</button>
      </div>
    </section>
  );
}
