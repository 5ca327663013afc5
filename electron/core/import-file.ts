// `import`: deliveries from a file back into a store, through the normal ingest path (store/import-rows.ts: the
// inbox, then indexing, so every one is classified as if it had just arrived, in file order), each marked
// imported. Files: NDJSON of deliveries as `export` writes it, and HAR (ours restores every field from `_rci`;
// another tool's gives its POST requests). A line or entry that cannot be read is reported with its number and
// skipped; the rest is imported. Batches commit one by one: an interrupted import keeps what it committed, and
// running it again adds only the rest (already-stored deliveries are recognised).
import fs from 'node:fs';
import readline from 'node:readline';
import type { ImportResult, ImportRow } from './store/import-rows';
import type { Store } from './store/types';
import type { HarDeliveryExtra } from './export-har';
import type { ImportProblemInfo } from '../../shared/jobs';

/** a line (NDJSON) or entry (HAR) that could not be read, by its 1-based number */
type ImportProblem = ImportProblemInfo;

export interface ImportSummary {
  format: 'ndjson' | 'har';
  added: number;
  duplicates: number;
  /** HAR entries that are not POSTs with a body (another tool's page loads): not callbacks */
  ignored: number;
  problems: ImportProblem[];
  /** lines (NDJSON) or entries (HAR) read so far */
  read: number;
  /** everything read up to this line or entry is committed (an import cancelled half-way keeps exactly that) */
  committedThrough: number;
  /** bytes of the file read so far (NDJSON; a HAR file is read whole first) */
  bytesRead: number;
  cancelled?: boolean;
}

export interface ImportOptions {
  onProblem?: (p: ImportProblem) => void;
  onProgress?: (s: ImportSummary) => void;
  /** stops between lines: the batch being read is dropped, every committed one stays */
  signal?: AbortSignal;
  /**
   * stores one batch, indexed before it resolves (the next batch's duplicate check looks them up by index). The
   * default indexes in place; a running app hands the batch to its own indexer (jobs/import-job.ts)
   */
  commitBatch?: (rows: ImportRow[], source: string) => ImportResult | Promise<ImportResult>;
  /** the name recorded as the deliveries' source (default: the file's name) */
  label?: string;
  /** rows per transaction (default 500); a running app takes fewer, so no acknowledgement waits long behind one */
  batchSize?: number;
}

export class ImportFileError extends Error {}

const BATCH = 500;

export async function importFile(store: Store, file: string, opts: ImportOptions = {}): Promise<ImportSummary> {
  // errors name the file as its user knows it: an upload's path in the data folder means nothing to them
  const format = await sniff(file, opts.label ?? fileLabel(file));
  const summary: ImportSummary = { format, added: 0, duplicates: 0, ignored: 0, problems: [], read: 0, committedThrough: 0, bytesRead: 0 };
  const problem = (p: ImportProblem) => {
    summary.problems.push(p);
    opts.onProblem?.(p);
  };
  const commit =
    opts.commitBatch ??
    ((rows: ImportRow[], source: string) => {
      const r = store.importDeliveries(rows, source);
      while (store.indexPending(2000).length > 0);
      // full text too, as the app does once quiet: a read-only export or report searches what was imported
      while (store.indexText(5000) > 0);
      return r;
    });
  const source = opts.label ?? fileLabel(file);
  let batch: ImportRow[] = [];
  const flush = async () => {
    if (batch.length > 0) {
      const r = await commit(batch, source);
      summary.added += r.added;
      summary.duplicates += r.duplicates;
      batch = [];
    }
    summary.committedThrough = summary.read;
    opts.onProgress?.(summary);
  };
  const stopped = () => {
    if (!opts.signal?.aborted) return false;
    summary.cancelled = true;
    return true;
  };
  if (format === 'ndjson') {
    const input = fs.createReadStream(file);
    const lines = readline.createInterface({ input, crlfDelay: Infinity });
    let n = 0;
    let seenOne = false;
    for await (const raw of lines) {
      if (stopped()) break;
      n++;
      summary.read = n;
      summary.bytesRead = input.bytesRead;
      // an editor may have saved it with a byte order mark
      const line = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (line.trim() === '') continue;
      let row: ImportRow;
      try {
        const value: unknown = JSON.parse(line);
        // a file of messages holds no requests: said once, not once per line
        if (!seenOne && isMessage(value)) throw new ImportFileError('this is an export of messages (--messages): they hold no deliveries to import; export without --messages');
        seenOne = true;
        row = fromNdjson(value);
      } catch (err) {
        if (err instanceof ImportFileError) throw err;
        problem({ at: n, unit: 'line', reason: (err as Error).message });
        continue;
      }
      batch.push(row);
      if (batch.length >= (opts.batchSize ?? BATCH)) await flush();
    }
    lines.close();
    input.destroy();
  } else {
    const entries = harEntries(fs.readFileSync(file, 'utf8'));
    for (let i = 0; i < entries.length; i++) {
      if (stopped()) break;
      summary.read = i + 1;
      let row: ImportRow | null;
      try {
        row = fromHarEntry(entries[i]);
      } catch (err) {
        problem({ at: i + 1, unit: 'entry', reason: (err as Error).message });
        continue;
      }
      if (row === null) summary.ignored++;
      else batch.push(row);
      if (batch.length >= (opts.batchSize ?? BATCH)) await flush();
    }
  }
  if (summary.cancelled) {
    // the lines read since the last commit are dropped whole: the import stops at a batch's edge
    summary.read = summary.committedThrough;
    summary.problems = summary.problems.filter((p) => p.at <= summary.committedThrough);
    return summary;
  }
  await flush();
  return summary;
}

function fileLabel(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/** a CSV export of this app (export-csv.ts): its header row, after the byte order mark */
const CSV_EXPORT = /^(id,received_at,|reference,state,)/;

/** HAR is one JSON object with `log`; NDJSON starts with an object per line. Decided from the first bytes. */
async function sniff(file: string, name: string): Promise<'ndjson' | 'har'> {
  let head: string;
  try {
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    fs.closeSync(fd);
    head = buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    // Node's message repeats the path: only its code (ENOENT, EACCES) is kept
    throw new ImportFileError(`cannot read ${name}${(err as NodeJS.ErrnoException).code ? ` (${(err as NodeJS.ErrnoException).code})` : ''}`);
  }
  if (head.trim() === '') throw new ImportFileError(`${name} is empty`);
  if (/^\s*\{\s*"log"\s*:/.test(head)) return 'har';
  if (/^\s*\{/.test(head)) return 'ndjson';
  if (CSV_EXPORT.test(head) || /\.csv$/i.test(name)) {
    throw new ImportFileError(`${name} is a CSV export: CSV exports are for spreadsheets and can't be imported; export as NDJSON (or HAR) to bring deliveries back`);
  }
  throw new ImportFileError(`${name} is neither NDJSON deliveries (one JSON object per line) nor HAR`);
}

const fail = (reason: string): never => {
  throw new Error(reason);
};
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, what: string): string => (typeof v === 'string' ? v : fail(`${what} is not a string`));
const headerPairs = (v: unknown): [string, string][] =>
  Array.isArray(v) && v.every((h) => Array.isArray(h) && h.length === 2 && typeof h[0] === 'string' && typeof h[1] === 'string')
    ? (v as [string, string][])
    : fail('request.headers is not a list of [name, value] pairs');
const time = (v: unknown, what: string): number => {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(ms) ? ms : fail(`${what} is not a date`);
};

const isMessage = (v: unknown) => isObj(v) && !('request' in v) && typeof v.reference === 'string' && 'state' in v;

/** One line of `export --format ndjson` (deliveries; store/types.ts ExportedDelivery). */
function fromNdjson(v: unknown): ImportRow {
  if (!isObj(v)) fail('not a JSON object');
  const o = v as Record<string, unknown>;
  if (!isObj(o.request)) fail(isMessage(o) ? 'a message, not a delivery' : 'no "request": not a delivery exported by this app');
  const r = o.request as Record<string, unknown>;
  const body = Buffer.from(str(r.bodyBase64, 'request.bodyBase64'), 'base64');
  const response = isObj(o.response) ? o.response : fail('no "response"');
  const status = typeof response.status === 'number' ? response.status : fail('response.status is not a number');
  const outcome = o.outcome === 'rejected' ? 'rejected' : o.outcome === 'stored' ? 'stored' : fail('outcome is neither stored nor rejected');
  return {
    input: {
      request: {
        method: str(r.method, 'request.method'),
        path: str(r.path, 'request.path'),
        query: str(r.query, 'request.query'),
        headers: headerPairs(r.headers),
        remoteAddress: typeof r.remoteAddress === 'string' ? r.remoteAddress : '',
        bodySize: typeof r.bodySize === 'number' ? r.bodySize : body.length,
        body,
        receivedAt: time(o.receivedAt, 'receivedAt'),
      },
      outcome,
      responseStatus: status,
      rejectReason: typeof o.rejectReason === 'string' ? o.rejectReason : null,
      bodyTruncated: r.bodyTruncated === true,
    },
    responseMs: typeof response.ms === 'number' ? response.ms : null,
  };
}

function harEntries(text: string): unknown[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ImportFileError(`the HAR file is not valid JSON (${(err as Error).message}); nothing was imported`);
  }
  const log = isObj(doc) && isObj(doc.log) ? doc.log : null;
  if (!log || !Array.isArray(log.entries)) throw new ImportFileError('the HAR file has no log.entries; nothing was imported');
  return log.entries;
}

/** An entry of our HAR (every field from `_rci`), or another tool's POST; null for what is not a callback. */
function fromHarEntry(e: unknown): ImportRow | null {
  if (!isObj(e) || !isObj(e.request)) fail('no request');
  const entry = e as Record<string, unknown>;
  const req = entry.request as Record<string, unknown>;
  const method = str(req.method, 'request.method');
  const ours = isObj(entry._rci) ? (entry._rci as unknown as HarDeliveryExtra) : null;
  const post = isObj(req.postData) ? req.postData : null;
  if (!ours && (method.toUpperCase() !== 'POST' || !post)) return null;
  const headers = Array.isArray(req.headers)
    ? req.headers.map((h: unknown, i) =>
        isObj(h) && typeof h.name === 'string' && typeof h.value === 'string' ? ([h.name, h.value] as [string, string]) : fail(`request.headers[${i}] is not {name, value}`),
      )
    : fail('request.headers is not a list');
  let body: Buffer = Buffer.alloc(0);
  if (post) {
    const t = typeof post.text === 'string' ? post.text : '';
    body = post.encoding === 'base64' ? Buffer.from(t, 'base64') : Buffer.from(t, 'utf8');
  }
  const receivedAt = time(entry.startedDateTime, 'startedDateTime');
  const response = isObj(entry.response) ? entry.response : {};
  const status = typeof response.status === 'number' && response.status > 0 ? response.status : 200;
  if (ours) {
    return {
      input: {
        request: {
          method,
          path: str(ours.path, '_rci.path'),
          query: str(ours.query, '_rci.query'),
          headers,
          remoteAddress: typeof ours.remoteAddress === 'string' ? ours.remoteAddress : '',
          bodySize: typeof ours.bodySize === 'number' ? ours.bodySize : body.length,
          body,
          receivedAt,
        },
        outcome: ours.outcome === 'rejected' ? 'rejected' : 'stored',
        responseStatus: status,
        rejectReason: typeof ours.rejectReason === 'string' ? ours.rejectReason : null,
        bodyTruncated: ours.bodyTruncated === true,
      },
      responseMs: typeof ours.answerMs === 'number' ? ours.answerMs : null,
    };
  }
  let url: URL;
  try {
    url = new URL(str(req.url, 'request.url'));
  } catch {
    return fail('request.url is not a URL');
  }
  const time_ = typeof entry.time === 'number' && entry.time >= 0 ? entry.time : null;
  return {
    input: {
      request: { method, path: url.pathname, query: url.search.slice(1), headers, remoteAddress: '', bodySize: body.length, body, receivedAt },
      outcome: 'stored',
      responseStatus: status,
      rejectReason: null,
      bodyTruncated: false,
    },
    responseMs: time_,
  };
}
