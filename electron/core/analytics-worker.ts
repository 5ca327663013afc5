// The analytics worker thread (started by analytics-runner.ts): reports computed on a read-only connection of its
// own, so a query of seconds on a large filtered store never holds the core's event loop, which answers the
// gateway. WAL lets it read while the core writes; it sees what indexing has committed.
import { parentPort, workerData } from 'node:worker_threads';
import { ApiError } from '../../shared/api-error';
import { openStore } from './store';
import type { Store } from './store/types';
import type { AnalyticsReply, AnalyticsRequest } from './analytics-runner';

const nativeBinding = (workerData as { nativeBinding?: string | null } | null)?.nativeBinding ?? undefined;
let open: { file: string; store: Store } | null = null;

function storeOf(file: string): Store {
  if (open?.file !== file) {
    // the core moved to another file (a damaged one was replaced): read that one from now on
    open?.store.close();
    open = null;
    open = { file, store: openStore({ file, readonly: true, nativeBinding }) };
  }
  return open.store;
}

parentPort!.on('message', (r: AnalyticsRequest | 'close') => {
  if (r === 'close') {
    // the core closes its connection next: this one must be gone first, or the core's is not the last to close
    // and leaves the WAL behind
    open?.store.close();
    open = null;
    process.exit(0);
  }
  let reply: AnalyticsReply;
  try {
    reply = { id: r.id, report: storeOf(r.file).getAnalytics(r.query, r.now) };
  } catch (err) {
    if (!(err instanceof ApiError)) {
      // whatever went wrong with the file, the next report opens it afresh
      try {
        open?.store.close();
      } catch {
        // closing a broken connection may fail too
      }
      open = null;
    }
    reply = { id: r.id, error: { message: err instanceof Error ? err.message : String(err), code: err instanceof ApiError ? err.code : null } };
  }
  parentPort!.postMessage(reply);
});
