// `serve --rules FILE` and the control API's setRules as a user meets them: a good file answers the gateway as
// written, a bad one stops serve with one message naming the rule and the field, and a refused setRules changes
// nothing.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiCallName, ApiInput } from '../../shared/api';
import { loadSamples, runCli, startServe, tempDir, type ServeHandle } from '../support/serve';

const samples = loadSamples();

function writeRules(rules: unknown): string {
  const file = path.join(tempDir(), 'rules.json');
  fs.writeFileSync(file, typeof rules === 'string' ? rules : JSON.stringify(rules, null, 2));
  return file;
}

async function call<K extends ApiCallName>(s: ServeHandle, name: K, arg: ApiInput<K>): Promise<{ status: number; body: any }> {
  const u = new URL(s.uiUrl);
  const res = await fetch(`${u.origin}/api/call/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${u.searchParams.get('token')}`, 'content-type': 'application/json' },
    body: JSON.stringify(arg),
  });
  return { status: res.status, body: await res.json() };
}

const post = async (url: string, body: unknown) =>
  (await fetch(`${url}/callbacks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status;

describe('serve --rules', () => {
  it('refuses a file with an invalid rule: exit 2, one message naming the file, the rule and the field', async () => {
    const file = writeRules({
      rules: [
        { name: 'slow', action: { kind: 'delay', ms: 12000 } },
        { name: 'fail first 2', action: { kind: 'status', status: 700 }, firstAttempts: 2 },
      ],
    });
    const r = await runCli(['serve', '--data-dir', tempDir(), '--port', '0', '--ui-port', '0', '--tunnel', 'none', '--rules', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`error: --rules ${file}: rule 2 'fail first 2': action.status must be 200–599`);
    expect(r.stdout).not.toContain('"ready"');
  });

  it('refuses a missing file and a file that is not JSON, with exit 2', async () => {
    const missing = path.join(tempDir(), 'nope.json');
    const a = await runCli(['serve', '--data-dir', tempDir(), '--port', '0', '--ui-port', '0', '--tunnel', 'none', '--rules', missing]);
    expect([a.code, a.stderr.trim()]).toEqual([2, `error: --rules ${missing}: cannot be read (no such file)`]);
    const broken = writeRules('{"rules": [');
    const b = await runCli(['serve', '--data-dir', tempDir(), '--port', '0', '--ui-port', '0', '--tunnel', 'none', '--rules', broken]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(`--rules ${broken}: not valid JSON`);
  });

  describe('with a valid file', () => {
    let s: ServeHandle;
    beforeAll(async () => {
      const file = writeRules({ rules: [{ name: 'fail first 2', match: { type: 'DELIVERED' }, action: { kind: 'status', status: 503 }, firstAttempts: 2 }] });
      s = await startServe(['--rules', file]);
    });
    afterAll(async () => {
      await s?.stop();
    });

    it('answers as the file says, and the status counts the active rules', async () => {
      const got = [];
      for (let i = 0; i < 3; i++) got.push(await post(s.receiverUrl, samples.events.delivered));
      got.push(await post(s.receiverUrl, samples.events.read));
      expect(got).toEqual([503, 503, 200, 200]);
      expect((await call(s, 'getStatus', {})).body.rulesActive).toBe(1);
    });

    it('refuses an invalid setRules naming the rule and field, and keeps the rules it had', async () => {
      const before = (await call(s, 'getRules', {})).body;
      const bad = await call(s, 'setRules', {
        rules: [
          { name: 'ok', action: { kind: 'close' } },
          { name: 'slow', action: { kind: 'delay', ms: -1 } },
        ],
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('bad-request');
      expect(bad.body.error.message).toContain("rule 2 'slow': action.ms must be from 0 to 600000");
      const unknown = await call(s, 'setRules', { rules: [{ name: 'x', action: { kind: 'close' }, when: 'always' }] } as never);
      expect(unknown.body.error.message).toContain(`rule 1 'x': unknown field "when"`);
      expect((await call(s, 'getRules', {})).body).toEqual(before);
      expect(await post(s.receiverUrl, { ...samples.events.delivered, event_id: 'another' })).toBe(503);
      // all off: the next delivery gets the usual 200
      expect((await call(s, 'setRules', { ...before, enabled: false })).status).toBe(200);
      expect(await post(s.receiverUrl, { ...samples.events.delivered, event_id: 'a third' })).toBe(200);
      expect((await call(s, 'getStatus', {})).body.rulesActive).toBe(0);
    });
  });
});
