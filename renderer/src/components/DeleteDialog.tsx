// Deleting with a count first: what a deletion would take (deliveries, their messages, the pinned ones it keeps) is
// asked of the core before anything goes, and the button says the number. Deleting runs in the core in small
// slices behind the acknowledgements (electron/core/retention.ts); the lists are read again when it is done.
import { useEffect, useState } from 'react';
import type { ApiInput, DeletePreview } from '../../../shared/api';
import { num } from '../lib/format';
import { useEscapeToClose } from '../lib/use-escape';
import { useApi, useInspector, useInspectorStore } from '../store/context';
import { Icon } from './Icons';
import './marks.css';

type DeleteScope = ApiInput<'deleteData'>['scope'];

export function DeleteDialog({ scope, what, onClose }: { scope: DeleteScope; what: React.ReactNode; onClose: () => void }) {
  const api = useApi();
  const store = useInspectorStore();
  const all = scope.kind === 'all';
  // Clear all keeps pins unless they are cleared too; any other deletion keeps pinned rows unless asked
  const [alsoPinned, setAlsoPinned] = useState(false);
  const [preview, setPreview] = useState<DeletePreview | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEscapeToClose(() => !busy && onClose());
  const key = JSON.stringify(scope);
  useEffect(() => {
    let live = true;
    setPreview(null);
    api.previewDelete({ scope, includePinned: alsoPinned }).then(
      (p) => live && setPreview(p),
      (err: unknown) => live && setError(err instanceof Error ? err.message : String(err)),
    );
    return () => void (live = false);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, alsoPinned]);

  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.deleteData({ scope, includePinned: alsoPinned, clearPins: all && alsoPinned });
      const s = store.getState();
      s.closeDetail();
      await s.refreshAll();
      onClose();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  const n = preview?.deliveries ?? 0;
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && !busy && onClose()}>
      <div className="modal" role="dialog" aria-label="Delete" data-testid="delete-dialog">
        <header className="drawer-head">
          <h2><TrashIcon /> {all ? 'Clear all' : 'Delete'}</h2>
          <button className="icon-btn" aria-label="Close" disabled={busy} onClick={onClose}><Icon name="close" size={14} /></button>
        </header>
        <p>{what}</p>
        <p data-testid="delete-count">
          {preview === null ? (
            <span className="dim">Counting…</span>
          ) : (
            <>
              <strong>{num(n)}</strong> {n === 1 ? 'delivery' : 'deliveries'} of <strong>{num(preview.messages)}</strong> {preview.messages === 1 ? 'message' : 'messages'} will be deleted
              {preview.pinned > 0 ? <>; <strong>{num(preview.pinned)}</strong> {preview.pinned === 1 ? 'is' : 'are'} kept because pinned (or of a pinned message)</> : null}. This cannot be undone.
            </>
          )}
        </p>
        <label className="check">
          <input type="checkbox" checked={alsoPinned} disabled={busy} onChange={(e) => setAlsoPinned(e.target.checked)} data-testid="delete-pinned" />{' '}
          {all ? 'Also clear pins (pinned messages and deliveries go too)' : 'Also delete pinned ones'}
        </label>
        {error ? <p className="error-text" role="alert">{error}</p> : null}
        <div className="mark-actions">
          <button className="btn" disabled={busy} onClick={onClose}>Cancel</button>
          <button className="btn danger" disabled={busy || preview === null || n === 0} onClick={() => void run()} data-testid="delete-confirm">
            {busy ? 'Deleting…' : `Delete ${num(n)} ${n === 1 ? 'delivery' : 'deliveries'}`}
          </button>
        </div>
      </div>
    </div>
  );
}

/** The toolbar's "Delete matching…": everything the search matches in the list shown (the messages list: whole messages). */
export function DeleteMatchingButton() {
  const view = useInspector((s) => s.view);
  const query = useInspector((s) => s.query);
  const [open, setOpen] = useState(false);
  return (
    <>
      <button className="btn" onClick={() => setOpen(true)} title="Delete every delivery the search matches (pinned ones are kept)" data-testid="delete-matching" aria-label="Delete matching…">
        Delete<span className="wide-words"> matching</span>…
      </button>
      {open ? (
        <DeleteDialog
          scope={{ kind: 'filter', list: view, query }}
          what={
            <>
              {view === 'messages' ? 'Every message' : 'Every delivery'} matching{' '}
              {query ? <code className="mono">{query}</code> : <span className="dim">(no filter: everything stored)</span>}
              {view === 'messages' ? ', with all its deliveries.' : '; their messages are rebuilt from the deliveries they keep.'}
            </>
          }
          onClose={() => setOpen(false)}
        />
      ) : null}
    </>
  );
}

export function TrashIcon({ size = 14 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
      <path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" />
    </svg>
  );
}
