// An export to a file is written to a temporary file beside it and renamed over the name asked for only once
// complete, so a cancelled, failed or interrupted export leaves no partial file where the user looks for the
// result (a rename within one folder is atomic). Signals that end the process remove the temporary file first.
import fs from 'node:fs';
import path from 'node:path';

export interface AtomicFile {
  /** where to write meanwhile */
  readonly tempPath: string;
  /** moves the finished file into place */
  commit(): void;
  /** removes what was written (idempotent) */
  discard(): void;
}

export function atomicFile(file: string): AtomicFile {
  const target = path.resolve(file);
  const tempPath = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.partial`);
  let done = false;
  const discard = () => {
    if (done) return;
    done = true;
    process.off('exit', discard);
    fs.rmSync(tempPath, { force: true });
  };
  // a crash (an uncaught error, process.exit on a signal) must not leave the temporary file behind either
  process.on('exit', discard);
  return {
    tempPath,
    commit() {
      if (done) return;
      fs.renameSync(tempPath, target);
      done = true;
      process.off('exit', discard);
    },
    discard,
  };
}
