// The inspector's one store, built from an ApiClient so tests drive it with a fake. Its slices (lists, live,
// selection, notices, replay, settings) each own a part of the state; this file only wires them together with
// what they share: the list pager, the counts pacer, the loader of the open detail and live events by name.
import { createStore } from 'zustand/vanilla';
import type { ApiEventBatch, ApiEventName, ApiEvents } from '../../../shared/api';
import type { ApiClient } from '../api/client';
import { createAnalyticsSlice } from './analytics-slice';
import { createCountsPacer } from './counts-pacer';
import { createDetailLoader } from './detail-loader';
import { createListPager } from './list-pager';
import { createListsSlice } from './lists-slice';
import { createLiveSlice } from './live-slice';
import { createNoticesSlice } from './notices-slice';
import { createReplaySlice } from './replay-slice';
import { createSelectionSlice } from './selection-slice';
import { createSettingsSlice } from './settings-slice';
import type { Inspector, InspectorStore, StoreDeps } from './types';

interface StoreOptions {
  /** live refreshes of the visible page happen at most this often */
  throttleMs?: number;
}

type Handler = (data: ApiEvents[ApiEventName]) => void;

export function createInspectorStore(client: ApiClient, opts: StoreOptions = {}): InspectorStore {
  const throttleMs = opts.throttleMs ?? 250;
  return createStore<Inspector>()((set, get) => {
    const handlers = new Map<ApiEventName, Handler[]>();
    const deps: StoreDeps = {
      client,
      throttleMs,
      pager: createListPager(set, get, client),
      counts: createCountsPacer(set, get, client, throttleMs),
      detail: createDetailLoader(set, get, client),
      on(event, handler) {
        handlers.set(event, [...(handlers.get(event) ?? []), handler as Handler]);
      },
      dispatch(batch: ApiEventBatch) {
        for (const item of batch) for (const h of handlers.get(item.event) ?? []) h(item.data);
      },
    };
    return {
      ...createListsSlice(set, get, deps),
      ...createLiveSlice(set, get, deps),
      ...createSelectionSlice(set, get, deps),
      ...createNoticesSlice(set, get, deps),
      ...createReplaySlice(set, get, deps),
      ...createSettingsSlice(set, get, deps),
      ...createAnalyticsSlice(set, get, deps),
    };
  });
}
