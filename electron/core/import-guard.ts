// `import` writes into a store file that no other program has open. A running `serve` or desktop app keeps its
// connection (and its indexer, live lists, answer-time bookkeeping) for as long as it runs; deliveries written
// behind its back would reach its lists without a live event and could meet its own writes half-way. Refusing
// is simple and clear: stop the app, import, start it again.
//
// The check: a connection in exclusive locking mode can begin an exclusive transaction on a WAL database only
// when no other connection has it open (each holds a shared lock while open, even idle). The probe lets go at
// once; the import then opens the store as usual.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export function storeInUse(file: string): boolean {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return false;
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw err;
  } finally {
    db.close();
  }
}

// The other way round: a `serve` or desktop app started while an import runs must not open the store either. The
// import holds a lock in the data folder for as long as it writes: an empty SQLite file held in an exclusive
// transaction, which the operating system lets go when the importer ends, however it ends (a lock file naming a
// process would outlive a killed import, or name a process that reused its id). The file stays between imports:
// deleting it could pull it from under an import that has just opened it.
const IMPORT_LOCK = 'import.lock';

export class ImportRunningError extends Error {}

/**
 * Takes the folder's import lock; null when another import holds it (after waiting up to `waitMs`: a starting
 * program's probe holds it for an instant). The returned function lets it go.
 */
export function holdImportLock(dataDir: string, waitMs = 2000): (() => void) | null {
  const db = new Database(path.join(dataDir, IMPORT_LOCK));
  try {
    db.pragma(`busy_timeout = ${waitMs}`);
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return null;
    throw err;
  }
  return () => db.close();
}

/** Throws ImportRunningError when an import is writing into this data folder's store right now. */
export function refuseWhileImporting(dataDir: string): void {
  const file = path.join(dataDir, IMPORT_LOCK);
  if (!fs.existsSync(file)) return;
  const probe = holdImportLock(dataDir, 0);
  probe?.();
  if (probe === null) {
    throw new ImportRunningError(
      `an import is writing into the store in ${dataDir}: start again once it has finished (or stop it), so the import and this program never write the store at the same time`,
    );
  }
}
