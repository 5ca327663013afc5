// Settings: the tunnel (on/off, self-hosted server, subdomain), what the app does with incoming callbacks
// (notify, forward live, proxy) and the replay targets. Every change goes to the core, which may refuse it;
// its message is shown next to what was refused and nothing is half-applied in the form.
import { useEffect, useState } from 'react';
import type { Settings } from '../../../shared/api';
import { errorMessage } from '../api/client';
import { useInspector, useInspectorStore } from '../store/context';
import { ClockSetting } from './ClockSetting';
import { Icon } from './Icons';
import { InspectorLinkSection } from './InspectorLink';
import { DataSettings } from './DataSettings';
import { RulesSection } from './RulesBadge';
import { MaskSetting } from './MaskSetting';
import { CopyCallbackUrl, DowntimeList, TunnelState } from './StatusBar';
import { TargetsEditor } from './TargetsEditor';
import { SimulateCampaign } from './SimulateCampaign';
import { ConformPanel } from './ConformPanel';
import { useEscapeToClose } from '../lib/use-escape';

export function SettingsPanel({ onClose }: { onClose: () => void }) {
  const store = useInspectorStore();
  const settings = useInspector((s) => s.settings);
  const tunnel = useInspector((s) => s.status?.tunnel ?? null);
  const callbackPath = useInspector((s) => s.status?.callbackPath ?? '/callbacks');

  useEffect(() => {
    void store.getState().loadSettings();
    void store.getState().loadTargets();
  }, [store]);

  useEscapeToClose(onClose);

  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <aside className="drawer" role="dialog" aria-label="Settings" data-testid="settings">
        <header className="drawer-head">
          <h2>Settings</h2>
          <button className="icon-btn" aria-label="Close settings" onClick={onClose}><Icon name="close" size={14} /></button>
        </header>
        {settings ? (
          <>
            <TunnelSection settings={settings} />
            {tunnel ? (
              <section>
                <h3>Tunnel now</h3>
                <p><TunnelState status={tunnel} /></p>
                {tunnel.publicUrl ? (
                  <div className="urlbox">
                    <code className="mono">{tunnel.publicUrl.replace(/\/$/, '') + callbackPath}</code>
                    <CopyCallbackUrl publicUrl={tunnel.publicUrl} path={callbackPath} testId="settings-copy-public-url" />
                  </div>
                ) : null}
                {tunnel.reason ? <p className="dim">{tunnel.reason}</p> : null}
                {settings.tunnel.enabled && tunnel.state === 'disabled' ? (
                  <p className="warn-text">The tunnel is switched off for this run (e.g. started with <code>--tunnel none</code>); your settings apply next time.</p>
                ) : null}
                <DowntimeList downtime={tunnel.downtime} />
              </section>
            ) : null}
            <BehaviourSection settings={settings} />
          </>
        ) : (
          <p className="dim pad">Loading settings…</p>
        )}
        <RulesSection />
        <ClockSetting />
        <MaskSetting />
        <InspectorLinkSection />
        <DataSettings />
        <section>
          <h3>Simulated traffic</h3>
          <p className="dim">
            50 generated messages sent to this inspector's own receiver the way the gateway sends callbacks, marked
            "simulated". To test your endpoint instead: <code>npm run cli -- simulate --to URL</code>.
          </p>
          <SimulateCampaign />
        </section>
        <section>
          <h3>Replay targets</h3>
          <p className="dim">Your own webhook endpoints. Replays go to the default one unless you pick another.</p>
          <TargetsEditor />
        </section>
        <section aria-label="Test my endpoint">
          <h3>Test my endpoint</h3>
          <p className="dim">
            Sends a fixed battery of about 150 simulated callbacks to a target (a lifecycle, exact and key-reordered retries,
            out-of-order arrival, SMS fallback, every documented type, unknown fields, large bodies, a burst of 100 requests, 20 at a time) and
            judges the answers against the gateway's requirements: HTTP 200 within 10 s, duplicates handled.
          </p>
          <ConformPanel />
        </section>
      </aside>
    </div>
  );
}

function TunnelSection({ settings }: { settings: Settings }) {
  const store = useInspectorStore();
  const tunnelOff = useInspector((s) => s.status?.tunnel.state === 'disabled');
  const [enabled, setEnabled] = useState(settings.tunnel.enabled);
  const [host, setHost] = useState(settings.tunnel.host);
  const [subdomain, setSubdomain] = useState(settings.tunnel.subdomain ?? '');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const dirty =
    enabled !== settings.tunnel.enabled || host.trim() !== settings.tunnel.host || (subdomain.trim() || null) !== settings.tunnel.subdomain;

  const save = async () => {
    setBusy(true);
    setResult(null);
    try {
      const s = await store.getState().updateSettings({ tunnel: { enabled, host: host.trim(), subdomain: subdomain.trim() || null } });
      setEnabled(s.tunnel.enabled);
      setHost(s.tunnel.host);
      setSubdomain(s.tunnel.subdomain ?? '');
      setResult({ ok: true, text: 'Saved. The tunnel reconnects with these settings.' });
    } catch (err) {
      setResult({ ok: false, text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };

  const reconnect = async () => {
    setBusy(true);
    await store.getState().reconnectTunnel();
    setBusy(false);
  };

  return (
    <section>
      <h3>Tunnel</h3>
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label className="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Expose the receiver on a public URL
        </label>
        <label>
          <span>Tunnel server</span>
          <input type="url" value={host} onChange={(e) => setHost(e.target.value)} placeholder="https://localtunnel.me" aria-label="Tunnel server" />
          <small className="dim">Self-hosted localtunnel server, if you run one.</small>
        </label>
        <label>
          <span>Subdomain</span>
          <input value={subdomain} onChange={(e) => setSubdomain(e.target.value)} placeholder="(random)" aria-label="Subdomain" />
          <small className="dim">Asked for, not guaranteed: if it is taken the server picks another and the app warns you.</small>
        </label>
        <div className="form-actions">
          <button type="submit" className="btn primary" disabled={busy || !dirty}>Save tunnel settings</button>
          <button type="button" className="btn" disabled={busy || tunnelOff} onClick={() => void reconnect()}>
            <Icon name="replay" size={12} /> Reconnect now
          </button>
        </div>
        {result ? <p className={result.ok ? 'good-text' : 'bad-text'} role={result.ok ? 'status' : 'alert'} data-testid="tunnel-result">{result.text}</p> : null}
      </form>
    </section>
  );
}

type Toggle = 'notifications' | 'forwardLive' | 'proxyMode';
const TOGGLES: { key: Toggle; label: string; hint: string }[] = [
  { key: 'notifications', label: 'Desktop notifications', hint: 'The desktop app tells you when exceptions or errors arrive while its window is in the background (not the browser UI of serve).' },
  { key: 'forwardLive', label: 'Forward live', hint: 'Send every incoming callback to the default target as well; its answer is recorded on the delivery.' },
  {
    key: 'proxyMode',
    label: 'Proxy mode',
    hint: "Answer the gateway with the default target's status (within the gateway's 10 s), so the gateway's own retries exercise your endpoint.",
  },
];

function BehaviourSection({ settings }: { settings: Settings }) {
  const store = useInspectorStore();
  const hasTarget = useInspector((s) => (s.targets?.length ?? 0) > 0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<Toggle | null>(null);
  const flip = async (key: Toggle, value: boolean) => {
    setBusy(key);
    setError(null);
    try {
      await store.getState().updateSettings({ [key]: value });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };
  return (
    <section>
      <h3>Incoming callbacks</h3>
      {TOGGLES.map((t) => (
        <label key={t.key} className="check toggle">
          <input
            type="checkbox"
            checked={settings[t.key]}
            disabled={busy === t.key}
            onChange={(e) => void flip(t.key, e.target.checked)}
            aria-label={t.label}
          />
          <span>
            <strong>{t.label}</strong>
            <small className="dim">{t.hint}</small>
            {t.key !== 'notifications' && settings[t.key] && !hasTarget ? (
              <small className="bad-text">No target saved yet: add one below, or nothing is forwarded.</small>
            ) : null}
          </span>
        </label>
      ))}
      {error ? <p className="bad-text" role="alert">{error}</p> : null}
    </section>
  );
}
