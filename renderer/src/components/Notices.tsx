// What the user must not miss: a changed public URL (the gateway keeps calling the old one until updated), a damaged
// store file (its deliveries are out of the lists until recovered) and the core's warnings (tunnel trouble, forward failures) as toasts that go away on their own,
// except the ones asking for action (a sender with a browser User-Agent), which stay until dismissed.
import { useEffect, useState } from 'react';
import { TEST_CALLBACK_CAMPAIGN, TEST_CALLBACK_REFERENCE_PREFIX } from '../../../shared/constants';
import { copyText } from '../lib/clipboard';
import { formatTime } from '../lib/format';
import { useMaskView } from '../lib/mask-view';
import { revealHidden } from '../../../shared/visible-text';
import { damagedKey, type Toast } from '../store/notices-slice';
import { errorMessage } from '../api/client';
import { useApi, useInspector, useInspectorStore } from '../store/context';
import { Icon } from './Icons';

/** a warning stays this long after its last repeat unless the pointer rests on it */
const TOAST_MS = 12_000;

const withPath = (url: string | null, path: string) => (url ? url.replace(/\/$/, '') + path : null);

export function UrlChangedBanner() {
  const store = useInspectorStore();
  const changed = useInspector((s) => s.urlChanged);
  const path = useInspector((s) => s.status?.callbackPath ?? '/callbacks');
  const [copied, setCopied] = useState(false);
  if (!changed) return null;
  const next = withPath(changed.newUrl, path)!;
  const prev = withPath(changed.oldUrl, path);
  const copy = async () => {
    if (await copyText(next)) {
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } else store.getState().reportError('The clipboard is not available here; select the URL and copy it by hand.');
  };
  return (
    <div className="banner loud" role="alert" data-testid="url-changed">
      <Icon name="exception" size={18} />
      <div className="banner-text">
        <strong>The public URL changed — update the gateway's callback URL.</strong>{' '}
        <span className="dim-on-loud">Until you do, callbacks go to the old address and are lost ({changed.reason}).</span>
        <div className="url-change mono">
          {prev ? <><s data-testid="old-url">{prev}</s> <span aria-label="changed to">→</span> </> : null}
          <code data-testid="new-url">{next}</code>
        </div>
      </div>
      <button className="btn" onClick={() => void copy()}>
        <Icon name={copied ? 'check' : 'copy'} size={12} /> {copied ? 'Copied' : 'Copy new URL'}
      </button>
      <button className="icon-btn" aria-label="Dismiss" title="I updated the gateway" onClick={() => store.getState().dismissUrlChanged()}>
        <Icon name="close" size={14} />
      </button>
    </div>
  );
}

/**
 * A store file found damaged: the user must know that what it held is not in the lists any more and how to get
 * it back. Stays (across restarts too: the status carries it) until the file is recovered.
 */
export function StoreDamagedBanner() {
  const store = useInspectorStore();
  const status = useInspector((s) => s.status);
  const dismissed = useInspector((s) => s.storeDamageDismissed);
  // subscribed so a change of clock in Settings re-renders the time (formatTime alone reads it only when called)
  const zone = useInspector((s) => s.clockZone);
  const [copied, setCopied] = useState(false);
  const damaged = status?.damagedStores ?? [];
  if (damaged.length === 0 || dismissed === damagedKey(status)) return null;
  const first = damaged[0]!;
  const copy = async () => {
    if (await copyText(first.recoverCommand)) {
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } else store.getState().reportError('The clipboard is not available here; select the command and copy it by hand.');
  };
  return (
    <div className="banner loud" role="alert" data-testid="store-damaged">
      <Icon name="exception" size={18} />
      <div className="banner-text">
        <strong>
          {damaged.length === 1 ? 'The store file is damaged' : `${damaged.length} store files are damaged`} — its deliveries are not shown.
        </strong>{' '}
        <span className="dim-on-loud">
          It is left untouched; new deliveries are stored in <code data-testid="store-file">{status!.storeFile}</code>. Copy out what it still holds:
        </span>
        {damaged.map((d) => (
          <div key={d.file} className="url-change mono" title={d.problem}>
            <code data-testid="damaged-file">{d.file}</code> <span className="dim-on-loud">(found {formatTime(d.detectedAt, Date.now(), zone)}: {d.problem.split('\n')[0]})</span>
          </div>
        ))}
        <div className="url-change mono">
          <code data-testid="recover-command">{first.recoverCommand}</code>
        </div>
      </div>
      <button className="btn" onClick={() => void copy()}>
        <Icon name={copied ? 'check' : 'copy'} size={12} /> {copied ? 'Copied' : 'Copy command'}
      </button>
      <button className="icon-btn" aria-label="Dismiss" title="Hide until another file is found damaged" onClick={() => store.getState().dismissStoreDamaged()}>
        <Icon name="close" size={14} />
      </button>
    </div>
  );
}

/**
 * The first-run screen's test callback is stored like gateway traffic (it proves the path to disk): it counts in
 * lists and analytics until deleted, so the way to delete it stays in view while one is stored. Closing the notice
 * hides it until another test callback arrives.
 */
export function TestCallbackNotice() {
  const store = useInspectorStore();
  const api = useApi();
  const n = useInspector((s) => s.status?.testCallbacks ?? 0);
  const [hiddenAt, setHiddenAt] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  if (n === 0 || hiddenAt === n) return null;
  const remove = async () => {
    setBusy(true);
    try {
      await api.deleteTestCallbacks({});
      const s = store.getState();
      if (s.selectedRef?.startsWith(TEST_CALLBACK_REFERENCE_PREFIX) || s.deliveryDetail?.campaign === TEST_CALLBACK_CAMPAIGN) s.closeDetail();
      await s.refreshAll();
    } catch (err) {
      store.getState().reportError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="banner info" role="status" data-testid="test-callback-notice">
      <Icon name="bolt" size={14} />
      <span>
        <strong>{n === 1 ? 'A test callback is stored' : `${n} test callbacks are stored`}</strong> (campaign <code>{TEST_CALLBACK_CAMPAIGN}</code>): it counts in the
        lists and analytics like the gateway's traffic until you delete it.
      </span>
      <button className="btn small" disabled={busy} onClick={() => void remove()}>
        {busy ? 'Deleting…' : n === 1 ? 'Delete test callback' : 'Delete test callbacks'}
      </button>
      <button className="icon-btn" aria-label="Dismiss" title="Keep it and hide this notice" onClick={() => setHiddenAt(n)}>
        <Icon name="close" size={12} />
      </button>
    </div>
  );
}

export function Toasts() {
  const toasts = useInspector((s) => s.toasts);
  if (toasts.length === 0) return null;
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => <ToastItem key={t.id} t={t} />)}
    </div>
  );
}

function ToastItem({ t }: { t: Toast }) {
  const store = useInspectorStore();
  // subscribed so a change of clock in Settings re-renders the time (formatTime alone reads it only when called)
  const zone = useInspector((s) => s.clockZone);
  const shown = useMaskView();
  const [hover, setHover] = useState(false);
  useEffect(() => {
    if (hover || t.sticky) return;
    const timer = setTimeout(() => store.getState().dismissToast(t.id), TOAST_MS);
    return () => clearTimeout(timer);
  }, [store, t.id, t.at, t.sticky, hover]);
  return (
    <div
      className={`toast tone-${t.tone}`}
      role="status"
      data-testid="toast"
      data-code={t.code ?? ''}
      data-sticky={t.sticky}
      onMouseEnter={() => setHover(true)}
      onMouseLeave={() => setHover(false)}
    >
      <Icon name={t.tone === 'good' ? 'check' : 'exception'} size={14} />
      <span className="toast-msg">
        {revealHidden(shown.text(t.message))}
        {t.repeats > 1 ? <span className="toast-repeats"> ×{t.repeats}</span> : null}
        <span className="toast-time mono">{formatTime(t.at, Date.now(), zone)}</span>
      </span>
      <button className="icon-btn" aria-label="Dismiss" title={t.sticky ? 'Stays until you dismiss it' : undefined} onClick={() => store.getState().dismissToast(t.id)}>
        <Icon name="close" size={12} />
      </button>
    </div>
  );
}
