// "Test my endpoint": the conformance battery against one of the replay targets, its pass/fail table with the
// reason of each failure, and the earlier runs (kept by the core) to compare with. A run takes seconds, longer
// when the endpoint is slow (each request waits up to 15 s), so the button says how long it has been running.
import { useEffect, useState } from 'react';
import type { AppStatus, ConformCheck, ConformReport } from '../../../shared/api';
import { revealHidden } from '../../../shared/visible-text';
import { errorMessage } from '../api/client';
import { formatDateTime, plural } from '../lib/format';
import { useApi, useInspector } from '../store/context';
import { useNow } from './useNow';

const VERDICT = { pass: { text: 'PASS', tone: 'tone-good' }, fail: { text: 'FAIL', tone: 'tone-bad' }, warn: { text: 'WARN', tone: 'tone-warn' } } as const;

/** the battery's campaign name (electron/core/conform/campaign.ts): where its probes are stored when sent to us */
const CONFORM_CAMPAIGN = 'rci_conformance';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const sameEndpoint = (a: string, b: string) => {
  try {
    const x = new URL(a);
    const y = new URL(b);
    const host = (u: URL) => (LOOPBACK.has(u.hostname) ? 'loopback' : u.hostname);
    const path = (u: URL) => u.pathname.replace(/\/+$/, '') || '/';
    return x.protocol === y.protocol && host(x) === host(y) && x.port === y.port && path(x) === path(y);
  } catch {
    return false;
  }
};

/** a target that is this inspector's own receiver, locally or through its tunnel */
function isOwnReceiver(url: string, status: AppStatus | null): boolean {
  if (!status) return false;
  const own = [status.receiverUrl.replace(/\/$/, '') + status.callbackPath];
  if (status.tunnel.publicUrl) own.push(status.tunnel.publicUrl.replace(/\/$/, '') + status.callbackPath);
  return own.some((o) => sameEndpoint(url, o));
}

const ms = (v: number | null) => (v === null ? '–' : v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${v} ms`);

export function ConformPanel() {
  const api = useApi();
  const loaded = useInspector((s) => s.targets);
  const targets = loaded ?? [];
  const [targetId, setTargetId] = useState<number | null>(null);
  const [runs, setRuns] = useState<ConformReport[] | null>(null);
  const [shown, setShown] = useState<number | null>(null);
  const [startedAt, setStartedAt] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api.listConformRuns({}).then(setRuns, (err) => setError(errorMessage(err)));
  }, [api]);

  const chosen = targets.find((t) => t.id === targetId) ?? targets.find((t) => t.isDefault) ?? targets[0] ?? null;
  const status = useInspector((s) => s.status);
  const own = chosen !== null && isOwnReceiver(chosen.url, status);
  const rules = status?.rulesActive ?? 0;
  const run = async () => {
    if (!chosen) return;
    setError(null);
    setStartedAt(Date.now());
    try {
      const report = await api.conform({ targetId: chosen.id });
      setRuns((r) => [report, ...(r ?? []).filter((x) => x.id !== report.id)]);
      setShown(report.id);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setStartedAt(null);
    }
  };
  const report = runs?.find((r) => r.id === shown) ?? runs?.[0] ?? null;

  return (
    <div className="conform" data-testid="conform-panel">
      {loaded === null ? null : targets.length === 0 ? (
        <p className="dim">Add your endpoint as a target above to test it.</p>
      ) : (
        <div className="replay-form">
          <label className="inline">
            Endpoint{' '}
            <select aria-label="Endpoint to test" value={chosen?.id ?? ''} onChange={(e) => setTargetId(Number(e.target.value))} disabled={startedAt !== null}>
              {targets.map((t) => (
                <option key={t.id} value={t.id}>{t.url}</option>
              ))}
            </select>
          </label>
          <button className="btn primary" disabled={startedAt !== null || !chosen} onClick={() => void run()}>
            {startedAt !== null ? <Running since={startedAt} /> : 'Run the battery'}
          </button>
        </div>
      )}
      {own ? (
        <p className="conform-own" data-testid="conform-own">
          This is this inspector's own receiver: the battery's probes are stored here, as campaign <code>{CONFORM_CAMPAIGN}</code>.
          {rules > 0 ? (
            <strong className="warn-text" role="alert" data-testid="conform-rules-warning">
              {' '}{plural(rules, 'response rule')} {rules === 1 ? 'is' : 'are'} answering this inspector's receiver: the battery will see {rules === 1 ? 'its' : 'their'} answers.
            </strong>
          ) : null}
        </p>
      ) : null}
      {error ? <p className="bad-text" role="alert" data-testid="conform-error">{revealHidden(error)}</p> : null}
      {report ? <ReportView report={report} /> : null}
      {runs && runs.length > 0 ? <RunList runs={runs} shown={report?.id ?? null} onShow={setShown} /> : null}
    </div>
  );
}

function Running({ since }: { since: number }) {
  const now = useNow(1000);
  return <>Running… {Math.max(0, Math.round((now - since) / 1000))} s</>;
}

function ReportView({ report }: { report: ConformReport }) {
  const zone = useInspector((s) => s.clockZone);
  const s = report.summary;
  const failed = report.checks.filter((c) => c.verdict === 'fail').length;
  const non200 = Object.entries(s.non200).map(([k, n]) => `${k} ×${n}`).join(', ');
  return (
    <div className={`idempotency ${report.ok ? 'ok' : 'bad'}`} data-testid="conform-report">
      <h4>
        <span className={`badge ${report.ok ? 'tone-good' : 'tone-bad'}`}>{report.ok ? 'PASSED' : 'FAILED'}</span>
        <span>
          {report.ok ? 'every MUST of the gateway\'s documentation met' : `${failed} of ${report.checks.length} checks failed a MUST`}
        </span>
      </h4>
      <p className="dim conform-meta">
        Run #{report.id} · {formatDateTime(report.startedAt, zone)} · {report.targetUrl} · seed {report.seed} · {ms(report.durationMs)}
      </p>
      <p className="conform-figures" data-testid="conform-summary">
        {s.ok200} of {s.probes} answered 200 ({(s.rate200 * 100).toFixed(1)}%) · p50 {ms(s.latencyMs.p50)} · p99 {ms(s.latencyMs.p99)} (limit {ms(s.limitMs)}) ·{' '}
        <span className={s.timeouts ? 'bad-text' : ''}>{s.timeouts} over the limit</span>
        {non200 ? <span className="bad-text"> · non-200: {non200}</span> : null}
        {s.connectionErrors ? <span className="bad-text"> · no answer: {s.connectionErrors}</span> : null}
      </p>
      <table className="forwards conform-checks">
        <thead>
          <tr>
            <th>Verdict</th>
            <th>Check and reason</th>
            <th className="num">Requests</th>
            <th className="num">p99</th>
          </tr>
        </thead>
        <tbody>
          {report.checks.map((c) => (
            <CheckRow key={c.id} c={c} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CheckRow({ c }: { c: ConformCheck }) {
  const v = VERDICT[c.verdict];
  return (
    <tr data-check={c.id} data-verdict={c.verdict}>
      <td><span className={`badge ${v.tone}`}>{v.text}</span></td>
      <td title={`${c.what}. ${c.requirement}.`}>
        <strong>{c.title}</strong>
        <div className={`conform-reason ${c.verdict === 'fail' ? 'bad-text' : c.verdict === 'warn' ? 'warn-text' : 'dim'}`}>{revealHidden(c.reason)}</div>
      </td>
      <td className="num mono">{c.probes}</td>
      <td className="num mono">{ms(c.p99Ms)}</td>
    </tr>
  );
}

/** Earlier runs, newest first: each check's verdict as one mark, so a change between runs shows at a glance. */
function RunList({ runs, shown, onShow }: { runs: ConformReport[]; shown: number | null; onShow: (id: number) => void }) {
  const zone = useInspector((s) => s.clockZone);
  return (
    <div className="conform-runs">
      <h4>Earlier runs</h4>
      <ul data-testid="conform-runs">
        {runs.map((r) => (
          <li key={r.id}>
            <button className={`btn ghost small ${r.id === shown ? 'on' : ''}`} aria-pressed={r.id === shown} onClick={() => onShow(r.id)} title={r.targetUrl}>
              <span className={`badge ${r.ok ? 'tone-good' : 'tone-bad'}`}>{r.ok ? 'PASSED' : 'FAILED'}</span>
              <span className="mono">#{r.id}</span>
              <span>{formatDateTime(r.startedAt, zone)}</span>
              <span className="conform-marks" aria-label={r.checks.map((c) => `${c.title}: ${c.verdict}`).join(', ')}>
                {r.checks.map((c) => (
                  <span key={c.id} className={`badge ${VERDICT[c.verdict].tone}`} title={`${c.title}: ${VERDICT[c.verdict].text}`}>
                    {VERDICT[c.verdict].text[0]}
                  </span>
                ))}
              </span>
              <span className="dim mono">p99 {ms(r.summary.latencyMs.p99)}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
