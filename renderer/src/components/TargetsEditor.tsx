// The user's endpoints for replay and forward: add, edit (URL and extra headers), pick the default, delete.
import { useState } from 'react';
import type { Target } from '../../../shared/api';
import { errorMessage } from '../api/client';
import { useInspector, useInspectorStore } from '../store/context';
import { Icon } from './Icons';

/** "Name: value" per line; blank lines ignored. Returns the pairs or the first line that is not a header. */
export function parseHeaderLines(text: string): { ok: true; headers: [string, string][] } | { ok: false; error: string } {
  const headers: [string, string][] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    if (!name || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      return { ok: false, error: `Line ${i + 1} is not a header: write it as "Name: value".` };
    }
    headers.push([name, line.slice(colon + 1).trim()]);
  }
  return { ok: true, headers };
}

const headerLines = (headers: [string, string][]) => headers.map(([k, v]) => `${k}: ${v}`).join('\n');

export function TargetsEditor() {
  const store = useInspectorStore();
  const targets = useInspector((s) => s.targets);
  const [editing, setEditing] = useState<Target | 'new' | null>(null);
  const [error, setError] = useState<string | null>(null);

  const makeDefault = async (t: Target) => {
    setError(null);
    try {
      await store.getState().saveTarget({ id: t.id, url: t.url, headers: t.headers, isDefault: true });
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const remove = async (t: Target) => {
    setError(null);
    try {
      await store.getState().deleteTarget(t.id);
      if (editing !== 'new' && editing?.id === t.id) setEditing(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  if (!targets) return <p className="dim">Loading targets…</p>;
  return (
    <div className="targets" data-testid="targets">
      {targets.length === 0 && editing === null ? <p className="dim">No target yet.</p> : null}
      <ul className="target-list">
        {targets.map((t) => (
          <li key={t.id} data-target-id={t.id} data-default={t.isDefault}>
            <label className="target-default" title="Default target">
              <input type="radio" name="default-target" checked={t.isDefault} onChange={() => void makeDefault(t)} aria-label={`Make ${t.url} the default`} />
            </label>
            <span className="target-url mono">{t.url}</span>
            {t.isDefault ? <span className="badge tone-info">default</span> : null}
            {t.headers.length ? <span className="dim" title={headerLines(t.headers)}>+{t.headers.length} header{t.headers.length > 1 ? 's' : ''}</span> : null}
            <span className="spacer" />
            <button className="btn small ghost" onClick={() => setEditing(t)}>Edit</button>
            <button className="btn small ghost" aria-label={`Delete ${t.url}`} onClick={() => void remove(t)}><Icon name="close" size={11} /> Delete</button>
          </li>
        ))}
      </ul>
      {error ? <p className="bad-text" role="alert">{error}</p> : null}
      {editing ? (
        <TargetForm key={editing === 'new' ? 'new' : editing.id} target={editing === 'new' ? null : editing} first={targets.length === 0} onDone={() => setEditing(null)} />
      ) : (
        <button className="btn small" onClick={() => setEditing('new')}>+ Add target</button>
      )}
    </div>
  );
}

function TargetForm({ target, first, onDone }: { target: Target | null; first: boolean; onDone: () => void }) {
  const store = useInspectorStore();
  const [url, setUrl] = useState(target?.url ?? '');
  const [headers, setHeaders] = useState(headerLines(target?.headers ?? []));
  const [isDefault, setIsDefault] = useState(target?.isDefault ?? first);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async () => {
    setError(null);
    const h = parseHeaderLines(headers);
    if (!h.ok) return setError(h.error);
    let parsed: URL;
    try {
      parsed = new URL(url.trim());
    } catch {
      return setError('Write the full URL of your endpoint, e.g. http://localhost:3000/callbacks');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return setError('The target must be an http:// or https:// URL.');
    setBusy(true);
    try {
      await store.getState().saveTarget({ id: target?.id, url: url.trim(), headers: h.headers, isDefault });
      onDone();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="form-grid target-form"
      data-testid="target-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label>
        <span>Endpoint URL</span>
        <input type="text" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://localhost:3000/callbacks" aria-label="Target URL" autoFocus />
      </label>
      <label>
        <span>Extra headers</span>
        <textarea rows={3} value={headers} onChange={(e) => setHeaders(e.target.value)} placeholder={'Authorization: Bearer …\nX-Env: staging'} aria-label="Extra headers" spellCheck={false} />
        <small className="dim">One "Name: value" per line, sent with every replay to this target.</small>
      </label>
      <label className="check">
        <input type="checkbox" checked={isDefault} onChange={(e) => setIsDefault(e.target.checked)} /> Default target
      </label>
      <div className="form-actions">
        <button type="submit" className="btn primary" disabled={busy || !url.trim()}>{target ? 'Save target' : 'Add target'}</button>
        <button type="button" className="btn" onClick={onDone}>Cancel</button>
      </div>
      {error ? <p className="bad-text" role="alert" data-testid="target-error">{error}</p> : null}
    </form>
  );
}
