// The two halves of ingest wired together: the group committer acknowledges (phase 1, on the answer's path) and
// tells the indexer, which indexes in the background (phase 2). The receiver sees only `DeliverySink`.
import type { DeliverySummary } from '../../shared/domain';
import { GroupCommitter } from './group-commit';
import { Indexer, type IndexerOptions } from './indexer';
import type { IngestInput, Store } from './store/types';

/** What the receiver needs: store a delivery (resolves once committed), and say how long its answer took. */
export interface DeliverySink {
  submit(input: IngestInput): Promise<DeliverySummary>;
  recordResponseTime(id: number, ms: number): void;
}

export interface Ingest extends DeliverySink {
  readonly committer: GroupCommitter;
  readonly indexer: Indexer;
  /** in-flight commits finish, what is pending is indexed within the indexer's close budget, then new work is refused */
  close(): Promise<void>;
}

export function createIngest(
  store: Store,
  opts: Pick<IndexerOptions, 'onIndexed' | 'onIndexError' | 'closeIndexBudgetMs'> & {
    /** right after each acknowledged commit (live forwarding acts on "received now") */
    onCommitted?: (summaries: DeliverySummary[]) => void;
  } = {},
): Ingest {
  const indexer = new Indexer(store, opts);
  const committer = new GroupCommitter(store, {
    onSubmit: () => indexer.noteArrival(),
    onCommitted: (rows) => {
      indexer.committed(rows);
      opts.onCommitted?.(rows);
    },
  });
  return {
    committer,
    indexer,
    submit: (input) => committer.submit(input),
    recordResponseTime: (id, ms) => indexer.recordResponseTime(id, ms),
    async close() {
      await committer.close();
      indexer.close();
    },
  };
}
