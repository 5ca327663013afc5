// The end of a simulated run is good news: its notice is shown as a success (the check), not with the warning sign
// the core's other notices on the same channel carry.
import { describe, expect, it } from 'vitest';
import type { Api, ApiEventBatch } from '../../shared/api';
import type { ApiClient } from '../../renderer/src/api/client';
import { createInspectorStore } from '../../renderer/src/store/inspector-store';

describe('success notices', () => {
  it('a finished simulated campaign is a success toast; a forward failure stays a warning', () => {
    const client: ApiClient = { api: {} as Api, subscribe: () => () => {} };
    const store = createInspectorStore(client);
    const notice = (code: string, message: string) => store.getState().handleBatch([{ event: 'warning', data: { code, message, at: 1 } }] satisfies ApiEventBatch);
    notice('simulate-done', 'Simulated campaign sent: 50 messages, 136 callbacks.');
    notice('forward-failed', 'Forward failed');
    expect(store.getState().toasts.map((t) => [t.code, t.tone])).toEqual([
      ['simulate-done', 'good'],
      ['forward-failed', 'warn'],
    ]);
  });
});
