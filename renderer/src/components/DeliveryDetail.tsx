// One delivery: what arrived (preview, JSON, raw request), what it means, and what we can do with it.
import { useMemo, useState } from 'react';
import type { DeliveryDetail as Detail } from '../../../shared/domain';
import { explainFlag } from '../../../shared/explain';
import { revealHidden } from '../../../shared/visible-text';
import { errorMessage } from '../api/client';
import { copyText } from '../lib/clipboard';
import { useMasked } from '../lib/mask-view';
import { formatBytes, formatFullTime, formatRaw, num } from '../lib/format';
import { useApi, useInspector, useInspectorStore } from '../store/context';
import { FlagBadge, StatusCode, SimulatedBadge } from './Badges';
import { Icon } from './Icons';
import { JsonTree } from './JsonTree';
import { LongText, Preview } from './Preview';
import { ReplayPanel } from './ReplayPanel';
import { RetryAfter200Badge } from './Badges';
import { RetryLadder } from './RetryLadder';
import { RETRY_AFTER_200_HINT, retriedAfter200 } from '../../../shared/retry-ladder';
import { RuleAnswer } from './RuleAnswer';

type Tab = 'preview' | 'json' | 'request' | 'replay';
const RAW_CUT = 100_000;

export function DeliveryDetail({ d }: { d: Detail }) {
  const store = useInspectorStore();
  const api = useApi();
  const hasRef = useInspector((s) => s.selectedRef !== null);
  // times are formatted in the chosen zone: a new choice re-renders them
  useInspector((s) => s.clockZone);
  const [tab, setTab] = useState<Tab>(d.callback ? 'preview' : 'request');
  const [toast, setToast] = useState<string | null>(null);
  const flash = (t: string) => {
    setToast(t);
    setTimeout(() => setToast(null), 1500);
  };
  const parsed = useMemo(() => {
    try {
      return { ok: true as const, value: JSON.parse(d.bodyText) as unknown };
    } catch (err) {
      return { ok: false as const, error: errorMessage(err) };
    }
  }, [d.bodyText]);

  const copyCurl = async () => {
    try {
      const curl = await api.copyAsCurl({ deliveryId: d.id, mask: store.getState().masked !== false });
      if (await copyText(curl)) flash('cURL command copied');
      else store.getState().reportError('The clipboard is not available here.');
    } catch (err) {
      store.getState().reportError(errorMessage(err));
    }
  };

  return (
    <div className="delivery-detail" data-testid="delivery-detail" data-delivery-id={d.id}>
      <div className="detail-head">
        <div className="detail-title">
          {hasRef ? (
            <button className="btn small ghost" onClick={() => store.getState().selectDelivery(null)} title="Back to the message timeline">
              <Icon name="back" size={12} /> Timeline
            </button>
          ) : null}
          <span className="mono">#{d.id}</span>
          <strong>{revealHidden(d.type ?? (d.outcome === 'rejected' ? 'rejected' : d.kind))}</strong>
          {d.channel ? <span className={`channel ch-${d.channel.toLowerCase()}`}>{revealHidden(d.channel)}</span> : null}
          {d.attempt ? <span className="dim">attempt {d.attempt}</span> : null}
          <SimulatedBadge headers={d.headers} />
          <span className="spacer" />
          <button className="btn small" onClick={() => void copyCurl()}><Icon name="copy" size={12} /> Copy as cURL</button>
          <button className="btn small" onClick={() => setTab('replay')}><Icon name="replay" size={12} /> Replay…</button>
        </div>
        <dl className="facts">
          <dt>Received</dt>
          <dd className="mono" data-testid="received-at" title={`received by this inspector ${formatRaw(d.receivedAt)}`}>{formatFullTime(d.receivedAt)}</dd>
          {d.timestamp !== null ? (
            <>
              <dt>Timestamp</dt>
              <dd className="mono" data-testid="event-timestamp" title={`the gateway's timestamp ${formatRaw(d.timestamp)}; the Raw request tab has it exactly as sent`}>{formatFullTime(d.timestamp)}</dd>
            </>
          ) : null}
          <dt>Answered</dt><dd><StatusCode status={d.responseStatus} /> in <span className="mono">{d.responseMs} ms</span><RuleAnswer by={d.answeredBy} />{d.rejectReason ? <span className="bad-text"> — {revealHidden(d.rejectReason)}</span> : null}</dd>
          <dt>Request</dt><dd className="mono">{revealHidden(`${d.method} ${d.path}${d.query ? `?${d.query}` : ''}`)} · {formatBytes(d.bodySize)} from {d.remoteAddress}</dd>
          {d.reference ? (<><dt>Reference</dt><dd className="mono">{revealHidden(d.reference)}</dd></>) : null}
          {d.eventId ? (<><dt>event_id</dt><dd className="mono">{revealHidden(d.eventId)}</dd></>) : null}
        </dl>
        {d.flagDetails.length > 0 ? (
          <ul className="flag-explain">
            {d.flagDetails.map((f, i) => (
              <li key={i}><FlagBadge flag={f.flag} /> <LongText text={explainFlag(f)} cut={600} /></li>
            ))}
            {retriedAfter200(d.previousAnswer) ? <li><RetryAfter200Badge /> {RETRY_AFTER_200_HINT.replace(/^Retry after 200: | Search: .*$/g, '')}</li> : null}
          </ul>
        ) : null}
        {d.attempts && d.attempts.length > 1 ? (
          <section className="ladder-section" aria-label="Attempts of this event">
            <h4 className="ladder-title">Attempts of this event</h4>
            <RetryLadder deliveries={d.attempts} total={Math.max(d.attempts.length, d.attempts[d.attempts.length - 1]!.attempt ?? 0)} />
          </section>
        ) : null}
      </div>
      <div className="tabs" role="tablist">
        {(['preview', 'json', 'request', 'replay'] as Tab[]).map((t) => (
          <button key={t} role="tab" aria-selected={tab === t} className={tab === t ? 'on' : ''} onClick={() => setTab(t)}>
            {t === 'preview' ? 'Preview' : t === 'json' ? 'JSON' : t === 'request' ? 'Raw request' : `Replay${d.forwards.length ? ` (${d.forwards.length})` : ''}`}
          </button>
        ))}
        {toast ? <span className="toast-inline" role="status">{revealHidden(toast)}</span> : null}
      </div>
      <div className="tab-body">
        {tab === 'preview' ? (
          d.callback ? <Preview callback={d.callback} /> : <p className="dim">This delivery has no valid callback to preview; see the raw request.</p>
        ) : null}
        {tab === 'json' ? (
          parsed.ok ? <JsonTree value={parsed.value} onCopied={(w) => flash(`Copied ${w}`)} /> : <p className="bad-text">Body is not JSON: {revealHidden(parsed.error)}</p>
        ) : null}
        {tab === 'request' ? <RawRequest d={d} onCopied={flash} /> : null}
        {tab === 'replay' ? <ReplayPanel d={d} /> : null}
      </div>
    </div>
  );
}

function RawRequest({ d, onCopied }: { d: Detail; onCopied: (t: string) => void }) {
  const [all, setAll] = useState(false);
  const masked = useMasked();
  // the bytes as they are, but a bidi override or invisible character is shown as its code here too; Copy body
  // copies the original
  const body = useMemo(() => revealHidden(all ? d.bodyText : d.bodyText.slice(0, RAW_CUT), 'block'), [all, d.bodyText]);
  return (
    <div className="raw">
      <div className="raw-line mono">{revealHidden(`${d.method} ${d.path}${d.query ? `?${d.query}` : ''}`)}</div>
      <table className="headers mono" data-testid="request-headers">
        <tbody>
          {d.headers.map(([k, v], i) => (
            <tr key={i}><td className="h-name">{revealHidden(k)}</td><td className="h-val"><LongText text={v} cut={500} /></td></tr>
          ))}
        </tbody>
      </table>
      <div className="raw-tools">
        <span className="dim">{formatBytes(d.bodySize)}{d.bodyTruncated ? ' — body truncated in storage' : ''}{masked ? ' received — shown masked, not as sent' : ''}</span>
        <button className="btn small" onClick={() => void copyText(d.bodyText).then(() => onCopied('Body copied'))}><Icon name="copy" size={12} /> Copy body</button>
      </div>
      <pre className="raw-body mono" data-testid="raw-body">{body}</pre>
      {!all && d.bodyText.length > RAW_CUT ? (
        <button className="link-btn" onClick={() => setAll(true)}>show all {num(d.bodyText.length)} chars</button>
      ) : null}
    </div>
  );
}
