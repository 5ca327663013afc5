// The response rules editor (issue 15 §1): the inspector as a deliberately imperfect endpoint. Rules are edited as
// a draft and saved whole: the core applies all of them or, refusing, none, and its message is shown next to the
// rule and field it names. "All off" applies at once and leaves the draft's unsaved edits alone.
import { useEffect, useRef, useState } from 'react';
import type { ResponseRules } from '../../../shared/response-rules';
import { revealHidden } from '../../../shared/visible-text';
import { errorMessage } from '../api/client';
import { plural } from '../lib/format';
import { RULE_PRESETS, presetRule } from '../lib/rule-presets';
import { readRefusal, type RuleField, type RuleProblem } from '../lib/rule-refusal';
import { draftDiffers, draftToInput, duplicateRule, emptyRule, moveRule, rulesToDraft, type RuleDraft, type RulesDraft } from '../lib/rules-draft';
import { useEscapeToClose } from '../lib/use-escape';
import { useInspector } from '../store/context';
import { useRules } from '../store/use-rules';
import { Icon } from './Icons';
import { RuleCard } from './RuleCard';

type Result = { ok: boolean; text: string } | null;

export function RulesEditor({ onClose }: { onClose: () => void }) {
  const { saved, loadError, save } = useRules();
  const [draft, setDraft] = useState<RulesDraft | null>(null);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const [problems, setProblems] = useState<ReadonlyMap<string, RuleProblem[]>>(new Map());
  const [result, setResult] = useState<Result>(null);
  const [busy, setBusy] = useState(false);
  const dialog = useRef<HTMLElement>(null);
  /** where the keyboard goes once the list is drawn again: a deleted or moved rule's button is gone or disabled */
  const [focusNext, setFocusNext] = useState<string | null>(null);
  const dirty = draft !== null && saved !== null && draftDiffers(draft, saved);

  useEffect(() => {
    if (saved && draft === null) setDraft(rulesToDraft(saved));
  }, [saved, draft]);
  useEffect(() => dialog.current?.focus(), []);
  useEffect(() => {
    if (focusNext === null) return;
    (dialog.current?.querySelector<HTMLElement>(focusNext) ?? dialog.current?.querySelector<HTMLElement>('.rule-add button'))?.focus();
    setFocusNext(null);
  }, [focusNext]);

  const close = () => {
    if (dirty && !window.confirm('Close without saving? Your changes to the rules are lost.')) return;
    onClose();
  };
  useEscapeToClose(close);

  const setRules = (rules: RuleDraft[]) => setDraft((d) => (d ? { ...d, rules } : d));
  const change = (ruleId: string, patch: Partial<RuleDraft>, field: RuleField) => {
    setDraft((d) => (d ? { ...d, rules: d.rules.map((r) => (r.id === ruleId ? { ...r, ...patch } : r)) } : d));
    setProblems((p) => {
      if (!p.get(ruleId)?.some((x) => x.field === field)) return p;
      return new Map(p).set(ruleId, p.get(ruleId)!.filter((x) => x.field !== field));
    });
  };
  const add = (rule: RuleDraft) => {
    setRules([...draft!.rules, rule]);
    setOpen((o) => new Set(o).add(rule.id));
    setResult(null);
  };

  const onSave = async () => {
    if (!draft) return;
    setBusy(true);
    setResult(null);
    const sent = draft.rules.map((r) => r.id);
    try {
      const rules = await save(draftToInput(draft));
      setDraft(rulesToDraft(rules));
      setProblems(new Map());
      setResult({ ok: true, text: savedText(rules) });
    } catch (err) {
      const refusal = readRefusal(errorMessage(err));
      const byId = new Map<string, RuleProblem[]>();
      for (const [index, list] of refusal.byRule) if (sent[index] !== undefined) byId.set(sent[index], list);
      setProblems(byId);
      // a rule with a problem in a folded field is unfolded to show it
      setOpen((o) => new Set([...o, ...byId.keys()]));
      setResult({ ok: false, text: refusal.message });
    } finally {
      setBusy(false);
    }
  };

  /** "All off" and back: the saved rules with the switch flipped, applied now; the draft keeps its other edits */
  const switchAll = async (enabled: boolean) => {
    if (!saved) return;
    setBusy(true);
    setResult(null);
    try {
      const rules = await save({ ...saved, enabled });
      setDraft((d) => (d ? { ...d, enabled: rules.enabled } : rulesToDraft(rules)));
      setResult({ ok: true, text: rules.enabled ? savedText(rules) : 'All off: every delivery gets the usual 200. Your rules are kept.' });
    } catch (err) {
      setResult({ ok: false, text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <aside className="drawer rules-drawer" role="dialog" aria-modal="true" aria-labelledby="rules-title" data-testid="rules-editor" tabIndex={-1} ref={dialog}>
        <header className="drawer-head">
          <h2 id="rules-title">Response rules</h2>
          <button className="icon-btn" aria-label="Close response rules" onClick={close}><Icon name="close" size={14} /></button>
        </header>
        <section>
          <p className="dim">
            Make this inspector answer like a failing endpoint — a 503, a slow answer, a closed connection — and watch how the
            gateway retries. Every delivery is stored first; a rule changes only the answer. The first rule that applies
            answers; when none does, the usual 200.
          </p>
          {saved ? <MasterSwitch saved={saved} busy={busy} onSwitch={(on) => void switchAll(on)} /> : null}
        </section>
        {loadError ? <p className="bad-text pad" role="alert">The rules could not be read: {revealHidden(loadError)}</p> : null}
        {!draft ? (
          loadError ? null : <p className="dim pad">Loading rules…</p>
        ) : (
          <>
            <section aria-labelledby="rules-list-title">
              <h3 id="rules-list-title">Rules, in order</h3>
              {draft.rules.length === 0 ? <p className="dim">No rule: every delivery is answered 200. Add one below.</p> : null}
              {!draft.enabled && draft.rules.length > 0 ? <p className="warn-text">All off: these rules are kept, none answers.</p> : null}
              <ol className="rule-list">
                {draft.rules.map((r, i) => (
                  <RuleCard
                    key={r.id}
                    rule={r}
                    index={i}
                    count={draft.rules.length}
                    open={open.has(r.id)}
                    problems={problems.get(r.id) ?? []}
                    onChange={(patch, field) => change(r.id, patch, field)}
                    onToggleOpen={() => setOpen((o) => (o.has(r.id) ? new Set([...o].filter((x) => x !== r.id)) : new Set(o).add(r.id)))}
                    onMove={(by) => {
                      setRules(moveRule(draft.rules, i, by));
                      // at the top or the bottom the button pressed is disabled: the keyboard goes to the other one
                      const to = i + by;
                      if (to === 0 || to === draft.rules.length - 1) setFocusNext(`[data-rule-id="${CSS.escape(r.id)}"] [data-move="${to === 0 ? 'down' : 'up'}"]`);
                    }}
                    onDuplicate={() => {
                      const rules = duplicateRule(draft.rules, i);
                      setRules(rules);
                      setOpen((o) => new Set(o).add(rules[i + 1]!.id));
                    }}
                    onDelete={() => {
                      const next = draft.rules[i + 1] ?? draft.rules[i - 1];
                      setRules(draft.rules.filter((x) => x.id !== r.id));
                      setFocusNext(next ? `[data-rule-id="${CSS.escape(next.id)}"] .rule-name` : '.rule-add button');
                    }}
                  />
                ))}
              </ol>
              <div className="rule-add" role="group" aria-label="Add a rule">
                <span className="dim">Add:</span>
                {RULE_PRESETS.map((p) => (
                  <button key={p.key} type="button" className="btn small" onClick={() => add(presetRule(p, draft.rules))}>+ {p.label}</button>
                ))}
                <button type="button" className="btn small ghost" onClick={() => add(emptyRule(draft.rules))}>+ Empty rule</button>
              </div>
            </section>
            <section>
              <label className="rule-seed">
                <span>Seed of the % decisions</span>
                <input
                  className="num-input"
                  value={draft.seed}
                  inputMode="numeric"
                  onChange={(e) => setDraft({ ...draft, seed: e.target.value })}
                  aria-describedby="rules-seed-hint"
                />
              </label>
              <small className="dim" id="rules-seed-hint"> The same seed picks the same deliveries on every run.</small>
            </section>
            <footer className="rules-foot">
              <button type="button" className="btn primary" disabled={busy || !dirty} onClick={() => void onSave()}>Save rules</button>
              <button type="button" className="btn" disabled={busy || !dirty} onClick={() => (setDraft(rulesToDraft(saved!)), setProblems(new Map()), setResult(null))}>
                Undo changes
              </button>
              {dirty ? <span className="warn-text">Unsaved changes</span> : null}
              {result ? (
                <p className={`rules-result ${result.ok ? 'good-text' : 'bad-text'}`} role={result.ok ? 'status' : 'alert'} data-testid="rules-result">
                  {result.ok ? null : <strong>Not saved, nothing changed: </strong>}
                  {revealHidden(result.text)}
                </p>
              ) : null}
            </footer>
          </>
        )}
      </aside>
    </div>
  );
}

function savedText(rules: ResponseRules): string {
  const on = rules.enabled ? rules.rules.filter((r) => r.enabled).length : 0;
  return on === 0 ? 'Saved. No rule answers: every delivery gets the usual 200.' : `Saved. ${plural(on, 'rule')} answering from the next delivery on.`;
}

function MasterSwitch({ saved, busy, onSwitch }: { saved: ResponseRules; busy: boolean; onSwitch(on: boolean): void }) {
  const active = useInspector((s) => s.status?.rulesActive ?? 0);
  if (saved.rules.length === 0) return null;
  return (
    <div className="rules-master" data-testid="rules-master">
      {saved.enabled ? (
        <>
          <span className={active > 0 ? 'warn-text' : 'dim'}><strong>{active > 0 ? `${plural(active, 'rule')} answering` : 'No saved rule is on'}</strong></span>
          <button type="button" className="btn warn" disabled={busy} onClick={() => onSwitch(false)} title="Every delivery gets the usual 200 again; the rules are kept">
            All off
          </button>
        </>
      ) : (
        <>
          <span className="dim"><strong>All off:</strong> every delivery gets the usual 200.</span>
          <button type="button" className="btn primary" disabled={busy} onClick={() => onSwitch(true)}>Turn the rules back on</button>
        </>
      )}
    </div>
  );
}
