// One store per app, handed down through context so components (and tests) never import a global.
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { ApiClient } from '../api/client';
import type { Inspector, InspectorStore } from './types';

const StoreContext = createContext<{ store: InspectorStore; client: ApiClient } | null>(null);

export function StoreProvider({ store, client, children }: { store: InspectorStore; client: ApiClient; children: ReactNode }) {
  return <StoreContext.Provider value={{ store, client }}>{children}</StoreContext.Provider>;
}

function useCtx() {
  const ctx = useContext(StoreContext);
  if (!ctx) throw new Error('StoreProvider missing');
  return ctx;
}

export function useInspector<T>(selector: (s: Inspector) => T): T {
  return useStore(useCtx().store, selector);
}

export function useInspectorStore(): InspectorStore {
  return useCtx().store;
}

/** serve's inspector link (null in the desktop app, which needs none) */
export function useUiLink() {
  return useCtx().client.link ?? null;
}

/** direct API access for one-off calls (replay, cURL, test callback) that do not belong in the shared state */
export function useApi() {
  return useCtx().client.api;
}

/** the transport itself, for what is not a contract call (uploads, live events of a hook's own) */
export function useApiClient() {
  return useCtx().client;
}
