// One response rule in the editor: its head (on/off, name, what it does, move, duplicate, delete) and, unfolded,
// what it matches, what it answers and its modifiers. A problem the core named is shown at its field.
import { useId, type ReactNode } from 'react';
import type { RuleActionKind } from '../../../shared/response-rules';
import { revealHidden } from '../../../shared/visible-text';
import type { RuleField, RuleProblem } from '../lib/rule-refusal';
import { MATCH_FIELDS, MATCH_LABELS, describeRule, durationText, type MatchField, type RuleDraft } from '../lib/rules-draft';

/** placeholders: an empty field matches any value */
const MATCH_HINTS: Record<MatchField, string> = {
  path: 'any, e.g. /hooks/*',
  type: 'any, e.g. DELIVERED',
  reference: 'any',
  userId: 'any, e.g. 5511999990001',
  campaign: 'any',
  channel: 'any: RCS or SMS',
  attempt: 'any: 1, 2-3 or 3+',
};

const KINDS: { kind: RuleActionKind; label: string }[] = [
  { kind: 'status', label: 'Answer a status' },
  { kind: 'delay', label: 'Wait, then answer' },
  { kind: 'close', label: 'Close the connection' },
  { kind: 'hang', label: 'Hang until the sender gives up' },
];

/** the gateway waits this long for an answer before it counts the attempt as failed */
const GATEWAY_TIMEOUT_MS = 10_000;

interface FieldAria {
  id: string;
  'aria-labelledby': string;
  'aria-describedby': string | undefined;
  'aria-invalid': true | undefined;
}

interface Props {
  rule: RuleDraft;
  index: number;
  count: number;
  open: boolean;
  problems: readonly RuleProblem[];
  onChange(patch: Partial<RuleDraft>, field: RuleField): void;
  onToggleOpen(): void;
  onMove(by: -1 | 1): void;
  onDuplicate(): void;
  onDelete(): void;
}

export function RuleCard({ rule: r, index, count, open, problems, onChange, onToggleOpen, onMove, onDuplicate, onDelete }: Props) {
  const id = useId();
  const n = index + 1;
  const label = `Rule ${n}${r.name.trim() ? ` '${r.name.trim()}'` : ''}`;
  const problemAt = (field: RuleField) => problems.filter((p) => p.field === field).map((p) => p.text).join('; ') || null;
  const ruleProblem = problemAt('rule');
  const nameProblem = problemAt('name');
  const answers = r.kind === 'status' || r.kind === 'delay';
  const ms = Number(r.ms);

  /** a labelled input: named by its label alone, its hint or the core's problem with it read as its description */
  const field = (f: RuleField, text: string, input: (aria: FieldAria) => ReactNode, hint?: ReactNode) => {
    const problem = problemAt(f);
    const inputId = `${id}-${f}`;
    const described = problem ? `${inputId}-problem` : hint ? `${inputId}-hint` : undefined;
    return (
      <label className="rule-field" data-field={f}>
        <span id={`${inputId}-label`}>{text}</span>
        {input({ id: inputId, 'aria-labelledby': `${inputId}-label`, 'aria-describedby': described, 'aria-invalid': problem ? true : undefined })}
        {problem ? (
          <small className="bad-text rule-problem" id={`${inputId}-problem`} data-testid="rule-problem">{revealHidden(problem)}</small>
        ) : hint ? (
          <small className="dim" id={`${inputId}-hint`}>{hint}</small>
        ) : null}
      </label>
    );
  };
  const text = (f: RuleField, value: string, set: (v: string) => Partial<RuleDraft>, placeholder?: string, inputMode?: 'numeric' | 'decimal') => (a: FieldAria) => (
    <input {...a} value={value} placeholder={placeholder} inputMode={inputMode} autoComplete="off" spellCheck={false} onChange={(e) => onChange(set(e.target.value), f)} />
  );

  return (
    <li className="rule-card" data-testid="rule" data-rule-id={r.id} data-enabled={r.enabled} aria-label={label}>
      <div className="rule-head">
        <span className="rule-n" aria-hidden>{n}</span>
        <label className="check rule-on" title={r.enabled ? 'This rule answers deliveries' : 'This rule is kept but answers nothing'}>
          <input type="checkbox" checked={r.enabled} aria-label={`${label} enabled`} onChange={(e) => onChange({ enabled: e.target.checked }, 'rule')} />
          <span>{r.enabled ? 'On' : 'Off'}</span>
        </label>
        <input
          className="rule-name"
          value={r.name}
          placeholder="Name (shown on each delivery it answers)"
          aria-label={`Rule ${n} name`}
          aria-invalid={nameProblem ? true : undefined}
          aria-describedby={nameProblem ? `${id}-name-problem` : undefined}
          maxLength={100}
          onChange={(e) => onChange({ name: e.target.value }, 'name')}
        />
        <span className="rule-actions">
          <button type="button" className="btn small ghost" aria-label={`Move ${label} up`} title="Move up (earlier rules answer first)" data-move="up" disabled={index === 0} onClick={() => onMove(-1)}>↑</button>
          <button type="button" className="btn small ghost" aria-label={`Move ${label} down`} title="Move down" data-move="down" disabled={index === count - 1} onClick={() => onMove(1)}>↓</button>
          <button type="button" className="btn small" aria-expanded={open} aria-controls={`${id}-body`} aria-label={`${open ? 'Fold' : 'Edit'} ${label}`} onClick={onToggleOpen}>{open ? 'Fold' : 'Edit'}</button>
          <button type="button" className="btn small ghost" aria-label={`Duplicate ${label}`} onClick={onDuplicate}>Duplicate</button>
          <button type="button" className="btn small ghost danger" aria-label={`Delete ${label}`} onClick={onDelete}>Delete</button>
        </span>
      </div>
      <p className="rule-sum dim" data-testid="rule-summary">{revealHidden(describeRule(r))}</p>
      {nameProblem ? <p className="bad-text rule-problem" id={`${id}-name-problem`} data-testid="rule-problem">{revealHidden(nameProblem)}</p> : null}
      {ruleProblem ? <p className="bad-text rule-problem" role="note" data-testid="rule-problem">{revealHidden(ruleProblem)}</p> : null}
      {open ? (
        <div className="rule-body" id={`${id}-body`}>
          <fieldset className="rule-set">
            <legend>When</legend>
            <p className="dim rule-set-hint">Every field given must hold; leave all empty to match every delivery.</p>
            {problemAt('match') ? <p className="bad-text rule-problem" data-testid="rule-problem">{revealHidden(problemAt('match')!)}</p> : null}
            <div className="rule-grid">
              {MATCH_FIELDS.map((f) =>
                field(`match.${f}`, MATCH_LABELS[f], text(`match.${f}`, r.match[f], (v) => ({ match: { ...r.match, [f]: v } }), MATCH_HINTS[f], f === 'attempt' ? 'numeric' : undefined)),
              )}
            </div>
          </fieldset>
          <fieldset className="rule-set">
            <legend>Answer</legend>
            <div className="rule-kinds" role="radiogroup" aria-label={`${label}: how it answers`}>
              {KINDS.map((k) => (
                <label key={k.kind} className="check">
                  <input type="radio" name={`${id}-kind`} checked={r.kind === k.kind} onChange={() => onChange({ kind: k.kind, ...(k.kind === 'delay' && r.ms === '' ? { ms: '12000' } : {}), ...(k.kind === 'delay' && r.status === '' ? { status: '200' } : {}) }, 'action.kind')} />
                  {k.label}
                </label>
              ))}
            </div>
            {problemAt('action.kind') ? <p className="bad-text rule-problem" data-testid="rule-problem">{revealHidden(problemAt('action.kind')!)}</p> : null}
            {r.kind === 'close' ? <p className="dim rule-set-hint">The connection is closed without an answer: the sender sees a network error and retries.</p> : null}
            {r.kind === 'hang' ? <p className="dim rule-set-hint">No answer at all: the gateway gives up after its 10 s and retries.</p> : null}
            {answers ? (
              <div className="rule-grid">
                {field('action.status', 'Status', text('action.status', r.status, (v) => ({ status: v }), r.kind === 'delay' ? '200' : '503', 'numeric'), 'e.g. 500, 503, 429')}
                {r.kind === 'delay'
                  ? field(
                      'action.ms',
                      'Delay (ms)',
                      text('action.ms', r.ms, (v) => ({ ms: v }), '12000', 'numeric'),
                      r.ms.trim() !== '' && Number.isFinite(ms) && ms >= 0
                        ? `${durationText(ms)}${ms > GATEWAY_TIMEOUT_MS ? ": past the gateway's 10 s timeout" : ''}`
                        : 'up to 600000 (10 min)',
                    )
                  : null}
                {field('action.body', 'Body', (a) => (
                  <textarea {...a} rows={2} value={r.body} placeholder="(the usual JSON acknowledgement)" spellCheck={false} onChange={(e) => onChange({ body: e.target.value }, 'action.body')} />
                ))}
                {field('action.headers', 'Headers', (a) => (
                  <textarea {...a} rows={2} value={r.headers} placeholder="Retry-After: 30" spellCheck={false} onChange={(e) => onChange({ headers: e.target.value }, 'action.headers')} />
                ), 'Name: value, one per line')}
              </div>
            ) : null}
          </fieldset>
          <fieldset className="rule-set">
            <legend>Only</legend>
            <div className="rule-grid">
              {field('firstAttempts', 'First N attempts of each event', text('firstAttempts', r.firstAttempts, (v) => ({ firstAttempts: v }), 'every attempt', 'numeric'), 'then the usual 200')}
              {field('percent', '% of deliveries', text('percent', r.percent, (v) => ({ percent: v }), '100', 'decimal'), 'picked by the seed: the same on every run')}
            </div>
          </fieldset>
        </div>
      ) : null}
    </li>
  );
}
