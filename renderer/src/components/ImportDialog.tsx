// Import… from the toolbar: an NDJSON or HAR file (this app's export, or another tool's HAR) read by the same code
// as `import`. In the browser the file is uploaded to `serve` (at most 512 MiB; larger files: the command line);
// the desktop app opens its own dialog. Progress in lines read, Cancel (the batches committed before it stay),
// and the result: added, already stored, and each skipped line with its number.
import { useRef, useState } from 'react';
import { MAX_IMPORT_UPLOAD_BYTES } from '../../../shared/jobs';
import { revealHidden } from '../../../shared/visible-text';
import { errorMessage } from '../api/client';
import { num } from '../lib/format';
import { useEscapeToClose } from '../lib/use-escape';
import { useApiClient } from '../store/context';
import { useJobs } from '../store/use-jobs';
import { JobProgress } from './ExportDialog';
import { Icon } from './Icons';

export function ImportDialog({ onClose, onSwitch }: { onClose: () => void; onSwitch: () => void }) {
  const client = useApiClient();
  const jobs = useJobs(client);
  const [error, setError] = useState<string | null>(null);
  const [uploading, setUploading] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  useEscapeToClose(onClose);
  const job = jobs.jobs.import ?? null;
  const running = job?.state === 'running' || uploading !== null;

  const started = (info: Awaited<ReturnType<typeof client.api.startImport>>) => {
    if (!info) return;
    jobs.claim(info.id);
    jobs.put(info);
  };
  const upload = async (file: File) => {
    setError(null);
    if (file.size > MAX_IMPORT_UPLOAD_BYTES) {
      setError(`${file.name} is larger than ${MAX_IMPORT_UPLOAD_BYTES / 1024 / 1024} MiB, the most the inspector takes in an upload: import it with the command line (import FILE).`);
      return;
    }
    setUploading(file.name);
    try {
      started(await client.uploadImport!(file));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setUploading(null);
      if (input.current) input.current.value = '';
    }
  };
  const pick = async () => {
    setError(null);
    try {
      started(await client.api.startImport({}));
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const problems = job?.import?.problems ?? [];

  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal" role="dialog" aria-label="Import" data-testid="import-dialog">
        <header className="drawer-head">
          <h2><Icon name="inbox" size={16} /> Import deliveries</h2>
          <span className="spacer" />
          <button className="btn small ghost" onClick={onSwitch} data-testid="switch-export">Export instead…</button>
          <button className="icon-btn" aria-label="Close" onClick={onClose}><Icon name="close" size={14} /></button>
        </header>
        <p className="dim">
          An NDJSON or HAR export of this app, or another tool's HAR (its POST requests). Each delivery is classified as if it had just arrived and
          marked imported (never replayed by accident); one already stored is not added again; an unreadable line is skipped and named. CSV
          exports are for spreadsheets and cannot be imported.
        </p>
        <div className="form-actions">
          {client.uploadImport ? (
            <label className={`btn primary ${running ? 'disabled' : ''}`}>
              Choose a file…
              <input
                ref={input}
                type="file"
                accept=".ndjson,.jsonl,.json,.har"
                disabled={running}
                hidden
                data-testid="import-file"
                onChange={(e) => {
                  const f = e.target.files?.[0];
                  if (f) void upload(f);
                }}
              />
            </label>
          ) : (
            <button className="btn primary" disabled={running} onClick={() => void pick()}>Choose a file…</button>
          )}
          <button type="button" className="btn" onClick={onClose}>Close</button>
        </div>
        {uploading ? <p className="dim" role="status">Uploading {uploading}…</p> : null}
        {error ? <p className="bad-text" role="alert">{error}</p> : null}
        {job ? <JobProgress job={job} /> : null}
        {job?.import && job.state !== 'running' && !(job.state === 'failed' && job.import.added === 0 && job.import.problemCount === 0) ? (
          <dl className="import-result" data-testid="import-result">
            <dt>Added</dt>
            <dd data-testid="import-added">{num(job.import.added)}</dd>
            <dt>Already stored</dt>
            <dd data-testid="import-duplicates">{num(job.import.duplicates)}</dd>
            {job.import.ignored > 0 ? (
              <>
                <dt>Not callbacks (HAR)</dt>
                <dd>{num(job.import.ignored)}</dd>
              </>
            ) : null}
            <dt>Skipped</dt>
            <dd data-testid="import-skipped">{num(job.import.problemCount)}</dd>
          </dl>
        ) : null}
        {problems.length > 0 ? (
          <ul className="import-problems" data-testid="import-problems">
            {problems.map((p) => (
              <li key={`${p.unit}-${p.at}`}>
                <span className="mono">{p.unit} {p.at}</span>: {revealHidden(p.reason)}
              </li>
            ))}
            {job!.import!.problemCount > problems.length ? <li className="dim">… and {num(job!.import!.problemCount - problems.length)} more</li> : null}
          </ul>
        ) : null}
      </div>
    </div>
  );
}
