// A requested tunnel subdomain is judged by one rule wherever it is typed (`serve --subdomain`, the settings), the
// localtunnel server's: a name the server would refuse is refused before it is asked, in the same words, and a
// name it grants is accepted everywhere.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../electron/core/api-dispatch';
import { createCore, type Core } from '../../electron/core/app-core';
import { ROOT, tempDir } from '../support/serve';

/** granted by the tunnel server: 4+ letters and digits, or 6+ characters with inner dashes; at most 63 */
const ACCEPTED = ['abcd', 'ab-cde', 'a-b-c-d', 'a'.repeat(63), `a${'-'.repeat(61)}b`];
/** refused by the server (403), or longer than a DNS label can be */
const REFUSED = ['abc', 'ab-cd', 'a-bc', '-abcd', 'abcd-', '-abcde-', 'a'.repeat(64), 'a'.repeat(65), 'ABCD', 'ab_cd', 'abcd.e'];

/** `serve --subdomain NAME` with no tunnel: exit code and stderr, or null when it started instead of refusing. */
function serveWith(name: string): Promise<{ code: number | null; stderr: string } | null> {
  return new Promise((resolve) => {
    const args = ['--import', 'tsx', path.join(ROOT, 'electron', 'cli.ts'), 'serve', `--subdomain=${name}`, '--tunnel', 'none'];
    const proc = spawn(process.execPath, [...args, '--port', '0', '--ui-port', '0', '--data-dir', tempDir('rci-sub-')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let started = false;
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (d: string) => (stderr += d));
    proc.stdout.on('data', (d) => {
      if (!started && String(d).includes('"event":"ready"')) {
        started = true;
        proc.kill('SIGTERM');
      }
    });
    // 'close', not 'exit': the process can exit before its pipes are read to the end
    proc.on('close', (code) => resolve(started ? null : { code, stderr }));
  });
}

describe('serve --subdomain', () => {
  it('refuses, with a usage error naming the rule, every name the tunnel server would refuse', async () => {
    const results = await Promise.all(['ab-cd', '-abcd', 'abcd-', 'a'.repeat(64)].map(async (name) => [name, await serveWith(name)] as const));
    for (const [name, r] of results) {
      expect(r, `${name} was accepted`).not.toBeNull();
      expect(r!.code, name).toBe(2);
      expect(r!.stderr, name).toContain(`subdomain "${name}" is not allowed`);
    }
  });

  it('starts with a name the server grants', async () => {
    expect(await serveWith('ab-cde')).toBeNull();
  });
});

describe('settings: tunnel subdomain', () => {
  let core: Core;
  beforeAll(async () => {
    core = await createCore({ dataDir: tempDir('rci-sub-settings-'), receiverPort: 0, tunnel: { enabled: false }, version: 'test' });
  });
  afterAll(async () => {
    await core?.close();
  });
  const save = (subdomain: string | null) => dispatch(core.handlers, 'updateSettings', { tunnel: { subdomain } });

  it('accepts the names the server grants, up to 63 characters', async () => {
    for (const name of ACCEPTED) {
      expect(await save(name), name).toMatchObject({ tunnel: { subdomain: name } });
    }
    expect(await save(null)).toMatchObject({ tunnel: { subdomain: null } });
  });

  it('refuses the others as a bad request that says which name and why, and keeps the saved one', async () => {
    await save('keep-this-one');
    for (const name of REFUSED) {
      const err = await save(name).then(
        () => null,
        (e: unknown) => e as { code: string; message: string },
      );
      expect(err, `${name} was accepted`).not.toBeNull();
      expect(err!.code, name).toBe('bad-request');
      expect(err!.message, name).toContain(`subdomain ${JSON.stringify(name)} is not allowed`);
    }
    expect((await dispatch(core.handlers, 'getSettings', {})) as { tunnel: { subdomain: string } }).toMatchObject({
      tunnel: { subdomain: 'keep-this-one' },
    });
  });
});
