import { describe, expect, it } from 'vitest';
import { buildMessage, summaryChangesAt } from '../../shared/lifecycle';
import { FALLBACK_GRACE_MS } from '../../shared/constants';
import { at, cb, Feed, samples, T0 } from './feed';

const LATER = '2025-11-29T00:00:00Z';

describe('sample lifecycles', () => {
  it('happy_path_with_click → replied, with milestones and durations', () => {
    const feed = new Feed();
    feed.addLifecycle(samples.lifecycles.happy_path_with_click);
    const ref = '2c7e9a41-0b6f-4d1e-8f3a-91c2d5e7b004';
    const m = feed.message(ref, LATER);
    expect(m.summary.state).toBe('replied');
    expect(m.summary.sentAt).toBe(Date.parse('2025-11-28T12:00:02.017Z'));
    expect(m.summary.deliveredAt).toBe(Date.parse('2025-11-28T12:00:04.731Z'));
    expect(m.summary.readAt).toBe(Date.parse('2025-11-28T12:02:11.090Z'));
    expect(m.summary.repliedAt).toBe(Date.parse('2025-11-28T12:02:33.458Z'));
    expect(m.summary.failedAt).toBeNull();
    expect(m.durations).toEqual({ toDelivered: 2_714, toRead: 129_073, toReplied: 151_441 });
    expect(m.summary.anomalies).toEqual([]);
    expect(m.summary.flags).toEqual([]);
    expect(m.summary).toMatchObject({ deliveryCount: 5, eventCount: 5, duplicateCount: 0, channels: ['RCS'] });
    expect(m.summary).toMatchObject({ userId: '5511999990001', campaign: 'black_friday_2025_rcs', lastType: 'TEXT', lastKind: 'reply' });
    expect(m.events.map((e) => e.type)).toEqual(['RichCard', 'DELIVERED', 'READ', 'suggestionResponse', 'TEXT']);
    // three events share the first event_id; the click and the text have their own
    expect(m.eventIds.map((g) => g.eventKeys.length)).toEqual([3, 1, 1]);
    expect(m.eventIds[0].eventId).toBe('a8f1c3d2-5e6b-4a7c-9d0e-1f2a3b4c5d04');
  });

  it('rcs_unsupported_sms_fallback → fell-back with rcs-unsupported exception and fallback flags', () => {
    const feed = new Feed();
    feed.addLifecycle(samples.lifecycles.rcs_unsupported_sms_fallback);
    const m = feed.message('3e8fab52-1c70-4e2f-9a4b-02d3e6f8c101', LATER);
    expect(m.summary.state).toBe('fell-back');
    expect(m.summary.flags).toEqual(['exception', 'fallback']);
    expect(m.summary.flagCounts).toEqual({ exception: 1, fallback: 2 });
    expect(m.summary.channels).toEqual(['RCS', 'SMS']);
    expect(m.summary.anomalies).toEqual([]);
    const exception = m.events.find((e) => e.kind === 'exception')!;
    expect(exception.flagDetails).toEqual([
      { flag: 'exception', kind: 'rcs-unsupported', code: 403, text: 'Request failed with status code 403: Device does not support RCS' },
    ]);
    expect(m.summary.failedAt).toBe(Date.parse('2025-11-28T12:00:02.611Z'));
    expect(m.summary.deliveredAt).toBe(Date.parse('2025-11-28T12:00:09.377Z'));
  });

  it('prepaid_blocked → two blocked messages, scope customer', () => {
    const feed = new Feed();
    feed.addLifecycle(samples.lifecycles.prepaid_blocked);
    for (const ref of ['5a01cd74-3e92-4a41-9c6d-24f5a8b0e301', '5a01cd74-3e92-4a41-9c6d-24f5a8b0e302']) {
      const m = feed.message(ref, LATER);
      expect(m.summary.state).toBe('blocked');
      expect(m.summary.flags).toEqual(['prepaid-blocked']);
      expect(m.events[0].flagDetails[0]).toMatchObject({ flag: 'prepaid-blocked', scope: 'customer' });
      expect(m.summary.deliveryCount).toBe(1);
    }
  });

  it('gateway_retries → read; the DELIVERED event holds attempts 1..3', () => {
    const feed = new Feed();
    feed.addLifecycle(samples.lifecycles.gateway_retries);
    const m = feed.message('8c34f0a7-6b15-4d74-af90-57c8d1e3a601', LATER);
    expect(m.summary.state).toBe('read');
    expect(m.summary).toMatchObject({ deliveryCount: 5, eventCount: 3, duplicateCount: 2, flags: ['duplicate'] });
    const delivered = m.events.find((e) => e.kind === 'delivered')!;
    expect(delivered.deliveries.map((d) => d.attempt)).toEqual([1, 2, 3]);
    expect(delivered.flagDetails.map((f) => f.flag === 'duplicate' && [f.attempt, f.kind, f.fitsSchedule])).toEqual([
      [2, 'exact', true],
      [3, 'exact', true],
    ]);
    expect(m.summary.anomalies).toEqual([]);
    expect(m.durations.toDelivered).toBe(2_307);
  });

  it('every lifecycle gives the same message whatever order its deliveries are handed over in', () => {
    for (const lc of Object.values(samples.lifecycles)) {
      const feed = new Feed();
      feed.addLifecycle(lc);
      for (const ref of new Set(lc.map((d) => d.body.reference as string))) {
        const ds = feed.lifecycleDeliveries(ref);
        const now = Date.parse(LATER);
        expect(buildMessage(ref, [...ds].reverse(), now)).toEqual(buildMessage(ref, ds, now));
      }
    }
  });
});

/** A small lifecycle builder: each step is [receivedAt seconds, overrides]. */
function play(steps: [number, Record<string, unknown>][], nowS = 3600) {
  const feed = new Feed();
  for (const [s, o] of steps) feed.add(T0 + s * 1000, cb(o));
  return feed.message('ref-1', T0 + nowS * 1000);
}
const sent = (s: number, o: Record<string, unknown> = {}) => ({ type: 'Text', direction: 'outbound', timestamp: at(s), ...o });
const inbound = (type: string, s: number, o: Record<string, unknown> = {}) => ({ type, direction: 'inbound', timestamp: at(s), message: null, ...o });

describe('state by event timestamps', () => {
  it('sent → delivered → read progression', () => {
    expect(play([[1, sent(0)]]).summary.state).toBe('sent');
    expect(play([[1, sent(0)], [3, inbound('DELIVERED', 2)]]).summary.state).toBe('delivered');
    expect(play([[1, sent(0)], [3, inbound('DELIVERED', 2)], [9, inbound('READ', 8)]]).summary.state).toBe('read');
  });

  it('READ arriving before DELIVERED still reads as read, and is out of order', () => {
    const m = play([
      [1, sent(0)],
      [9, inbound('READ', 8)],
      [10, inbound('DELIVERED', 2)],
    ]);
    expect(m.summary.state).toBe('read');
    expect(m.events.map((e) => e.type)).toEqual(['Text', 'DELIVERED', 'READ']);
    expect(m.summary.anomalies).toEqual(['out-of-order']);
    expect(m.anomalyDetails[0].detail).toMatch(/READ .* arrived before DELIVERED/);
  });

  it('exception with nothing after → failed; error → failed', () => {
    const m = play([[1, sent(0)], [2, inbound('EXCEPTION', 1, { message: 'Request failed with status code 401: token' })]]);
    expect(m.summary.state).toBe('failed');
    expect(m.summary.failedAt).toBe(T0 + 1000);
    expect(play([[1, inbound('ERROR', 1, { message: 'Request failed with status code 503' })]]).summary.state).toBe('failed');
  });

  it('duplicate-blocked → blocked', () => {
    expect(play([[1, sent(0, { status: 'bloqueado por duplicidade' })]]).summary.state).toBe('blocked');
    expect(play([[1, sent(0, { type: 'bloqueado por duplicidade' })]]).summary.state).toBe('blocked');
  });

  it('a transient error followed by progress is not a failure, but it is an anomaly', () => {
    const m = play([
      [1, inbound('ERROR', 1, { message: 'Request failed with status code 502' })],
      [5, inbound('DELIVERED', 4)],
    ]);
    expect(m.summary.state).toBe('delivered');
    expect(m.summary.anomalies).toEqual(['event-after-terminal']);
  });

  it('a failure after delivery (by timestamp) wins: nothing succeeded after it', () => {
    expect(
      play([
        [1, sent(0)],
        [3, inbound('DELIVERED', 2)],
        [5, inbound('PREPAID_BLOCKED', 4, { message: 'Limite de créditos do cliente atingido' })],
      ]).summary.state,
    ).toBe('blocked');
  });

  it('SMS events without any exception → fell-back', () => {
    expect(play([[1, sent(0, { channel: 'SMS' })], [3, inbound('DELIVERED', 2, { channel: 'SMS' })]]).summary.state).toBe('fell-back');
  });

  it('a reply after the fallback → replied', () => {
    const m = play([
      [1, inbound('EXCEPTION', 1, { message: 'Request failed with status code 404' })],
      [2, sent(2, { channel: 'SMS' })],
      [60, inbound('TEXT', 59, { channel: 'SMS', event_id: 'ev-2', message: { text: 'ok' } })],
    ]);
    expect(m.summary.state).toBe('replied');
  });

  it('an event with an unparseable timestamp is placed at its arrival time', () => {
    const m = play([
      [1, sent(0)],
      [5, inbound('DELIVERED', 0, { timestamp: 'garbage' })],
    ]);
    expect(m.summary.state).toBe('delivered');
    expect(m.summary.deliveredAt).toBe(T0 + 5000);
    expect(m.events[1].timestamp).toBeNull();
    expect(m.summary.flags).toEqual(['invalid']);
  });
});

describe('anomalies', () => {
  it('read-without-delivered', () => {
    const m = play([[1, sent(0)], [9, inbound('READ', 8)]]);
    expect(m.summary.anomalies).toEqual(['read-without-delivered']);
    expect(m.anomalyDetails[0].detail).toMatch(/no DELIVERED/);
    expect(m.summary.state).toBe('read');
  });

  it('field-drift on user_id and campaign_name', () => {
    const m = play([
      [1, sent(0)],
      [3, inbound('DELIVERED', 2, { user_id: '5511900000099', campaign_name: 'other' })],
    ]);
    expect(m.summary.anomalies).toEqual(['field-drift']);
    expect(m.anomalyDetails[0].detail).toContain('user_id changed: "5511900000001" → "5511900000099"');
    expect(m.anomalyDetails[0].detail).toContain('campaign_name changed: "camp" → "other"');
  });

  it('fallback-missing only after the grace period', () => {
    const steps: [number, Record<string, unknown>][] = [
      [1, sent(0)],
      [2, inbound('EXCEPTION', 1, { message: 'Request failed with status code 403: Device does not support RCS' })],
    ];
    const before = play(steps, 2 + FALLBACK_GRACE_MS / 1000 - 1);
    expect(before.summary.anomalies).toEqual([]);
    expect(before.summary.state).toBe('failed');
    const after = play(steps, 2 + FALLBACK_GRACE_MS / 1000 + 1);
    expect(after.summary.anomalies).toEqual(['fallback-missing']);
    expect(after.anomalyDetails[0].detail).toMatch(/no SMS callback/);
    // once an SMS event arrives, nothing is missing
    const fell = play([...steps, [70, sent(69, { channel: 'SMS' })]], 600);
    expect(fell.summary.anomalies).toEqual([]);
    expect(fell.summary.state).toBe('fell-back');
  });

  it('an auth exception does not expect a fallback', () => {
    const m = play([[2, inbound('EXCEPTION', 1, { message: 'Request failed with status code 401' })]], 600);
    expect(m.summary.anomalies).toEqual([]);
  });

  it('double-delivery: delivered on RCS and SMS', () => {
    const m = play([
      [1, sent(0)],
      [3, inbound('DELIVERED', 2)],
      [5, inbound('DELIVERED', 4, { channel: 'SMS' })],
    ]);
    expect(m.summary.anomalies).toEqual(['double-delivery']);
    expect(m.summary.state).toBe('delivered');
  });

  it('event-after-terminal: RCS events after a no-RCS exception, but not SMS ones', () => {
    const m = play([
      [1, inbound('EXCEPTION', 1, { message: 'Request failed with status code 403' })],
      [5, inbound('DELIVERED', 4)],
    ]);
    expect(m.summary.anomalies).toEqual(['event-after-terminal']);
    expect(m.anomalyDetails[0].detail).toMatch(/DELIVERED .* came after EXCEPTION/);
    expect(m.summary.state).toBe('delivered');
  });

  it('retries of the terminal event itself are not events after it', () => {
    const m = play([
      [1, inbound('PREPAID_BLOCKED', 1, { message: 'Limite de créditos do cliente atingido' })],
      [11, inbound('PREPAID_BLOCKED', 1, { message: 'Limite de créditos do cliente atingido' })],
    ]);
    expect(m.summary.anomalies).toEqual([]);
    expect(m.summary).toMatchObject({ state: 'blocked', deliveryCount: 2, eventCount: 1, duplicateCount: 1 });
  });
});

describe('state refinements', () => {
  it('an RCS sent echo stamped after a no-RCS exception does not undo the failure', () => {
    const m = play(
      [
        [1, inbound('EXCEPTION', 1, { message: 'Request failed with status code 404' })],
        [2, sent(2)],
      ],
      30,
    );
    expect(m.summary.state).toBe('failed');
  });

  it('a sent echo after a transient upstream error is progress', () => {
    expect(play([[1, inbound('ERROR', 1, { message: 'Request failed with status code 503' })], [12, sent(11)]]).summary.state).toBe('sent');
  });

  it('a duplicate block reported after the original was delivered does not change its state', () => {
    const m = play([
      [1, sent(0)],
      [3, inbound('DELIVERED', 2)],
      [60, sent(59, { event_id: 'ev-9', status: 'bloqueado por duplicidade' })],
      [90, inbound('READ', 89)],
    ]);
    expect(m.summary.state).toBe('read');
    expect(m.summary.flags).toEqual(['duplicate-blocked']);
    expect(m.summary.anomalies).toEqual([]);
  });

  it('a duplicate block after a receipt stamped earlier is a re-send: the send happened, its echo is still on its way', () => {
    const m = play([
      [1, inbound('DELIVERED', 1)],
      [3, sent(2, { event_id: 'ev-9', status: 'bloqueado por duplicidade' })],
      [5, inbound('READ', 4)],
    ]);
    expect(m.summary.state).toBe('read');
    expect(m.summary.anomalies).not.toContain('event-after-terminal');
  });

  it('READ stamped before DELIVERED is out of order even when they arrive in stamp order', () => {
    const m = play([
      [1, sent(0)],
      [2, inbound('READ', 1)],
      [3, inbound('DELIVERED', 2)],
    ]);
    expect(m.summary.anomalies).toContain('out-of-order');
  });

  it('a duplicate block on a reference that was never sent ends it: blocked, and a later receipt there is an anomaly', () => {
    const m = play([
      [1, sent(0, { status: 'bloqueado por duplicidade' })],
      [5, inbound('DELIVERED', 4)],
    ]);
    expect(m.summary.state).toBe('blocked');
    expect(m.summary.anomalies).toEqual(['event-after-terminal']);
    expect(m.anomalyDetails[0]!.detail).toMatch(/DELIVERED .* came after/);
  });
});

describe('summaryChangesAt', () => {
  it('is the end of the fallback grace period while an SMS is owed, null otherwise', () => {
    const feed = new Feed();
    feed.add(T0 + 1000, cb({ type: 'Text', timestamp: at(0) }));
    feed.add(T0 + 2000, cb({ type: 'EXCEPTION', direction: 'inbound', timestamp: at(1), message: 'Request failed with status code 403' }));
    const due = summaryChangesAt('ref-1', feed.lifecycleDeliveries('ref-1'))!;
    expect(due).toBe(T0 + 2000 + FALLBACK_GRACE_MS + 1);
    expect(feed.message('ref-1', due - 1).summary.anomalies).toEqual([]);
    expect(feed.message('ref-1', due).summary.anomalies).toEqual(['fallback-missing']);
    feed.add(T0 + 3000, cb({ type: 'Text', channel: 'SMS', timestamp: at(2) }));
    expect(summaryChangesAt('ref-1', feed.lifecycleDeliveries('ref-1'))).toBeNull();
  });

  it('nothing pending for an ordinary message', () => {
    const feed = new Feed();
    feed.addLifecycle(samples.lifecycles.happy_path_with_click);
    const ref = '2c7e9a41-0b6f-4d1e-8f3a-91c2d5e7b004';
    expect(summaryChangesAt(ref, feed.lifecycleDeliveries(ref))).toBeNull();
  });
});
