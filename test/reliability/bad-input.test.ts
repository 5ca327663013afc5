// The receiver against hostile and broken HTTP: each input gets a defined answer, is stored (exact bytes) or its
// rejection recorded, and the server keeps serving. Raw sockets where fetch cannot express the input.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryDetail } from '../../shared/domain';
import { loadSamples, startServe, type ServeHandle } from '../support/serve';
import { apiOf, exportDeliveries, type ApiCall } from './support/api';
import { answerOf, postBytes, rawExchange, type RawExchange, type Step } from './support/raw-http';

const MAX_BODY = 262_144;
const samples = loadSamples();
const sample = JSON.stringify(samples.events.delivered);
const json = { 'Content-Type': 'application/json' };

interface Case {
  name: string;
  steps: Step[];
  /** the status of each answer, in order; [] = the connection gets no answer (the sender hung up) */
  answers: number[];
  /** new deliveries this input must leave in the store */
  stored: number;
  /** the exact bytes that must be kept for the (last) stored delivery */
  body?: Buffer;
  check?: (d: DeliveryDetail, ex: RawExchange) => void;
  /** the status on record when it differs from the last answer */
  recordedStatus?: number;
  opts?: { waitMs?: number; head?: boolean; expectResponses?: number };
}

const head = (extra: string, len: number | null = null) =>
  `POST /callbacks HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}${len === null ? '' : `Content-Length: ${len}\r\n`}\r\n`;
const chunked = (parts: string[]) => parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('') + '0\r\n\r\n';
const methodReq = (m: string, body = '') =>
  `${m} /callbacks HTTP/1.1\r\nHost: 127.0.0.1\r\n${body ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` : ''}\r\n${body}`;

function cases(): Case[] {
  const truncated = sample.slice(0, Math.floor(sample.length / 2));
  const badUtf8 = Buffer.concat([Buffer.from('{"reference":"utf8-'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('","type":"READ"}')]);
  const atLimit = (() => {
    const base = JSON.stringify({ reference: 'at-limit', pad: '' });
    return JSON.stringify({ reference: 'at-limit', pad: 'x'.repeat(MAX_BODY - base.length) });
  })();
  const overLimit = JSON.stringify({ reference: 'over-limit', pad: 'y'.repeat(MAX_BODY) });
  const deepArrays = `{"reference":"deep-arrays","type":"READ","vars":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
  const deepObjects = `{"reference":"deep-objects","vars":${'{"a":'.repeat(8_000)}1${'}'.repeat(8_000)}}`;
  const manyKeys = JSON.stringify({ ...samples.events.read, reference: 'many-keys', vars: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])) });
  const dupKeys = `{"reference":"dup-keys-1","reference":"dup-keys-2","type":"READ","type":"DELIVERED","channel":"RCS"}`;
  const drip = JSON.stringify({ ...samples.events.read, reference: 'slow-drip' });
  const dripSteps: Step[] = [head('Content-Type: application/json\r\n', Buffer.byteLength(drip))];
  for (let i = 0; i < drip.length; i += Math.ceil(drip.length / 30)) dripSteps.push(drip.slice(i, i + Math.ceil(drip.length / 30)), { delayMs: 30 });
  const gz = gzipSync(Buffer.from(sample));
  const multipart = `--xyz\r\nContent-Disposition: form-data; name="payload"\r\n\r\n${sample}\r\n--xyz--\r\n`;
  const latin1 = Buffer.from('{"reference":"latin1","message":{"text":"promoção válida até sábado"}}', 'latin1');
  const pipelined = [1, 2, 3].map((i) => postBytes('/callbacks', JSON.stringify({ ...samples.events.read, reference: `pipelined-${i}` })));

  return [
    { name: 'malformed JSON', steps: [postBytes('/callbacks', '{"reference": "x", "type": ')], answers: [200], stored: 1, body: Buffer.from('{"reference": "x", "type": '), check: invalid },
    { name: 'truncated sample JSON', steps: [postBytes('/callbacks', truncated)], answers: [200], stored: 1, body: Buffer.from(truncated), check: invalid },
    { name: 'invalid UTF-8', steps: [postBytes('/callbacks', badUtf8)], answers: [200], stored: 1, body: badUtf8, check: invalid },
    { name: 'empty body', steps: [postBytes('/callbacks', '')], answers: [200], stored: 1, body: Buffer.alloc(0), check: invalid },
    { name: 'NUL bytes', steps: [postBytes('/callbacks', Buffer.from([0, 0, 0, 0]))], answers: [200], stored: 1, body: Buffer.from([0, 0, 0, 0]), check: invalid },
    { name: 'JSON that is not an object', steps: [postBytes('/callbacks', '[1,"two",null]')], answers: [200], stored: 1, check: invalid },
    { name: 'body exactly at the size limit', steps: [postBytes('/callbacks', atLimit)], answers: [200], stored: 1, body: Buffer.from(atLimit) },
    {
      name: 'body over the limit, Content-Length declared',
      steps: [postBytes('/callbacks', overLimit)],
      answers: [413],
      stored: 1,
      check: (d) => rejected(d, 413, '{"reference":"over-limit"'),
    },
    {
      name: 'body over the limit, chunked without a length',
      steps: [head('Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n'), ...Array.from({ length: 80 }, () => `1000\r\n${'z'.repeat(4096)}\r\n`), '0\r\n\r\n'],
      answers: [413],
      stored: 1,
      check: (d) => rejected(d, 413, 'zzzz'),
    },
    { name: 'deep nesting: 20,000 arrays', steps: [postBytes('/callbacks', deepArrays)], answers: [200], stored: 1, body: Buffer.from(deepArrays) },
    { name: 'deep nesting: 8,000 objects', steps: [postBytes('/callbacks', deepObjects)], answers: [200], stored: 1, body: Buffer.from(deepObjects) },
    { name: '10,000 keys', steps: [postBytes('/callbacks', manyKeys)], answers: [200], stored: 1, body: Buffer.from(manyKeys) },
    { name: 'duplicate keys', steps: [postBytes('/callbacks', dupKeys)], answers: [200], stored: 1, body: Buffer.from(dupKeys) },
    { name: 'lone surrogate escape', steps: [postBytes('/callbacks', '{"reference":"surrogate-\\ud800","type":"READ"}')], answers: [200], stored: 1 },
    { name: 'UTF-8 BOM before the JSON', steps: [postBytes('/callbacks', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(sample)]))], answers: [200], stored: 1 },
    { name: 'Latin-1 bytes declared as such', steps: [postBytes('/callbacks', latin1, { 'Content-Type': 'application/json; charset=iso-8859-1' })], answers: [200], stored: 1, body: latin1 },
    { name: 'content type text/plain', steps: [postBytes('/callbacks', sample, { 'Content-Type': 'text/plain' })], answers: [200], stored: 1, body: Buffer.from(sample) },
    { name: 'no content type', steps: [postBytes('/callbacks', sample, {})], answers: [200], stored: 1, body: Buffer.from(sample) },
    { name: 'form-encoded', steps: [postBytes('/callbacks', 'reference=abc&type=READ', { 'Content-Type': 'application/x-www-form-urlencoded' })], answers: [200], stored: 1, check: invalid },
    { name: 'multipart/form-data', steps: [postBytes('/callbacks', multipart, { 'Content-Type': 'multipart/form-data; boundary=xyz' })], answers: [200], stored: 1, body: Buffer.from(multipart) },
    { name: 'gzip-encoded body (kept as sent)', steps: [postBytes('/callbacks', gz, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' })], answers: [200], stored: 1, body: gz },
    {
      name: 'chunked transfer encoding, many small chunks',
      steps: [head('Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n'), chunked(sample.match(/.{1,7}/gs)!)],
      answers: [200],
      stored: 1,
      body: Buffer.from(sample),
    },
    {
      name: 'Expect: 100-continue',
      steps: [head('Content-Type: application/json\r\nExpect: 100-continue\r\n', sample.length), { delayMs: 100 }, sample],
      answers: [100, 200],
      stored: 1,
      body: Buffer.from(sample),
    },
    { name: 'HTTP/1.0', steps: [postBytes('/callbacks', sample, json, '1.0')], answers: [200], stored: 1, body: Buffer.from(sample) },
    {
      name: 'pipelined requests on one connection',
      steps: [Buffer.concat(pipelined)],
      answers: [200, 200, 200],
      stored: 3,
      check: (d) => expect(d.callback?.reference).toBe('pipelined-3'),
    },
    {
      name: '100 headers under the size limit',
      steps: [postBytes('/callbacks', sample, { ...json, ...Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`X-Trace-${i}`, `v${i}`])) })],
      answers: [200],
      stored: 1,
      check: (d) => expect(d.headers.filter(([k]) => k.startsWith('X-Trace-'))).toHaveLength(100),
    },
    {
      // Node keeps 1,000 pairs by default and drops the rest silently (Content-Type, sent last, included)
      name: '1,200 header pairs under the size limit',
      steps: [postBytes('/callbacks', sample, { ...Object.fromEntries(Array.from({ length: 1200 }, (_, i) => [`h${i}`, '1'])), ...json })],
      answers: [200],
      stored: 1,
      body: Buffer.from(sample),
      check: (d) => {
        expect(d.headers).toHaveLength(1203);
        expect(d.headers.at(-2)).toEqual(['Content-Type', 'application/json']);
        expect(d.flags).not.toContain('invalid');
      },
    },
    {
      name: 'one 10 KB header value',
      steps: [postBytes('/callbacks', sample, { ...json, 'X-Signature': 's'.repeat(10_000) })],
      answers: [200],
      stored: 1,
      check: (d) => expect(d.headers.find(([k]) => k === 'X-Signature')?.[1]).toHaveLength(10_000),
    },
    {
      name: 'long URL under the header limit (8 KB query)',
      steps: [postBytes(`/callbacks/deep/path?${'q=1&'.repeat(2000)}`, sample)],
      answers: [200],
      stored: 1,
      check: (d) => {
        expect(d.path).toBe('/callbacks/deep/path');
        expect(d.query).toHaveLength(8000);
      },
    },
    { name: 'header flood (300 × 100-byte headers)', steps: [head(Array.from({ length: 300 }, (_, i) => `X-Flood-${i}: ${'f'.repeat(100)}\r\n`).join(''), 2), '{}'], answers: [431], stored: 0 },
    { name: 'very long URL (20 KB)', steps: [postBytes(`/callbacks?${'u'.repeat(20_000)}`, sample)], answers: [431], stored: 0 },
    { name: 'garbage request line', steps: ['HELLO WORLD\r\n\r\n'], answers: [400], stored: 0 },
    { name: 'HTTP/1.1 without Host', steps: ['POST /callbacks HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}'], answers: [400], stored: 0 },
    { name: 'Content-Length and Transfer-Encoding together (smuggling)', steps: [head('Transfer-Encoding: chunked\r\n', 5), '2\r\n{}\r\n0\r\n\r\n'], answers: [400], stored: 0 },
    { name: 'TLS handshake on the plain port', steps: [Buffer.from('16030100a5010000a10303', 'hex')], answers: [400], stored: 0 },
    { name: 'HTTP/2 preface', steps: ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'], answers: [400], stored: 0 },
    { name: 'unknown Expect value', steps: [head('Content-Type: application/json\r\nExpect: something-else\r\n', sample.length), sample], answers: [417], stored: 0 },
    {
      name: 'invalid chunk size mid-body',
      steps: [head('Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n'), '5\r\n{"ref\r\nZZ\r\n'],
      answers: [400],
      stored: 1,
      check: (d) => {
        rejected(d, 400, '{"ref');
        expect(d.rejectReason).toMatch(/^malformed request body after 5 bytes: .* \(HPE_INVALID_CHUNK_SIZE\)$/);
      },
    },
    {
      name: 'chunk extensions over the parser limit',
      steps: [head('Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n'), `5;${'e'.repeat(20_000)}\r\nhello\r\n0\r\n\r\n`],
      answers: [400],
      stored: 1,
      check: (d) => {
        rejected(d, 400, '');
        expect(d.rejectReason).toBe('malformed request body after 0 bytes: Chunk extensions overflow (HPE_CHUNK_EXTENSIONS_OVERFLOW)');
      },
    },
    { name: 'slow drip body (30 pieces, 30 ms apart)', steps: dripSteps, answers: [200], stored: 1, body: Buffer.from(drip) },
    {
      name: 'abrupt disconnect mid-body',
      steps: [head('Content-Type: application/json\r\n', 1000), '{"reference":"hung-up-', { delayMs: 150 }, { destroy: true }],
      answers: [],
      stored: 1,
      check: (d) => {
        rejected(d, 0, '{"reference":"hung-up-');
        expect(d.rejectReason).toMatch(/disconnected/);
      },
    },
    {
      name: 'Content-Length longer than the body, then half-close',
      steps: [head('Content-Type: application/json\r\n', 100), '{"a":1}', { end: true }],
      // its side ended mid-body, like a sender that went away: nothing is answered, and the record says so
      answers: [],
      stored: 1,
      // the exchange ends as soon as the server closes; 300 ms (the default with no answer) is short on a busy machine
      opts: { waitMs: 10_000 },
      check: (d, ex) => {
        rejected(d, 0, '{"a":1}');
        expect(d.rejectReason).toBe('sender disconnected after 7 bytes');
        expect(ex.closedByServer).toBe(true);
      },
    },
    { name: 'idle 1.5 s before the request', steps: [{ delayMs: 1500 }, postBytes('/callbacks', sample)], answers: [200], stored: 1, body: Buffer.from(sample) },
    { name: 'GET', steps: [methodReq('GET')], answers: [200], stored: 1, check: (d) => expect(d.method).toBe('GET') },
    { name: 'HEAD', steps: [methodReq('HEAD')], answers: [200], stored: 1, check: (d) => expect(d.method).toBe('HEAD'), opts: { head: true } },
    { name: 'PUT', steps: [methodReq('PUT', sample)], answers: [200], stored: 1, body: Buffer.from(sample), check: (d) => expect(d.method).toBe('PUT') },
    { name: 'PATCH', steps: [methodReq('PATCH', sample)], answers: [200], stored: 1, check: (d) => expect(d.method).toBe('PATCH') },
    { name: 'DELETE', steps: [methodReq('DELETE')], answers: [200], stored: 1, check: (d) => expect(d.method).toBe('DELETE') },
    { name: 'OPTIONS *', steps: ['OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'], answers: [200], stored: 1, check: (d) => expect(d.method).toBe('OPTIONS') },
    {
      name: 'Upgrade: websocket on the receiver',
      steps: [postBytes('/callbacks', sample, { ...json, Connection: 'Upgrade', Upgrade: 'websocket' })],
      answers: [400],
      stored: 1,
      check: (d, ex) => {
        rejected(d, 400, '');
        expect(d.rejectReason).toMatch(/^protocol upgrade to "websocket" refused/);
        expect(d.headers).toContainEqual(['Upgrade', 'websocket']);
        expect(ex.closedByServer).toBe(true);
      },
      opts: { expectResponses: 2 }, // i.e. wait for the close
    },
    {
      name: 'Upgrade: h2c without "Connection: upgrade"',
      steps: [postBytes('/callbacks', sample, { ...json, Upgrade: 'h2c', 'HTTP2-Settings': 'AAMAAABkAARAAAAAAAIAAAAA' })],
      answers: [400],
      stored: 1,
      check: (d, ex) => {
        rejected(d, 400, '');
        expect(d.rejectReason).toMatch(/^protocol upgrade to "h2c" refused/);
        expect(ex.closedByServer).toBe(true);
      },
      opts: { expectResponses: 2 },
    },
    {
      name: 'percent-encoded non-ASCII path',
      steps: [postBytes('/callbacks/%C3%A7%C3%A3o/..%2F..%2Fetc', sample)],
      answers: [200],
      stored: 1,
      check: (d) => expect(d.path).toBe('/callbacks/%C3%A7%C3%A3o/..%2F..%2Fetc'),
    },
  ];
}

function invalid(d: DeliveryDetail): void {
  expect(d.outcome).toBe('stored');
  expect(d.flags).toContain('invalid');
  const f = d.flagDetails.find((x) => x.flag === 'invalid');
  expect(f && f.flag === 'invalid' ? f.problems.length : 0).toBeGreaterThan(0);
}

function rejected(d: DeliveryDetail, status: number, firstBytes: string): void {
  expect(d.outcome).toBe('rejected');
  expect(d.responseStatus).toBe(status);
  expect(d.rejectReason).toBeTruthy();
  expect(Buffer.from(d.bodyBase64, 'base64').toString('latin1').startsWith(firstBytes)).toBe(true);
}

async function total(api: ApiCall): Promise<number> {
  return (await api('getStatus', {})).deliveriesTotal;
}

/** Waits until the store holds at least `n` deliveries (aborted requests are recorded without an answer to wait for). */
async function waitForTotal(api: ApiCall, n: number, ms = 10_000): Promise<number> {
  const until = Date.now() + ms;
  let t = await total(api);
  while (t < n && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    t = await total(api);
  }
  return t;
}

/** The total once it stopped changing for 500 ms (rejections of sockets closed just before are still being recorded). */
async function settledTotal(api: ApiCall): Promise<number> {
  let t = await total(api);
  for (let stable = 0; stable < 10; ) {
    await new Promise((r) => setTimeout(r, 50));
    const n = await total(api);
    stable = n === t ? stable + 1 : 0;
    t = n;
  }
  return t;
}

describe('bad input battery', () => {
  let s: ServeHandle;
  let api: ApiCall;
  const all = cases();
  const seenIds: number[] = [];
  beforeAll(async () => {
    s = await startServe(['--max-body', String(MAX_BODY)]);
    api = apiOf(s);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it(`covers at least 30 kinds of input (${all.length})`, () => {
    expect(all.length).toBeGreaterThanOrEqual(30);
  });

  for (const c of all) {
    it(`${c.name}: answers ${c.answers.join(', ') || 'nothing (sender gone)'}${c.stored ? ', stored or recorded' : ''}`, async () => {
      const before = await total(api);
      const ex = await rawExchange(s.receiverUrl, c.steps, { expectResponses: Math.max(1, c.answers.length), waitMs: c.answers.length ? 5000 : 300, ...c.opts });
      expect(ex.responses.map((r) => r.status), ex.raw.slice(0, 300)).toEqual(c.answers);
      if (c.stored === 0) return; // see 'rejections before any handler' below
      const after = await waitForTotal(api, before + c.stored);
      // recorded exactly once: settle, then count again
      await new Promise((r) => setTimeout(r, 100));
      expect(await total(api)).toBe(before + c.stored);
      expect(after).toBe(before + c.stored);
      const last = ex.responses.filter((r) => r.status >= 200).pop();
      const id = answerOf(last).id ?? (await api('listDeliveries', { query: '', offset: 0, limit: 1 })).rows[0]!.id;
      seenIds.push(id);
      const d = (await api('getDelivery', { id }))!;
      expect(d).not.toBeNull();
      if (last) expect(d.responseStatus).toBe(c.recordedStatus ?? last.status);
      if (c.body) {
        expect(d.outcome).toBe('stored');
        expect(Buffer.from(d.bodyBase64, 'base64').equals(c.body)).toBe(true);
      }
      c.check?.(d, ex);
    });
  }

  it('keeps answering while 100 connections sit idle or stalled mid-headers', async () => {
    const stalled = Array.from({ length: 100 }, (_, i) =>
      rawExchange(s.receiverUrl, i % 2 ? [] : ['POST /callbacks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-'], { waitMs: 2500, expectResponses: 1 }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const res = await fetch(`${s.receiverUrl}/callbacks`, { method: 'POST', headers: json, body: sample });
    expect(res.status).toBe(200);
    await Promise.all(stalled);
  });

  it('a body that stops coming: 408 once it stalled for 2 s, and a recorded rejection', async () => {
    // the sockets the test above stalled mid-headers are recorded as they are cut: count from after that
    const before = await settledTotal(api);
    const steps: Step[] = [head('Content-Type: application/json\r\n', 500), '{"reference":"too-slow"'];
    const ex = await rawExchange(s.receiverUrl, steps, { waitMs: 6000 });
    expect(ex.responses.map((r) => r.status)).toEqual([408]);
    expect(ex.responses[0]!.headers.connection).toBe('close');
    expect(await waitForTotal(api, before + 1)).toBe(before + 1);
    const d = (await api('getDelivery', { id: answerOf(ex.responses[0]).id ?? 0 }))!;
    rejected(d, 408, '{"reference":"too-slow"');
    expect(d.rejectReason).toMatch(/^body stalled: 23 of 500 bytes after \d+\.\d s/);
  });

  it('is still up after the battery: the process lives and a normal callback gets 200 and is stored', async () => {
    expect(s.proc.exitCode).toBeNull();
    const body = JSON.stringify({ ...samples.events.delivered, reference: 'after-battery' });
    const res = await fetch(`${s.receiverUrl}/callbacks`, { method: 'POST', headers: json, body });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: number };
    const d = await api('getDelivery', { id });
    expect(d?.callback?.reference).toBe('after-battery');
    expect(d?.flags).not.toContain('invalid');
  });

  it('exports every delivery the battery left, hostile ones included', async () => {
    const rows = await exportDeliveries(s.dataDir);
    expect(rows.length).toBe(await total(api));
    const ids = new Set(rows.map((r) => r.id));
    expect(seenIds.filter((id) => !ids.has(id))).toEqual([]);
  });
});

// Node's HTTP parser answers these before any request handler runs (clientError, checkExpectation, connect), so
// today they are answered but leave no trace: a gateway sending oversized headers would see 431 while the user
// sees nothing. Fix described in the reliability report (record them from the receiver's clientError handler).
describe('rejections before any handler are recorded', () => {
  let s: ServeHandle;
  let api: ApiCall;
  beforeAll(async () => {
    s = await startServe(['--max-body', String(MAX_BODY)]);
    api = apiOf(s);
  });
  afterAll(async () => {
    await s?.stop();
  });

  const parserLevel: [string, Step[], number][] = [
    ['header flood', [head(Array.from({ length: 300 }, (_, i) => `X-Flood-${i}: ${'f'.repeat(100)}\r\n`).join(''), 2), '{}'], 431],
    ['very long URL', [postBytes(`/callbacks?${'u'.repeat(20_000)}`, sample)], 431],
    ['malformed request', ['POST /callbacks HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header Name: x\r\nContent-Length: 2\r\n\r\n{}'], 400],
    ['unknown Expect value', [head('Expect: something-else\r\n', 2), '{}'], 417],
  ];
  for (const [name, steps, status] of parserLevel) {
    it(`${name}: ${status} and a recorded rejection`, async () => {
      const before = await total(api);
      const ex = await rawExchange(s.receiverUrl, steps);
      expect(ex.responses.map((r) => r.status)).toEqual([status]);
      expect(await waitForTotal(api, before + 1)).toBe(before + 1);
      const d = (await api('listDeliveries', { query: '', offset: 0, limit: 1 })).rows[0]!;
      expect(d.outcome).toBe('rejected');
      expect(d.responseStatus).toBe(status);
    });
  }

  it('CONNECT gets an answer (405) instead of a silent close, and is recorded', async () => {
    const before = await total(api);
    const ex = await rawExchange(s.receiverUrl, ['CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n']);
    expect(ex.responses.map((r) => r.status)).toEqual([405]);
    expect(await waitForTotal(api, before + 1)).toBe(before + 1);
  });
});
