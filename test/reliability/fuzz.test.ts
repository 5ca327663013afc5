// Fuzz: random byte-level and JSON-level mutations of the sample callbacks (and of the request framing) for a
// bounded time, from a printed seed. Invariants: every answer is a defined one, the server never crashes, and
// every body answered with an id is in the export (stored bytes exact, or its rejection recorded).
// RCI_SEED=<n> reproduces a run; RCI_SOAK=1 fuzzes for longer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../bench/callback-bodies';
import { loadSamples, startServe, type ServeHandle } from '../support/serve';
import { apiOf, exportDeliveries } from './support/api';
import { rawExchange } from './support/raw-http';

const soak = process.env.RCI_SOAK === '1';
const SECONDS = Number(process.env.RCI_FUZZ_SECONDS ?? (soak ? 120 : 6));
const seed = Number(process.env.RCI_SEED ?? Math.floor(Math.random() * 1e9));
const MAX_BODY = 16_384;
const samples = loadSamples();
const events = Object.values(samples.events);

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T,>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;

const WEIRD_VALUES: unknown[] = [
  null,
  '',
  0,
  -1,
  1e308,
  -0,
  12345678901234567890,
  true,
  [],
  {},
  'READ',
  'DELIVERED',
  'EXCEPTION',
  'SMS',
  '2025-13-45T99:99:99Z',
  'não suportado 😀',
  '\u0000',
  '\ud800',
  'x'.repeat(5000),
  { nested: { deeper: [1, { x: null }] } },
  Array.from({ length: 50 }, (_, i) => i),
];
const FIELDS = ['reference', 'event_id', 'type', 'channel', 'direction', 'timestamp', 'message', 'vars', 'status', 'campaign_name', 'user_id', 'session_id'];

/** A structurally mutated callback object (still serialisable JSON). */
function mutateJson(r: Rand): unknown {
  const e: Record<string, unknown> = structuredClone(pick(r, events));
  const n = 1 + int(r, 4);
  for (let i = 0; i < n; i++) {
    const op = int(r, 7);
    const field = pick(r, FIELDS);
    if (op === 0) delete e[field];
    else if (op === 1) e[field] = pick(r, WEIRD_VALUES);
    else if (op === 2) e[`${field}_${int(r, 100)}`] = pick(r, WEIRD_VALUES);
    else if (op === 3) e[field.toUpperCase()] = e[field];
    else if (op === 4) e.message = pick(r, events).message;
    else if (op === 5) {
      // nesting well below the depth the battery probes
      let v: unknown = pick(r, WEIRD_VALUES);
      for (let d = int(r, 40); d > 0; d--) v = r() < 0.5 ? [v] : { v };
      e[field] = v;
    } else e.type = pick(r, ['Text', 'text', 'TEXT', 'RichCard', 'READ', 'read', 'Delivered', 'PREPAID_BLOCKED', 'ERROR', 'unknown', '']);
  }
  if (r() < 0.05) return pick(r, [[e], 'string', 42, null]);
  return e;
}

/** Byte-level damage to a serialised callback. */
function mutateBytes(r: Rand, b: Buffer): Buffer {
  let out = Buffer.from(b);
  const n = 1 + int(r, 6);
  for (let i = 0; i < n; i++) {
    const op = int(r, 6);
    const at = int(r, Math.max(1, out.length));
    if (op === 0 && out.length) out[at] = int(r, 256);
    else if (op === 1) out = out.subarray(0, at);
    else if (op === 2) out = Buffer.concat([out.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(r, 16) }, () => int(r, 256))), out.subarray(at)]);
    else if (op === 3) out = Buffer.concat([out.subarray(0, at), out.subarray(at + int(r, 32))]);
    else if (op === 4) out = Buffer.concat([out, out.subarray(0, int(r, out.length + 1))]);
    else out = Buffer.concat([out.subarray(0, at), Buffer.from(pick(r, ['"', '{', '}', '[', ']', ',', ':', '\\', '\\u', 'null', '\r\n', '\u00e7']), 'utf8'), out.subarray(at)]);
  }
  // now and then, too large for the receiver's limit
  if (r() < 0.03) out = Buffer.concat([out, Buffer.alloc(MAX_BODY + int(r, 4096), 0x61)]);
  return out;
}

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', '', 'application/octet-stream', 'application/json; charset=latin1'];

describe(`fuzz: ${SECONDS} s of mutated callbacks (seed ${seed})`, () => {
  let s: ServeHandle;
  beforeAll(async () => {
    s = await startServe(['--max-body', String(MAX_BODY)]);
  });
  afterAll(async () => {
    await s?.stop();
  });

  // the export at the end first indexes what the flood left in the inbox (up to ~1 min at soak scale)
  it('answers every mutated body with 200 or 413, keeps it or records the rejection, and never goes down', { timeout: (SECONDS * 2 + 60) * 1000 }, async () => {
    console.log(`fuzz seed ${seed} (RCI_SEED=${seed} reproduces it)`);
    const answers = new Map<number, { status: number; body: Buffer }>();
    const statuses = new Map<number, number>();
    const until = Date.now() + SECONDS * 1000;
    let sent = 0;
    // one PRNG per sender, so each sender's sequence of mutations is the same for a seed however they interleave
    const worker = async (w: number) => {
      const r = prng(seed + w);
      while (Date.now() < until) {
        const json = mutateJson(r);
        let body: Buffer = Buffer.from(JSON.stringify(json) ?? 'null');
        if (r() < 0.6) body = mutateBytes(r, body);
        const ct = pick(r, CONTENT_TYPES);
        const method = r() < 0.9 ? 'POST' : pick(r, ['PUT', 'PATCH', 'DELETE']);
        sent++;
        const res = await fetch(`${s.receiverUrl}/callbacks${r() < 0.1 ? `/w${w}?x=${int(r, 1e6)}` : ''}`, {
          method,
          headers: ct ? { 'content-type': ct } : {},
          body: new Uint8Array(body),
        });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect([200, 413], `${res.status} ${text} for ${body.subarray(0, 200).toString('latin1')}`).toContain(res.status);
        const id = (JSON.parse(text) as { id?: number }).id;
        expect(typeof id, text).toBe('number');
        answers.set(id!, { status: res.status, body });
      }
    };
    await Promise.all([0, 1, 2, 3].map(worker));

    // framing fuzz on raw sockets: damaged request heads get a defined answer or none (incomplete request)
    const framing = new Map<string, number>();
    const r = prng(seed + 99);
    const frameUntil = Date.now() + Math.max(1000, SECONDS * 150);
    while (Date.now() < frameUntil) {
      const body = Buffer.from(JSON.stringify(pick(r, events)));
      const headText = `POST /callbacks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
      const req = mutateBytes(r, Buffer.from(headText));
      const ex = await rawExchange(s.receiverUrl, [Buffer.concat([req, body])], { waitMs: 400 });
      const key = ex.responses.map((x) => x.status).join('+') || 'none';
      framing.set(key, (framing.get(key) ?? 0) + 1);
      for (const x of ex.responses) expect([100, 200, 400, 413, 417, 431], ex.raw.slice(0, 200)).toContain(x.status);
    }
    console.log(`fuzz: ${sent} bodies, statuses ${JSON.stringify(Object.fromEntries(statuses))}; framing answers ${JSON.stringify(Object.fromEntries(framing))}`);

    expect(s.proc.exitCode).toBeNull();
    const ok = await fetch(`${s.receiverUrl}/callbacks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(samples.events.read) });
    expect(ok.status).toBe(200);

    const rows = await exportDeliveries(s.dataDir);
    const byId = new Map(rows.map((x) => [x.id, x]));
    const problems: string[] = [];
    for (const [id, a] of answers) {
      const row = byId.get(id);
      if (!row) problems.push(`${id}: missing`);
      else if (a.status === 200 && (row.outcome !== 'stored' || !Buffer.from(row.request.bodyBase64, 'base64').equals(a.body))) problems.push(`${id}: bytes differ`);
      else if (a.status === 413 && (row.outcome !== 'rejected' || row.response.status !== 413)) problems.push(`${id}: rejection not recorded`);
    }
    expect(problems).toEqual([]);
    expect((await apiOf(s)('getStatus', {})).deliveriesTotal).toBe(rows.length);
  });
});
