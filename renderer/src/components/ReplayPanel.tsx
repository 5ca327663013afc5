// Send a stored delivery again to one of the user's endpoints and see what it answered.
import { useEffect, useState } from 'react';
import type { Target } from '../../../shared/api';
import type { DeliveryDetail, ForwardAttempt } from '../../../shared/domain';
import { errorMessage } from '../api/client';
import { formatTime } from '../lib/format';
import { useApi } from '../store/context';
import { StatusCode } from './Badges';
import { Icon } from './Icons';

export function ReplayPanel({ d }: { d: DeliveryDetail }) {
  const api = useApi();
  const [targets, setTargets] = useState<Target[] | null>(null);
  const [targetId, setTargetId] = useState<number | null>(null);
  const [newUrl, setNewUrl] = useState('');
  const [asGateway, setAsGateway] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [forwards, setForwards] = useState<ForwardAttempt[]>(d.forwards);

  useEffect(() => {
    api.listTargets({}).then((t) => {
      setTargets(t);
      setTargetId((cur) => cur ?? t.find((x) => x.isDefault)?.id ?? t[0]?.id ?? null);
    }, (err) => setError(errorMessage(err)));
    api.listForwards({ deliveryId: d.id }).then(setForwards, () => {});
  }, [api, d.id]);

  useEffect(() => setForwards((f) => (d.forwards.length > f.length ? d.forwards : f)), [d.forwards]);

  const addTarget = async () => {
    setError(null);
    try {
      const t = await api.saveTarget({ url: newUrl.trim(), headers: [], isDefault: (targets ?? []).length === 0 });
      setTargets([...(targets ?? []), t]);
      setTargetId(t.id);
      setNewUrl('');
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const replay = async () => {
    setBusy(true);
    setError(null);
    try {
      const attempts = await api.replayDelivery({ deliveryId: d.id, targetId: targetId ?? undefined, asGateway });
      setForwards((f) => [...f.filter((x) => !attempts.some((a) => a.id === x.id)), ...attempts]);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="replay" data-testid="replay-panel">
      <div className="replay-form">
        <label>
          Target{' '}
          <select value={targetId ?? ''} onChange={(e) => setTargetId(e.target.value ? Number(e.target.value) : null)} disabled={!targets?.length}>
            {targets?.length ? null : <option value="">no target yet</option>}
            {targets?.map((t) => (
              <option key={t.id} value={t.id}>{t.url}{t.isDefault ? ' (default)' : ''}</option>
            ))}
          </select>
        </label>
        <label className="inline">
          <input type="checkbox" checked={asGateway} onChange={(e) => setAsGateway(e.target.checked)} /> retry like the gateway (10 s timeout, documented schedule)
        </label>
        <button className="btn primary" disabled={busy || targetId === null} onClick={() => void replay()}>
          <Icon name="replay" size={12} /> {busy ? 'Sending…' : 'Replay'}
        </button>
      </div>
      <div className="replay-form">
        <input type="url" placeholder="http://127.0.0.1:3000/webhook" value={newUrl} onChange={(e) => setNewUrl(e.target.value)} aria-label="New target URL" />
        <button className="btn small" disabled={!newUrl.trim()} onClick={() => void addTarget()}>Add target</button>
      </div>
      {error ? <p className="bad-text" role="alert">{error}</p> : null}
      <table className="forwards">
        <thead><tr><th>When</th><th>Mode</th><th>Try</th><th>Target</th><th>Answer</th><th>Time</th><th>Excerpt / error</th></tr></thead>
        <tbody>
          {forwards.length === 0 ? <tr><td colSpan={7} className="dim">Not replayed yet.</td></tr> : null}
          {forwards.map((f) => (
            <tr key={f.id}>
              <td className="mono">{formatTime(f.startedAt)}</td>
              <td>{f.mode}</td>
              <td className="mono">{f.attempt}</td>
              <td className="mono clip">{f.targetUrl}</td>
              <td>{f.status === null ? <span className="bad-text">no answer</span> : <StatusCode status={f.status} />}</td>
              <td className="mono">{f.durationMs} ms</td>
              <td className="mono clip">{f.error ?? f.responseExcerpt.slice(0, 200)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
