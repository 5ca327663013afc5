// Settings → Stored data: retention (keep at most N days and/or N GiB of deliveries, pruned in the background,
// pinned ones kept) and Clear all (pins survive unless cleared too).
import { useEffect, useState } from 'react';
import type { RetentionPolicy } from '../../../shared/retention';
import { formatBytes } from '../lib/format';
import { useApi, useInspector } from '../store/context';
import { DeleteDialog, TrashIcon } from './DeleteDialog';
import './marks.css';

const toInput = (n: number | null) => (n === null ? '' : String(n));
const fromInput = (s: string): number | null => (s.trim() === '' ? null : Number(s));

export function DataSettings() {
  const api = useApi();
  const storeBytes = useInspector((s) => s.status?.storeBytes ?? null);
  const [saved, setSaved] = useState<RetentionPolicy | null>(null);
  const [days, setDays] = useState('');
  const [gb, setGb] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [clearing, setClearing] = useState(false);

  useEffect(() => {
    let live = true;
    api.getRetention({}).then((p) => {
      if (!live) return;
      setSaved(p);
      setDays(toInput(p.maxDays));
      setGb(toInput(p.maxGb));
    }, () => {});
    return () => void (live = false);
  }, [api]);

  const policy = { maxDays: fromInput(days), maxGb: fromInput(gb) };
  const changed = saved !== null && (policy.maxDays !== saved.maxDays || policy.maxGb !== saved.maxGb);
  const save = async () => {
    setMessage(null);
    try {
      setSaved(await api.setRetention(policy));
      setMessage(policy.maxDays === null && policy.maxGb === null ? 'Everything is kept.' : 'Saved: older deliveries are being pruned in the background.');
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <section aria-label="Stored data" data-testid="data-settings">
      <h3>Stored data</h3>
      <p className="dim">
        The store{storeBytes !== null ? <> takes {formatBytes(storeBytes)}</> : null}. Older deliveries can be pruned in the background, a few at a time
        (acknowledgements come first); pinned messages and deliveries are always kept. Leave a field empty for no limit.
      </p>
      <form
        className="retention-grid"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label>
          Keep at most <input type="number" min={1} step={1} value={days} onChange={(e) => setDays(e.target.value)} aria-label="Keep at most days" placeholder="∞" /> days
        </label>
        <label>
          and <input type="number" min={0.01} step="any" value={gb} onChange={(e) => setGb(e.target.value)} aria-label="Keep at most GiB" placeholder="∞" /> GiB
        </label>
        <button type="submit" className="btn small primary" disabled={!changed}>Save</button>
      </form>
      {message ? <p className="dim" role="status">{message}</p> : null}
      <p>
        <button className="btn small danger" onClick={() => setClearing(true)} data-testid="clear-all">
          <TrashIcon size={12} /> Clear all…
        </button>
      </p>
      {clearing ? (
        <DeleteDialog scope={{ kind: 'all' }} what={<>Every stored delivery and message. Pinned ones are kept unless you also clear pins.</>} onClose={() => setClearing(false)} />
      ) : null}
    </section>
  );
}
