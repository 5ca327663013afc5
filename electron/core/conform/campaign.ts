// The battery's traffic: one seeded simulated campaign, large enough that every documented type and outcome
// appears in it, timestamped now so an endpoint that checks freshness sees current callbacks.
import { generateCampaign } from '../simulate/generate';
import type { Campaign } from './battery';

const MESSAGES = 800;
const CONFORM_CAMPAIGN = 'rci_conformance';

export function conformCampaign(seed: number, nowMs = Date.now()): Campaign {
  // the campaign's messages are sent 100 ms apart by default: its start is put that far back
  return generateCampaign({ messages: MESSAGES, seed, campaign: CONFORM_CAMPAIGN, startMs: nowMs - MESSAGES * 100 - 60_000 });
}
