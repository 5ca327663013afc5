// A delivery with a browser User-Agent may mean a sender that localtunnel's reminder page keeps out: that warning
// must stay on screen until the user dismisses it, and later warnings must not push it out.
import { describe, expect, it } from 'vitest';
import type { Api, ApiEventBatch } from '../../shared/api';
import type { ApiClient } from '../../renderer/src/api/client';
import { createInspectorStore } from '../../renderer/src/store/inspector-store';

function storeWithEvents() {
  const client: ApiClient = { api: {} as Api, subscribe: () => () => {} };
  const store = createInspectorStore(client);
  const warn = (code: string, message: string) => store.getState().handleBatch([{ event: 'warning', data: { code, message, at: 1 } }] satisfies ApiEventBatch);
  return { store, warn };
}

describe('warnings that stay until dismissed', () => {
  it('the browser User-Agent warning is sticky and outlives a run of other warnings; others are not', () => {
    const { store, warn } = storeWithEvents();
    warn('browser-user-agent', 'A delivery arrived with a browser-like User-Agent.');
    for (let i = 0; i < 6; i++) warn('forward-failed', `Forward ${i} failed`);
    const toasts = store.getState().toasts;
    expect(toasts).toHaveLength(4);
    expect(toasts.filter((t) => t.sticky).map((t) => t.code)).toEqual(['browser-user-agent']);
    expect(toasts.filter((t) => !t.sticky).map((t) => t.message)).toEqual(['Forward 3 failed', 'Forward 4 failed', 'Forward 5 failed']);
    store.getState().dismissToast(toasts[0]!.id);
    expect(store.getState().toasts.map((t) => t.code)).not.toContain('browser-user-agent');
  });
});
