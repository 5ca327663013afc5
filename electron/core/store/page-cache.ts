// The size of the connection's page cache: large for reading, smaller while indexing commits slice after slice as
// deliveries stream in, in a file under 1 GiB.
//
// Why: at the end of every write transaction SQLite drops the cached pages past the file's end (pager.c
// pager_end_transaction -> pcache1Truncate). B-tree balancing renumbers pages through a spare page number, the one
// just past the 1 GiB "pending byte" (btree.c balance_nonroot, pgnoTemp), and the cache remembers it as its highest.
// In a file smaller than that, the drop then walks the cache's whole hash table, every cached page: measured
// ~0.3 ms a commit with the 64 MiB cache full, against a short indexing slice's 10-30 rows, 10-35 µs a delivery (up
// to a third of its commit). A file past 1 GiB holds that page number, so nothing is walked: it keeps the large
// cache. The acknowledgement path does not pay it (its appends split the last page of one table, never renumbered).
// Reads lose little with the smaller one meanwhile: a file under 1 GiB sits in the OS page cache. Measured on an
// 811 MB store: warm list queries' median unchanged; the scans that read most pages (combined filters, free text)
// up to 1.5x slower, well within their targets. They get the large cache back once the stream stops.
import type Database from 'better-sqlite3';

/** for reading: lists and filters of a large store stay in memory */
export const LARGE_CACHE_KIB = 65536;
/** while deliveries stream in (the walk's cost grows with the pages cached) */
export const SMALL_CACHE_KIB = 16384;
/** SQLite's PENDING_BYTE: the spare page number balancing uses is the page holding the byte after it */
const PENDING_BYTE = 0x40000000;
/** a file crossing 1 GiB while streaming is noticed within this many slices */
const RECHECK_EVERY = 256;

/** Whether a file of this many pages is small enough for the walk described above (then a small cache pays). */
export function walkedOnCommit(pageCount: number, pageSize: number): boolean {
  return pageCount <= PENDING_BYTE / pageSize;
}

export class PageCache {
  private small = false;
  /** streaming slices since the file's size was last looked at (the first streaming slice looks) */
  private sinceCheck = RECHECK_EVERY;
  private readonly pageSize: number;

  /** `db` has the large cache (openStore sets it before its migrations, which read the whole file) */
  constructor(private readonly db: Database.Database) {
    this.pageSize = db.pragma('page_size', { simple: true }) as number;
  }

  /**
   * Before a write transaction of indexing: `streaming` (deliveries keep arriving, slices follow each other) takes
   * the small cache in a file under 1 GiB, otherwise the large one. Shrinking drops the least recently used pages
   * once (a few ms, once per stream); growing back costs nothing, pages are read again as needed.
   */
  forWrite(streaming: boolean): void {
    if (!streaming) {
      this.sinceCheck = RECHECK_EVERY;
      return this.set(false);
    }
    if (++this.sinceCheck < RECHECK_EVERY) return;
    this.sinceCheck = 0;
    this.set(walkedOnCommit(this.db.pragma('page_count', { simple: true }) as number, this.pageSize));
  }

  private set(small: boolean): void {
    if (small === this.small) return;
    this.db.pragma(`cache_size = -${small ? SMALL_CACHE_KIB : LARGE_CACHE_KIB}`);
    this.small = small;
  }
}
