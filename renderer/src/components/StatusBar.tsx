// Bottom line: where callbacks arrive, whether the tunnel is up, how much is stored, whether the UI is live.
import { useState } from 'react';
import { formatBytes, formatDuration, formatTime, num, plural } from '../lib/format';
import type { AppStatus, TunnelStatus } from '../../../shared/api';

import { copyText } from '../lib/clipboard';
import { useInspector, useInspectorStore } from '../store/context';
import { indexedTotals } from '../store/live-slice';
import { Icon } from './Icons';
import { MaskBadge } from './MaskSetting';
import { RulesBadge } from './RulesBadge';
import { useNow } from './useNow';

const TUNNEL_TONE: Record<TunnelStatus['state'], string> = {
  online: 'good',
  connecting: 'info',
  reconnecting: 'warn',
  offline: 'bad',
  disabled: 'muted',
};

export function TunnelState({ status }: { status: TunnelStatus }) {
  const now = useNow(1000);
  const wait = status.state === 'reconnecting' && status.nextTryAt ? Math.max(0, Math.round((status.nextTryAt - now) / 1000)) : null;
  return (
    <span className={`tunnel tone-${TUNNEL_TONE[status.state]}`} title={status.reason ?? ''} data-tunnel-state={status.state}>
      <span className="dot" aria-hidden /> {status.state}
      {wait !== null ? ` (try ${status.attempt}, next in ${wait} s)` : ''}
    </span>
  );
}

/** What to paste into the gateway: the public URL with the callback path, one click away wherever the URL shows. */
export function CopyCallbackUrl({ publicUrl, path, testId, compact }: { publicUrl: string; path: string; testId: string; compact?: boolean }) {
  const store = useInspectorStore();
  const [copied, setCopied] = useState(false);
  const url = publicUrl.replace(/\/$/, '') + path;
  const copy = async () => {
    if (await copyText(url)) {
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } else store.getState().reportError('The clipboard is not available here; select the URL and copy it by hand.');
  };
  return (
    <button
      className={compact ? 'link-btn copy-url' : 'btn small'}
      onClick={() => void copy()}
      data-testid={testId}
      aria-label={`Copy the callback URL for the gateway: ${url}`}
      title={`Copy ${url} (paste it into the gateway's callback URL)`}
    >
      <Icon name={copied ? 'check' : 'copy'} size={compact ? 11 : 12} /> {copied ? 'Copied' : compact ? 'Copy' : 'Copy callback URL'}
    </button>
  );
}

/** Tunnel outages: the gateway got no 200 from us then, so those callbacks are missing or still being retried. */
const wholeSeconds = (ms: number) => formatDuration(Math.round(ms / 1000) * 1000);

export function DowntimeList({ downtime }: { downtime: TunnelStatus['downtime'] }) {
  const now = useNow(1000);
  // subscribed so a change of clock in Settings re-renders the time (formatTime alone reads it only when called)
  const zone = useInspector((s) => s.clockZone);
  if (downtime.length === 0) return <p className="dim">No tunnel outage since the app started.</p>;
  return (
    <ul className="downtime" data-testid="downtime-list">
      {[...downtime].reverse().map((w, i) => (
        <li key={i} data-ongoing={w.to === null}>
          {w.to === null ? (
            <>Callbacks <strong>cannot arrive</strong> since <span className="mono">{formatTime(w.from, now, zone)}</span> ({wholeSeconds(now - w.from)} so far)</>
          ) : (
            <>Callbacks could not arrive between <span className="mono">{formatTime(w.from, now, zone)}</span> and{' '}
              <span className="mono">{formatTime(w.to, now, zone)}</span> ({wholeSeconds(w.to - w.from)})</>
          )}
          <span className="dim"> — {w.reason}</span>
        </li>
      ))}
    </ul>
  );
}

function Downtime({ downtime }: { downtime: TunnelStatus['downtime'] }) {
  const [open, setOpen] = useState(false);
  if (downtime.length === 0) return null;
  const ongoing = downtime.some((w) => w.to === null);
  return (
    <span className="downtime-wrap">
      <button
        className={`link-btn tone-${ongoing ? 'bad' : 'warn'} downtime-btn`}
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        data-testid="downtime-button"
        title="When callbacks could not reach this app"
      >
        <Icon name="exception" size={11} /> {downtime.length} {downtime.length === 1 ? 'outage' : 'outages'}
      </button>
      {open ? (
        <div className="popover" role="dialog" aria-label="Tunnel outages">
          <p><strong>While the tunnel was down the gateway could not deliver.</strong> It retries for up to a day, so late callbacks may still come; anything it gave up on is missing here.</p>
          <DowntimeList downtime={downtime} />
        </div>
      ) : null}
    </span>
  );
}

/** the wait is said once it is noticeable: a lag of milliseconds is normal and not worth a number */
const LAG_SHOWN_AFTER_MS = 1000;

/**
 * During a burst the receiver answers first and indexing takes a small share of the time, so what is stored runs
 * ahead of what lists, counts and search show. The totals beside this count only what is indexed (the same figures
 * as the tabs); this says how many more are stored, so a list that seems to miss deliveries is not mistaken for
 * lost ones.
 */
function Waiting({ indexing }: { indexing: AppStatus['indexing'] }) {
  if (indexing.pending === 0) return null;
  const lag = indexing.lagMs !== null && indexing.lagMs >= LAG_SHOWN_AFTER_MS ? ` · ${wholeSeconds(indexing.lagMs)}` : '';
  return (
    <span
      className="indexing tone-warn"
      data-testid="indexing"
      title="Stored and acknowledged, not yet in lists, counts and search: indexing catches up as the burst eases"
    >
      {num(indexing.pending)} waiting to be indexed{lag}
    </span>
  );
}

/**
 * The store's indexed totals. With no search they are the tabs' figures; with one the tabs count its matches, so
 * these say they are the whole store's.
 */
function StoreTotals({ status }: { status: AppStatus }) {
  const searching = useInspector((s) => s.query.trim() !== '');
  const totals = indexedTotals(status);
  return (
    <span
      data-testid="store-totals"
      data-scope={searching ? 'store' : 'all'}
      title={searching ? 'Everything indexed in the store, whatever the search; the tabs count what the search matches' : 'Everything indexed in the store (the tabs show the same totals)'}
    >
      {searching ? <span className="dim">whole store: </span> : null}
      {plural(totals.deliveries, 'delivery', 'deliveries')} · {plural(totals.messages, 'message')}
    </span>
  );
}

/** shrink factors around the receiver URL's 1: the first are cut to nothing before it is cut at all, the last only
 * once it is gone */
const YIELD_FIRST = { flexShrink: 1000 };
const YIELD_LAST = { flexShrink: 0.001 };

export function StatusBar() {
  const status = useInspector((s) => s.status);
  const conn = useInspector((s) => s.connection);
  const paused = useInspector((s) => s.paused);
  const now = useNow(1000);
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span className={`live tone-${conn.state === 'open' ? (paused ? 'warn' : 'good') : 'bad'}`} data-connection={conn.state}>
        <span className="dot" aria-hidden />
        {conn.state === 'open'
          ? paused ? 'paused' : 'live'
          : conn.state === 'connecting'
            ? 'connecting…'
            : `disconnected — retrying${conn.nextTryAt ? ` in ${Math.max(0, Math.round((conn.nextTryAt - now) / 1000))} s` : ''}`}
      </span>
      <MaskBadge />
      <RulesBadge />
      {status ? (
        <>
          <span className="shrink" data-testid="statusbar-receiver" title={`Local receiver: ${status.receiverUrl}${status.callbackPath}`}><Icon name="plug" size={11} /> <span className="mono">{status.receiverUrl}{status.callbackPath}</span></span>
          {/* the tunnel's state is never cut; its public URL is (after the receiver URL) rather than the counts: Copy
              beside it has it whole */}
          <span title="Tunnel" data-testid="statusbar-tunnel">
            <Icon name="globe" size={11} /> <TunnelState status={status.tunnel} />
          </span>
          {status.tunnel.publicUrl ? (
            <span className="shrink mono" style={YIELD_LAST} data-testid="statusbar-public-url" title={`Tunnel: ${status.tunnel.publicUrl.replace(/\/$/, '') + status.callbackPath}`}>
              {status.tunnel.publicUrl.replace(/\/$/, '') + status.callbackPath}
            </span>
          ) : null}
          {status.tunnel.publicUrl ? <CopyCallbackUrl publicUrl={status.tunnel.publicUrl} path={status.callbackPath} testId="statusbar-copy-public-url" compact /> : null}
          <Downtime downtime={status.tunnel.downtime} />
          <span className="spacer" />
          <StoreTotals status={status} />
          <Waiting indexing={status.indexing} />
          <span data-testid="deliveries-today" title="Deliveries received since midnight, indexed or not">{num(status.deliveriesToday)} received today</span>
          {/* the least needed: left out of a narrow window (Settings → Stored data tells the size), and on a full wide
              line they give way before anything else (then the receiver URL), so the counts stay whole */}
          <span className="shrink sb-extra" style={YIELD_FIRST} title={`${formatBytes(status.storeBytes)} stored in ${status.dataDir}`}>{formatBytes(status.storeBytes)} stored</span>
          <span className="shrink dim sb-extra" style={YIELD_FIRST} title={`version ${status.version}`}>v{status.version}</span>
        </>
      ) : (
        <span className="dim">loading status…</span>
      )}
    </footer>
  );
}
