// Pieces every section of the analytics view shares: a figure that opens the list rows behind it, rates, cards.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { copyText } from '../lib/clipboard';
import { formatDuration, num } from '../lib/format';
import type { Drill } from '../lib/drill';
import { downloadCsv, toCsv } from '../lib/csv';
import { useInspectorStore } from '../store/context';
import { Icon } from './Icons';

/** the query the shown report is of: every drill adds its terms to it */
export const ReportQuery = createContext('');
export const useReportQuery = () => useContext(ReportQuery);

const VIEW_NAME = { messages: 'Messages', deliveries: 'All deliveries' } as const;

/**
 * A count. With a drill it is a button that opens the list filtered to exactly the rows it counts; without one it
 * is plain text whose tooltip says why no filter can show them.
 */
export function Fig({ n, drill, testId, why, className }: { n: number; drill: Drill | null; testId?: string; why?: string; className?: string }) {
  const store = useInspectorStore();
  const cls = `fig ${className ?? ''}`;
  if (drill && n > 0) {
    return (
      <button
        type="button"
        className={`${cls} drill`}
        data-testid={testId}
        data-query={drill.query}
        title={`Show these ${drill.view === 'messages' ? 'messages' : 'deliveries'} in ${VIEW_NAME[drill.view]}: ${drill.query}`}
        onClick={() => store.getState().drill(drill)}
      >
        {num(n)}
      </button>
    );
  }
  return (
    <span className={cls} data-testid={testId} title={n > 0 ? why ?? (drill ? undefined : 'No filter of the lists picks exactly these') : undefined}>
      {num(n)}
    </span>
  );
}

/** a share as a percentage, "—" when there is nothing to divide by */
export function pct(part: number, whole: number): string {
  if (whole <= 0) return '—';
  const p = (100 * part) / whole;
  return `${p >= 99.95 || p === 0 ? p.toFixed(0) : p < 0.1 ? '<0.1' : p.toFixed(1)} %`;
}

export function ms(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : formatDuration(v);
}

export function Card({ title, testId, actions, children, wide }: { title: string; testId?: string; actions?: ReactNode; children: ReactNode; wide?: boolean }) {
  return (
    <section className={`an-card ${wide ? 'wide' : ''}`} aria-label={title} data-testid={testId}>
      <header className="an-card-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

type Cell = string | number | null;

/**
 * The desktop shell refuses every download (electron/shell/security.ts), so there the CSV goes to the clipboard,
 * ready to paste into a spreadsheet; in a browser it is saved as a file.
 */
const IN_DESKTOP = typeof window !== 'undefined' && 'rci' in window;

export function CsvButton({ name, rows }: { name: string; rows: () => Cell[][] }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  useEffect(() => {
    if (copied === null) return;
    const t = setTimeout(() => setCopied(null), 2000);
    return () => clearTimeout(t);
  }, [copied]);
  if (IN_DESKTOP) {
    return (
      <button type="button" className="btn small" title={`Copy ${name} as CSV, to paste into a spreadsheet`} onClick={() => void copyText(toCsv(rows())).then(setCopied)}>
        <Icon name="copy" size={11} /> {copied === null ? 'Copy CSV' : copied ? 'Copied' : 'Copy failed'}
      </button>
    );
  }
  return (
    <button type="button" className="btn small" title={`Download ${name}`} onClick={() => downloadCsv(name, rows())}>
      <Icon name="list" size={11} /> Export CSV
    </button>
  );
}

/** one row of a key → count table, most first */
export function CountRows({ rows, testId }: { rows: { label: ReactNode; n: number; drill: Drill | null; why?: string; key: string }[]; testId: string }) {
  if (rows.length === 0) return <p className="dim an-none">None.</p>;
  return (
    <table className="an-counts" data-testid={testId}>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} data-key={r.key}>
            <th scope="row">{r.label}</th>
            <td>
              <Fig n={r.n} drill={r.drill} why={r.why} testId={`${testId}-${r.key}`} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
