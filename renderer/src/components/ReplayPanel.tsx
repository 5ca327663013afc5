// Send a stored delivery again to one of the user's endpoints — as is, edited, or the way the gateway would (10 s
// timeout, documented retries, sped up) — check it accepts duplicates, and see every attempt as it happens.
// Everything shown is what happened: the headers listed are the ones on the wire, an edited body goes out as typed.
import { useEffect, useMemo, useState } from 'react';
import type { IdempotencyReport } from '../../../shared/api';
import { GATEWAY_TIMEOUT_MS } from '../../../shared/constants';
import type { DeliveryDetail, ForwardAttempt } from '../../../shared/domain';
import { revealHidden } from '../../../shared/visible-text';
import { errorMessage } from '../api/client';
import { formatDuration, formatTime, plural } from '../lib/format';
import { useMasked } from '../lib/mask-view';
import { useApi, useInspector, useInspectorStore } from '../store/context';
import { StatusCode } from './Badges';
import { Icon } from './Icons';
import { parseHeaderLines } from './TargetsEditor';

function validateEditedBody(text: string): string | null {
  if (!text.trim()) return 'The body is empty.';
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    return `Not valid JSON: ${errorMessage(err)}`;
  }
}

/** only when the user asks: an edited body is sent as typed, so its bytes stay the original's until then */
const prettyBody = (text: string) => {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
};

const MODE_LABEL: Record<ForwardAttempt['mode'], string> = {
  replay: 'replay',
  'replay-as-gateway': 'replay as gateway',
  forward: 'forward',
  proxy: 'proxy',
  idempotency: 'duplicate check',
};

function outcome(attempts: ForwardAttempt[]): { ok: boolean; text: string } {
  const last = attempts[attempts.length - 1];
  if (!last) return { ok: false, text: 'Nothing was sent.' };
  const tries = attempts.length > 1 ? ` after ${attempts.length} attempts` : '';
  if (last.status === 200) return { ok: true, text: `The target answered 200 in ${last.durationMs} ms${tries}.` };
  const why = last.status === null ? `no answer (${last.error ?? 'no response'})` : `${last.status}${last.error ? ` (${last.error})` : ''}`;
  return { ok: false, text: `The target answered ${why}${tries}. The gateway would treat anything but 200 as a failure.` };
}

export function ReplayPanel({ d }: { d: DeliveryDetail }) {
  const api = useApi();
  const store = useInspectorStore();
  const targets = useInspector((s) => s.targets);
  // the editor holds the real body (what is sent): not drawn while masking is on
  const masked = useMasked();
  const [targetId, setTargetId] = useState<number | null>(null);
  const [asGateway, setAsGateway] = useState(false);
  const [speed, setSpeed] = useState(60);
  const [busy, setBusy] = useState<'replay' | 'idempotency' | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [editing, setEditing] = useState(false);
  const [times, setTimes] = useState(5);
  const [report, setReport] = useState<IdempotencyReport | null>(null);

  useEffect(() => {
    if (store.getState().targets === null) void store.getState().loadTargets();
    api.listForwards({ deliveryId: d.id }).then((f) => store.getState().mergeForwards(d.id, f), () => {});
  }, [api, store, d.id]);

  const target = targets?.find((t) => t.id === targetId) ?? targets?.find((t) => t.isDefault) ?? null;

  const replay = async (body?: string, headerOverrides: [string, string][] = []) => {
    if (!target) return;
    setBusy('replay');
    setResult(null);
    try {
      const attempts = await api.replayDelivery({ deliveryId: d.id, targetId: target.id, body, headerOverrides, asGateway, speed: asGateway ? speed : 1 });
      store.getState().mergeForwards(d.id, attempts);
      setResult(outcome(attempts));
      if (body !== undefined) setEditing(false);
    } catch (err) {
      setResult({ ok: false, text: errorMessage(err) });
    } finally {
      setBusy(null);
    }
  };

  const checkIdempotency = async () => {
    if (!target) return;
    setBusy('idempotency');
    setResult(null);
    setReport(null);
    try {
      setReport(await api.checkIdempotency({ deliveryId: d.id, targetId: target.id, times }));
      void api.listForwards({ deliveryId: d.id }).then((f) => store.getState().mergeForwards(d.id, f), () => {});
    } catch (err) {
      setResult({ ok: false, text: errorMessage(err) });
    } finally {
      setBusy(null);
    }
  };

  const cancel = () => void api.cancelReplay({ deliveryId: d.id }).catch((err) => setResult({ ok: false, text: errorMessage(err) }));

  if (targets !== null && targets.length === 0) {
    return (
      <div className="replay" data-testid="replay-panel">
        <p>No target yet: save the URL of your own webhook endpoint first (e.g. <code>http://localhost:3000/callbacks</code>).</p>
        <button className="btn primary" onClick={() => store.getState().openDialog('settings')}>Add a target…</button>
        <ForwardsTable forwards={d.forwards} />
      </div>
    );
  }

  return (
    <div className="replay" data-testid="replay-panel">
      <div className="replay-form">
        <label>
          To{' '}
          <select value={target?.id ?? ''} onChange={(e) => setTargetId(Number(e.target.value))} aria-label="Replay target" disabled={!targets}>
            {targets?.map((t) => (
              <option key={t.id} value={t.id}>{t.url}{t.isDefault ? ' (default)' : ''}</option>
            ))}
          </select>
        </label>
        <button className="link-btn" onClick={() => store.getState().openDialog('settings')}>manage targets</button>
      </div>
      <div className="replay-form">
        <label className="inline">
          <input type="checkbox" checked={asGateway} onChange={(e) => setAsGateway(e.target.checked)} /> As the gateway would: 10 s timeout, retry
          anything but 200 on the documented schedule
        </label>
        {asGateway ? (
          <label className="inline">
            speed ×
            <input type="number" min={1} max={100000} value={speed} onChange={(e) => setSpeed(Math.max(1, Math.min(100000, Number(e.target.value) || 1)))} aria-label="Speed factor" className="num-input" />
            <span className="dim">(10 s → {formatDuration(10_000 / speed)}, 1 d → {formatDuration(86_400_000 / speed)})</span>
          </label>
        ) : null}
      </div>
      <div className="replay-form">
        <button className="btn primary" disabled={busy !== null || !target} onClick={() => void replay()}>
          <Icon name="replay" size={12} /> {busy === 'replay' && !editing ? 'Sending…' : 'Replay'}
        </button>
        <button className="btn" disabled={busy !== null || !target} onClick={() => setEditing(!editing)} aria-pressed={editing}>
          Edit &amp; replay…
        </button>
        {busy === 'replay' && asGateway ? <button className="btn warn" onClick={cancel}>Stop retrying</button> : null}
        <span className="spacer" />
        <button
          className="btn"
          disabled={busy !== null || !target}
          onClick={() => void checkIdempotency()}
          title="Send this callback several times, one after another and all at once, and check that every send gets a 200 in time. Whether your endpoint acts on it only once shows in your data, not here."
        >
          {busy === 'idempotency' ? 'Checking…' : 'Check duplicate handling'}
        </button>
        <label className="inline">
          <input type="number" min={1} max={100} value={times} onChange={(e) => setTimes(Math.max(1, Math.min(100, Number(e.target.value) || 1)))} aria-label="Times" className="num-input small" />
          times each way
        </label>
      </div>
      {editing && masked ? (
        <p className="dim" data-testid="edit-masked">Editing shows the body as received: switch off “Mask personal data” in Settings to edit it.</p>
      ) : editing ? <EditAndReplay d={d} busy={busy === 'replay'} onSend={(body, headers) => void replay(body, headers)} onCancel={() => setEditing(false)} /> : null}
      {result ? <p className={result.ok ? 'good-text' : 'bad-text'} role={result.ok ? 'status' : 'alert'} data-testid="replay-result">{revealHidden(result.text)}</p> : null}
      {report ? <IdempotencyView report={report} /> : null}
      <ForwardsTable forwards={d.forwards} />
    </div>
  );
}

function EditAndReplay({ d, busy, onSend, onCancel }: { d: DeliveryDetail; busy: boolean; onSend: (body: string, headers: [string, string][]) => void; onCancel: () => void }) {
  const [text, setText] = useState(d.bodyText);
  const [headerText, setHeaderText] = useState('');
  const [tried, setTried] = useState(false);
  const bodyError = useMemo(() => validateEditedBody(text), [text]);
  const headers = useMemo(() => parseHeaderLines(headerText), [headerText]);
  const error = bodyError ?? (headers.ok ? null : headers.error);
  return (
    <form
      className="edit-replay"
      data-testid="edit-replay"
      onSubmit={(e) => {
        e.preventDefault();
        setTried(true);
        if (!error && headers.ok) onSend(text, headers.headers);
      }}
    >
      <label>
        <span>Body (JSON) — sent exactly as typed instead of the original bytes</span>
        <textarea className="mono" value={text} onChange={(e) => setText(e.target.value)} rows={14} spellCheck={false} aria-label="Edited body" aria-invalid={bodyError !== null} />
      </label>
      <label>
        <span>Header overrides <small className="dim">(optional, "Name: value" per line)</small></span>
        <textarea className="mono" value={headerText} onChange={(e) => setHeaderText(e.target.value)} rows={2} spellCheck={false} aria-label="Header overrides" />
      </label>
      {error && (tried || bodyError !== null) ? <p className="bad-text" role="alert" data-testid="edit-error">{error}</p> : null}
      <div className="form-actions">
        <button type="submit" className="btn primary" disabled={busy}>{busy ? 'Sending…' : 'Send edited'}</button>
        <button type="button" className="btn" onClick={() => setText(prettyBody(text))} disabled={bodyError !== null} title="Indent the JSON (changes the bytes sent)">Format JSON</button>
        <button type="button" className="btn" onClick={() => setText(d.bodyText)}>Reset to original</button>
        <button type="button" className="btn ghost" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}

function IdempotencyView({ report }: { report: IdempotencyReport }) {
  const allOk = report.checks.every((c) => c.ok);
  const run = (label: string, rows: IdempotencyReport['sequential']) => (
    <tr>
      <th>{label}</th>
      <td>
        {rows.map((r, i) => (
          <span key={i} className="idem-try" title={revealHidden(r.error ?? '')}>
            {r.status === null ? <span className="bad-text">✕</span> : <StatusCode status={r.status} />} <span className="dim mono">{r.durationMs} ms</span>
          </span>
        ))}
      </td>
    </tr>
  );
  return (
    <div className={`idempotency ${allOk ? 'ok' : 'bad'}`} data-testid="idempotency-report">
      <h4>
        {allOk ? <Icon name="check" size={14} /> : <Icon name="exception" size={14} />} {report.targetUrl}{' '}
        {allOk
          ? `answered every send with 200 within ${GATEWAY_TIMEOUT_MS / 1000} s, duplicates included`
          : `failed ${report.checks.filter((c) => !c.ok).length} of ${report.checks.length} checks`}
      </h4>
      <ul className="checks">
        {report.checks.map((c, i) => (
          <li key={i} data-ok={c.ok}>
            <span className={c.ok ? 'good-text' : 'bad-text'}>{c.ok ? '✓ met' : '✕ not met'}</span> <strong>{c.requirement}</strong>
            <span className="dim"> — {revealHidden(c.detail)}</span>
          </li>
        ))}
      </ul>
      <p className="dim" data-testid="idempotency-not-checked">
        Not checked: whether the endpoint acted on the event only once. Only your own data shows that (it should hold this event once, e.g. one row per event_id).
      </p>
      <table className="idem-runs">
        <tbody>
          {run('One after another', report.sequential)}
          {run('All at once', report.concurrent)}
        </tbody>
      </table>
    </div>
  );
}

function ForwardsTable({ forwards }: { forwards: ForwardAttempt[] }) {
  const [open, setOpen] = useState<number | null>(null);
  const rows = [...forwards].reverse();
  return (
    <table className="forwards" data-testid="forwards">
      <thead>
        <tr><th>When</th><th>Mode</th><th>Try</th><th>Target</th><th>Answer</th><th>Time</th><th>Response / error</th></tr>
      </thead>
      <tbody>
        {rows.length === 0 ? <tr><td colSpan={7} className="dim">Not replayed or forwarded yet.</td></tr> : null}
        {rows.map((f) => (
          <FragmentRow key={f.id} f={f} open={open === f.id} onToggle={() => setOpen(open === f.id ? null : f.id)} />
        ))}
      </tbody>
    </table>
  );
}

function FragmentRow({ f, open, onToggle }: { f: ForwardAttempt; open: boolean; onToggle: () => void }) {
  // subscribed so a change of clock in Settings re-renders the time (formatTime alone reads it only when called)
  const zone = useInspector((s) => s.clockZone);
  return (
    <>
      <tr className="forward" data-testid="forward" data-forward-id={f.id} data-status={f.status ?? 'none'} onClick={onToggle} aria-expanded={open}>
        <td className="mono">{formatTime(f.startedAt, Date.now(), zone)}</td>
        <td data-testid="forward-mode">{MODE_LABEL[f.mode] ?? f.mode}</td>
        <td className="mono">{f.attempt}</td>
        <td className="mono clip" title={revealHidden(f.targetUrl)}>{revealHidden(f.targetUrl)}</td>
        <td data-testid="forward-status">{f.status === null ? <span className="bad-text">no answer</span> : <StatusCode status={f.status} />}</td>
        <td className="mono">{f.durationMs} ms</td>
        <td className={`mono clip ${f.error ? 'bad-text' : ''}`}>{revealHidden(f.error ?? f.responseExcerpt.slice(0, 200))}</td>
      </tr>
      {open ? (
        <tr className="forward-more" data-testid="forward-more">
          <td colSpan={7}>
            <div className="fw-cols">
              <div>
                <strong>Sent</strong> <span className="dim">{plural(f.requestBodySize, 'byte')}</span>
                <table className="headers mono"><tbody>{f.requestHeaders.map(([k, v], i) => <tr key={i}><td className="h-name">{revealHidden(k)}</td><td className="h-val">{revealHidden(v)}</td></tr>)}</tbody></table>
              </div>
              <div>
                <strong>Answered</strong>
                <table className="headers mono"><tbody>{f.responseHeaders.map(([k, v], i) => <tr key={i}><td className="h-name">{revealHidden(k)}</td><td className="h-val">{revealHidden(v)}</td></tr>)}</tbody></table>
                {f.responseExcerpt ? <pre className="raw-body mono">{revealHidden(f.responseExcerpt, 'block')}</pre> : null}
                {f.error ? <p className="bad-text">{revealHidden(f.error)}</p> : null}
              </div>
            </div>
          </td>
        </tr>
      ) : null}
    </>
  );
}
