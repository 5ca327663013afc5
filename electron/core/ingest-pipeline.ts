// The two halves of ingest wired together: the group committer acknowledges (phase 1, on the answer's path) and
// tells the indexer, which indexes in the background (phase 2). The receiver sees only `DeliverySink`.
import type { DeliverySummary } from '../../shared/domain';
import { GroupCommitter, type GroupCommitOptions } from './group-commit';
import { Indexer, type IndexerOptions } from './indexer';
import type { IngestInput, Store } from './store/types';

/** A committed delivery, and where to say how long its answer took (the store that committed it). */
export interface Stored {
  summary: DeliverySummary;
  answered(ms: number): void;
}

/** What the receiver needs: store a delivery (resolves once committed). */
export interface DeliverySink {
  submit(input: IngestInput): Promise<Stored>;
}

export interface Ingest extends DeliverySink {
  readonly committer: GroupCommitter;
  readonly indexer: Indexer;
  /** in-flight commits finish, what is pending is indexed within the indexer's close budget, then new work is refused */
  close(): Promise<void>;
}

export function createIngest(
  store: Store,
  opts: Pick<IndexerOptions, 'onIndexed' | 'onIndexError' | 'onMessagesChanged' | 'closeIndexBudgetMs'> & {
    /** right after each phase-1 commit (live forwarding acts on "received now") */
    onCommitted?: (summaries: DeliverySummary[]) => void;
  } & Pick<GroupCommitOptions, 'maxWaiting'> = {},
): Ingest {
  const indexer = new Indexer(store, opts);
  const committer = new GroupCommitter(store, {
    maxWaiting: opts.maxWaiting,
    onSubmit: (waiting) => indexer.noteArrival(waiting),
    onCommitted: (rows) => {
      indexer.committed(rows);
      opts.onCommitted?.(rows);
    },
  });
  return {
    committer,
    indexer,
    // the answer time goes to this indexer even if the core has switched to a fresh store meanwhile (ids restart)
    submit: (input) => committer.submit(input).then((summary) => ({ summary, answered: (ms) => indexer.recordResponseTime(summary.id, ms) })),
    async close() {
      await committer.close();
      indexer.close();
    },
  };
}
