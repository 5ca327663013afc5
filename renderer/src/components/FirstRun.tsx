// Shown until the first delivery arrives: exactly what to paste where, and a way to prove it works.
import { useState } from 'react';
import { errorMessage } from '../api/client';
import { copyText } from '../lib/clipboard';
import { useApi, useInspector } from '../store/context';
import { Icon } from './Icons';
import { SimulateCampaign } from './SimulateCampaign';
import { TunnelState } from './StatusBar';

export function FirstRun() {
  const api = useApi();
  const status = useInspector((s) => s.status);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  if (!status) return <div className="first-run"><p className="dim">Connecting to the inspector…</p></div>;
  const path = status.callbackPath;
  const localUrl = status.receiverUrl + path;
  const publicUrl = status.tunnel.publicUrl ? status.tunnel.publicUrl.replace(/\/$/, '') + path : null;

  const sendTest = async () => {
    setBusy(true);
    setResult(null);
    const via = status.tunnel.state === 'online' && publicUrl ? 'public' : 'local';
    try {
      const r = await api.sendTestCallback({ via });
      const ok = r.status >= 200 && r.status < 300;
      setResult({ ok, text: ok ? `Test callback answered ${r.status} via ${r.url} — it should appear in the list now, with a notice to delete it once seen.` : `The receiver answered ${r.status} via ${r.url}.` });
    } catch (err) {
      setResult({ ok: false, text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="first-run" data-testid="first-run">
      <h2><Icon name="inbox" size={18} /> Waiting for the first callback</h2>
      <ol>
        <li>
          <strong>Paste this into the gateway's callback URL:</strong>
          {publicUrl ? (
            <UrlBox url={publicUrl} label="Public URL" />
          ) : (
            <p className="dim">
              No public URL: the tunnel is <TunnelState status={status.tunnel} />.{' '}
              {status.tunnel.state === 'disabled' ? 'Enable the tunnel, or point a gateway you run locally at the local URL below.' : status.tunnel.reason ?? ''}
            </p>
          )}
          {!publicUrl && (status.tunnel.state === 'reconnecting' || status.tunnel.state === 'offline') ? (
            <p className="dim" data-testid="tunnel-help">
              Until the tunnel server <code>{status.tunnel.host}</code> answers there is no public URL; the local receiver works meanwhile.
              Use a tunnel server you run (Settings › Tunnel server, or <code>--tunnel-host URL</code> for <code>serve</code>), or
              run without one (<code>--tunnel none</code>) and point a gateway that can reach this machine at the local URL. Behind a
              proxy or firewall, allow direct outbound connections to the tunnel server: it does not use proxy settings.
            </p>
          ) : null}
        </li>
        <li>
          <strong>Local receiver</strong> (this machine only):
          <UrlBox url={localUrl} label="Local URL" />
        </li>
        <li>
          <strong>Check it end to end:</strong>{' '}
          <button className="btn primary" onClick={() => void sendTest()} disabled={busy}>
            <Icon name="bolt" size={12} /> {busy ? 'Sending…' : 'Send a test callback'}
          </button>
          {result ? <p className={result.ok ? 'good-text' : 'bad-text'} role="status">{result.text}</p> : null}
        </li>
        <li>
          <strong>No gateway yet?</strong> See the inspector at work on 50 realistic simulated messages (deliveries, reads,
          replies, no-RCS fallbacks, errors, blocks), sent to the local receiver:
          <SimulateCampaign />
        </li>
      </ol>
      <p className="dim">Every delivery is written to disk before it is answered with 200. Tunnel: <TunnelState status={status.tunnel} /></p>
    </div>
  );
}

function UrlBox({ url, label }: { url: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="urlbox">
      <span className="dim">{label}</span>
      <code className="mono" data-testid={label === 'Public URL' ? 'public-url' : 'local-url'}>{url}</code>
      <button
        className="btn small"
        onClick={() => void copyText(url).then((ok) => (setCopied(ok), setTimeout(() => setCopied(false), 1500)))}
      >
        <Icon name={copied ? 'check' : 'copy'} size={12} /> {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}
