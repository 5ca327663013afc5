// Top replies keep a value by its first 200 characters: a sender of megabyte-long replies must not make the
// analytics worker's tally (kept for its whole life) or a report hold megabytes per reply.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../electron/core/store';
import { deliveryInput, loadSamples } from '../support/store-fixtures';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-replies-bounds-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('top replies', () => {
  it('show a long reply by its first 200 characters, and count two replies that differ only past them as one', () => {
    const store = openStore({ file: path.join(dir, 'inspector.sqlite') });
    try {
      const e = loadSamples().events;
      const long = 'Quero a oferta ' + 'x'.repeat(300_000);
      const T = Date.parse('2025-11-28T12:00:00Z');
      store.ingest(
        [
          deliveryInput({ ...e.inbound_text, reference: 'long-1', event_id: 'l1', message: { contentType: 'text', text: `${long}A` } }, T),
          deliveryInput({ ...e.inbound_text, reference: 'long-2', event_id: 'l2', message: { contentType: 'text', text: `${long}B` } }, T + 1),
          deliveryInput({ ...e.suggestion_response, reference: 'long-3', event_id: 'l3', message: { contentType: 'suggestionResponse', suggestionResponse: { type: 'REPLY', text: long, postbackData: long } } }, T + 2),
        ],
        T + 10,
      );
      for (const query of ['', 'ref:long']) {
        const { replies } = store.getAnalytics(query, T + 10);
        expect(replies.texts, query).toEqual([{ value: `${long.slice(0, 199)}…`, n: 2 }]);
        expect(replies.suggestions, query).toEqual([{ value: `${long.slice(0, 199)}…`, n: 1 }]);
        expect(replies.postbacks, query).toEqual([{ value: `${long.slice(0, 199)}…`, n: 1 }]);
      }
    } finally {
      store.close();
    }
  });
});
