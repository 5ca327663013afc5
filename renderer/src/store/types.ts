// The one store's shape, composed from its slices, and what every slice creator is handed. Each slice owns a part
// of the state and the actions on it; what several slices drive (list paging, count pacing, the open detail, live
// events by name) comes in `deps`, so no slice reaches into another's private variables.
import type { StoreApi } from 'zustand/vanilla';
import type { ApiEventBatch, ApiEventName, ApiEvents } from '../../../shared/api';
import type { ApiClient } from '../api/client';
import type { AnalyticsActions, AnalyticsState } from './analytics-slice';
import type { CountsPacer } from './counts-pacer';
import type { DetailLoader } from './detail-loader';
import type { ListPager } from './list-pager';
import type { ListsActions, ListsState } from './lists-slice';
import type { LiveActions, LiveState } from './live-slice';
import type { NoticesActions, NoticesState } from './notices-slice';
import type { ReplayActions, ReplayState } from './replay-slice';
import type { SelectionActions, SelectionState } from './selection-slice';
import type { SettingsActions, SettingsState } from './settings-slice';

export type InspectorState = ListsState & LiveState & SelectionState & NoticesState & ReplayState & SettingsState & AnalyticsState;
type InspectorActions = ListsActions & LiveActions & SelectionActions & NoticesActions & ReplayActions & SettingsActions & AnalyticsActions;
export type Inspector = InspectorState & InspectorActions;
export type InspectorStore = StoreApi<Inspector>;

export type SetState = InspectorStore['setState'];
export type GetState = InspectorStore['getState'];

export interface StoreDeps {
  client: ApiClient;
  /** live refreshes of the visible page happen at most this often */
  throttleMs: number;
  pager: ListPager;
  counts: CountsPacer;
  detail: DetailLoader;
  /** a slice takes the live events about its own state */
  on<K extends ApiEventName>(event: K, handler: (data: ApiEvents[K]) => void): void;
  /** hands each event of a frame to the slices that took it, in order */
  dispatch(batch: ApiEventBatch): void;
}

export type SliceCreator<S> = (set: SetState, get: GetState, deps: StoreDeps) => S;
