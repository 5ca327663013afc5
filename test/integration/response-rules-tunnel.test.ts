// Response rules behind the tunnel. The tunnel server never hangs up its side of a tunnel socket when the gateway
// gives up on a request, so an answer a rule holds (hang, or a delay past the gateway's timeout) would keep that
// socket for good: ten of them and every later delivery stalls. The receiver ends such a hold past the gateway's
// timeout (made short here) and closes the socket; the tunnel client opens a new one.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver } from '../../electron/core/receiver';
import { ResponseRulesEngine, type RuleAnswerRow } from '../../electron/core/response-rules';
import { NO_RULES, parseResponseRules, type ResponseRulesInput } from '../../shared/response-rules';
import { startLtServer } from '../support/lt-server';
import { recordingSink, tunnelThrough } from '../support/tunnel-fixtures';

const TOKEN = 'tok-rules';
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** One POST through the public URL; `status: null` when the client gave up (as the gateway does after its 10 s). */
function post(url: string, body: string, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const req = http.request(`${url}/callbacks`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? null));
    });
    req.on('error', () => resolve(null));
    req.setTimeout(timeoutMs, () => req.destroy(new Error('gave up')));
    req.end(body);
  });
}

async function until(ok: () => boolean, label: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${label}`);
}

async function setup() {
  const { sink: committer, submitted: inputs } = recordingSink();
  /** the bodies stored so far */
  const submitted = () => inputs.map((i) => Buffer.from(i.request.body).toString());
  const engine = new ResponseRulesEngine({ priorAttempts: () => 0 });
  const recorded: RuleAnswerRow[] = [];
  // the gateway's 10 s made short: a held tunnel socket is let go this long after the request
  const receiver = await startReceiver({
    committer,
    port: 0,
    maxBodyBytes: 1 << 20,
    probeToken: TOKEN,
    rules: engine.hook((row) => recorded.push(row)),
    tunnelHoldCapMs: 1500,
  });
  cleanups.push(() => receiver.close());
  const lt = await startLtServer();
  cleanups.push(() => lt.close());
  const { sup, publicUrl: url } = await tunnelThrough(lt, { localPort: receiver.tunnelPort, accept: (s) => receiver.acceptTunnel(s), probeToken: TOKEN });
  cleanups.push(() => sup.stop());
  const setRules = (input: ResponseRulesInput) => {
    const r = parseResponseRules(input);
    if (!r.ok) throw new Error(r.message);
    engine.set(r.rules);
  };
  return { url, submitted, recorded, setRules, engine };
}

describe('response rules through the tunnel', () => {
  for (const action of [{ kind: 'hang' }, { kind: 'delay', ms: 60_000 }] as const) {
    it(`a "${action.kind}" rule holding more deliveries than the tunnel has sockets does not stall the deliveries after it`, async () => {
      const t = await setup();
      t.setRules({ rules: [{ name: 'hold', action }] });
      // twelve at once, more than the ten tunnel sockets; each sender gives up, as the gateway does
      const held = await Promise.all(Array.from({ length: 12 }, (_, i) => post(t.url, `{"held":${i}}`, 400)));
      expect(held).toEqual(Array(12).fill(null));

      t.engine.set(NO_RULES);
      // generous: a stalled tunnel never answers at all, a working one answers at once
      expect(await post(t.url, '{"after":true}', 20_000)).toBe(200);
      expect(t.submitted()).toContain('{"after":true}');
      if (action.kind === 'delay') {
        // every delay held on a tunnel socket ends unanswered, and is recorded so (status 0)
        const heldIds = () => t.recorded.filter((r) => !r.noAnswer).map((r) => r.id);
        const unanswered = () => new Set(t.recorded.filter((r) => r.noAnswer).map((r) => r.id));
        expect(heldIds().length).toBeGreaterThanOrEqual(10);
        await until(() => heldIds().every((id) => unanswered().has(id)), 'every held delay recorded as unanswered');
      }
    });
  }
});
