// Conformance runs are kept in the settings table (one JSON value, the newest first) so runs can be compared:
// a few kilobytes each, the last 30.
import type { ConformReport } from '../../../shared/api';
import type { Store } from '../store/types';

const KEY = 'conformRuns';
const KEEP = 30;

export function listRuns(store: Pick<Store, 'getSetting'>): ConformReport[] {
  const runs = store.getSetting<ConformReport[]>(KEY);
  return Array.isArray(runs) ? runs : [];
}

/** Numbers the run (one more than the newest kept) and keeps it; the oldest beyond KEEP are dropped. */
export function saveRun(store: Pick<Store, 'getSetting' | 'setSetting'>, report: ConformReport): ConformReport {
  const runs = listRuns(store);
  const saved = { ...report, id: (runs[0]?.id ?? 0) + 1 };
  store.setSetting(KEY, [saved, ...runs].slice(0, KEEP));
  return saved;
}
