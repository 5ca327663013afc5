// An import started from the UI: a file the desktop app's open dialog named, or one the browser uploaded to
// `serve` (control-server.ts keeps it in the data folder meanwhile). The same code as `import` reads it
// (import-file.ts); the batches go through the running app's own indexer, so lists, counts and messages follow
// as they would for received deliveries, and they never reach live forwarding (imported deliveries are never
// sent to an endpoint by accident). Cancel stops at a batch's edge: every batch committed before stays, whole.
//
// The import lock (import-guard.ts): `import` on the command line refuses a store another program has open, so
// it can never write beside this app. The app still holds the lock while it imports, so a command-line import
// started meanwhile is told that an import is running, and checking for one keeps meaning what it says.
import fs from 'node:fs';
import type { ImportProblemInfo, JobInfo } from '../../../shared/jobs';
import { importFile, ImportFileError } from '../import-file';
import { holdImportLock } from '../import-guard';
import type { ImportResult, ImportRow } from '../store/import-rows';
import type { Store } from '../store/types';
import type { JobRegistry } from './registry';

export interface ImportJobDeps {
  store: () => Store;
  registry: JobRegistry;
  dataDir: string;
  /** stores one batch and resolves once the app's indexer has indexed it */
  commitBatch: (rows: ImportRow[], source: string) => Promise<ImportResult>;
  /** lists and counts are told the store changed */
  onEnded: () => void;
}

const PROBLEMS_KEPT = 200;
/** rows per transaction in a running app: short enough that an acknowledgement never waits long behind one */
const APP_BATCH = 100;

/** Starts the job and answers at once; `removeAfter`: the file is an upload, deleted when the job ends. */
export function startImportJob(d: ImportJobDeps, file: string, fileName: string, removeAfter: boolean): JobInfo {
  let bytesTotal: number | null = null;
  try {
    bytesTotal = fs.statSync(file).size;
  } catch {
    // importFile says why it cannot read the file
  }
  let job;
  try {
    job = d.registry.start('import', `Import of ${fileName}`, {
      import: { fileName, format: null, added: 0, duplicates: 0, ignored: 0, problems: [], problemCount: 0, committedThrough: 0, bytesRead: 0, bytesTotal },
    });
  } catch (err) {
    if (removeAfter) fs.rmSync(file, { force: true });
    throw err;
  }
  void run(d, job, file, removeAfter);
  return job.info;
}

async function run(d: ImportJobDeps, job: ReturnType<JobRegistry['start']>, file: string, removeAfter: boolean): Promise<void> {
  const release = holdImportLock(d.dataDir, 0);
  const problems: ImportProblemInfo[] = [];
  let problemCount = 0;
  const imp = () => job.info.import!;
  try {
    if (release === null) {
      job.end({ state: 'failed', message: 'Import refused: another import is writing into this data folder. Try again once it has finished.' });
      return;
    }
    await new Promise((r) => setImmediate(r));
    const s = await importFile(d.store(), file, {
      label: imp().fileName,
      batchSize: APP_BATCH,
      signal: job.signal,
      commitBatch: d.commitBatch,
      onProblem: (p) => {
        problemCount++;
        if (problems.length < PROBLEMS_KEPT) problems.push(p);
      },
      onProgress: (p) =>
        job.progress(p.read, null, {
          import: { ...imp(), format: p.format, added: p.added, duplicates: p.duplicates, ignored: p.ignored, problems: [...problems], problemCount, committedThrough: p.committedThrough, bytesRead: p.bytesRead },
        }),
    });
    const result = { ...imp(), format: s.format, added: s.added, duplicates: s.duplicates, ignored: s.ignored, problems: s.problems.slice(0, PROBLEMS_KEPT), problemCount: s.problems.length, committedThrough: s.committedThrough, bytesRead: s.bytesRead };
    const unit = s.format === 'har' ? 'entr' : 'line';
    const counts =
      `${s.added.toLocaleString('en-US')} added, ${s.duplicates.toLocaleString('en-US')} already stored` +
      (s.ignored > 0 ? `, ${s.ignored.toLocaleString('en-US')} HAR entries not POSTs with a body` : '') +
      (s.problems.length > 0 ? `, ${s.problems.length.toLocaleString('en-US')} ${unit}${s.problems.length === 1 ? (unit === 'entr' ? 'y' : '') : unit === 'entr' ? 'ies' : 's'} skipped` : '');
    if (s.cancelled) {
      job.end({
        state: 'cancelled',
        done: s.read,
        import: result,
        message: `Import cancelled after ${unit === 'line' ? 'line' : 'entry'} ${s.committedThrough.toLocaleString('en-US')}: ${counts}. What was imported stays; importing the file again adds only the rest.`,
      });
    } else {
      job.end({ state: 'done', done: s.read, total: s.read, import: result, message: `Imported ${imp().fileName}: ${counts}.` });
    }
  } catch (err) {
    // a system error quotes the path it failed on: an upload's is the data folder's business, not the user's
    const why = (err instanceof Error ? err.message : String(err)).split(file).join(imp().fileName);
    const kept = imp().added > 0 ? ` The ${imp().added.toLocaleString('en-US')} deliveries committed before stay.` : ' Nothing was imported.';
    job.end({ state: 'failed', message: err instanceof ImportFileError ? `Import failed: ${why}.` : `Import failed: ${why}.${kept}` });
  } finally {
    release?.();
    if (removeAfter) fs.rmSync(file, { force: true });
    d.onEnded();
  }
}
