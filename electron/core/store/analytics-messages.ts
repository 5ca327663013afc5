// The message side of a filtered report: one pass over the matching messages gives funnel and states per campaign
// and the milestone gaps the latencies are made of. Shared shapes with the summaries' reader (analytics-summary.ts).
import type { CampaignFigures, Funnel, Report } from '../../../shared/analytics';
import { MESSAGE_STATES, type MessageState } from '../../../shared/domain';
import { Distribution, latencyOf, noValues } from './analytics-figures';
import type { Scope } from './analytics-scope';
import type { StoreContext } from './context';

/** Messages by the furthest step reached (0 none, 1 sent, 2 delivered, 3 read, 4 replied) and by state. */
export interface Counts {
  steps: [number, number, number, number, number];
  states: Partial<Record<MessageState, number>>;
  n: number;
}

/** Reached at least each step: a later milestone implies the earlier ones. */
export function funnelOf(steps: Counts['steps']): Funnel {
  const [, s, d, r, rp] = steps;
  return { sent: s + d + r + rp, delivered: d + r + rp, read: r + rp, replied: rp };
}

export function inStateOrder(states: Partial<Record<MessageState, number>>): Partial<Record<MessageState, number>> {
  return Object.fromEntries(MESSAGE_STATES.filter((s) => states[s]).map((s) => [s, states[s]]));
}

/** Most messages first, then by name. */
export function byCampaignOrder(list: (CampaignFigures & { n: number })[]): CampaignFigures[] {
  return list
    .sort((a, b) => b.n - a.n || String(a.campaign).localeCompare(String(b.campaign)))
    .map(({ campaign, funnel, states }) => ({ campaign, funnel, states }));
}

/** Messages, funnel, states, campaigns and the three milestone latencies; every other figure starts empty. */
export function messagePass(ctx: StoreContext, sc: Scope): Report {
  const rows = ctx
    .stmt(
      `${sc.with} SELECT m.campaign, m.state, m.summary ->> '$.sentAt', m.summary ->> '$.deliveredAt', m.summary ->> '$.readAt',
         m.summary ->> '$.repliedAt'
       FROM ${sc.everything ? 'messages m' : 'scope JOIN messages m ON m.id = scope.id'}`,
      'raw',
    )
    .iterate(...sc.params) as Iterable<[string | null, MessageState, number | null, number | null, number | null, number | null]>;
  const total: Counts = { steps: [0, 0, 0, 0, 0], states: {}, n: 0 };
  const campaigns = new Map<string | null, Counts>();
  const gaps = { sentToDelivered: new Distribution(), deliveredToRead: new Distribution(), readToReply: new Distribution() };
  for (const [campaign, state, s, dl, r, rp] of rows) {
    let c = campaigns.get(campaign);
    if (!c) campaigns.set(campaign, (c = { steps: [0, 0, 0, 0, 0], states: {}, n: 0 }));
    const step = rp !== null ? 4 : r !== null ? 3 : dl !== null ? 2 : s !== null ? 1 : 0;
    for (const t of [total, c]) {
      t.steps[step]++;
      t.states[state] = (t.states[state] ?? 0) + 1;
      t.n++;
    }
    if (s !== null && dl !== null) gaps.sentToDelivered.add(dl - s);
    if (dl !== null && r !== null) gaps.deliveredToRead.add(r - dl);
    if (r !== null && rp !== null) gaps.readToReply.add(rp - r);
  }
  const noLatency = latencyOf([]);
  return {
    messages: total.n,
    funnel: funnelOf(total.steps),
    states: inStateOrder(total.states),
    byCampaign: byCampaignOrder([...campaigns].map(([campaign, c]) => ({ campaign, funnel: funnelOf(c.steps), states: inStateOrder(c.states), n: c.n }))),
    failures: {
      exception: { auth: 0, 'rcs-unsupported': 0, other: 0 },
      error: {},
      prepaidBlocked: { customer: 0, account: 0, accounts: {} },
      duplicateBlocked: 0,
    },
    fallback: { fellBack: 0, fallbackMissing: 0, doubleDelivery: 0 },
    latencyMs: {
      sentToDelivered: latencyOf(gaps.sentToDelivered.sorted()),
      deliveredToRead: latencyOf(gaps.deliveredToRead.sorted()),
      readToReply: latencyOf(gaps.readToReply.sorted()),
      callbackDelay: noLatency,
    },
    retries: { eventsRetried: 0, attempts: {}, offSchedule: 0, answerMs: { ...noValues(), overTimeout: 0 } },
    replies: { suggestions: [], postbacks: [], texts: [] },
    overTime: { bucketMs: 60_000, t: [], byKind: {} as Report['overTime']['byKind'], repeats: [] },
    window: { from: null, to: null },
  };
}
