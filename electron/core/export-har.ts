// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) of deliveries, for browser dev tools and HTTP
// Toolkit: each delivery is one entry with the request as received (headers in order, the exact body: as text when
// it is valid UTF-8, else base64 with `encoding`), our answer's status and how long it took. What HAR has no field
// for (the delivery's id, its raw path and query, outcome, flags) is kept under `_rci`, so `import` restores the
// delivery exactly. Streamed: the document is written entry by entry.
import http from 'node:http';
import type { ExportedDelivery } from './store/types';

const HAR_CREATOR = 'RCS Callback Inspector';

// ignoreBOM: keep a leading byte order mark in the text (the default strips it, and the body would lose 3 bytes)
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** What `_rci` holds (import-file.ts reads it back). */
export interface HarDeliveryExtra {
  id: number;
  path: string;
  query: string;
  remoteAddress: string;
  bodySize: number;
  bodyTruncated: boolean;
  outcome: 'stored' | 'rejected';
  rejectReason: string | null;
  answerMs: number | null;
  attempt: number | null;
  flags: string[];
  imported: boolean;
}

export function* harDocument(
  rows: Iterable<ExportedDelivery>,
  version: string,
  isImported: (id: number) => boolean,
): IterableIterator<string> {
  const log = { version: '1.2', creator: { name: HAR_CREATOR, version }, pages: [] };
  const head = JSON.stringify({ log: { ...log, entries: [] } }, null, 1);
  // everything up to the empty entries array, so entries can follow one by one
  const cut = head.lastIndexOf('[]');
  yield head.slice(0, cut) + '[\n';
  let first = true;
  for (const d of rows) {
    yield (first ? '' : ',\n') + JSON.stringify(harEntry(d, isImported(d.id)));
    first = false;
  }
  yield '\n]' + head.slice(cut + 2) + '\n';
}

function harEntry(d: ExportedDelivery, imported: boolean): Record<string, unknown> {
  const r = d.request;
  const body = Buffer.from(r.bodyBase64, 'base64');
  let text: string | null;
  try {
    text = strictUtf8.decode(body);
  } catch {
    text = null;
  }
  const headers = r.headers.map(([name, value]) => ({ name, value }));
  const header = (n: string) => r.headers.find(([k]) => k.toLowerCase() === n)?.[1];
  const url = `http://${header('host') || 'localhost'}${r.path.startsWith('/') ? '' : '/'}${r.path}${r.query ? `?${r.query}` : ''}`;
  const ms = d.response.ms ?? 0;
  const extra: HarDeliveryExtra = {
    id: d.id,
    path: r.path,
    query: r.query,
    remoteAddress: r.remoteAddress,
    bodySize: r.bodySize,
    bodyTruncated: r.bodyTruncated,
    outcome: d.outcome,
    rejectReason: d.rejectReason,
    answerMs: d.response.ms,
    attempt: d.attempt,
    flags: d.flags.map((f) => f.flag),
    imported,
  };
  return {
    startedDateTime: d.receivedAt,
    time: ms,
    request: {
      method: r.method,
      url,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers,
      queryString: [...new URLSearchParams(r.query)].map(([name, value]) => ({ name, value })),
      ...(body.length > 0 || r.method === 'POST'
        ? {
            postData: {
              mimeType: header('content-type') ?? '',
              text: text ?? body.toString('base64'),
              ...(text === null ? { encoding: 'base64' } : {}),
              params: [],
            },
          }
        : {}),
      headersSize: -1,
      // the size received; a refused delivery's text holds only its first bytes (_rci.bodyTruncated)
      bodySize: r.bodySize,
    },
    response: {
      status: d.response.status,
      statusText: http.STATUS_CODES[d.response.status] ?? '',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: [],
      content: { size: 0, mimeType: '' },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    timings: { send: 0, wait: ms, receive: 0 },
    _rci: extra,
  };
}
