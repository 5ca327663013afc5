// `cli simulate` as a user runs it: a campaign into a 127.0.0.1 endpoint with its ground truth written as NDJSON
// and a JSON summary on stdout; an endpoint that cannot be reached or a URL that is not one ends in one sentence
// and a non-zero exit, before anything is sent.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'electron', 'cli.ts'), 'simulate', ...args], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', (c: string) => (stdout += c));
  proc.stderr.on('data', (c: string) => (stderr += c));
  return new Promise((resolve) => proc.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** a port nothing listens on: bound, then released */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('cli simulate', () => {
  it('sends a seeded campaign, prints a summary line and writes the ground truth', async () => {
    const bodies: string[] = [];
    const server = http.createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => {
        bodies.push(b);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => server.close());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-sim-cli-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const truthFile = path.join(dir, 'truth.ndjson');
    const port = (server.address() as AddressInfo).port;
    const r = await cli(['--to', `http://127.0.0.1:${port}/callbacks`, '--messages', '30', '--seed', '7', '--speed', '5000', '--truth', truthFile]);
    expect(r.stderr).toMatch(/30 messages/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(summary).toMatchObject({ event: 'simulated', seed: 7, messages: 30, failed: 0, retries: 0 });
    expect(summary.ok).toBe(bodies.length);
    const lines = fs.readFileSync(truthFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; attempts: unknown });
    expect(lines.filter((l) => l.kind === 'message')).toHaveLength(30);
    expect(lines.filter((l) => l.kind === 'delivery')).toHaveLength(bodies.length);
    expect(lines.find((l) => l.kind === 'delivery')!.attempts).toEqual([{ attempt: 1, status: 200, ms: expect.any(Number), error: null }]);
  });

  it('refuses an endpoint that cannot be reached, in one sentence, sending nothing', async () => {
    const port = await closedPort();
    const r = await cli(['--to', `http://127.0.0.1:${port}/callbacks`, '--messages', '5']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`error: nothing is listening at 127.0.0.1:${port} (connection refused), so nothing was sent to http://127.0.0.1:${port}/callbacks`);
    expect(r.stdout).toBe('');
  });

  it('refuses a URL that is not an http(s) one as a usage error', async () => {
    const r = await cli(['--to', 'localhost:4730/callbacks']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^error: --to: a target must be an http:\/\/ or https:\/\/ URL/);
    const none = await cli(['--messages', '5']);
    expect(none.code).toBe(2);
    expect(none.stderr.split('\n')[0]).toBe('error: --to URL is required: the endpoint to send the callbacks to');
  });
});
