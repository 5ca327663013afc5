// Why messages did not arrive, whether the SMS fallback did its job, and whether the gateway had to retry.
import type { Report } from '../../../shared/analytics';
import { revealHidden } from '../../../shared/visible-text';
import {
  accountTerm,
  attemptTerm,
  deliveriesDrill,
  FELL_BACK_TERMS,
  messagesDrill,
  nthAttempts,
  OFF_SCHEDULE_TERM,
  reasonTerm,
  SLOW_ANSWER_TERMS,
  type Drill,
} from '../lib/drill';
import { num, plural } from '../lib/format';
import { useInspectorStore } from '../store/context';
import { Card, CountRows, Fig, ms, pct, useReportQuery } from './AnalyticsParts';

/** blocked accounts listed by name, most blocks first; the rest are counted (and named in a tooltip) */
const MAX_ACCOUNTS = 5;
/** the gateway gives up on an answer after this long (design.md) */
const GATEWAY_LIMIT_MS = 10_000;

const EXCEPTION_LABEL = { auth: 'auth (401, token)', 'rcs-unsupported': 'no RCS (403/404)', other: 'other' } as const;

/** a breakdown's rows with a count, each opening its messages by the reason: term of its key */
function byReason(base: string, entries: [string, number][], label: (k: string) => string) {
  return entries.filter(([, n]) => n > 0).map(([k, n]) => ({ key: k, label: label(k), n, drill: messagesDrill(base, [reasonTerm(k)]) }));
}

/** every message with the flag, whatever its reason */
function ListAll({ drill, label }: { drill: Drill; label: string }) {
  const store = useInspectorStore();
  return (
    <button type="button" className="link-btn" title={drill.query} onClick={() => store.getState().drill(drill)}>
      {label}
    </button>
  );
}

export function AnalyticsFailures({ report }: { report: Report }) {
  const base = useReportQuery();
  const fl = report.failures;
  const exDrill = messagesDrill(base, ['flag:exception']);
  const errDrill = messagesDrill(base, ['flag:error']);
  const ppDrill = messagesDrill(base, ['flag:prepaid-blocked']);
  const exceptions = byReason(base, Object.entries(fl.exception), (k) => EXCEPTION_LABEL[k as keyof typeof EXCEPTION_LABEL] ?? k);
  const errors = byReason(base, Object.entries(fl.error ?? {}).sort((a, b) => b[1] - a[1]), (k) => (k === 'unknown' ? 'no code' : `HTTP ${k}`));
  const accounts = Object.entries(fl.prepaidBlocked?.accounts ?? {}).sort((a, b) => b[1] - a[1]);
  return (
    <Card title="Why messages did not arrive" testId="an-failures">
      <h3>
        Exceptions <ListAll drill={exDrill} label="List all" />
      </h3>
      <CountRows rows={exceptions} testId="an-exception" />
      <h3>
        Errors by code <ListAll drill={errDrill} label="List all" />
      </h3>
      <CountRows rows={errors} testId="an-error" />
      <h3>
        Prepaid blocks <ListAll drill={ppDrill} label="List all" />
      </h3>
      <CountRows
        testId="an-prepaid"
        rows={[
          { key: 'customer', label: 'customer credit limit', n: fl.prepaidBlocked?.customer ?? 0, drill: messagesDrill(base, [reasonTerm('customer')]) },
          { key: 'account', label: 'account credit limit', n: fl.prepaidBlocked?.account ?? 0, drill: messagesDrill(base, [reasonTerm('account')]) },
        ].filter((r) => r.n > 0)}
      />
      {accounts.length > 0 ? (
        <ul className="an-accounts" aria-label="Blocked accounts" data-testid="an-accounts">
          {accounts.slice(0, MAX_ACCOUNTS).map(([id, n]) => (
            <li key={id}>
              <span className="mono">{id === 'unknown' ? 'account not named' : revealHidden(id)}</span>
              <Fig n={n} drill={messagesDrill(base, [accountTerm(id)])} testId={`an-account-${id}`} />
            </li>
          ))}
          {accounts.length > MAX_ACCOUNTS ? (
            <li className="dim" title={accounts.slice(MAX_ACCOUNTS).map(([id, n]) => `${id}: ${n}`).join('\n')}>
              and {plural(accounts.length - MAX_ACCOUNTS, 'more account')}
            </li>
          ) : null}
        </ul>
      ) : null}
      <h3>Duplicate sends blocked</h3>
      <CountRows
        testId="an-dupblocked"
        rows={fl.duplicateBlocked > 0 ? [{ key: 'n', label: 'blocked as duplicates', n: fl.duplicateBlocked, drill: messagesDrill(base, ['flag:duplicate-blocked']) }] : []}
      />
    </Card>
  );
}

export function AnalyticsFallback({ report }: { report: Report }) {
  const base = useReportQuery();
  const noRcs = report.failures.exception['rcs-unsupported'];
  const { fellBack, fallbackMissing, doubleDelivery } = report.fallback;
  return (
    <Card title="SMS fallback" testId="an-fallback">
      <p className="an-lead">
        <strong data-testid="an-fallback-share">{pct(fellBack, noRcs)}</strong> of the {plural(noRcs, 'message')} without RCS fell back to SMS
      </p>
      <table className="an-counts">
        <tbody>
          <tr>
            <th scope="row">fell back to SMS</th>
            <td>
              <Fig n={fellBack} drill={messagesDrill(base, FELL_BACK_TERMS)} testId="an-fellback" />
            </td>
          </tr>
          <tr>
            <th scope="row" title="a no-RCS exception and no SMS callback within 60 s">fallback missing</th>
            <td><Fig n={fallbackMissing} drill={messagesDrill(base, ['anomaly:fallback-missing'])} testId="an-fallback-missing" /></td>
          </tr>
          <tr>
            <th scope="row" title="delivered on RCS and on SMS">double delivery</th>
            <td><Fig n={doubleDelivery} drill={messagesDrill(base, ['anomaly:double-delivery'])} testId="an-double-delivery" /></td>
          </tr>
        </tbody>
      </table>
    </Card>
  );
}

/** 1st, 2nd, 3rd, 4th… */
function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  return `${n}${teen ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th')}`;
}

export function AnalyticsRetries({ report }: { report: Report }) {
  const base = useReportQuery();
  const r = report.retries;
  const attempts = Object.entries(r.attempts ?? {})
    .map(([a, n]) => [Number(a), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const events = attempts.reduce((s, [, n]) => s + n, 0);
  const repeats = attempts.reduce((s, [a, n]) => s + (a - 1) * n, 0);
  const nth = nthAttempts(r.attempts ?? {});
  const most = Math.max(1, ...nth.map((a) => a.deliveries));
  const answer = r.answerMs;
  const byDelivery = 'Under this filter the deliveries list would judge its terms on each delivery, not on its message';
  return (
    <Card title="Gateway retry health" testId="an-retries">
      <p className="an-lead">
        <strong data-testid="an-retried-share">{pct(r.eventsRetried, events)}</strong> of {plural(events, 'callback')} {events === 1 ? 'was' : 'were'} delivered more than once
      </p>
      <table className="an-counts">
        <tbody>
          <tr>
            <th scope="row">callbacks retried</th>
            <td>
              <Fig n={r.eventsRetried} drill={deliveriesDrill(base, [attemptTerm(2)])} why={byDelivery} testId="an-events-retried" />
            </td>
          </tr>
          <tr>
            <th scope="row" title="deliveries that repeat a callback already received">repeat deliveries</th>
            <td><Fig n={repeats} drill={deliveriesDrill(base, ['flag:duplicate'])} why={byDelivery} testId="an-repeats" /></td>
          </tr>
          {r.offSchedule !== undefined ? (
            <tr>
              <th scope="row" title="a retry whose gap from the attempt before did not fit the documented schedule (10 s, 30 s, 2 min, …)">off-schedule retries</th>
              <td><Fig n={r.offSchedule} drill={deliveriesDrill(base, [OFF_SCHEDULE_TERM])} why={byDelivery} testId="an-off-schedule" /></td>
            </tr>
          ) : null}
        </tbody>
      </table>
      <h3 title="the Nth attempts: one per callback the gateway delivered N times or more">Deliveries by attempt</h3>
      {nth.length === 0 ? (
        <p className="dim an-none">None.</p>
      ) : (
        <ul className="an-attempts" data-testid="an-attempts">
          {nth.map(({ n, deliveries, exactly }) => (
            <li key={n} data-attempt={n} title={`${ordinal(n)} attempts: one per callback delivered ${n} or more times; ${num(exactly)} delivered exactly ${n === 1 ? 'once' : `${n} times`}`}>
              <span className="an-attempt-label">{ordinal(n)}</span>
              <span className="an-bar" aria-hidden>
                <span className="an-bar-fill" style={{ width: `${(100 * deliveries) / most}%` }} />
              </span>
              <Fig n={deliveries} drill={deliveriesDrill(base, [attemptTerm(n)])} why={byDelivery} testId="an-attempt-n" />
            </li>
          ))}
        </ul>
      )}
      {answer && answer.n === 0 ? (
        <>
          <h3>Our answer times</h3>
          <p className="an-answer dim">No answer times recorded for these deliveries.</p>
        </>
      ) : answer ? (
        <>
          <h3>Our answer times</h3>
          <p className="an-answer" data-testid="an-answer">
            p50 <strong>{ms(answer.p50)}</strong> · p99 <strong className={answer.p99 !== null && answer.p99 > GATEWAY_LIMIT_MS / 2 ? 'bad-text' : ''}>{ms(answer.p99)}</strong>{' '}
            <span className="dim">against the gateway's 10 s limit</span>
            {answer.overTimeout > 0 ? (
              <span className="bad-text">
                {' · '}
                <Fig n={answer.overTimeout} drill={deliveriesDrill(base, SLOW_ANSWER_TERMS)} why={byDelivery} testId="an-over-timeout" /> over the limit
              </span>
            ) : answer.n > 0 ? (
              <span className="good-text"> · none over the limit</span>
            ) : null}
          </p>
        </>
      ) : null}
    </Card>
  );
}
