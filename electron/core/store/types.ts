// The store's public surface. Everything else in the core (ingest, API handlers, replay, export, CLI) talks to
// SQLite only through this interface.
import type { Counts, Target } from '../../../shared/api';
import type { Report } from '../../../shared/analytics';
import type {
  DeliveryDetail,
  DeliveryRequest,
  DeliverySummary,
  FlagDetail,
  ForwardAttempt,
  MessageDetail,
  MessageSummary,
  NormalizedCallback,
  Page,
} from '../../../shared/domain';
import type { InboxRow } from './rows';
import type { UnreadableRange } from './salvage';
import type { SliceOptions, SliceTimes } from './ingest';
import type { ImportResult, ImportRow } from './import-rows';
import type { MarkKind } from '../../../shared/marks';
import type { Mark } from './marks';
import type { DeletionStore } from './delete-scope';

/** A write the store could not commit (disk full, read-only, locked past the busy timeout). */
export class StoreWriteError extends Error {
  constructor(
    readonly reason: string,
    override readonly cause?: unknown,
  ) {
    super(`store cannot write: ${reason}`);
  }
}

export interface IngestInput {
  request: DeliveryRequest;
  /** 'rejected' = we refused it (e.g. 413): only metadata and the first bytes are kept */
  outcome: 'stored' | 'rejected';
  /** what we will answer once the batch is committed */
  responseStatus: number;
  rejectReason: string | null;
  bodyTruncated: boolean;
}

export interface ListArgs {
  query: string;
  offset: number;
  limit: number;
}

export interface StoreStats {
  /** every stored delivery, indexed or not */
  deliveriesTotal: number;
  /** stored and not indexed yet (lists and counts show them once indexed) */
  deliveriesPending: number;
  deliveriesToday: number;
  messagesTotal: number;
  storeBytes: number;
}

/** One line of `export --format ndjson` (deliveries). */
export interface ExportedDelivery {
  id: number;
  receivedAt: string; // ISO
  request: {
    method: string;
    path: string;
    query: string;
    headers: [string, string][];
    remoteAddress: string;
    bodySize: number;
    bodyBase64: string;
    bodyText: string;
    bodyTruncated: boolean;
  };
  response: { status: number; ms: number | null };
  outcome: 'stored' | 'rejected';
  rejectReason: string | null;
  callback: NormalizedCallback | null;
  eventKey: string | null;
  attempt: number | null;
  flags: FlagDetail[];
  /** the user's pin and note (store/marks.ts): absent when none, so unmarked lines are as before */
  pinned?: true;
  note?: string;
}

/** One line of `export --format ndjson --messages`. */
export type ExportedMessage = MessageSummary & {
  anomalyDetails: { anomaly: string; detail: string }[];
};

/** What the checkpoint worker (checkpointer.ts) reports of its passes. */
export interface CheckpointProgress {
  /** the WAL's length in frames when the last finished pass began (-1 before the first) */
  walFrames(): number;
  /** passes finished so far */
  passesDone(): number;
  /** a pass is running */
  passing(): boolean;
  /** asks for a pass now rather than at the next tick */
  hurry(): void;
}

export interface Store {
  readonly file: string;
  /** Both phases in ONE transaction, all or nothing; throws StoreWriteError. Classifies each delivery against what is stored. */
  ingest(batch: IngestInput[], now?: number): DeliverySummary[];
  /**
   * Phase 1 of ingest, the acknowledgement path: ONE transaction (durable when it returns, unless `sync` is false)
   * storing the requests with what a parse of each body alone tells (flags without `duplicate`, attempt null),
   * marked pending; throws StoreWriteError.
   */
  ingestRaw(batch: IngestInput[], opts?: { sync?: boolean }): DeliverySummary[];
  /**
   * With `ingestRaw(batch, { sync: false })`: resolves once every batch committed before the call is on disk, the
   * fsync running off the event loop; rejects with StoreWriteError. Only where `canSyncLog` (a WAL file store).
   */
  syncLog(): Promise<void>;
  /**
   * The same flush on the calling thread (the event loop waits for the disk): returns once every batch committed
   * before the call is on disk; throws StoreWriteError. Only where `canSyncLog`. See group-commit.ts for when.
   */
  syncLogNow(): void;
  readonly canSyncLog: boolean;
  /**
   * Phase 2: classifies and indexes up to maxRows pending deliveries, oldest first, in one transaction (flags,
   * counters, messages; full text is queued: indexText); returns their final summaries, [] when nothing is pending.
   * With budgetMs it stops early (after at least one row) once that much time has passed; the rest stays pending.
   */
  indexPending(maxRows: number, now?: number, budgetMs?: number): DeliverySummary[];
  /** one indexing slice as the indexer asks for it (its cost model, the answer times it holds) */
  indexSlice(o: SliceOptions): SliceTimes & { summaries: DeliverySummary[] };
  /** rewrites messages whose fallback grace ran out by `now` (reads never write); their references */
  refreshDue(now: number): string[];
  /** when the next message changes by time passing alone, or null */
  nextDueAt(): number | null;
  /** deliveries stored by ingestRaw and not yet indexed (lists, counts and search do not show them fully yet) */
  pendingCount(): number;
  /**
   * Adds up to maxRows indexed deliveries queued for free text to the full-text table, in one transaction of at
   * most about budgetMs (store/full-text.ts); how many. A search adds whatever is queued first, so this only decides
   * when the work is done. `streaming`: deliveries keep arriving (as for indexSlice: page-cache.ts).
   */
  indexText(maxRows: number, budgetMs?: number, streaming?: boolean): number;
  /** indexed deliveries queued for the full-text table */
  textPending(): number;
  /**
   * Adds whatever is queued for free text when `query` searches free text (before another connection runs it);
   * how many queued deliveries a search of it cannot see, because this connection cannot add them (read-only).
   */
  prepareSearch(query: string, now?: number): number;
  /**
   * Appends deliveries as another store held them, keeping their ids (recover.ts; each id above every id stored
   * here), to be indexed by indexPending like any other. Ids may leave gaps, so pendingCount() overstates until then.
   */
  importRaw(rows: InboxRow[]): void;
  /**
   * Deliveries read from a file (`import`): appended to the inbox with new ids and marked imported, in one
   * transaction, skipping those already stored; indexed by indexPending like any other.
   */
  importDeliveries(rows: ImportRow[], source: string, now?: number): ImportResult;
  /** those of `ids` that were imported from a file */
  importedAmong(ids: readonly number[]): number[];
  /**
   * The file turned out damaged while open: from now on nothing is written to it (writes throw StoreWriteError,
   * response times are dropped, no checkpoint copies the WAL in), and close() leaves file and WAL as they are.
   */
  seal(): void;
  /**
   * Who checkpoints the WAL: this connection inside its commits (the default), or a background connection
   * (checkpointer.ts), in which case this one does so only far past the usual size, as a fallback. With the
   * worker's progress, checkpointWait() has the WAL start over before that (wal-restart.ts).
   */
  setCheckpointsInBackground(on: boolean, progress?: CheckpointProgress): void;
  /**
   * How many ms the next indexing slice should wait while the background checkpoint catches up, so that the WAL
   * starts over without a checkpoint that stalls this connection (wal-restart.ts); 0: index now.
   */
  checkpointWait(): number;
  /**
   * no checkpoint writes the file (until setCheckpointsInBackground) unless the WAL passes 1 GiB: while the file's
   * integrity check runs
   */
  holdCheckpoints(): void;
  /** response time is known only after the 200 went out; metadata, recorded best effort */
  /** answer times of indexed deliveries */
  setResponseTimes(rows: { id: number; ms: number }[]): void;
  /** answer times of deliveries still in the inbox (when stopping before they are indexed) */
  parkResponseTimes(rows: { id: number; ms: number }[]): void;
  /** which response rule answered which delivery (store/rule-answers.ts): metadata, written best effort */
  setRuleAnswers(rows: { id: number; rule: string; action: 'status' | 'delay' | 'close' | 'hang'; status: number | null; delayMs: number | null; noAnswer?: boolean }[]): void;
  /** deliveries indexed for an event key (of this reference's message): where a response rule's attempt count starts */
  eventAttempts(reference: string, eventKey: string): number;
  listMessages(args: ListArgs, now?: number): Page<MessageSummary>;
  /** summary and anomalies, and one page of the timeline (events from `page.offset`, default the first 200) */
  getMessage(reference: string, now?: number, page?: { offset: number; limit: number }): MessageDetail | null;
  getMessageSummaries(references: string[], now?: number): MessageSummary[];
  listDeliveries(args: ListArgs): Page<DeliverySummary>;
  getDelivery(id: number): DeliveryDetail | null;
  getRawRequest(id: number): DeliveryRequest | null;
  /** ids of every delivery matching the query, for bulk replay */
  listDeliveryIds(query: string, order: 'received' | 'timestamp'): number[];
  /** references of every message matching the query, in one pass (an export's selection; no order) */
  listMessageRefs(query: string): string[];
  getCounts(query: string, now?: number): Counts;
  /** the analytics report of the messages the query matches (exact, uncapped) */
  getAnalytics(query: string, now?: number): Report;
  suggestValues(field: string, prefix: string): string[];
  stats(now?: number): StoreStats;
  /** indexed deliveries (what lists can show) and messages, from their counters: cheap enough for every live event */
  indexedCounts(): { deliveries: number; messages: number };
  /** messages the first-run screen's test button made and the user has not deleted (a counter: cheap) */
  testCallbacks(): number;
  /** deletes them, with everything derived from them (store/test-callbacks.ts) */
  deleteTestCallbacks(): { messages: number; deliveries: number };
  /** a delivery's (key: id) or message's (key: reference) pin and note (store/marks.ts) */
  getMark(kind: MarkKind, key: string | number): Mark;
  /** sets the pin and/or note (undefined: unchanged; null or '': note removed); not-found when nothing has that key */
  setMark(kind: MarkKind, key: string | number, change: { pinned?: boolean; note?: string | null }, now?: number): Mark;
  /** deleting in slices and giving the space back (store/delete-scope.ts; run by electron/core/retention.ts) */
  readonly deletion: DeletionStore;
  /** every delivery in id order; id ranges a damaged file cannot give back are skipped and passed to onSkip */
  iterateDeliveries(onSkip?: (range: UnreadableRange) => void): IterableIterator<ExportedDelivery>;
  iterateMessages(now?: number, onSkip?: (range: UnreadableRange) => void): IterableIterator<ExportedMessage>;
  getSetting<T>(key: string): T | undefined;
  setSetting(key: string, value: unknown): void;
  listTargets(): Target[];
  saveTarget(t: { id?: number; url: string; headers: [string, string][]; isDefault: boolean }): Target;
  deleteTarget(id: number): void;
  insertForward(a: Omit<ForwardAttempt, 'id'>): ForwardAttempt;
  listForwards(deliveryId: number): ForwardAttempt[];
  close(): void;
}
