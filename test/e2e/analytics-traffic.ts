// Campaign traffic with known figures for the analytics e2e tests: three campaigns whose names hold the test's tag
// (so a campaign filter finds no other test's messages), built from the sample callbacks with fresh references,
// event ids and timestamps of the last ten minutes.
import { samples } from './seed';

type Body = Record<string, unknown>;

export interface Traffic {
  campaigns: { promo: string; billing: string; vip: string };
  /** every callback, in the order to post them */
  bodies: Body[];
  /** reference of message `name` */
  ref: (name: string) => string;
}

export function campaignTraffic(tag: string, now = Date.now()): Traffic {
  const campaigns = { promo: `${tag}_promo`, billing: `${tag}_billing`, vip: `@${tag}_vip` };
  const t0 = now - 10 * 60_000;
  const bodies: Body[] = [];
  const ref = (name: string) => `${tag}-${name}`;
  let ids = 0;
  const msg = (name: string, campaign: string, i: number) => {
    const eventId = `${tag}-ev-${++ids}`;
    const base = t0 + i * 20_000;
    const at = (ms: number) => new Date(base + ms).toISOString();
    const post = (event: string, ms: number, extra: Body = {}) =>
      bodies.push({ ...samples.events[event], reference: ref(name), campaign_name: campaign, user_id: `55119${String(i).padStart(8, '0')}`, event_id: eventId, timestamp: at(ms), ...extra });
    return {
      sent: () => post('outbound_text', 0),
      delivered: (ms = 2_000) => post('delivered', ms),
      read: (ms = 40_000) => post('read', ms),
      tap: (text: string, postback: string) =>
        post('suggestion_response', 90_000, {
          event_id: `${tag}-ev-${++ids}`,
          message: { contentType: 'suggestionResponse', suggestionResponse: { type: 'REPLY', text, postbackData: postback } },
        }),
      typed: (text: string) => post('inbound_text', 95_000, { event_id: `${tag}-ev-${++ids}`, message: { contentType: 'text', text } }),
      exception: () => post('exception_403', 600),
      sms: () => (post('sms_fallback_sent', 1_000), post('sms_fallback_delivered', 7_000)),
      error503: () => post('error', 900, { message: 'Request failed with status code 503: Service Unavailable' }),
      prepaid: () => post('prepaid_blocked', 0, { message: 'Limite de créditos da conta atingido 778899' }),
    };
  };

  const { promo, billing, vip } = campaigns;
  // promo: 5 read (2 tapped a suggestion, 1 typed), 1 delivered only, 1 pending, 1 fell back to SMS
  for (let i = 1; i <= 5; i++) {
    const m = msg(`p${i}`, promo, i);
    m.sent();
    m.delivered();
    m.read();
    if (i <= 2) m.tap('Quero a oferta', 'cta_quero');
    if (i === 3) m.typed('Qual o prazo?');
  }
  const p6 = msg('p6', promo, 6);
  p6.sent();
  p6.delivered();
  msg('p7', promo, 7).sent();
  const p8 = msg('p8', promo, 8);
  p8.sent();
  p8.exception();
  p8.sms();
  // billing: one ERROR 503, one prepaid block of an account, one read whose DELIVERED the gateway sent three times
  const b1 = msg('b1', billing, 9);
  b1.sent();
  b1.error503();
  msg('b2', billing, 10).prepaid();
  const b3 = msg('b3', billing, 11);
  b3.sent();
  b3.delivered();
  b3.delivered();
  b3.delivered();
  b3.read();
  // a campaign name a spreadsheet would take for a formula
  const v1 = msg('v1', vip, 12);
  v1.sent();
  v1.delivered();
  return { campaigns, bodies, ref };
}
