// The control API's pins and notes, deletion and retention calls (shared/api.ts), over the store's marks and the
// background deletion queue (retention.ts). The retention policy is kept in the store's settings.
import type { ApiHandlers } from '../../shared/api';
import { NO_RETENTION, type RetentionPolicy } from '../../shared/retention';
import { createDeletionQueue, startRetention } from './retention';
import type { Store } from './store/types';

const RETENTION_SETTING = 'retention';

type DataHandlers = Pick<ApiHandlers, 'getMark' | 'setMark' | 'previewDelete' | 'deleteData' | 'getRetention' | 'setRetention'>;

export function createDataService(o: {
  store: () => Store;
  /** deliveries were deleted: the counts the live status keeps are read again (live.recount) */
  onChanged: () => void;
  log?: (entry: Record<string, unknown>) => void;
}): { handlers: DataHandlers; close(): Promise<void> } {
  const queue = createDeletionQueue({ store: o.store, onChanged: o.onChanged, log: o.log });
  const policy = (): RetentionPolicy => {
    try {
      return { ...NO_RETENTION, ...(o.store().getSetting<RetentionPolicy>(RETENTION_SETTING) ?? {}) };
    } catch {
      // an unreadable setting keeps everything: pruning must never follow a guess
      return NO_RETENTION;
    }
  };
  const retention = startRetention(queue, policy);
  const handlers: DataHandlers = {
    getMark: (a) => o.store().getMark(a.kind, a.key),
    setMark: (a) => o.store().setMark(a.kind, a.key, { pinned: a.pinned, note: a.note }),
    previewDelete: (a) => queue.preview(a.scope, !a.includePinned),
    deleteData: (a) => queue.delete(a.scope, { keepPinned: !a.includePinned, clearPins: a.scope.kind === 'all' && a.clearPins }),
    getRetention: () => policy(),
    setRetention: (a) => {
      // a limit left out stays as it was: setting the days alone must not turn the size limit off
      const was = policy();
      const next: RetentionPolicy = { maxDays: a.maxDays === undefined ? was.maxDays : a.maxDays, maxGb: a.maxGb === undefined ? was.maxGb : a.maxGb };
      o.store().setSetting(RETENTION_SETTING, next);
      retention.kick();
      return next;
    },
  };
  return {
    handlers,
    async close() {
      retention.stop();
      await queue.close();
    },
  };
}
