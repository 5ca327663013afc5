// "Simulate a campaign": a small generated campaign sent into this inspector's own receiver (the core's simulator),
// so lists, timelines and analytics can be seen working before any gateway is configured.
import { useState } from 'react';
import { errorMessage } from '../api/client';
import { useApi } from '../store/context';
import { Icon } from './Icons';

const MESSAGES = 50;
/** a campaign's ten minutes of reads and replies in about ten seconds */
const SPEED = 60;

export function SimulateCampaign() {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const run = async () => {
    setBusy(true);
    setResult(null);
    try {
      const r = await api.simulate({ messages: MESSAGES, speed: SPEED });
      setResult({ ok: true, text: `Sending ${r.messages} simulated messages (${r.deliveries} callbacks) to ${r.url}, ${SPEED}× faster than real time. They are marked "simulated".` });
    } catch (err) {
      setResult({ ok: false, text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="simulate-campaign">
      <button className="btn" onClick={() => void run()} disabled={busy} data-testid="simulate-campaign">
        <Icon name="replay" size={12} /> {busy ? 'Starting…' : 'Simulate a campaign'}
      </button>
      {result ? <p className={result.ok ? 'good-text' : 'bad-text'} role="status">{result.text}</p> : null}
    </div>
  );
}
