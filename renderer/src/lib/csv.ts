// CSV built and saved in the page (no round trip to the core); the cell rules are shared/csv.ts's.
import { toCsv, type CsvCell } from '../../../shared/csv';

export { toCsv };

/** Saves text as a file through the browser's download (a Blob URL, revoked once the click has been handled). */
export function downloadCsv(name: string, rows: CsvCell[][]): void {
  const url = URL.createObjectURL(new Blob([toCsv(rows)], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
