// Turns SQLite failures into words a user can act on ("disk full", not "SQLITE_FULL").
import { StoreWriteError } from './types';

const REASONS: [prefix: string, reason: string][] = [
  ['SQLITE_FULL', 'disk full'],
  ['SQLITE_READONLY', 'database is read-only'],
  ['SQLITE_BUSY', 'database is locked by another process'],
  ['SQLITE_LOCKED', 'database is locked'],
  ['SQLITE_IOERR', 'disk I/O error'],
  ['SQLITE_CORRUPT', 'database file is corrupt'],
  ['SQLITE_NOTADB', 'file is not a database'],
  ['SQLITE_CANTOPEN', 'database file cannot be opened'],
  ['SQLITE_PERM', 'permission denied'],
  ['SQLITE_NOMEM', 'out of memory'],
  ['SQLITE_TOOBIG', 'delivery too large for the database'],
];

function sqliteCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null;
}

function writeFailureReason(err: unknown): string {
  const code = sqliteCode(err);
  if (code) {
    for (const [prefix, reason] of REASONS) if (code.startsWith(prefix)) return reason;
    return `database error (${code})`;
  }
  return err instanceof Error ? err.message : String(err);
}

export function toStoreWriteError(err: unknown): StoreWriteError {
  return err instanceof StoreWriteError ? err : new StoreWriteError(writeFailureReason(err), err);
}
