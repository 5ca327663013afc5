// A conformance report as text (a terminal), Markdown (a ticket or a CI summary) or JSON (the ConformReport shape).
import type { ConformReport } from '../../../shared/api';
import { revealHidden } from '../../../shared/visible-text';

export const CONFORM_FORMATS = ['text', 'md', 'json'] as const;
export type ConformFormat = (typeof CONFORM_FORMATS)[number];

const ms = (v: number | null) => (v === null ? '–' : v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${v} ms`);
const mark = { pass: 'PASS', fail: 'FAIL', warn: 'WARN' } as const;

function summaryLines(r: ConformReport): string[] {
  const s = r.summary;
  const non200 = Object.entries(s.non200).map(([k, n]) => `${k} ×${n}`).join(', ') || 'none';
  const failed = r.checks.filter((c) => c.verdict === 'fail').length;
  return [
    `${r.ok ? 'PASSED' : 'FAILED'}: ${failed} of ${r.checks.length} checks failed a MUST of the gateway's documentation`,
    `${s.probes} requests, ${s.ok200} answered 200 (${(s.rate200 * 100).toFixed(1)}%); latency p50 ${ms(s.latencyMs.p50)}, p99 ${ms(s.latencyMs.p99)}, max ${ms(s.latencyMs.max)} (limit ${ms(s.limitMs)}); ` +
      `${s.timeouts} over the limit; non-200 answers: ${non200}; no answer at all: ${s.connectionErrors}`,
  ];
}

export function formatConform(r: ConformReport, format: ConformFormat): string {
  if (format === 'json') return JSON.stringify(r, null, 2) + '\n';
  // the reasons may quote the endpoint's answer: control characters shown as codes, never sent to a terminal
  const clean = (t: string) => revealHidden(t);
  const head = `Conformance of ${r.targetUrl} (seed ${r.seed}, ${new Date(r.startedAt).toISOString()}, ${ms(r.durationMs)})`;
  if (format === 'md') {
    const cell = (t: string) => clean(t).replace(/\|/g, '\\|');
    return [
      `## ${head}`,
      '',
      ...summaryLines(r).map((l) => `${l}  `),
      '',
      '| Verdict | Check | Requests | p50 | p99 | Reason |',
      '| --- | --- | ---: | ---: | ---: | --- |',
      ...r.checks.map((c) => `| ${mark[c.verdict]} | ${cell(c.title)} | ${c.probes} | ${ms(c.p50Ms)} | ${ms(c.p99Ms)} | ${cell(c.reason)} |`),
      '',
      '<details><summary>What each check sends</summary>',
      '',
      ...r.checks.map((c) => `- **${cell(c.title)}**: ${cell(c.what)}. *${cell(c.requirement)}.*`),
      '',
      '</details>',
      '',
    ].join('\n');
  }
  const rows = r.checks.map((c) => [mark[c.verdict], c.title, String(c.probes), ms(c.p50Ms), ms(c.p99Ms), clean(c.reason)]);
  const header = ['', 'check', 'requests', 'p50', 'p99', 'reason'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (i === 5 ? 0 : row[i]!.length))));
  const fmt = (row: string[]) => row.map((v, i) => (i === 5 ? v : i === 2 || i === 3 || i === 4 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ');
  return [head, '', fmt(header), ...rows.map(fmt), '', ...summaryLines(r), ''].join('\n');
}
