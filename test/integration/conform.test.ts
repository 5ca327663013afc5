// `conform` against three endpoints on 127.0.0.1, through the real command line: a correct one passes (exit 0);
// one that answers 500 to a duplicate fails exactly the retry checks, with the duplicate named (exit 3); one that
// takes 12 s fails on time (exit 3). The slow one is slow only on large bodies, so the run takes one 12 s wait, not
// minutes. Then the control API: a run against a saved target is kept and listed for comparison.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConformReport } from '../../shared/api';
import { createCore } from '../../electron/core/app-core';
import { conformCampaign } from '../../electron/core/conform/campaign';
import { runConformance } from '../../electron/core/conform/run';
import { answers, startTarget, type ReceivedRequest, type TargetServer } from '../support/targets';

const ROOT = path.resolve(__dirname, '..', '..');
let servers: TargetServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function endpoint(answer: Parameters<typeof startTarget>[0]): Promise<TargetServer> {
  const t = await startTarget(answer);
  servers.push(t);
  return t;
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'electron', 'cli.ts'), 'conform', ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (c: string) => (stdout += c));
    proc.stderr.on('data', (c: string) => (stderr += c));
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The event a callback is about, as the gateway keys its retries. */
function eventOf(r: ReceivedRequest): string {
  const j = JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;
  return [j.reference, j.event_id, String(j.type).toLowerCase(), j.channel].join('|');
}

const verdicts = (r: ConformReport) => Object.fromEntries(r.checks.map((c) => [c.id, c.verdict]));
const check = (r: ConformReport, id: string) => r.checks.find((c) => c.id === id)!;

describe('conform', () => {
  it('passes a correct endpoint and exits 0', { timeout: 90_000 }, async () => {
    const ok = await endpoint(answers.ok());
    const r = await cli(['--to', ok.url, '--seed', '7']);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('PASSED');
    expect(r.stdout).toMatch(/PASS\s+Exact retries/);
    expect(r.stdout).not.toMatch(/FAIL/);
    // every probe of the battery reached the endpoint: 161 requests for this seed (the JSON report counts them)
    expect(ok.received.length).toBeGreaterThan(140);
  });

  it('fails the retry checks of an endpoint that answers 500 to duplicates, naming the retry', { timeout: 90_000 }, async () => {
    const seen = new Set<string>();
    const dup = await endpoint((req) => {
      const key = eventOf(req);
      if (seen.has(key)) return answers.status(500, '{"error":"duplicate"}');
      seen.add(key);
      return answers.ok();
    });
    const r = await cli(['--to', dup.url, '--seed', '7', '--report', 'json']);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout) as ConformReport;
    expect(report.ok).toBe(false);
    expect(verdicts(report)).toEqual({
      lifecycle: 'pass',
      'exact-retry': 'fail',
      'reordered-retry': 'fail',
      'out-of-order': 'pass',
      'sms-fallback': 'pass',
      types: 'pass',
      'unknown-fields': 'pass',
      'large-bodies': 'pass',
      burst: 'pass',
    });
    expect(check(report, 'exact-retry').reason).toMatch(/^answered 500 to exact retry 1 of \S+ of reference [\w-]+ \(6 of 9 probes failed\)$/);
    expect(check(report, 'reordered-retry').reason).toMatch(/^answered 500 to key-reordered retry 1 of /);
    expect(report.summary.non200).toEqual({ '500': 10 });
    expect(report.summary.timeouts).toBe(0);
  });

  it('fails an endpoint that takes 12 s on time', { timeout: 120_000 }, async () => {
    const slow = await endpoint((req) => (req.body.length > 50_000 ? answers.slow(12_000) : answers.ok()));
    const r = await cli(['--to', slow.url, '--seed', '7', '--report', 'json']);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout) as ConformReport;
    const large = check(report, 'large-bodies');
    expect(large.verdict).toBe('fail');
    expect(large.reason).toMatch(/^took 1[2-4]\.\d s > 10 s on a 10-card carousel/);
    expect(report.checks.filter((c) => c.verdict === 'fail').map((c) => c.id)).toEqual(['large-bodies']);
    expect(report.summary.timeouts).toBe(1);
    expect(report.summary.latencyMs.max).toBeGreaterThan(10_000);
  });

  it('says in one sentence that an endpoint cannot be reached, and refuses a URL that is not one', { timeout: 60_000 }, async () => {
    const gone = await endpoint(answers.ok());
    const url = gone.url;
    await gone.close();
    servers = [];
    const r = await cli(['--to', url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot reach http:\/\/127\.0\.0\.1:\d+\/callbacks: connection refused: nothing is listening at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/m);
    expect(r.stdout).toBe('');

    const bad = await cli(['--to', 'ftp://example.com/x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --to: a target must be an http:\/\/ or https:\/\/ URL, not ftp:/);
    const noUrl = await cli(['--report', 'md']);
    expect(noUrl.code).toBe(2);
    const badFormat = await cli(['--to', 'http://127.0.0.1:1/', '--report', 'xml']);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('--report must be one of text, md, json');
  });

  it('stops after the lifecycle when the endpoint answers none of it, instead of waiting minutes to say the same', { timeout: 60_000 }, async () => {
    const silent = await endpoint(answers.slow(60_000));
    const report = await runConformance({ url: silent.url, seed: 7, campaign: conformCampaign(7), waitMs: 300 });
    expect(report.ok).toBe(false);
    expect(check(report, 'lifecycle').reason).toMatch(/^no answer within the timeout \(300 ms\) on \S+ of reference [\w-]+, in the lifecycle \(4 of 4 probes failed\)$/);
    expect(check(report, 'burst')).toMatchObject({ verdict: 'fail', reason: "not run: the endpoint answered none of the lifecycle's 4 requests within 0.3 s", probes: 0 });
    expect(report.checks).toHaveLength(9);
    // only the lifecycle's requests were sent
    expect(silent.received).toHaveLength(4);
    expect(report.summary.timeouts).toBe(4);
  });

  it('runs from the control API against a saved target, keeps each run and lists them newest first', { timeout: 90_000 }, async () => {
    const ok = await endpoint(answers.ok());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-conform-'));
    const core = await createCore({ dataDir: dir, receiverPort: 0, tunnel: { enabled: false }, version: 'test' });
    try {
      const target = await core.handlers.saveTarget({ url: ok.url, headers: [['Authorization', 'Bearer t0k']], isDefault: true });
      const first = await core.handlers.conform({ seed: 3 });
      expect(first.ok).toBe(true);
      expect(first.id).toBe(1);
      // the target's own headers go with every probe
      expect(ok.received.every((r) => r.headers.some(([k, v]) => k === 'Authorization' && v === 'Bearer t0k'))).toBe(true);
      const second = await core.handlers.conform({ targetId: target.id, seed: 4 });
      expect(second.id).toBe(2);
      const runs = await core.handlers.listConformRuns({});
      expect(runs.map((x) => [x.id, x.seed, x.targetUrl])).toEqual([[2, 4, ok.url], [1, 3, ok.url]]);
      await expect(core.handlers.conform({ targetId: 999 })).rejects.toThrow('target 999 does not exist');
      // a target nobody listens at: one sentence, and no run is kept
      const gone = await core.handlers.saveTarget({ url: 'http://127.0.0.1:1/callbacks', headers: [], isDefault: false });
      await expect(core.handlers.conform({ targetId: gone.id })).rejects.toThrow(/^cannot reach http:\/\/127\.0\.0\.1:1\/callbacks: connection refused/);
      expect(await core.handlers.listConformRuns({})).toHaveLength(2);
    } finally {
      await core.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
