// Which response rule (shared/response-rules.ts) answers a delivery. Asked by the receiver for stored deliveries
// only (never the tunnel's health probe, never a refused request), before the commit so the row records the answer
// the rule will give; the answer itself goes out after the commit, as always.
//
// With no active rule the receiver pays one length check: nothing is parsed. The body is parsed only when a rule
// needs a callback field, an attempt number or a `percent` decision.
//
// Attempt numbers ("first N attempts of each event") are counted here, per event key (reference, event_id, type,
// channel: design.md), because indexing derives the stored attempt a moment after the answer. The count of an
// event first met in this run starts from what the store has indexed for it (one index lookup), so events retried
// across a restart keep counting. At most MAX_EVENTS events are remembered, least recently seen dropped first; a
// dropped event is read from the store again. Changing the rules starts every count afresh from the store.
import { parseDeliveryBody } from '../../shared/callback';
import { eventKeyOf, typeKey } from '../../shared/callback-fields';
import type { DeliveryRequest, NormalizedCallback } from '../../shared/domain';
import { NO_RULES, type ResponseRule, type ResponseRules, type RuleAction } from '../../shared/response-rules';
import { headerValue } from './store/rows';

const MAX_EVENTS = 100_000;

/** A rule's verdict on one delivery. */
export interface RuleDecision {
  rule: ResponseRule;
  action: RuleAction;
  /** what the stored row says was answered: the rule's status, 0 when the connection is closed or held (no answer) */
  status: number;
}

/** What the receiver is given: ask before the commit, report the decision once the delivery has its id. */
export interface RulesHook {
  decide(req: DeliveryRequest): RuleDecision | null;
  answered(id: number, decision: RuleDecision): void;
  /** the rule's answer never went out (the sender gave up first, or it could not be sent): nothing was answered */
  unanswered(id: number, decision: RuleDecision): void;
}

export interface RuleAnswerRow {
  id: number;
  rule: string;
  action: RuleAction['kind'];
  status: number | null;
  delayMs: number | null;
  /** the delivery itself is to say nothing was answered (status 0), as for a sender that hung up */
  noAnswer?: true;
}

export class ResponseRulesEngine {
  private rules: ResponseRules = NO_RULES;
  private live: ResponseRule[] = [];
  private needsBody = false;
  private needsAttempt = false;
  private readonly attempts = new Map<string, number>();

  constructor(
    private readonly opts: {
      /** deliveries the store has indexed for this event key of this reference (0 when none, or when it cannot be read) */
      priorAttempts: (reference: string, eventKey: string) => number;
      maxEvents?: number;
    },
  ) {}

  set(rules: ResponseRules): void {
    this.rules = rules;
    this.live = rules.enabled ? rules.rules.filter((r) => r.enabled) : [];
    this.needsAttempt = this.live.some((r) => r.match.attempt !== undefined || r.firstAttempts !== undefined || r.percent !== undefined);
    this.needsBody =
      this.needsAttempt ||
      this.live.some((r) => ['type', 'reference', 'userId', 'campaign', 'channel'].some((k) => r.match[k as keyof typeof r.match] !== undefined));
    this.attempts.clear();
  }

  /**
   * Deliveries were deleted: counts that included them would go on past what the store holds (a "first 2" rule
   * answering 200 to an event cleared a moment ago). Each event is read from the store again when next met.
   */
  forget(): void {
    this.attempts.clear();
  }

  get(): ResponseRules {
    return this.rules;
  }

  /** rules that can answer now (the status bar's badge) */
  get activeCount(): number {
    return this.live.length;
  }

  decide(req: DeliveryRequest): RuleDecision | null {
    if (this.live.length === 0) return null;
    let cb: NormalizedCallback | null = null;
    let eventKey: string | null = null;
    let attempt: number | null = null;
    if (this.needsBody) {
      cb = parseDeliveryBody(req.body, headerValue(req.headers, 'content-type')).callback;
      eventKey = cb ? eventKeyOf(cb) : null;
      // counted for every delivery of an event, whichever rule (if any) answers it
      if (this.needsAttempt && cb && eventKey !== null) attempt = this.nextAttempt(cb.reference!, eventKey);
    }
    for (const rule of this.live) {
      if (!matches(rule, req, cb, attempt)) continue;
      if (rule.firstAttempts !== undefined && (attempt === null || attempt > rule.firstAttempts)) continue;
      if (rule.percent !== undefined && !picked(this.rules.seed, rule, eventKey, attempt, req.body)) continue;
      const a = rule.action;
      return { rule, action: a, status: a.kind === 'status' || a.kind === 'delay' ? a.status : 0 };
    }
    return null;
  }

  /** the receiver's side of the engine; `record` keeps which rule answered which delivery */
  hook(record: (row: RuleAnswerRow) => void): RulesHook {
    return {
      decide: (req) => this.decide(req),
      answered: (id, d) =>
        record({
          id,
          rule: d.rule.name,
          action: d.action.kind,
          status: d.action.kind === 'status' || d.action.kind === 'delay' ? d.action.status : null,
          delayMs: d.action.kind === 'delay' ? d.action.ms : null,
        }),
      unanswered: (id, d) =>
        record({ id, rule: d.rule.name, action: d.action.kind, status: null, delayMs: d.action.kind === 'delay' ? d.action.ms : null, noAnswer: true }),
    };
  }

  private nextAttempt(reference: string, eventKey: string): number {
    let n = this.attempts.get(eventKey);
    if (n === undefined) {
      try {
        n = this.opts.priorAttempts(reference, eventKey);
      } catch {
        n = 0; // a store that cannot be read: count from this run on
      }
    } else {
      this.attempts.delete(eventKey); // re-inserted below: the map's order is the least recently seen first
    }
    n++;
    this.attempts.set(eventKey, n);
    if (this.attempts.size > (this.opts.maxEvents ?? MAX_EVENTS)) this.attempts.delete(this.attempts.keys().next().value!);
    return n;
  }
}

const phone = (v: string) => v.replace(/[\s()+.-]/g, '').toLowerCase();

function matches(rule: ResponseRule, req: DeliveryRequest, cb: NormalizedCallback | null, attempt: number | null): boolean {
  const m = rule.match;
  if (m.path !== undefined && !(m.path.endsWith('*') ? req.path.startsWith(m.path.slice(0, -1)) : req.path === m.path)) return false;
  if (m.type !== undefined) {
    const want = m.type.trim().toLowerCase();
    if (!cb || (typeKey(cb) !== want && (cb.typeRaw ?? '').trim().toLowerCase() !== want)) return false;
  }
  if (m.reference !== undefined && cb?.reference !== m.reference) return false;
  if (m.userId !== undefined && (cb?.userId == null || phone(cb.userId) !== phone(m.userId))) return false;
  if (m.campaign !== undefined && cb?.campaignName !== m.campaign) return false;
  if (m.channel !== undefined && (cb?.channel ?? null) !== m.channel.trim().toUpperCase()) return false;
  if (m.attempt !== undefined) {
    if (attempt === null) return false;
    if (typeof m.attempt === 'number') return attempt === m.attempt;
    if (m.attempt.min !== undefined && attempt < m.attempt.min) return false;
    if (m.attempt.max !== undefined && attempt > m.attempt.max) return false;
  }
  return true;
}

/**
 * Whether a `percent` rule takes this delivery: a hash of the seed, the rule and the delivery (its event and
 * attempt; the body bytes when it has no event), so the same traffic gets the same answers on every run.
 */
function picked(seed: number, rule: ResponseRule, eventKey: string | null, attempt: number | null, body: Uint8Array): boolean {
  const pct = rule.percent ?? 100;
  if (pct >= 100) return true;
  if (pct <= 0) return false;
  const what = eventKey !== null ? `${eventKey}|${attempt ?? 0}` : `body:${fnv(body).toString(16)}`;
  const h = fnv(new TextEncoder().encode(`${seed}|${rule.id}|${what}`));
  return h % 10_000 < Math.round(pct * 100);
}

/** FNV-1a (32 bit) with a final mix, so the low digits used above are spread evenly. */
function fnv(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
