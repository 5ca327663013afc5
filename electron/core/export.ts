// The writer behind every export (export-run.ts), streamed so a million deliveries never sit in memory, and the
// NDJSON lines (every field, bodies byte-exact). A damaged store file is exported as far as it can be read: what
// it cannot give back is skipped and passed to onSkip (salvage.ts), never the end of the export.
import fs from 'node:fs';

/** The reader went away (`export | head`): not a failure of the export. */
export class OutputClosed extends Error {
  constructor(readonly written: number) {
    super('the output was closed before the export ended');
  }
}

export function* ndjsonLines(rows: Iterable<unknown>): IterableIterator<string> {
  for (const row of rows) yield JSON.stringify(row) + '\n';
}

/**
 * Writes each chunk in turn, respecting back-pressure (a slow disk or pipe must not make us buffer the whole
 * store); returns how many were written. A file target is ended (and flushed) before it resolves.
 */
export async function writeChunks(target: string | NodeJS.WritableStream, chunks: Iterable<string>): Promise<number> {
  const out: NodeJS.WritableStream = typeof target === 'string' ? fs.createWriteStream(target) : target;
  // an error on the stream (EPIPE when the reader exits) ends the export; without a listener it would be thrown
  // from the stream's emit and end the process with a stack trace
  let failed: Error | null = null;
  let wake: (() => void) | null = null as (() => void) | null;
  const onError = (err: Error) => {
    failed ??= err;
    wake?.();
  };
  out.on('error', onError);
  // waits for what `register` arranges (drain, end) or for a stream error, whichever comes first
  const until = (register: (done: () => void) => void) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      register(resolve);
    }).finally(() => (wake = null));
  let n = 0;
  try {
    for (const chunk of chunks) {
      if (failed) break;
      if (!out.write(chunk) && !failed) {
        let onDrain = () => {};
        await until((done) => out.once('drain', (onDrain = done)));
        out.off('drain', onDrain);
      }
      n++;
    }
    if (!failed && typeof target === 'string') await until((done) => (out as fs.WriteStream).end(done));
  } catch (err) {
    // a row source that gave up (a cancelled export) leaves no open file behind; waiting for the close also waits
    // for an open still under way, which would otherwise create the file after the caller removed it
    if (typeof target === 'string') {
      const file = out as fs.WriteStream;
      if (!file.closed) await new Promise<void>((resolve) => (file.once('close', () => resolve()), file.destroy()));
    }
    throw err;
  } finally {
    // after an error the listener stays: a later write error must not end the process with a stack trace either
    if (typeof target !== 'string' && !failed) out.off('error', onError);
  }
  if (failed) {
    if ((failed as NodeJS.ErrnoException).code === 'EPIPE') throw new OutputClosed(n);
    throw failed;
  }
  return n;
}
