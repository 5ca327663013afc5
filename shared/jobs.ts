// Export and import jobs started from the UI (electron/core/jobs): what the core reports about one while it runs
// (live `job` events) and once it has ended. One job of each kind runs at a time.
export type JobKind = 'export' | 'import';
type JobState = 'running' | 'done' | 'failed' | 'cancelled';

export interface ImportProblemInfo {
  /** 1-based line (NDJSON) or entry (HAR) number */
  at: number;
  unit: 'line' | 'entry';
  reason: string;
}

export interface JobInfo {
  id: string;
  kind: JobKind;
  state: JobState;
  /** what it does, in words: "CSV of the deliveries matching type:READ" */
  title: string;
  /** rows written (export) or lines/entries read (import) so far, of total when known */
  done: number;
  total: number | null;
  startedAt: number;
  finishedAt: number | null;
  /** one sentence: why it failed, or what a finished or cancelled job did */
  message: string | null;
  export?: {
    fileName: string;
    /** desktop app: where the file was saved */
    savedTo: string | null;
    /** serve: where the browser fetches the finished file, once (null before it is done and after it was taken) */
    downloadUrl: string | null;
    masked: boolean;
  };
  import?: {
    fileName: string;
    format: 'ndjson' | 'har' | null;
    added: number;
    duplicates: number;
    /** HAR entries that are not POSTs with a body */
    ignored: number;
    /** the first 200 unreadable lines or entries, each skipped */
    problems: ImportProblemInfo[];
    problemCount: number;
    /** every line up to this one is committed: a cancelled import keeps exactly that much */
    committedThrough: number;
    bytesRead: number;
    bytesTotal: number | null;
  };
}

/** an upload to `serve` for import (POST /api/upload/import) is refused above this size */
export const MAX_IMPORT_UPLOAD_BYTES = 512 * 1024 * 1024;
