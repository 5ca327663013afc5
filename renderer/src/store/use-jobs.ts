// The export and import jobs as this page sees them: the last of each kind (from listJobs, then live `job`
// events), and which of them this page started, so only that page downloads the finished export.
import { useEffect } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { JobInfo, JobKind } from '../../../shared/jobs';
import type { ApiClient } from '../api/client';

interface JobsState {
  jobs: Partial<Record<JobKind, JobInfo>>;
  /** ids of jobs this page started */
  mine: string[];
  /** export jobs whose file this page has already asked the browser to download */
  downloaded: string[];
  put(info: JobInfo): void;
  claim(id: string): void;
}

const stores = new WeakMap<ApiClient, StoreApi<JobsState>>();

function jobsStore(client: ApiClient): StoreApi<JobsState> {
  let s = stores.get(client);
  if (s) return s;
  s = createStore<JobsState>()((set, get) => ({
    jobs: {},
    mine: [],
    downloaded: [],
    put(info) {
      const cur = get().jobs[info.kind];
      // a late progress frame must not undo the end of a job
      if (cur && cur.id === info.id && cur.state !== 'running' && info.state === 'running') return;
      set({ jobs: { ...get().jobs, [info.kind]: info } });
    },
    claim(id) {
      set({ mine: [...get().mine, id] });
    },
  }));
  const store = s;
  client.subscribe((batch) => {
    for (const e of batch) if (e.event === 'job') store.getState().put(e.data);
  });
  void client.api
    .listJobs({})
    .then((list) => {
      for (const j of list) if (!store.getState().jobs[j.kind]) store.getState().put(j);
    })
    .catch(() => {});
  stores.set(client, s);
  return s;
}

export function useJobs(client: ApiClient) {
  const store = jobsStore(client);
  const state = useStore(store);
  // the finished export this page started is handed to the browser's downloads, once: checked against the store's
  // state of now, not a render's, as every component using this hook runs the effect
  useEffect(() => {
    const s = store.getState();
    const j = s.jobs.export;
    if (!j || j.state !== 'done' || !j.export?.downloadUrl || !s.mine.includes(j.id) || s.downloaded.includes(j.id)) return;
    store.setState({ downloaded: [...s.downloaded, j.id] });
    const a = document.createElement('a');
    a.href = j.export.downloadUrl;
    a.download = j.export.fileName;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }, [state.jobs.export, state.mine, store]);
  return state;
}
