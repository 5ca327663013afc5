// The response rules as the editor holds them: every field a string as typed, so a half-typed number stays on the
// screen. Turned into the schema's input (shared/response-rules.ts) only on Save; what cannot be read as a number
// is sent as typed, so the core refuses it with its own message naming the rule and field. The editor never
// validates on its own: one set of rules, one judge.
import type { AnsweredBy } from '../../../shared/domain';
import type { ResponseRule, ResponseRules, ResponseRulesInput, RuleActionKind } from '../../../shared/response-rules';

type RuleInput = NonNullable<ResponseRulesInput['rules']>[number];

export const MATCH_FIELDS = ['path', 'type', 'reference', 'userId', 'campaign', 'channel', 'attempt'] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];

export interface RuleDraft {
  id: string;
  name: string;
  enabled: boolean;
  match: Record<MatchField, string>;
  kind: RuleActionKind;
  status: string;
  /** delay in ms, as the schema has it */
  ms: string;
  /** empty: the usual JSON acknowledgement */
  body: string;
  /** "Name: value" per line */
  headers: string;
  firstAttempts: string;
  percent: string;
}

export interface RulesDraft {
  enabled: boolean;
  seed: string;
  rules: RuleDraft[];
}

const EMPTY_MATCH: Record<MatchField, string> = { path: '', type: '', reference: '', userId: '', campaign: '', channel: '', attempt: '' };

const str = (v: number | string | undefined) => (v === undefined ? '' : String(v));

/** an attempt number or range as typed: "2", "2-4", "3+" */
function attemptText(a: ResponseRule['match']['attempt']): string {
  if (a === undefined) return '';
  if (typeof a === 'number') return String(a);
  if (a.min !== undefined && a.max !== undefined) return `${a.min}-${a.max}`;
  if (a.min !== undefined) return `${a.min}+`;
  return a.max !== undefined ? `1-${a.max}` : '';
}

export function ruleToDraft(r: ResponseRule): RuleDraft {
  const a = r.action;
  const answer = a.kind === 'status' || a.kind === 'delay' ? a : null;
  return {
    id: r.id,
    name: r.name,
    enabled: r.enabled,
    match: {
      path: r.match.path ?? '',
      type: r.match.type ?? '',
      reference: r.match.reference ?? '',
      userId: r.match.userId ?? '',
      campaign: r.match.campaign ?? '',
      channel: r.match.channel ?? '',
      attempt: attemptText(r.match.attempt),
    },
    kind: a.kind,
    status: answer ? String(answer.status) : '',
    ms: a.kind === 'delay' ? String(a.ms) : '',
    body: answer?.body ?? '',
    headers: Object.entries(answer?.headers ?? {})
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n'),
    firstAttempts: str(r.firstAttempts),
    percent: str(r.percent),
  };
}

export function rulesToDraft(rules: ResponseRules): RulesDraft {
  return { enabled: rules.enabled, seed: String(rules.seed), rules: rules.rules.map(ruleToDraft) };
}

/** a number when the text is one; otherwise the text as typed (the core says what is wrong with it) */
function numberOr(text: string): number | string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

function attemptInput(text: string): unknown {
  const t = text.trim().replace(/\s+/g, '');
  if (t === '') return undefined;
  const range = /^(\d+)[-–](\d+)$/.exec(t);
  if (range) return { min: Number(range[1]), max: Number(range[2]) };
  const from = /^(\d+)\+$/.exec(t);
  if (from) return { min: Number(from[1]) };
  return numberOr(t);
}

/** "Name: value" lines; a line without a colon is a name with an empty value (the core judges the name) */
function headersInput(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon < 0) out[line.trim()] = '';
    else out[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** drops the keys whose value is undefined, so what is sent reads like the file a user would write */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function draftToRule(d: RuleDraft): RuleInput {
  const match = defined(
    Object.fromEntries(MATCH_FIELDS.map((f) => [f, f === 'attempt' ? attemptInput(d.match.attempt) : d.match[f].trim() || undefined])),
  );
  const answer = defined({ status: numberOr(d.status), body: d.body === '' ? undefined : d.body, headers: headersInput(d.headers) });
  const action = d.kind === 'status' ? { kind: d.kind, ...answer } : d.kind === 'delay' ? { kind: d.kind, ms: numberOr(d.ms), ...answer } : { kind: d.kind };
  // the values typed wrong are passed on as typed: the schema's input type does not allow them, the core refuses them
  return defined({
    id: d.id,
    name: d.name,
    enabled: d.enabled,
    match,
    action,
    firstAttempts: numberOr(d.firstAttempts),
    percent: numberOr(d.percent),
  }) as RuleInput;
}

export function draftToInput(d: RulesDraft): ResponseRulesInput {
  return { enabled: d.enabled, seed: numberOr(d.seed) as number, rules: d.rules.map(draftToRule) };
}

/** whether the draft says something the saved rules do not */
export function draftDiffers(d: RulesDraft, saved: ResponseRules): boolean {
  return JSON.stringify(draftToInput(d)) !== JSON.stringify(draftToInput(rulesToDraft(saved)));
}

/** an id no rule of the draft has: ids stay with a rule across edits and moves */
export function freshRuleId(rules: readonly RuleDraft[]): string {
  const taken = new Set(rules.map((r) => r.id));
  let n = rules.length + 1;
  while (taken.has(`rule-${n}`)) n++;
  return `rule-${n}`;
}

export function emptyRule(rules: readonly RuleDraft[]): RuleDraft {
  return { id: freshRuleId(rules), name: '', enabled: true, match: { ...EMPTY_MATCH }, kind: 'status', status: '500', ms: '', body: '', headers: '', firstAttempts: '', percent: '' };
}

export function duplicateRule(rules: readonly RuleDraft[], index: number): RuleDraft[] {
  const r = rules[index]!;
  const copy: RuleDraft = { ...r, match: { ...r.match }, id: freshRuleId(rules), name: `${r.name} (copy)`.slice(0, 100) };
  return [...rules.slice(0, index + 1), copy, ...rules.slice(index + 1)];
}

export function moveRule<T>(rules: readonly T[], index: number, by: -1 | 1): T[] {
  const to = index + by;
  if (to < 0 || to >= rules.length) return [...rules];
  const out = [...rules];
  [out[index], out[to]] = [out[to]!, out[index]!];
  return out;
}

/** "12 s", "1.5 s", "250 ms" */
export function durationText(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** What the rule answers, in a few words, for a folded rule: "503 · first 2 attempts · 10 %". */
export function describeRule(d: RuleDraft): string {
  const ms = Number(d.ms);
  const what =
    d.kind === 'status'
      ? `answers ${d.status || '?'}`
      : d.kind === 'delay'
        ? `waits ${d.ms.trim() !== '' && Number.isFinite(ms) ? durationText(ms) : '?'}, then ${d.status || '200'}`
        : d.kind === 'close'
          ? 'closes the connection'
          : 'hangs until the sender gives up';
  const when = MATCH_FIELDS.filter((f) => d.match[f].trim() !== '').map((f) => `${MATCH_LABELS[f].toLowerCase()} ${d.match[f].trim()}`);
  const parts = [what, ...when];
  if (d.firstAttempts.trim()) parts.push(`first ${d.firstAttempts.trim()} attempts`);
  if (d.percent.trim()) parts.push(`${d.percent.trim()} %`);
  return parts.join(' · ');
}

export const MATCH_LABELS: Record<MatchField, string> = {
  path: 'Path',
  type: 'Type',
  reference: 'Reference',
  userId: 'user_id',
  campaign: 'Campaign',
  channel: 'Channel',
  attempt: 'Attempt',
};

/** How a delivery was answered by a rule, after "answered 503 in 2 ms": "by rule 'fail first 2'". */
export function ruleAnswerText(a: AnsweredBy): string {
  const by = `by rule '${a.rule}'`;
  switch (a.action) {
    case 'delay': {
      const held = a.delayMs === null ? `${by} (held back)` : `${by} (held back ${durationText(a.delayMs)})`;
      // a delay's status is null only when its answer never went out
      return a.status === null ? `${held}: the sender gave up before the answer went out` : held;
    }
    case 'close':
      return `${by}: the connection was closed, no answer`;
    case 'hang':
      return `${by}: held open with no answer until the sender gave up`;
    default:
      return by;
  }
}
