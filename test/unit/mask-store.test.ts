// The renderer's mask state: unknown (and so masked) until the core answers, then the core's setting; the switch
// applies at once and goes back if the core refuses it; a core without settings (a test's fake) shows data plainly.
import { describe, expect, it } from 'vitest';
import type { Api, Settings } from '../../shared/api';
import type { ApiClient } from '../../renderer/src/api/client';
import { createInspectorStore } from '../../renderer/src/store/inspector-store';

const BASE: Settings = { tunnel: { enabled: false, host: 'https://localtunnel.me', subdomain: null }, notifications: false, proxyMode: false, forwardLive: false };

function client(opts: { saved?: Partial<Settings>; noSettings?: boolean; refuse?: boolean } = {}) {
  let settings: Settings = { ...BASE, ...opts.saved };
  let answer: (() => void) | null = null;
  const api = {
    getSettings: async () => {
      if (opts.noSettings) throw new Error('no getSettings');
      return settings;
    },
    updateSettings: async (patch: Partial<Settings>) => {
      await new Promise<void>((r) => (answer = r));
      if (opts.refuse) throw new Error('the store is read-only');
      settings = { ...settings, ...patch } as Settings;
      return settings;
    },
  } as unknown as Api;
  const c: ApiClient = { api, subscribe: () => () => {} };
  return { c, answer: () => answer?.() };
}

describe('mask state', () => {
  it('is unknown until the core answers, then follows its saved setting', async () => {
    const on = createInspectorStore(client({ saved: { maskPersonalData: true } }).c);
    expect(on.getState().masked).toBeNull();
    await on.getState().loadMask();
    expect(on.getState().masked).toBe(true);
    const off = createInspectorStore(client().c);
    await off.getState().loadMask();
    expect(off.getState().masked).toBe(false);
  });

  it('shows data plainly when the core has no settings to give', async () => {
    const store = createInspectorStore(client({ noSettings: true }).c);
    await store.getState().loadMask();
    expect(store.getState().masked).toBe(false);
    expect(store.getState().error).toBeNull();
  });

  it('masks at once when switched on, and keeps it when the core saved it', async () => {
    const f = client();
    const store = createInspectorStore(f.c);
    await store.getState().loadMask();
    const saving = store.getState().setMasked(true);
    expect(store.getState().masked).toBe(true);
    f.answer();
    await saving;
    expect(store.getState().masked).toBe(true);
    expect(store.getState().settings?.maskPersonalData).toBe(true);
  });

  it('goes back when the core refuses the change', async () => {
    const f = client({ saved: { maskPersonalData: true }, refuse: true });
    const store = createInspectorStore(f.c);
    await store.getState().loadMask();
    const saving = store.getState().setMasked(false);
    expect(store.getState().masked).toBe(false);
    f.answer();
    await expect(saving).rejects.toThrow('read-only');
    expect(store.getState().masked).toBe(true);
  });
});
