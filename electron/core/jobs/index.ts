// The UI's export and import jobs (registry.ts, export-job.ts, import-job.ts) as API handlers, plus what only
// `serve`'s control server needs: the one-time download of a finished export and the upload of a file to import,
// both kept in folders of the data folder (emptied at start: whatever a crash left there is no one's any more).
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ApiHandlers } from '../../../shared/api';
import { ApiError } from '../../../shared/api-error';
import type { JobInfo } from '../../../shared/jobs';
import type { ImportResult, ImportRow } from '../store/import-rows';
import type { Store } from '../store/types';
import { downloadKey, startExportJob } from './export-job';
import { startImportJob } from './import-job';
import { JobRegistry } from './registry';

export interface JobServiceOptions {
  store: () => Store;
  dataDir: string;
  version: string;
  masked: () => boolean;
  emit: (info: JobInfo) => void;
  commitBatch: (rows: ImportRow[], source: string) => Promise<ImportResult>;
  onImportEnded: () => void;
  /** the desktop app's dialogs; absent in `serve`, where the browser downloads and uploads */
  dialogs?: FileDialogs;
}

export interface FileDialogs {
  save(o: { title: string; defaultName: string; extension: string }): Promise<string | null>;
  open(o: { title: string; extensions: string[] }): Promise<string | null>;
}

/** What the control server needs for files that cross HTTP. */
export interface JobFiles {
  /** the finished export behind a download link, handed over once; null for an unknown or used key */
  takeDownload(jobId: string, key: string): { file: string; fileName: string; done(): void } | null;
  /** where an upload is written while it arrives */
  uploadPath(): string;
  /** the uploaded file is complete: import it (the job deletes it when done) */
  importUpload(file: string, fileName: string): JobInfo;
}

type JobHandlers = Pick<ApiHandlers, 'startExport' | 'startImport' | 'cancelJob' | 'listJobs'>;

export function createJobService(o: JobServiceOptions): { handlers: JobHandlers; files: JobFiles; close(): Promise<void> } {
  const registry = new JobRegistry(o.emit);
  const downloadDir = path.join(o.dataDir, 'exports');
  const uploadDir = path.join(o.dataDir, 'uploads');
  for (const dir of [downloadDir, uploadDir]) fs.rmSync(dir, { recursive: true, force: true });
  /** finished `serve` exports not fetched yet, by job id */
  const downloads = new Map<string, { key: string; file: string; fileName: string }>();
  const dropDownload = (jobId: string) => {
    const d = downloads.get(jobId);
    if (!d) return;
    downloads.delete(jobId);
    fs.rmSync(d.file, { force: true });
    registry.update(jobId, { export: { ...registry.find(jobId)!.export!, downloadUrl: null } });
  };
  const importDeps = { store: o.store, registry, dataDir: o.dataDir, commitBatch: o.commitBatch, onEnded: o.onImportEnded };

  const handlers: JobHandlers = {
    startExport: async (a) => {
      // a new export's file replaces the last one nobody fetched
      for (const id of [...downloads.keys()]) dropDownload(id);
      return startExportJob(
        {
          store: o.store,
          registry,
          version: o.version,
          masked: o.masked,
          downloadDir,
          pickSavePath: o.dialogs?.save,
          offerDownload: (jobId, file, fileName) => {
            const key = downloadKey();
            downloads.set(jobId, { key, file, fileName });
            return `/api/download/${jobId}?key=${key}`;
          },
        },
        a,
      );
    },
    startImport: async () => {
      if (!o.dialogs) throw new ApiError('bad-request', 'in the browser, choose the file with Import… (it is uploaded to the inspector)');
      const file = await o.dialogs.open({ title: 'Import deliveries (NDJSON or HAR)', extensions: ['ndjson', 'jsonl', 'json', 'har'] });
      if (file === null) return null;
      return startImportJob(importDeps, file, path.basename(file), false);
    },
    cancelJob: (a) => ({ ok: registry.cancel(a.jobId) }),
    listJobs: () => registry.list(),
  };

  const files: JobFiles = {
    takeDownload(jobId, key) {
      const d = downloads.get(jobId);
      if (!d || d.key.length !== key.length || d.key !== key) return null;
      // taken now: a second request for the same link is refused even while the first is still streaming
      downloads.delete(jobId);
      registry.update(jobId, { export: { ...registry.find(jobId)!.export!, downloadUrl: null } });
      return { file: d.file, fileName: d.fileName, done: () => fs.rmSync(d.file, { force: true }) };
    },
    uploadPath() {
      fs.mkdirSync(uploadDir, { recursive: true });
      return path.join(uploadDir, `${randomBytes(9).toString('base64url')}.upload`);
    },
    importUpload: (file, fileName) => startImportJob(importDeps, file, fileName, true),
  };

  return {
    handlers,
    files,
    async close() {
      await registry.cancelAll();
      for (const id of [...downloads.keys()]) dropDownload(id);
    },
  };
}
