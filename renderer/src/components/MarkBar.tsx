// Pins and notes on the open message or delivery: a pin toggle, a plain-text note (at most NOTE_MAX_CHARS), and
// deleting it, at the top of the detail pane. A pinned row shows PinMark in the lists and is kept by Clear all and by
// retention. While personal data is masked a note is not shown (it may quote a customer) and cannot be edited.
import { useEffect, useState } from 'react';
import type { Mark } from '../../../shared/api';
import { MASK } from '../../../shared/mask';
import { NOTE_MAX_CHARS } from '../../../shared/marks';
import { useMasked } from '../lib/mask-view';
import { useApi, useInspectorStore } from '../store/context';
import { DeleteDialog, TrashIcon } from './DeleteDialog';
import './marks.css';

function PinIcon({ size = 14 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
      <path d="M9 3h6l-1 6 4 4H6l4-4z" />
      <path d="M12 13v8" />
    </svg>
  );
}

function NoteIcon() {
  return (
    <svg width={12} height={12} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
      <path d="M4 20h4L19 9l-4-4L4 16z" />
    </svg>
  );
}

/** The lists' marker of a pinned row (and of a note, in its tooltip's words). */
export function PinMark({ pinned, note }: { pinned?: boolean; note?: string }) {
  if (!pinned && !note) return null;
  const label = pinned ? (note ? 'Pinned, with a note' : 'Pinned') : 'Has a note';
  return (
    <span className={`pin-mark ${pinned ? 'pinned' : 'noted'}`} role="img" aria-label={label} title={label} data-testid="pin-mark">
      {pinned ? <PinIcon size={12} /> : <NoteIcon />}
    </span>
  );
}

type Target = { kind: 'delivery'; id: number } | { kind: 'message'; reference: string };

export function MarkBar({ target }: { target: Target }) {
  const api = useApi();
  const store = useInspectorStore();
  const masked = useMasked();
  const key = target.kind === 'delivery' ? target.id : target.reference;
  const [mark, setMark] = useState<Mark | null>(null);
  const [draft, setDraft] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setMark(null);
    setDraft(null);
    api.getMark({ kind: target.kind, key }).then((m) => live && setMark(m), () => live && setMark({ pinned: false, note: null }));
    return () => void (live = false);
  }, [api, target.kind, key]);

  const save = async (change: { pinned?: boolean; note?: string | null }) => {
    setBusy(true);
    setError(null);
    try {
      setMark(await api.setMark({ kind: target.kind, key, ...change }));
      setDraft(null);
      // the lists show the pin, and pinned:/note: searches may now hold
      void store.getState().refreshAll();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const noun = target.kind === 'delivery' ? 'delivery' : 'message';
  const pinned = mark?.pinned ?? false;
  return (
    <div className="mark-bar" data-testid="mark-bar">
      <div className="mark-actions">
        <button
          className={`btn small ${pinned ? 'on' : ''}`}
          aria-pressed={pinned}
          disabled={mark === null || busy}
          onClick={() => void save({ pinned: !pinned })}
          title={pinned ? `Unpin: Clear all and retention may then delete this ${noun}` : `Pin: Clear all and retention keep this ${noun}${target.kind === 'message' ? ' and all its deliveries' : ''}`}
          data-testid="pin-toggle"
        >
          <PinIcon size={12} /> {pinned ? 'Pinned' : 'Pin'}
        </button>
        {draft === null ? (
          <button className="btn small" disabled={mark === null || masked} onClick={() => setDraft(mark?.note ?? '')} data-testid="note-edit" title={masked ? 'Notes are hidden while personal data is masked' : undefined}>
            {mark?.note ? 'Edit note' : 'Add note'}
          </button>
        ) : null}
        {/* a disabled button's tooltip is easy to miss: why it is off is said beside it */}
        {masked && draft === null ? <span className="dim small" data-testid="note-masked">notes are hidden while personal data is masked</span> : null}
        <button className="btn small" onClick={() => setDeleting(true)} data-testid="delete-one" title={`Delete this ${noun}${target.kind === 'message' ? ' and its deliveries' : ''}`}>
          <TrashIcon size={12} /> Delete
        </button>
      </div>
      {draft !== null ? (
        <form
          className="note-editor"
          onSubmit={(e) => {
            e.preventDefault();
            void save({ note: draft });
          }}
        >
          <textarea
            value={draft}
            maxLength={NOTE_MAX_CHARS}
            rows={3}
            autoFocus
            aria-label={`Note on this ${noun}`}
            placeholder="A note for yourself or a colleague (plain text)"
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') (e.stopPropagation(), setDraft(null));
              if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) (e.preventDefault(), void save({ note: draft }));
            }}
            data-testid="note-input"
          />
          <div className="mark-actions">
            <span className="dim small" aria-live="polite">{draft.length.toLocaleString()} / {NOTE_MAX_CHARS.toLocaleString()}</span>
            <button type="button" className="btn small" onClick={() => setDraft(null)}>Cancel</button>
            <button type="submit" className="btn small primary" disabled={busy} data-testid="note-save">Save note</button>
          </div>
        </form>
      ) : mark?.note ? (
        <p className="note-text" data-testid="note-text">{masked ? MASK : mark.note}</p>
      ) : null}
      {error ? <p className="error-text" role="alert">{error}</p> : null}
      {deleting ? (
        <DeleteDialog
          scope={target.kind === 'delivery' ? { kind: 'deliveries', ids: [target.id] } : { kind: 'messages', references: [target.reference] }}
          what={target.kind === 'delivery' ? <>This delivery (#{target.id}); its message is rebuilt from the deliveries it keeps.</> : <>This message and all its deliveries.</>}
          onClose={() => setDeleting(false)}
        />
      ) : null}
    </div>
  );
}
