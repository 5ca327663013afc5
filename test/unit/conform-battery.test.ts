// The battery's checks come from a campaign generated from a random seed: whatever the seed, every check must be
// filled (the types check sends one callback of each documented type), none of the types check's callbacks may
// repeat what another check sends (an endpoint that refuses duplicates would then fail it for the wrong reason), and
// the same seed must give the same battery (a report names its seed to run it again).
import { describe, expect, it } from 'vitest';
import { planBattery } from '../../electron/core/conform/battery';
import { conformCampaign } from '../../electron/core/conform/campaign';

const NOW = Date.UTC(2026, 11, 4);
const eventOf = (body: string) => {
  const j = JSON.parse(body) as { reference: string; event_id?: string; type?: string; channel?: string };
  return [j.reference, j.event_id, String(j.type).toLowerCase(), j.channel].join('|');
};

describe('conformance battery', () => {
  // seeds whose 800 messages lack a reply type among those the other checks leave (a sweep of 2,300 seeds), and one
  // that never did
  it.each([0, 38093, 392522, 7])('fills every check with seed %i, the types check with one callback of each type', (seed) => {
    const plans = planBattery(conformCampaign(seed, NOW));
    expect(plans.filter((p) => p.note).map((p) => `${p.id}: ${p.note}`)).toEqual([]);
    const types = plans.find((p) => p.id === 'types')!;
    expect(types.probes).toHaveLength(20);
    const others = new Set(plans.filter((p) => p.id !== 'types').flatMap((p) => p.probes.map((x) => eventOf(x.body))));
    for (const p of types.probes) expect(others.has(eventOf(p.body)), p.label).toBe(false);
  });

  it('gives the same battery for the same seed', () => {
    const a = planBattery(conformCampaign(0, NOW));
    const b = planBattery(conformCampaign(0, NOW));
    expect(b).toEqual(a);
  });
});
