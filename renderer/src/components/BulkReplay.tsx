// Replay every delivery matching the current filter to a target: choose order, concurrency and gateway-style
// retries, watch the progress, cancel, and read the summary. One job at a time per window.
import { useEffect, useState } from 'react';
import { DEFAULT_REPLAY_CONCURRENCY, MAX_REPLAY_CONCURRENCY, MAX_REPLAY_SPEED } from '../../../shared/constants';
import { formatCount, num } from '../lib/format';
import type { BulkState } from '../store/replay-slice';
import { useInspector, useInspectorStore } from '../store/context';
import { Icon } from './Icons';
import { useEscapeToClose } from '../lib/use-escape';

export function BulkReplayDialog({ onClose }: { onClose: () => void }) {
  const store = useInspectorStore();
  const query = useInspector((s) => s.query);
  const counts = useInspector((s) => s.counts);
  const deliveries = useInspector((s) => s.deliveries);
  const targets = useInspector((s) => s.targets);
  const bulk = useInspector((s) => s.bulk);
  const [targetId, setTargetId] = useState<number | null>(null);
  const [order, setOrder] = useState<'received' | 'timestamp'>('received');
  const [concurrency, setConcurrency] = useState(DEFAULT_REPLAY_CONCURRENCY);
  const [asGateway, setAsGateway] = useState(false);
  const [speed, setSpeed] = useState(60);

  useEffect(() => {
    void store.getState().loadTargets();
  }, [store]);
  useEscapeToClose(onClose);

  const target = targets?.find((t) => t.id === targetId) ?? targets?.find((t) => t.isDefault) ?? null;
  // the deliveries list knows whether its total is capped; so do the counts (sampled)
  const matching =
    deliveries.loaded && !deliveries.totalIsExact ? formatCount(deliveries.total, false) : counts ? formatCount(counts.deliveries, !counts.sampled) : '…';
  const running = bulk !== null && !bulk.error && !bulk.progress?.finished;
  const showForm = bulk === null || (!running && bulk.error !== null);

  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal" role="dialog" aria-label="Bulk replay" data-testid="bulk-dialog">
        <header className="drawer-head">
          <h2><Icon name="replay" size={16} /> Replay the filtered deliveries</h2>
          <button className="icon-btn" aria-label="Close" onClick={onClose}><Icon name="close" size={14} /></button>
        </header>
        <p>
          <strong data-testid="bulk-matching">{matching}</strong> {matching === '1' ? 'delivery matches' : 'deliveries match'}{' '}
          {query ? <code className="mono">{query}</code> : <span className="dim">(no filter: everything stored)</span>}.
        </p>
        {showForm ? (
          targets && targets.length === 0 ? (
            <p>
              No target yet.{' '}
              <button className="btn small" onClick={() => store.getState().openDialog('settings')}>Add a target…</button>
            </p>
          ) : (
            <form
              className="form-grid"
              onSubmit={(e) => {
                e.preventDefault();
                if (target) void store.getState().startBulk({ targetId: target.id, order, concurrency, asGateway, speed: asGateway ? speed : 1 });
              }}
            >
              <label>
                <span>Target</span>
                <select value={target?.id ?? ''} onChange={(e) => setTargetId(Number(e.target.value))} aria-label="Bulk target">
                  {targets?.map((t) => <option key={t.id} value={t.id}>{t.url}{t.isDefault ? ' (default)' : ''}</option>)}
                </select>
              </label>
              <label>
                <span>Order</span>
                <select value={order} onChange={(e) => setOrder(e.target.value as 'received' | 'timestamp')} aria-label="Order">
                  <option value="received">as received</option>
                  <option value="timestamp">by callback timestamp</option>
                </select>
              </label>
              <label>
                <span>At once</span>
                <input type="number" min={1} max={MAX_REPLAY_CONCURRENCY} value={concurrency} onChange={(e) => setConcurrency(Math.max(1, Math.min(MAX_REPLAY_CONCURRENCY, Number(e.target.value) || 1)))} aria-label="Concurrency" className="num-input" />
              </label>
              <label className="check">
                <input type="checkbox" checked={asGateway} onChange={(e) => setAsGateway(e.target.checked)} /> As the gateway would (10 s timeout, retries on the documented schedule)
              </label>
              {asGateway ? (
                <label>
                  <span>Speed ×</span>
                  <input type="number" min={1} max={MAX_REPLAY_SPEED} value={speed} onChange={(e) => setSpeed(Math.max(1, Math.min(MAX_REPLAY_SPEED, Number(e.target.value) || 1)))} aria-label="Bulk speed factor" className="num-input" />
                </label>
              ) : null}
              {bulk?.error ? <p className="bad-text" role="alert">{bulk.error}</p> : null}
              <div className="form-actions">
                <button type="submit" className="btn primary" disabled={!target}>Start replay</button>
                <button type="button" className="btn" onClick={onClose}>Cancel</button>
              </div>
            </form>
          )
        ) : (
          <BulkProgress bulk={bulk!} />
        )}
      </div>
    </div>
  );
}

/** the progress bar, cancel and summary; also shown compact under the toolbar while the dialog is closed */
export function BulkProgress({ bulk, compact = false }: { bulk: BulkState; compact?: boolean }) {
  const store = useInspectorStore();
  const p = bulk.progress;
  const total = p?.total ?? bulk.total ?? 0;
  const done = p?.done ?? 0;
  const pct = total > 0 ? Math.round((done / total) * 100) : p?.finished ? 100 : 0;
  const finished = p?.finished ?? false;
  return (
    <div className={`bulk-progress ${compact ? 'compact' : ''}`} data-testid={compact ? 'bulk-strip' : 'bulk-progress'} data-finished={finished}>
      <div className="bulk-line">
        <span>
          {finished ? (p!.cancelled ? 'Cancelled' : 'Done') : bulk.jobId ? 'Replaying' : 'Starting'}: <span className="mono" data-testid="bulk-done">{num(done)}</span> /{' '}
          <span className="mono">{num(total)}</span>
        </span>
        <span className="good-text" data-testid="bulk-ok">{num(p?.ok ?? 0)} got 200</span>
        <span className={p && p.failed > 0 ? 'bad-text' : 'dim'} data-testid="bulk-failed">{num(p?.failed ?? 0)} failed</span>
        <span className="spacer" />
        {!finished ? (
          <button className="btn small warn" disabled={!bulk.jobId} onClick={() => void store.getState().cancelBulk()}>Cancel</button>
        ) : (
          <>
            {compact ? <button className="btn small" onClick={() => store.getState().openDialog('bulk')}>Details</button> : null}
            <button className="btn small" onClick={() => store.getState().clearBulk()}>{compact ? 'Dismiss' : 'New replay'}</button>
          </>
        )}
        {!finished && compact ? <button className="btn small ghost" onClick={() => store.getState().openDialog('bulk')}>Details</button> : null}
      </div>
      <div className="bar" role="progressbar" aria-valuemin={0} aria-valuemax={total} aria-valuenow={done} aria-label="Bulk replay progress">
        <div className={`bar-fill ${p && p.failed > 0 ? 'some-failed' : ''}`} style={{ width: `${pct}%` }} />
      </div>
      {finished && !compact ? (
        <p data-testid="bulk-summary" className={p!.failed > 0 || p!.cancelled ? 'bad-text' : 'good-text'}>
          {p!.cancelled ? `Cancelled after ${num(done)} of ${num(total)}` : `All ${num(total)} sent`}, {attemptsText(p!.attempts, p!.retries)}.{' '}
          {num(p!.ok)} got a 200{p!.failed > 0 ? `, ${num(p!.failed)} never did` : ''}. Each attempt is listed on its delivery's Replay tab.
        </p>
      ) : null}
    </div>
  );
}

/** "150 attempts", "7 attempts (4 retries)": retries are sends too, and a count that hid them would undercount */
function attemptsText(attempts: number, retries: number): string {
  const n = (k: number, one: string, many: string) => `${num(k)} ${k === 1 ? one : many}`;
  return n(attempts, 'attempt', 'attempts') + (retries > 0 ? ` (${n(retries, 'retry', 'retries')})` : '');
}
