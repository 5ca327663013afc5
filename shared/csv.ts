// CSV for spreadsheets (RFC 4180: comma, CRLF, double quotes doubled), one writer for the analytics view, `report`
// and `export`. A cell a spreadsheet would run as a formula (= + - @, tab, carriage return) is prefixed with ' :
// campaign names, reply texts and headers come from callbacks, so a crafted one must stay text.
export type CsvCell = string | number | null | undefined;

export function csvCell(v: CsvCell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = v;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One record with its CRLF. */
export function csvLine(cells: CsvCell[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

export function toCsv(rows: CsvCell[][]): string {
  return rows.map(csvLine).join('');
}

/** Spreadsheet apps read a file as UTF-8 only when it starts with this mark. */
export const UTF8_BOM = '\uFEFF';
