// Settings: the one zone every time is shown in. Applies at once and is kept in this browser (a view preference).
import { CLOCK_ZONES, localZoneName, offsetLabel, type ClockZone } from '../lib/clock';
import { useInspector, useInspectorStore } from '../store/context';

const CHOICES: Record<ClockZone, { label: string; hint: () => string }> = {
  local: { label: 'Local', hint: () => `this computer's zone, ${localZoneName()} (${offsetLabel(Date.now(), 'local')})` },
  UTC: { label: 'UTC', hint: () => 'the zone of the raw ISO timestamps' },
  'America/Sao_Paulo': { label: 'São Paulo', hint: () => `the gateway's zone, America/Sao_Paulo (${offsetLabel(Date.now(), 'America/Sao_Paulo')})` },
};

export function ClockSetting() {
  const store = useInspectorStore();
  const zone = useInspector((s) => s.clockZone);
  return (
    <section>
      <h3 id="clock-heading">Times shown in</h3>
      <div role="radiogroup" aria-labelledby="clock-heading" className="clock-choices">
        {CLOCK_ZONES.map((z) => (
          <label key={z} className="check">
            <input type="radio" name="clock-zone" checked={zone === z} onChange={() => store.getState().setClockZone(z)} aria-label={CHOICES[z].label} />
            <span>
              <strong>{CHOICES[z].label}</strong> <small className="dim">{CHOICES[z].hint()}</small>
            </span>
          </label>
        ))}
      </div>
      <p className="dim">Lists, timelines and details use this zone and name it; hover a time for the raw ISO timestamp.</p>
    </section>
  );
}
