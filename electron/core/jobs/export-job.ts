// An export started from the UI: the current filter or the selection, as NDJSON, CSV or HAR, written by the same
// code as `export` (export-run.ts) into a temporary file renamed when complete (export-file.ts), so a cancelled or
// failed one leaves nothing. The desktop app saves where its dialog said; `serve` keeps the file in the data
// folder until the browser fetches it, once, through a download link (control-server.ts).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../../shared/api-error';
import type { JobInfo } from '../../../shared/jobs';
import { parseQuery } from '../../../shared/query';
import { atomicFile } from '../export-file';
import { runExport, type ExportFormat } from '../export-run';
import type { Store } from '../store/types';
import type { JobRegistry } from './registry';

type ExportScope = { kind: 'filter'; query: string } | { kind: 'selection'; ids?: number[]; references?: string[] };

export interface ExportJobArgs {
  format: ExportFormat;
  kind: 'deliveries' | 'messages';
  scope: ExportScope;
}

export interface ExportJobDeps {
  store: () => Store;
  registry: JobRegistry;
  version: string;
  masked: () => boolean;
  /** where `serve` keeps finished exports until they are fetched */
  downloadDir: string;
  /** the desktop app's save dialog; absent in `serve`, whose browser downloads the file */
  pickSavePath?: (o: { title: string; defaultName: string; extension: string }) => Promise<string | null>;
  /** remembers the one-time key of a finished `serve` export */
  offerDownload: (jobId: string, file: string, fileName: string) => string;
}

const EXT: Record<ExportFormat, string> = { ndjson: 'ndjson', csv: 'csv', har: 'har' };

/** Starts the job and answers at once (null: the user closed the save dialog); progress follows as `job` events. */
export async function startExportJob(d: ExportJobDeps, a: ExportJobArgs): Promise<JobInfo | null> {
  if (a.format === 'har' && a.kind === 'messages') throw new ApiError('bad-request', 'HAR holds HTTP requests: export deliveries, not messages');
  const query = a.scope.kind === 'filter' ? a.scope.query : '';
  const problems = parseQuery(query).errors;
  if (problems.length > 0) throw new ApiError('bad-request', problems[0]!);
  if (a.scope.kind === 'selection' && !a.scope.ids?.length && !a.scope.references?.length) throw new ApiError('bad-request', 'the selection is empty');
  const fileName = `rci-${a.kind}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.${EXT[a.format]}`;
  let savePath: string | null = null;
  if (d.pickSavePath) {
    savePath = await d.pickSavePath({ title: `Export ${a.kind} as ${a.format.toUpperCase()}`, defaultName: fileName, extension: EXT[a.format] });
    if (savePath === null) return null;
  }
  const masked = d.masked();
  const job = d.registry.start('export', title(a), { export: { fileName: savePath ? path.basename(savePath) : fileName, savedTo: null, downloadUrl: null, masked } });
  const target = savePath ?? path.join(d.downloadDir, `${job.info.id}.${EXT[a.format]}`);
  void run(d, a, job, target, masked, savePath === null);
  return job.info;
}

async function run(d: ExportJobDeps, a: ExportJobArgs, job: ReturnType<JobRegistry['start']>, target: string, masked: boolean, forDownload: boolean): Promise<void> {
  let out: ReturnType<typeof atomicFile> | null = null;
  let skipped = 0;
  try {
    if (forDownload) fs.mkdirSync(d.downloadDir, { recursive: true });
    out = atomicFile(target);
    // the handler has answered: the first rows are read on a later turn, so the answer is never held by them
    await new Promise((r) => setImmediate(r));
    const only =
      a.scope.kind === 'selection'
        ? { ids: a.scope.ids ? new Set(a.scope.ids) : undefined, references: a.scope.references ? new Set(a.scope.references) : undefined }
        : undefined;
    const n = await runExport(d.store(), out.tempPath, {
      format: a.format,
      kind: a.kind,
      filter: a.scope.kind === 'filter' ? a.scope.query : '',
      only,
      version: d.version,
      mask: masked,
      signal: job.signal,
      onSkip: () => skipped++,
      onProgress: (done, total) => job.progress(done, total),
    });
    out.commit();
    const what = `${n.toLocaleString('en-US')} ${a.kind === 'deliveries' ? (n === 1 ? 'delivery' : 'deliveries') : n === 1 ? 'message' : 'messages'}`;
    const note = skipped > 0 ? ' Parts of the damaged store file could not be read and were skipped.' : '';
    const exp = job.info.export!;
    if (forDownload) {
      const downloadUrl = d.offerDownload(job.info.id, target, exp.fileName);
      job.end({ state: 'done', done: n, total: n, message: `Exported ${what}${masked ? ' (masked)' : ''}.${note}`, export: { ...exp, downloadUrl } });
    } else {
      job.end({ state: 'done', done: n, total: n, message: `Exported ${what}${masked ? ' (masked)' : ''} to ${target}.${note}`, export: { ...exp, savedTo: target } });
    }
  } catch (err) {
    out?.discard();
    if (job.signal.aborted) job.end({ state: 'cancelled', message: 'Export cancelled: no file was written.' });
    else job.end({ state: 'failed', message: `Export failed, no file was written: ${err instanceof Error ? err.message : String(err)}` });
  }
}

function title(a: ExportJobArgs): string {
  const what = a.format === 'csv' ? `CSV of ${a.kind}` : a.format === 'har' ? 'HAR of deliveries' : `NDJSON of ${a.kind}`;
  if (a.scope.kind === 'selection') return `${what}: the selection`;
  return a.scope.query.trim() ? `${what} matching ${a.scope.query.trim()}` : `${what}: all`;
}

/** a one-time key for a download link */
export const downloadKey = () => randomBytes(18).toString('base64url');
