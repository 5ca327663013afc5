// Durability off the event loop. With synchronous=FULL SQLite fsyncs the write-ahead log inside COMMIT, on the
// thread that commits: ours answers every request, so each acknowledged batch held it for the fsync (~0.3 ms here,
// far more on a busy disk). Phase 1 can instead commit with synchronous=NORMAL (the WAL frames are written, not
// synced) and have this fsync the WAL on libuv's thread pool; the acknowledgements wait for it, the loop does not.
//
// Same guarantee as FULL: a commit's frames are on disk once an fdatasync of the WAL that started after the commit
// returned has completed (fsync acts on the file, not on the descriptor). Frames a checkpoint copies into the
// database file are safe too: SQLite syncs that file before it lets a writer reuse the WAL (nBackfill is set only
// after the sync), so a reused WAL never holds the only copy of an acknowledged delivery.
import fs from 'node:fs';
import { StoreWriteError } from './types';

/**
 * A failed flush leaves the file untrustworthy, not just that batch: Linux may drop the pages it could not write and
 * report success to the next fsync, while the WAL's frames are chained by checksum, so a recovery would stop at the
 * lost frame and drop every later one, acknowledged or not. Such an error says so (see group-commit.ts and
 * active-store.ts: nothing more is acknowledged from that file, new deliveries go to a fresh one).
 */
const SYNC_FAILED = Symbol('log sync failed');

export function isLogSyncFailure(err: unknown): boolean {
  return err instanceof StoreWriteError && (err as unknown as Record<symbol, unknown>)[SYNC_FAILED] === true;
}

function syncFailure(reason: string, cause: unknown): StoreWriteError {
  return Object.assign(new StoreWriteError(reason, cause), { [SYNC_FAILED]: true });
}

export interface WalSync {
  /** resolves once everything committed before the call is on disk; rejects with StoreWriteError */
  sync(): Promise<void>;
  /** the same flush on the calling thread: returns once everything committed before the call is on disk */
  syncNow(): void;
  close(): void;
}

export function walSyncFor(dbFile: string): WalSync {
  const walFile = `${dbFile}-wal`;
  let fd: number | null = null;
  let closed = false;
  /** syncs in flight: the descriptor is closed after the last (a number reused meanwhile would be synced instead) */
  let inFlight = 0;
  const release = () => {
    if (closed && inFlight === 0 && fd !== null) {
      fs.closeSync(fd);
      fd = null;
    }
  };
  const open = (): number => {
    try {
      // opened at the first sync: the WAL exists from the first commit on, and SQLite keeps it (same inode) while
      // the store is open; r+ because Windows flushes only a handle opened for writing
      return (fd ??= fs.openSync(walFile, 'r+'));
    } catch (err) {
      throw syncFailure(`the write-ahead log cannot be opened to flush it: ${(err as Error).message}`, err);
    }
  };
  return {
    sync() {
      if (closed) return Promise.reject(new StoreWriteError('the store is closed'));
      return new Promise<void>((resolve, reject) => {
        let handle: number;
        try {
          handle = open();
        } catch (err) {
          return reject(err);
        }
        inFlight++;
        fs.fdatasync(handle, (err) => {
          inFlight--;
          release();
          if (err) reject(syncFailure(`flushing to disk failed: ${err.message}`, err));
          else resolve();
        });
      });
    },
    syncNow() {
      if (closed) throw new StoreWriteError('the store is closed');
      const handle = open();
      try {
        fs.fdatasyncSync(handle);
      } catch (err) {
        throw syncFailure(`flushing to disk failed: ${(err as Error).message}`, err);
      }
    },
    close() {
      if (closed) return;
      closed = true;
      release();
    },
  };
}
