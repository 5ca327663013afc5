// Export… from the toolbar: the current filter or the open message/delivery, as CSV, NDJSON or HAR, masked when
// masking is on. The job runs in the core; its progress shows here and in the toolbar, and the dialog can be
// closed meanwhile. In `serve` the finished file arrives as a browser download; the desktop app asked where to save.
import { useEffect, useRef, useState } from 'react';
import type { JobInfo } from '../../../shared/jobs';
import { errorMessage } from '../api/client';
import { num } from '../lib/format';
import { useEscapeToClose } from '../lib/use-escape';
import { useApiClient, useInspector } from '../store/context';
import { useJobs } from '../store/use-jobs';
import { Icon } from './Icons';
import { ImportDialog } from './ImportDialog';

type Format = 'csv' | 'ndjson' | 'har';

function ExportDialog({ onClose, onSwitch }: { onClose: () => void; onSwitch: () => void }) {
  const client = useApiClient();
  const jobs = useJobs(client);
  const view = useInspector((s) => s.view);
  const query = useInspector((s) => s.query);
  const selectedRef = useInspector((s) => s.selectedRef);
  const selectedDeliveryId = useInspector((s) => s.selectedDeliveryId);
  const masked = useInspector((s) => s.masked === true);
  const [format, setFormat] = useState<Format>('csv');
  const [kind, setKind] = useState<'deliveries' | 'messages'>(view);
  const hasSelection = selectedRef !== null || selectedDeliveryId !== null;
  const [scope, setScope] = useState<'filter' | 'selection'>('filter');
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  useEscapeToClose(onClose);
  const job = jobs.jobs.export ?? null;
  const running = job?.state === 'running';
  const effectiveKind = format === 'har' ? 'deliveries' : kind;

  const start = async () => {
    setError(null);
    setStarting(true);
    try {
      const sel =
        selectedDeliveryId !== null && (effectiveKind === 'deliveries' || selectedRef === null)
          ? { kind: 'selection' as const, ids: [selectedDeliveryId] }
          : { kind: 'selection' as const, references: [selectedRef!] };
      const info = await client.api.startExport({ format, kind: effectiveKind, scope: scope === 'selection' && hasSelection ? sel : { kind: 'filter', query } });
      if (info) {
        jobs.claim(info.id);
        jobs.put(info);
      }
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setStarting(false);
    }
  };

  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal" role="dialog" aria-label="Export" data-testid="export-dialog">
        <header className="drawer-head">
          <h2><Icon name="list" size={16} /> Export</h2>
          <span className="spacer" />
          <button className="btn small ghost" onClick={onSwitch} data-testid="switch-import">Import instead…</button>
          <button className="icon-btn" aria-label="Close" onClick={onClose}><Icon name="close" size={14} /></button>
        </header>
        <form className="form-grid" onSubmit={(e) => (e.preventDefault(), void start())}>
          <label>
            <span>Format</span>
            <select value={format} onChange={(e) => setFormat(e.target.value as Format)} aria-label="Export format">
              <option value="csv">CSV (spreadsheet)</option>
              <option value="ndjson">NDJSON (every field, re-importable)</option>
              <option value="har">HAR 1.2 (browser dev tools, HTTP Toolkit)</option>
            </select>
          </label>
          <label>
            <span>Rows</span>
            <select value={effectiveKind} disabled={format === 'har'} onChange={(e) => setKind(e.target.value as 'deliveries' | 'messages')} aria-label="Export rows">
              <option value="deliveries">deliveries</option>
              <option value="messages">messages</option>
            </select>
          </label>
          <fieldset className="export-scope">
            <label className="check">
              <input type="radio" name="scope" checked={scope === 'filter' || !hasSelection} onChange={() => setScope('filter')} />{' '}
              {query.trim() ? <>What the filter matches: <code className="mono">{query}</code></> : 'Everything stored (no filter)'}
            </label>
            <label className="check" title={hasSelection ? undefined : 'Open a message or a delivery to export only it'}>
              <input type="radio" name="scope" disabled={!hasSelection} checked={scope === 'selection' && hasSelection} onChange={() => setScope('selection')} />{' '}
              {selectedDeliveryId !== null ? `The open delivery #${selectedDeliveryId}` : selectedRef !== null ? 'The open message' : 'The open message or delivery (none open)'}
            </label>
          </fieldset>
          <p className="dim" data-testid="export-reimport">
            {format === 'csv'
              ? 'CSV is for spreadsheets: it cannot be imported back. To bring deliveries back later (here or on another machine), export NDJSON or HAR.'
              : `${format === 'ndjson' ? 'NDJSON' : 'HAR'} can be imported back with Import… (NDJSON and HAR re-import; CSV does not).`}
          </p>
          {masked ? <p className="dim" data-testid="export-masked">Masking is on: phone numbers, names and what customers wrote are masked in the file (NDJSON bodies are rewritten).</p> : null}
          {error ? <p className="bad-text" role="alert">{error}</p> : null}
          <div className="form-actions">
            <button type="submit" className="btn primary" disabled={running || starting} data-testid="export-start">
              {client.uploadImport ? 'Export and download' : 'Export…'}
            </button>
            <button type="button" className="btn" onClick={onClose}>Close</button>
          </div>
        </form>
        {job ? <JobProgress job={job} /> : null}
        {job && jobs.downloaded.includes(job.id) ? <p className="dim" data-testid="export-downloaded">Handed to the browser's downloads as <span className="mono">{job.export?.fileName}</span>.</p> : null}
      </div>
    </div>
  );
}

/** A job's bar, Cancel while it runs, and how it ended. */
export function JobProgress({ job, compact = false }: { job: JobInfo; compact?: boolean }) {
  const client = useApiClient();
  const running = job.state === 'running';
  const total = job.total;
  const bytes = job.import?.bytesTotal ? Math.min(1, job.import.bytesRead / job.import.bytesTotal) : null;
  const frac = !running ? 1 : total ? job.done / total : bytes;
  // a full bar reads as "done": a failed job shows none, only what it read and why it stopped
  const failed = job.state === 'failed';
  const unit = job.kind === 'export' ? 'rows written' : job.import?.format === 'har' ? 'entries read' : 'lines read';
  return (
    <div className={`job-progress ${compact ? 'compact' : ''}`} data-testid={`${job.kind}-progress`} data-state={job.state}>
      <div className="bulk-line">
        <span className="job-title">{job.title}</span>
        <span className="spacer" />
        {failed && job.done === 0 ? null : (
          <span className="mono" data-testid={`${job.kind}-done`}>
            {num(job.done)}
            {total !== null ? ` of ${num(total)}` : ''} {unit}
          </span>
        )}
        {running ? (
          <button className="btn small warn" onClick={() => void client.api.cancelJob({ jobId: job.id })} data-testid={`${job.kind}-cancel`}>Cancel</button>
        ) : null}
      </div>
      {running || (!compact && !failed) ? (
        <div className="bar" role="progressbar" aria-label={`${job.kind} progress`} aria-valuemin={0} aria-valuemax={total ?? undefined} aria-valuenow={job.done}>
          <div className={`bar-fill ${frac === null ? 'indeterminate' : ''} ${job.state === 'failed' || job.state === 'cancelled' ? 'some-failed' : ''}`} style={{ width: `${Math.round((frac ?? 0.3) * 100)}%` }} />
        </div>
      ) : null}
      {!running && !compact ? (
        <p className={job.state === 'done' ? 'good-text' : 'bad-text'} data-testid={`${job.kind}-result`} role="status">
          {job.message}
        </p>
      ) : null}
    </div>
  );
}

/** Export… and Import… in the toolbar; while a job runs its progress shows beside them. */
export function DataButtons() {
  const client = useApiClient();
  const jobs = useJobs(client);
  const [open, setOpen] = useState<'export' | 'import' | null>(null);
  const [menu, setMenu] = useState(false);
  const running = (['export', 'import'] as const).map((k) => jobs.jobs[k]).filter((j): j is JobInfo => j?.state === 'running');
  return (
    <>
      {running.map((j) => (
        <button key={j.id} className="btn small job-chip" onClick={() => setOpen(j.kind)} title={j.title} data-testid={`${j.kind}-chip`}>
          {j.kind === 'export' ? 'Exporting' : 'Importing'} {j.total ? `${Math.round((j.done / j.total) * 100)}%` : num(j.done)}
        </button>
      ))}
      <button className="btn data-wide" onClick={() => setOpen('export')} title="Export the filtered list or the open item as CSV, NDJSON or HAR" data-testid="open-export">
        <Icon name="list" size={12} /> Export…
      </button>
      <button className="btn data-wide" onClick={() => setOpen('import')} title="Import deliveries from an NDJSON or HAR file" data-testid="open-import">
        <Icon name="inbox" size={12} /> Import…
      </button>
      {/* a full toolbar (narrow windows) has one short labelled button for both, whose menu offers each in a click */}
      <span className="data-narrow data-menu-anchor">
        <button
          className="btn"
          onClick={() => setMenu((m) => !m)}
          title="Export (CSV, NDJSON, HAR) or import (NDJSON, HAR)"
          aria-haspopup="menu"
          aria-expanded={menu}
          data-testid="open-data"
        >
          <Icon name="list" size={12} /> Data…
        </button>
        {menu ? <DataMenu onPick={(k) => (setMenu(false), setOpen(k))} onClose={() => setMenu(false)} /> : null}
      </span>
      {open === 'export' ? <ExportDialog onClose={() => setOpen(null)} onSwitch={() => setOpen('import')} /> : null}
      {open === 'import' ? <ImportDialog onClose={() => setOpen(null)} onSwitch={() => setOpen('export')} /> : null}
    </>
  );
}

function DataMenu({ onPick, onClose }: { onPick: (k: 'export' | 'import') => void; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEscapeToClose(onClose);
  useEffect(() => {
    // a press anywhere else closes it, as a menu does
    const away = (e: MouseEvent) => {
      if (ref.current && !ref.current.parentElement?.contains(e.target as Node)) onClose();
    };
    window.addEventListener('mousedown', away);
    return () => window.removeEventListener('mousedown', away);
  }, [onClose]);
  return (
    <div className="data-menu" role="menu" ref={ref} data-testid="data-menu">
      <button role="menuitem" className="btn ghost" onClick={() => onPick('export')} data-testid="menu-export">
        <Icon name="list" size={12} /> Export…
      </button>
      <button role="menuitem" className="btn ghost" onClick={() => onPick('import')} data-testid="menu-import">
        <Icon name="inbox" size={12} /> Import…
      </button>
    </div>
  );
}
