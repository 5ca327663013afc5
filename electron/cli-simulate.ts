// `simulate`: a generated campaign sent to an endpoint as the gateway would (core/simulate). Progress goes to
// stderr, one JSON summary line to stdout; --truth writes the ground truth as NDJSON.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MAX_REPLAY_CONCURRENCY, MAX_REPLAY_SPEED } from '../shared/constants';
import { revealHidden } from '../shared/visible-text';
import { atomicFile } from './core/export-file';
import { parseTargetUrl } from './core/replay/request';
import { generateCampaign, OUTCOMES, resolveMix, type SimMix } from './core/simulate/generate';
import { sendCampaign, type SimProgress } from './core/simulate/send';
import { truthLines } from './core/simulate/truth';

export const SIMULATE_USAGE = `  npm run cli -- simulate --to URL [--messages N] [--mix OUTCOME=SHARE,…] [--seed S] [--speed F] [--concurrency C]
                        [--duration D] [--campaign NAME] [--truth FILE]`;

export const SIMULATE_HELP = `simulate  send a generated campaign's callbacks to --to as the gateway would: --messages (default 100) message
          lifecycles of every documented kind, each callback at its time (over --duration, e.g. 90s or 5m; default
          100 ms per message) sped up --speed times (default 1), a 10 s timeout per attempt, retries on any non-200 on
          the documented schedule (also sped up), at most --concurrency requests at once (default 10). --mix sets
          shares of outcomes (${OUTCOMES.join(', ')}); --seed repeats a campaign exactly. Each request carries
          X-RCI-Simulated: 1. --truth FILE writes what the inspector must show for each message (NDJSON). Prints
          {"event":"simulated",...}; exit 3 if a callback never got its 200, 1 if --to cannot be reached`;

const DEFAULT_MESSAGES = 100;
const DEFAULT_CONCURRENCY = 10;
// the whole campaign is generated up front: a bound that keeps it to some hundred megabytes
const MAX_MESSAGES = 100_000;

export async function simulateCmd(argv: string[], usageError: (message: string) => Error): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      to: { type: 'string' },
      messages: { type: 'string' },
      mix: { type: 'string' },
      seed: { type: 'string' },
      speed: { type: 'string' },
      concurrency: { type: 'string' },
      duration: { type: 'string' },
      campaign: { type: 'string' },
      truth: { type: 'string' },
    },
  });
  if (!values.to) throw usageError('--to URL is required: the endpoint to send the callbacks to');
  let url: URL;
  try {
    url = parseTargetUrl(values.to);
  } catch (err) {
    throw usageError(`--to: ${(err as Error).message}`);
  }
  const messages = whole('messages', values.messages, DEFAULT_MESSAGES, 1, MAX_MESSAGES, usageError);
  const seed = whole('seed', values.seed, Math.floor(Math.random() * 2 ** 31), 0, 2 ** 32 - 1, usageError);
  const concurrency = whole('concurrency', values.concurrency, DEFAULT_CONCURRENCY, 1, MAX_REPLAY_CONCURRENCY, usageError);
  const speed = values.speed === undefined ? 1 : Number(values.speed);
  if (!(speed > 0 && speed <= MAX_REPLAY_SPEED)) throw usageError(`--speed must be a number above 0 and at most ${MAX_REPLAY_SPEED}, got "${values.speed}"`);
  const spreadMs = values.duration === undefined ? undefined : duration(values.duration, usageError);
  let mix: Partial<SimMix> | undefined;
  try {
    mix = values.mix === undefined ? undefined : parseMix(values.mix);
    resolveMix(mix);
  } catch (err) {
    throw usageError(`--mix: ${(err as Error).message}`);
  }

  const unreachable = await reachProblem(url);
  if (unreachable) {
    process.stderr.write(`error: ${unreachable}\n`);
    process.exitCode = 1;
    return;
  }

  const { deliveries, truth } = generateCampaign({ messages, seed, mix, campaign: values.campaign, startMs: Date.now(), spreadMs, speed });
  const span = deliveries.length > 0 ? deliveries[deliveries.length - 1]!.atMs / speed : 0;
  process.stderr.write(`simulate: ${messages} messages, ${deliveries.length} callbacks to ${url.href} over about ${seconds(span)} (seed ${seed}, speed ${speed})\n`);

  const stop = new AbortController();
  const onSignal = () => stop.abort(new Error('stopped by the user'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const began = performance.now();
  let latest: SimProgress | null = null;
  const ticker = setInterval(() => latest && process.stderr.write(progressLine(latest)), 1000);
  let failuresShown = 0;
  try {
    const run = await sendCampaign({
      to: url.href,
      deliveries,
      speed,
      concurrency,
      signal: stop.signal,
      onProgress: (p) => (latest = p),
      onResult: (r) => {
        // the first few failures in full, then only the count: a dead endpoint must not flood the terminal
        if (r.ok || ++failuresShown > 10) return;
        const last = r.attempts[r.attempts.length - 1]!;
        const why = last.error ?? `answered ${last.status}`;
        process.stderr.write(`callback ${r.delivery.eventKey} failed after ${r.attempts.length} attempt${r.attempts.length > 1 ? 's' : ''}: ${revealHidden(why)}\n`);
      },
    });
    clearInterval(ticker);
    process.stderr.write(progressLine(run.progress));
    if (values.truth) writeTruth(values.truth, truthLines(truth, run.results));
    const p = run.progress;
    process.stdout.write(
      JSON.stringify({
        event: 'simulated',
        to: url.href,
        seed,
        speed,
        messages,
        deliveries: deliveries.length,
        done: p.done,
        ok: p.ok,
        failed: p.failed,
        attempts: p.attempts,
        retries: p.retries,
        cancelled: run.cancelled,
        elapsedMs: Math.round(performance.now() - began),
        truth: values.truth ? path.resolve(values.truth) : null,
      }) + '\n',
    );
    if (p.failed > 0) {
      process.stderr.write(`${p.failed} of ${deliveries.length} callbacks never got their 200\n`);
      process.exitCode = 3;
    } else if (run.cancelled) process.exitCode = 130;
  } finally {
    clearInterval(ticker);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function whole(name: string, v: string | undefined, fallback: number, min: number, max: number, usageError: (m: string) => Error): number {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw usageError(`--${name} must be a whole number from ${min} to ${max}, got "${v}"`);
  return Number(v);
}

/** "read=0.5,error503=0.1" → { read: 0.5, error503: 0.1 } (the rest keep their default shares) */
function parseMix(text: string): Partial<SimMix> {
  const mix: Record<string, number> = {};
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9]+)\s*=\s*(\d+(?:\.\d+)?)$/.exec(part);
    if (!m) throw new Error(`"${part}" is not OUTCOME=SHARE (e.g. read=0.5)`);
    mix[m[1]!] = Number(m[2]);
  }
  return mix as Partial<SimMix>;
}

/** "90s", "5m", "1h", "500ms", or a number of seconds */
function duration(text: string, usageError: (m: string) => Error): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw usageError(`--duration must be like 90s, 5m, 1h or 500ms, got "${text}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

/** One sentence when nothing answers at the URL's host and port (checked before anything is sent), else null. */
function reachProblem(url: URL): Promise<string | null> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (problem: string | null) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(10_000, () => done(`${url.host} did not accept a connection within 10 s, so nothing was sent to ${url.href}`));
    socket.once('connect', () => done(null));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') done(`nothing is listening at ${url.host} (connection refused), so nothing was sent to ${url.href}`);
      else if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') done(`the host ${url.hostname} was not found (${err.code}), so nothing was sent to ${url.href}`);
      else done(`${url.host} cannot be reached (${err.code ?? err.message}), so nothing was sent to ${url.href}`);
    });
  });
}

function writeTruth(file: string, lines: unknown[]): void {
  const out = atomicFile(file);
  try {
    fs.writeFileSync(out.tempPath, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    out.commit();
  } finally {
    out.discard();
  }
}

function progressLine(p: SimProgress): string {
  return `simulate: ${p.done} of ${p.total} callbacks done, ${p.ok} got their 200, ${p.failed} failed, ${p.retries} retries\n`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60_000).toFixed(1)} min`;
}
