// The battery's traffic: one seeded simulated campaign, large enough that every documented type and outcome
// appears in it, timestamped now so an endpoint that checks freshness sees current callbacks.
import { generateCampaign } from '../simulate/generate';
import { planBattery, type Campaign } from './battery';

const MESSAGES = 800;
const CONFORM_CAMPAIGN = 'rci_conformance';

/**
 * About one seed in 1,000 gives 800 messages that cannot fill every check (a sweep of 2,300 random seeds found two,
 * and seed 0, each lacking a reply type among the messages the other checks leave): the battery's seed is random, and
 * its types check then warned for no fault of the endpoint. Such a campaign is generated again, larger, from the
 * same seed, so the same seed still gives the same battery.
 */
const LARGER = [MESSAGES * 2, MESSAGES * 4];

export function conformCampaign(seed: number, nowMs = Date.now()): Campaign {
  const make = (messages: number) =>
    // the campaign's messages are sent 100 ms apart by default: its start is put that far back
    generateCampaign({ messages, seed, campaign: CONFORM_CAMPAIGN, startMs: nowMs - messages * 100 - 60_000 });
  let campaign = make(MESSAGES);
  for (const messages of LARGER) {
    if (planBattery(campaign).every((p) => !p.note)) break;
    campaign = make(messages);
  }
  return campaign;
}
