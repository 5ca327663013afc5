// Settings, `serve` only: the link that opens this inspector (to copy into another browser or a bookmark) and making
// a new one when the old one went somewhere it should not have (which ends every older link and signed-in browser).
import { useEffect, useState } from 'react';
import { errorMessage } from '../api/client';
import { copyText } from '../lib/clipboard';
import { useUiLink } from '../store/context';
import { Icon } from './Icons';

/** the key stays off screen (screenshots, screen sharing): the copy has it, the text does not */
const masked = (url: string) => url.replace(/([?&]token=)[^&#]*/, '$1…');

export function InspectorLinkSection() {
  const link = useUiLink();
  const [url, setUrl] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  useEffect(() => {
    link?.current().then(setUrl, (err) => setResult({ ok: false, text: errorMessage(err) }));
  }, [link]);

  if (!link) return null;

  const copy = async () => {
    if (!url) return;
    if (await copyText(url)) {
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } else setResult({ ok: false, text: 'The clipboard is not available here; serve printed the link when it started.' });
  };

  const rotate = async () => {
    setBusy(true);
    setResult(null);
    try {
      setUrl(await link.rotate());
      setResult({ ok: true, text: 'New link made. Older links and the browsers that used them are signed out; this tab stays signed in.' });
    } catch (err) {
      setResult({ ok: false, text: errorMessage(err) });
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };

  return (
    <section data-testid="inspector-link">
      <h3>Inspector link</h3>
      <p className="dim">
        Opens this inspector in a browser on this machine. It stays the same when <code>serve</code> restarts, so it can be bookmarked. Whoever has it
        can read and replay your callbacks.
      </p>
      <div className="urlbox">
        <code className="mono" data-testid="inspector-link-url">{url ? masked(url) : '…'}</code>
        <button className="btn small" disabled={!url} onClick={() => void copy()} data-testid="copy-inspector-link">
          <Icon name={copied ? 'check' : 'copy'} size={12} /> {copied ? 'Copied' : 'Copy link'}
        </button>
      </div>
      <div className="form-actions">
        {confirming ? (
          <>
            <span className="warn-text">Every older link stops working, in every browser that opened one (this tab excepted).</span>
            <button className="btn primary" disabled={busy} onClick={() => void rotate()} data-testid="rotate-link-confirm">Make a new link</button>
            <button className="btn" disabled={busy} onClick={() => setConfirming(false)}>Cancel</button>
          </>
        ) : (
          <button className="btn" onClick={() => setConfirming(true)} data-testid="rotate-link">
            <Icon name="replay" size={12} /> Make a new link…
          </button>
        )}
      </div>
      {result ? <p className={result.ok ? 'good-text' : 'bad-text'} role={result.ok ? 'status' : 'alert'} data-testid="inspector-link-result">{result.text}</p> : null}
    </section>
  );
}
