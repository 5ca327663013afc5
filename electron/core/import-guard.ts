// `import` writes into a store file that no other program has open. A running `serve` or desktop app keeps its
// connection (and its indexer, live lists, answer-time bookkeeping) for as long as it runs; deliveries written
// behind its back would reach its lists without a live event and could meet its own writes half-way. Refusing
// is simple and clear: stop the app, import, start it again.
//
// The check: a connection in exclusive locking mode can begin an exclusive transaction on a WAL database only
// when no other connection has it open (each holds a shared lock while open, even idle). The probe lets go at
// once; the import then opens the store as usual.
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
