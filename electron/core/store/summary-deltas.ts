// What the analytics summaries (schema.ts, migration 6: tables an_*) gain and lose while a transaction writes
// deliveries and messages, gathered in memory and written once at its end with the counters (context.ts
// CounterDeltas). Triggers kept them before: ~45 µs per delivery of trigger overhead alone, a third of indexing.
// Every change to a row they count (indexing, message rewrites, answer times) must report itself here; the
// analytics tests compare the summaries with figures read from the rows after each kind of write.
import type { FlagDetail } from '../../../shared/domain';
import type { StoreContext } from './context';

/** A message row's fields the summaries file it by (old: as stored; new: as about to be written). */
export interface MessageFacts {
  campaign: string | null;
  state: string;
  sentAt: number | null;
  deliveredAt: number | null;
  readAt: number | null;
  repliedAt: number | null;
}

/** What the summaries count of a delivery that belongs to a message. */
interface DeliveryFacts {
  msgId: number;
  receivedAt: number;
  kind: string;
  eventTs: number | null;
  responseMs: number | null;
  attempt: number | null;
  flags: readonly FlagDetail[];
}

/** an_values metrics 4 and 5 (analytics-summary.ts METRIC); 1-3 are a message's gaps, in order */
const CALLBACK_DELAY = 4;
const ANSWER_MS = 5;

const nonNull = (x: number | null | undefined): x is number => x !== null && x !== undefined;

function stepOf(m: MessageFacts): number {
  return nonNull(m.repliedAt) ? 4 : nonNull(m.readAt) ? 3 : nonNull(m.deliveredAt) ? 2 : nonNull(m.sentAt) ? 1 : 0;
}

const gap = (from: number | null, to: number | null): number | null => (nonNull(from) && nonNull(to) ? to - from : null);

function gapsOf(m: MessageFacts): [number | null, number | null, number | null] {
  return [gap(m.sentAt, m.deliveredAt), gap(m.deliveredAt, m.readAt), gap(m.readAt, m.repliedAt)];
}

export class SummaryDeltas {
  /** an_messages: campaign key, state, step */
  private readonly messages = new Map<string, { key: string; state: string; step: number; n: number }>();
  /** an_values: metric, value */
  private readonly values = new Map<string, { metric: number; v: number; n: number }>();
  /** an_series: minute, kind, repeat */
  private readonly series = new Map<string, { minute: number; kind: string; rep: number; n: number }>();
  private readonly attempts = new Map<number, number>();
  private offSchedule = 0;
  /** an_reasons rows to add: reason, message id */
  private readonly reasons = new Map<string, { reason: string; msgId: number }>();

  /** A new message row (before its first rewrite: that moves it like any other). */
  messageAdded(m: MessageFacts): void {
    this.message(m, 1);
    for (const [i, g] of gapsOf(m).entries()) if (g !== null) this.value(i + 1, g, 1);
  }

  /** A message row rewritten from `old` to `now`. */
  messageChanged(old: MessageFacts, now: MessageFacts): void {
    const campaignKey = (m: MessageFacts) => (m.campaign === null ? '' : `g${m.campaign}`);
    if (old.state !== now.state || campaignKey(old) !== campaignKey(now) || stepOf(old) !== stepOf(now)) {
      this.message(old, -1);
      this.message(now, 1);
    }
    const before = gapsOf(old);
    const after = gapsOf(now);
    for (let i = 0; i < 3; i++) {
      if (before[i] === after[i]) continue;
      if (before[i] !== null) this.value(i + 1, before[i]!, -1);
      if (after[i] !== null) this.value(i + 1, after[i]!, 1);
    }
  }

  /** A message row deleted (store/delete-rows.ts; its failure reasons are the caller's to delete). */
  messageRemoved(m: MessageFacts): void {
    this.message(m, -1);
    for (const [i, g] of gapsOf(m).entries()) if (g !== null) this.value(i + 1, g, -1);
  }

  /** A delivery of a message deleted: the reverse of deliveryAdded, failure reasons aside. */
  deliveryRemoved(d: DeliveryFacts): void {
    this.delivery(d, -1);
  }

  /** A delivery of a message inserted. */
  deliveryAdded(d: DeliveryFacts): void {
    this.delivery(d, 1);
  }

  private delivery(d: DeliveryFacts, n: 1 | -1): void {
    const rep = d.flags.some((f) => f.flag === 'duplicate') ? 1 : 0;
    const minute = Math.trunc(d.receivedAt / 60000);
    const sk = `${minute}\u0000${d.kind}\u0000${rep}`;
    const s = this.series.get(sk);
    if (s) s.n += n;
    else this.series.set(sk, { minute, kind: d.kind, rep, n });
    if (nonNull(d.eventTs)) this.value(CALLBACK_DELAY, d.receivedAt - d.eventTs, n);
    if (nonNull(d.responseMs)) this.value(ANSWER_MS, d.responseMs, n);
    if (nonNull(d.attempt)) this.attempts.set(d.attempt, (this.attempts.get(d.attempt) ?? 0) + n);
    for (const f of d.flags) {
      if (f.flag === 'duplicate') {
        if (f.fitsSchedule === false) this.offSchedule += n;
        continue;
      }
      if (n < 0) continue;
      let reason: string | null = null;
      if (f.flag === 'exception') reason = `exception:${f.kind}`;
      else if (f.flag === 'error') reason = `error:${f.code ?? 'unknown'}`;
      else if (f.flag === 'prepaid-blocked') {
        reason = `prepaid:${f.scope}`;
        if (f.scope === 'account') this.reason(`account:${f.accountId ?? 'unknown'}`, d.msgId);
      } else if (f.flag === 'duplicate-blocked') reason = 'duplicate-blocked';
      if (reason !== null) this.reason(reason, d.msgId);
    }
  }

  /** A delivery of a message got another answer time. */
  answerChanged(old: number | null, now: number | null): void {
    if (old === now) return;
    if (nonNull(old)) this.value(ANSWER_MS, old, -1);
    if (nonNull(now)) this.value(ANSWER_MS, now, 1);
  }

  /** Writes what was gathered (statements are prepared only for tables that change). */
  flush(ctx: StoreContext): void {
    if (this.messages.size > 0) {
      const message = ctx.stmt('INSERT INTO an_messages VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n');
      for (const m of this.messages.values()) if (m.n !== 0) message.run(m.key, m.state, m.step, m.n);
    }
    if (this.values.size > 0) {
      // the key computed here rather than by K's SQL: a few µs per value, two values per delivery
      const value = ctx.stmt('INSERT INTO an_values VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n');
      for (const v of this.values.values()) {
        if (v.n === 0) continue;
        const x = Math.trunc(v.v);
        value.run(v.metric, roundedKey(x), x, v.n);
      }
    }
    if (this.series.size > 0) {
      const series = ctx.stmt('INSERT INTO an_series VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n');
      for (const s of this.series.values()) if (s.n !== 0) series.run(s.minute, s.kind, s.rep, s.n);
    }
    if (this.attempts.size > 0) {
      const attempt = ctx.stmt('INSERT INTO an_attempts VALUES (?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n');
      for (const [a, n] of this.attempts) if (n !== 0) attempt.run(a, n);
    }
    if (this.offSchedule !== 0) {
      ctx.stmt(`INSERT INTO an_counts VALUES ('off-schedule', ?) ON CONFLICT DO UPDATE SET n = n + excluded.n`).run(this.offSchedule);
    }
    if (this.reasons.size > 0) {
      const reason = ctx.stmt('INSERT OR IGNORE INTO an_reasons VALUES (?, ?)');
      for (const r of this.reasons.values()) reason.run(r.reason, r.msgId);
    }
    this.messages.clear();
    this.values.clear();
    this.series.clear();
    this.attempts.clear();
    this.offSchedule = 0;
    this.reasons.clear();
  }

  private message(m: MessageFacts, n: number): void {
    const key = m.campaign === null ? '' : `g${m.campaign}`;
    const step = stepOf(m);
    const k = `${key}\u0000${m.state}\u0000${step}`;
    const e = this.messages.get(k);
    if (e) e.n += n;
    else this.messages.set(k, { key, state: m.state, step, n });
  }

  private value(metric: number, v: number, n: number): void {
    const k = `${metric}:${v}`;
    const e = this.values.get(k);
    if (e) e.n += n;
    else this.values.set(k, { metric, v, n });
  }

  private reason(reason: string, msgId: number): void {
    this.reasons.set(`${reason}\u0000${msgId}`, { reason, msgId });
  }
}

/**
 * K (schema.ts) for an integer: rounded away from zero to 3 significant digits, toward zero below -999 (the SQL
 * divides integers, truncating). The migration fills an_values with K itself; the summaries test compares both.
 */
export function roundedKey(x: number): number {
  if (x >= -999 && x <= 999) return x;
  const p = 10 ** (String(Math.abs(x)).length - 3);
  return x > 0 ? Math.floor((x + p - 1) / p) * p : Math.trunc(x / p) * p;
}

/** Answer times of indexed deliveries (known after the answer went out), the summaries' answer times moved along. */
export function setDeliveryAnswerTimes(ctx: StoreContext, rows: readonly { id: number; ms: number }[]): void {
  const read = ctx.stmt('SELECT msg_id, response_ms FROM deliveries WHERE id = ?', 'raw');
  const set = ctx.stmt('UPDATE deliveries SET response_ms = ? WHERE id = ?');
  const deltas = new SummaryDeltas();
  for (const r of rows) {
    const ms = Math.round(r.ms);
    const old = read.get(r.id) as [number | null, number | null] | undefined;
    if (!old) continue;
    set.run(ms, r.id);
    if (old[0] !== null) deltas.answerChanged(old[1], ms);
  }
  deltas.flush(ctx);
}
