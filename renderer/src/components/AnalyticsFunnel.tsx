// The funnel: how many messages were sent, delivered, read and answered, overall and per campaign, and where the
// rest ended (the message states).
import { useMemo, useState } from 'react';
import type { CampaignFigures, Funnel, Report } from '../../../shared/analytics';
import { MESSAGE_STATES, type MessageState } from '../../../shared/domain';
import { revealHidden } from '../../../shared/visible-text';
import { campaignTerm, funnelTerm, messagesDrill } from '../lib/drill';
import { plural } from '../lib/format';
import { Card, CsvButton, Fig, pct, useReportQuery } from './AnalyticsParts';
import { STATE_META } from './Badges';

const STEPS: { key: keyof Funnel; label: string }[] = [
  { key: 'sent', label: 'Sent' },
  { key: 'delivered', label: 'Delivered' },
  { key: 'read', label: 'Read' },
  { key: 'replied', label: 'Replied' },
];

/** "reached at least" a step: a message with a callback of that step or a later one (funnelTerm) */
const STEP_HINT = 'Messages that reached at least this step';

const STATE_LABEL: Record<MessageState, string> = {
  sent: 'pending',
  delivered: 'delivered',
  read: 'read',
  replied: 'replied',
  failed: 'failed',
  'fell-back': 'fell back',
  blocked: 'blocked',
};
const STATE_HINT: Partial<Record<MessageState, string>> = {
  sent: 'sent, no receipt yet',
  delivered: 'not read yet',
  read: 'no reply',
};

export function AnalyticsFunnel({ report }: { report: Report }) {
  const base = useReportQuery();
  const f = report.funnel;
  const max = Math.max(1, f.sent);
  return (
    <Card title="Funnel" testId="an-funnel" wide>
      <div className="an-funnel">
        {STEPS.map((s, i) => {
          const n = f[s.key];
          const prev = i === 0 ? null : f[STEPS[i - 1]!.key];
          return (
            <div className="an-step" key={s.key} title={STEP_HINT}>
              <div className="an-step-label">{s.label}</div>
              <Fig n={n} drill={messagesDrill(base, [funnelTerm(s.key)])} testId={`an-funnel-${s.key}`} className="big" />
              <div className="an-bar" aria-hidden>
                <div className={`an-bar-fill step-${s.key}`} style={{ width: `${(100 * n) / max}%` }} />
              </div>
              <div className="an-rates dim">
                {i === 0 ? (
                  <span>of {plural(report.messages, 'message')}</span>
                ) : (
                  <>
                    {i > 1 ? <span title="of the messages sent" data-testid={`an-rate-sent-${s.key}`}>{pct(n, f.sent)} of sent</span> : null}
                    <span title={`of the messages ${STEPS[i - 1]!.label.toLowerCase()}`} data-testid={`an-rate-prev-${s.key}`}>
                      {pct(n, prev!)} of {STEPS[i - 1]!.label.toLowerCase()}
                    </span>
                  </>
                )}
              </div>
            </div>
          );
        })}
      </div>
      <div className="an-states" aria-label="Messages by state">
        {MESSAGE_STATES.map((st) => (
          <div className={`an-state tone-${STATE_META[st].tone}`} key={st} title={STATE_HINT[st]}>
            <span className="an-state-label">{STATE_LABEL[st]}</span>
            <Fig n={report.states[st] ?? 0} drill={messagesDrill(base, [`state:${st}`])} testId={`an-state-${st}`} />
          </div>
        ))}
      </div>
    </Card>
  );
}

type SortKey = 'campaign' | 'messages' | 'pending' | keyof Funnel | Exclude<MessageState, 'sent'>;

const COLUMNS: { key: SortKey; label: string; rateOf?: keyof Funnel }[] = [
  { key: 'campaign', label: 'Campaign' },
  { key: 'messages', label: 'Messages' },
  { key: 'sent', label: 'Sent' },
  { key: 'delivered', label: 'Delivered', rateOf: 'sent' },
  { key: 'read', label: 'Read', rateOf: 'delivered' },
  { key: 'replied', label: 'Replied', rateOf: 'read' },
  { key: 'failed', label: 'Failed' },
  { key: 'fell-back', label: 'Fell back' },
  { key: 'blocked', label: 'Blocked' },
  { key: 'pending', label: 'Pending' },
];

const messagesOf = (c: { states: Partial<Record<MessageState, number>> }) => Object.values(c.states).reduce((a, b) => a + (b ?? 0), 0);

function valueOf(c: CampaignFigures, key: SortKey): number | string {
  if (key === 'campaign') return c.campaign ?? '';
  if (key === 'messages') return messagesOf(c);
  if (key === 'pending') return c.states.sent ?? 0;
  if (key in c.funnel) return c.funnel[key as keyof Funnel];
  return c.states[key as MessageState] ?? 0;
}

export function AnalyticsCampaigns({ report }: { report: Report }) {
  const base = useReportQuery();
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'messages', desc: true });
  const names = report.byCampaign.map((c) => c.campaign);
  const rows = useMemo(() => {
    const out = [...report.byCampaign];
    out.sort((a, b) => {
      const va = valueOf(a, sort.key);
      const vb = valueOf(b, sort.key);
      const d = typeof va === 'string' ? va.localeCompare(String(vb)) : va - (vb as number);
      return sort.desc ? -d : d;
    });
    return out;
  }, [report.byCampaign, sort]);

  const csv = () => [
    ['campaign', 'messages', 'sent', 'delivered', 'read', 'replied', ...MESSAGE_STATES.map((s) => `state ${s}`)],
    ...report.byCampaign.map((c) => [c.campaign ?? '(no campaign)', messagesOf(c), c.funnel.sent, c.funnel.delivered, c.funnel.read, c.funnel.replied, ...MESSAGE_STATES.map((s) => c.states[s] ?? 0)]),
    ['(total)', report.messages, report.funnel.sent, report.funnel.delivered, report.funnel.read, report.funnel.replied, ...MESSAGE_STATES.map((s) => report.states[s] ?? 0)],
  ];

  const cells = (c: { campaign: string | null; funnel: Funnel; states: Partial<Record<MessageState, number>> }, scope: string[] | null, total: boolean) => {
    const drill = (terms: string[]) => (scope ? messagesDrill(base, [...scope, ...terms]) : null);
    const why = scope ? undefined : 'This campaign name is part of another one here: no filter picks it alone';
    return [
      <td key="messages"><Fig n={total ? report.messages : messagesOf(c)} drill={drill([])} why={why} testId="messages" /></td>,
      ...STEPS.map((s) => (
        <td key={s.key}>
          <Fig n={c.funnel[s.key]} drill={drill([funnelTerm(s.key)])} why={why} testId={s.key} />
          {s.key !== 'sent' ? <span className="an-rate dim">{pct(c.funnel[s.key], c.funnel[STEPS[STEPS.findIndex((x) => x.key === s.key) - 1]!.key])}</span> : null}
        </td>
      )),
      ...(['failed', 'fell-back', 'blocked', 'sent'] as MessageState[]).map((st) => (
        <td key={st}><Fig n={c.states[st] ?? 0} drill={drill([`state:${st}`])} why={why} testId={`state-${st}`} /></td>
      )),
    ];
  };

  return (
    <Card title="By campaign" testId="an-campaigns" wide actions={<CsvButton name="campaigns.csv" rows={csv} />}>
      <div className="an-table-wrap">
        <table className="an-table" aria-label="Funnel by campaign">
          <thead>
            <tr>
              {COLUMNS.map((col) => {
                const on = sort.key === col.key;
                return (
                  <th key={col.key} scope="col" aria-sort={on ? (sort.desc ? 'descending' : 'ascending') : 'none'} title={col.rateOf ? `rate of ${col.rateOf}` : undefined}>
                    <button type="button" onClick={() => setSort({ key: col.key, desc: on ? !sort.desc : col.key !== 'campaign' })}>
                      {col.label}
                      <span className="an-sort" aria-hidden>{on ? (sort.desc ? '▼' : '▲') : ''}</span>
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => {
              const term = campaignTerm(c.campaign, names);
              return (
                <tr key={c.campaign ?? '\u0000none'} data-testid="an-campaign-row" data-campaign={c.campaign ?? ''}>
                  <th scope="row" title={revealHidden(c.campaign ?? 'messages whose callbacks name no campaign')}>
                    {c.campaign === null ? <span className="dim">(no campaign)</span> : revealHidden(c.campaign)}
                  </th>
                  {cells(c, term ? [term] : null, false)}
                </tr>
              );
            })}
          </tbody>
          <tfoot>
            <tr data-testid="an-campaign-total">
              <th scope="row">Total</th>
              {cells({ campaign: null, funnel: report.funnel, states: report.states }, [], true)}
            </tr>
          </tfoot>
        </table>
      </div>
    </Card>
  );
}
