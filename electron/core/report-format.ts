// `cli report` output: the analytics report (shared/analytics.ts) as tables for a terminal (text), a ticket
// (Markdown) or a spreadsheet (CSV: the per-campaign table). JSON is the report itself.
import type { CampaignFigures, Percentiles, Report, ValueCount } from '../../shared/analytics';
import { EVENT_KINDS, MESSAGE_STATES, type MessageState } from '../../shared/domain';
import { csvCell } from '../../shared/csv';

export const REPORT_FORMATS = ['text', 'json', 'md', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

interface Table {
  title: string;
  head: string[];
  rows: string[][];
}

export function formatReport(report: Report, format: ReportFormat, query: string): string {
  if (format === 'json') return JSON.stringify(report, null, 2) + '\n';
  if (format === 'csv') return campaignCsv(report);
  const scope = query.trim() === '' ? 'all messages' : `messages matching \`${query}\``;
  const tables = reportTables(report);
  if (format === 'md') {
    return [`# Callback report: ${report.messages} ${scope}`, ...tables.map(markdownTable)].join('\n\n') + '\n';
  }
  return [`Callback report: ${report.messages} ${scope.replace(/`/g, '')}`, ...tables.map(textTable)].join('\n\n') + '\n';
}

/** "12 (40.0%)": a count and its share of `of` (none when of is 0) */
function share(n: number, of: number): string {
  return of > 0 ? `${n} (${((100 * n) / of).toFixed(1)}%)` : String(n);
}

const messagesOf = (states: Partial<Record<MessageState, number>>) => Object.values(states).reduce((a, b) => a + (b ?? 0), 0);

function campaignRow(c: Pick<CampaignFigures, 'funnel' | 'states'>, name: string): string[] {
  const f = c.funnel;
  return [
    name,
    String(messagesOf(c.states)),
    String(f.sent),
    share(f.delivered, f.sent),
    share(f.read, f.sent),
    share(f.replied, f.sent),
    ...(['failed', 'blocked', 'fell-back', 'sent'] as const).map((s) => String(c.states[s] ?? 0)),
  ];
}

function ms(v: number | null): string {
  if (v === null) return '–';
  return Math.abs(v) < 10_000 ? `${v} ms` : `${(v / 1000).toFixed(1)} s`;
}

function latencyRow(name: string, p: Percentiles): string[] {
  return [name, ms(p.p50), ms(p.p90), ms(p.p99), String(p.n)];
}

function reportTables(r: Report): Table[] {
  const f = r.failures;
  const campaigns: Table = {
    title: 'Funnel by campaign (delivered, read, replied: share of sent)',
    head: ['Campaign', 'Messages', 'Sent', 'Delivered', 'Read', 'Replied', 'Failed', 'Blocked', 'Fell back', 'Pending'],
    rows: [...r.byCampaign.map((c) => campaignRow(c, c.campaign ?? '(no campaign)')), campaignRow(r, 'Total')],
  };
  const failures: Table = {
    title: 'Why messages did not arrive (messages)',
    head: ['Reason', 'Messages'],
    rows: [
      ['Exception: auth (401)', String(f.exception.auth)],
      ['Exception: no RCS (403/404)', String(f.exception['rcs-unsupported'])],
      ['Exception: other', String(f.exception.other)],
      ...Object.entries(f.error).map(([code, n]) => [`Error ${code}`, String(n)]),
      ['Prepaid blocked: customer', String(f.prepaidBlocked.customer)],
      ['Prepaid blocked: account (all)', String(f.prepaidBlocked.account)],
      ...Object.entries(f.prepaidBlocked.accounts).map(([id, n]) => [`Prepaid blocked: account ${id}`, String(n)]),
      ['Duplicate blocked', String(f.duplicateBlocked)],
    ],
  };
  const fallback: Table = {
    title: 'SMS fallback (messages)',
    head: ['', 'Messages'],
    rows: [
      ['No-RCS exceptions that fell back to SMS', share(r.fallback.fellBack, f.exception['rcs-unsupported'])],
      ['Fallback missing', String(r.fallback.fallbackMissing)],
      ['Double delivery (RCS and SMS)', String(r.fallback.doubleDelivery)],
    ],
  };
  const l = r.latencyMs;
  const latencies: Table = {
    title: 'Latencies (from callback timestamps)',
    head: ['', 'p50', 'p90', 'p99', 'n'],
    rows: [
      latencyRow('Sent → delivered', l.sentToDelivered),
      latencyRow('Delivered → read', l.deliveredToRead),
      latencyRow('Read → reply', l.readToReply),
      latencyRow('Callback delay (received − timestamp)', l.callbackDelay),
    ],
  };
  const events = Object.values(r.retries.attempts).reduce((a, b) => a + b, 0);
  const retries: Table = {
    title: `Gateway retries: ${share(r.retries.eventsRetried, events)} of ${events} events delivered more than once`,
    head: ['Deliveries of the event', 'Events'],
    rows: Object.entries(r.retries.attempts).map(([a, n]) => [a, String(n)]),
  };
  const a = r.retries.answerMs;
  const health: Table = {
    title: 'Gateway retry health',
    head: ['', 'Value'],
    rows: [
      ['Retries off the documented schedule', String(r.retries.offSchedule)],
      ['Our answer time p50 / p90 / p99', `${ms(a.p50)} / ${ms(a.p90)} / ${ms(a.p99)}`],
      ['Answers slower than the gateway\'s 10 s', share(a.overTimeout, a.n)],
    ],
  };
  const replies = (title: string, list: ValueCount[]): Table => ({
    title,
    head: ['Value', 'Messages'],
    rows: list.length > 0 ? list.map((v) => [v.value, String(v.n)]) : [['(none)', '0']],
  });
  const o = r.overTime;
  const span = r.window.from === null || r.window.to === null ? 'no deliveries' : `${iso(r.window.from)} to ${iso(r.window.to)}`;
  const overTime: Table = {
    title: `Deliveries from ${span}${o.t.length > 0 ? ` (${o.t.length} buckets of ${o.bucketMs / 60_000} min)` : ''}`,
    head: ['Kind', 'Deliveries', 'Busiest bucket'],
    rows: [
      ...EVENT_KINDS.map((k) => [k, o.byKind[k] ?? []] as const),
      ['repeats (retries)', o.repeats] as const,
    ]
      .filter(([, counts]) => counts.some((n) => n > 0))
      .map(([name, counts]) => {
        const top = counts.indexOf(Math.max(...counts));
        return [name, String(counts.reduce((x, y) => x + y, 0)), `${iso(o.t[top])}: ${counts[top]}`];
      }),
  };
  return [
    campaigns,
    failures,
    fallback,
    latencies,
    retries,
    health,
    replies('Top suggestion responses', r.replies.suggestions),
    replies('Top postback values', r.replies.postbacks),
    replies('Top reply texts', r.replies.texts),
    overTime,
  ];
}

/** UTC, to the minute: buckets start on whole minutes */
function iso(t: number): string {
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ') + 'Z';
}

function markdownTable(t: Table): string {
  const cell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const align = t.head.map((_, i) => (i === 0 ? '---' : '---:'));
  return [`## ${t.title}`, '', line(t.head), `|${align.map((a) => ` ${a} `).join('|')}|`, ...t.rows.map(line)].join('\n');
}

function textTable(t: Table): string {
  const all = [t.head, ...t.rows];
  const width = t.head.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? '')].length)));
  const pad = (s: string, i: number) => (i === 0 ? s.padEnd(width[i]) : s.padStart(width[i]));
  const line = (cells: string[]) => cells.map(pad).join('  ').trimEnd();
  return [t.title, line(t.head), width.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n');
}

/** One row per campaign and a total: funnel counts and every message state. */
function campaignCsv(r: Report): string {
  const head = ['campaign', 'messages', 'sent', 'delivered', 'read', 'replied', ...MESSAGE_STATES.map((s) => `state_${s}`)];
  const row = (name: string, c: Pick<CampaignFigures, 'funnel' | 'states'>) =>
    [name, messagesOf(c.states), c.funnel.sent, c.funnel.delivered, c.funnel.read, c.funnel.replied, ...MESSAGE_STATES.map((s) => c.states[s] ?? 0)]
      .map((v) => csvCell(String(v)))
      .join(',');
  return [head.join(','), ...r.byCampaign.map((c) => row(c.campaign ?? '', c)), row('(total)', r)].join('\r\n') + '\r\n';
}
