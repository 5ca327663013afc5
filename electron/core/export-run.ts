// One export as `export` asks for it: which rows (all, or those a filter matches), in which format, with
// progress as it goes. Writing and back-pressure are export.ts's; the temporary file, export-file.ts's.
import { ndjsonLines, writeChunks } from './export';
import { deliveryCsv, messageCsv } from './export-csv';
import { harDocument } from './export-har';
import { maskedRows, maskExportedDelivery, maskExportedMessage } from './export-mask';
import type { UnreadableRange } from './store/salvage';
import type { ExportedDelivery, ExportedMessage, Store } from './store/types';

export const EXPORT_FORMATS = ['ndjson', 'csv', 'har'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportRequest {
  format: ExportFormat;
  kind: 'deliveries' | 'messages';
  /** the lists' query language; '' = everything. Matches indexed rows only (see README) */
  filter: string;
  /** the app's version, for HAR's creator */
  version: string;
  /** personal data masked as on screen (export-mask.ts); NDJSON bodies are then rewritten, not byte-exact */
  mask?: boolean;
  onSkip?: (range: UnreadableRange) => void;
  /** rows written so far and the total when known, every PROGRESS_EVERY rows */
  onProgress?: (done: number, total: number | null) => void;
  /** a selection instead of a filter: these deliveries (by id), or these messages (and, for deliveries, theirs) */
  only?: { ids?: ReadonlySet<number>; references?: ReadonlySet<string> };
  /** stops the export between rows (the caller discards the temporary file) */
  signal?: AbortSignal;
}

const PROGRESS_EVERY = 1000;

/** Writes the export; returns how many deliveries or messages it holds. */
export async function runExport(store: Store, target: string | NodeJS.WritableStream, req: ExportRequest): Promise<number> {
  if (req.format === 'har' && req.kind === 'messages') throw new Error('HAR holds HTTP requests: export deliveries (without --messages)');
  let n = 0;
  let total = req.filter.trim() === '' && !req.only ? totalOf(store, req.kind) : null;
  function* counted<T>(rows: Iterable<T>): IterableIterator<T> {
    for (const row of rows) {
      req.signal?.throwIfAborted();
      yield row;
      if (++n % PROGRESS_EVERY === 0) req.onProgress?.(n, total);
    }
  }
  const isImported = (id: number) => store.importedAmong([id]).length > 0;
  if (req.kind === 'deliveries') {
    const { rows: selected, count } = selectedDeliveries(store, req.filter, req.onSkip, req.only);
    total ??= count;
    const rows = counted(req.mask ? maskedRows(selected, maskExportedDelivery) : selected);
    const chunks = req.format === 'csv' ? deliveryCsv(rows, isImported) : req.format === 'har' ? harDocument(rows, req.version, isImported) : ndjsonLines(rows);
    await writeChunks(target, chunks);
  } else {
    const { rows: selected, count } = selectedMessages(store, req.filter, req.onSkip, req.only);
    total ??= count;
    const rows = counted(req.mask ? maskedRows(selected, maskExportedMessage) : selected);
    await writeChunks(target, req.format === 'csv' ? messageCsv(rows) : ndjsonLines(rows));
  }
  req.onProgress?.(n, total ?? n);
  return n;
}

function totalOf(store: Store, kind: 'deliveries' | 'messages'): number {
  const s = store.stats();
  return kind === 'deliveries' ? s.deliveriesTotal : s.messagesTotal;
}

/** The ids are found first (a bad query fails before anything is written), then the store is read in id order. */
type Only = ExportRequest['only'];
/** the rows, and how many there will be when that is known before writing */
type Selected<T> = { rows: Iterable<T>; count: number | null };

function selectedDeliveries(store: Store, filter: string, onSkip?: (r: UnreadableRange) => void, only?: Only): Selected<ExportedDelivery> {
  const all = store.iterateDeliveries(onSkip);
  if (only) {
    const keep = (d: ExportedDelivery) => only.ids?.has(d.id) === true || (d.callback?.reference != null && only.references?.has(d.callback.reference) === true);
    return { rows: (function* () { for (const d of all) if (keep(d)) yield d; })(), count: only.references ? null : (only.ids?.size ?? 0) };
  }
  if (filter.trim() === '') return { rows: all, count: null };
  const ids = new Set(store.listDeliveryIds(filter, 'received'));
  return {
    rows: (function* () {
      for (const d of all) if (ids.has(d.id)) yield d;
    })(),
    count: ids.size,
  };
}

function selectedMessages(store: Store, filter: string, onSkip?: (r: UnreadableRange) => void, only?: Only): Selected<ExportedMessage> {
  const all = store.iterateMessages(undefined, onSkip);
  if (filter.trim() === '' && !only) return { rows: all, count: null };
  // one pass over what the query selects: paging the list re-read every earlier page (OFFSET), quadratic in the result
  const refs = only ? new Set(only.references ?? []) : new Set(store.listMessageRefs(filter));
  return {
    rows: (function* () {
      for (const m of all) if (refs.has(m.reference)) yield m;
    })(),
    count: refs.size,
  };
}
