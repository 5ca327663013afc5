// One health probe through the public URL: proves that a request from the internet side reaches *our* receiver
// (the token must match and the answer must be exactly `ok`), not just that the tunnel server answers something.
import http from 'node:http';
import https from 'node:https';
import { PROBE_HEADER, PROBE_PATH } from '../../../shared/constants';

/** `slow`: no answer in time, or the tunnel server's own gateway timeout (504): the request may just be queued. */
export type ProbeResult = { ok: true; ms: number } | { ok: false; reason: string; slow?: boolean };

export function probeOnce(publicUrl: string, token: string, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  const started = Date.now();
  const target = new URL(publicUrl.replace(/\/+$/, '') + PROBE_PATH);
  const mod = target.protocol === 'https:' ? https : http;
  return new Promise<ProbeResult>((resolve) => {
    let settled = false;
    const done = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(r);
    };
    const onAbort = () => done({ ok: false, reason: 'probe cancelled' });
    const timer = setTimeout(() => done({ ok: false, reason: `probe got no answer within ${timeoutMs} ms`, slow: true }), timeoutMs);
    const req = mod.get(
      target,
      {
        // a fresh connection each time: a pooled one could outlive the tunnel and hide that it is gone
        agent: new mod.Agent({ keepAlive: false }),
        headers: {
          [PROBE_HEADER]: token,
          // the public localtunnel service shows a reminder page (401) to requests without it
          'bypass-tunnel-reminder': '1',
          'user-agent': 'rci-tunnel-probe',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (chunks.length < 16) chunks.push(c);
        });
        res.on('error', (e) => done({ ok: false, reason: `probe: ${e.message}` }));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 200 && body === 'ok') done({ ok: true, ms: Date.now() - started });
          else {
            const reason = `probe answered ${res.statusCode}${body ? `: ${body.slice(0, 80).trim()}` : ''}`;
            done({ ok: false, reason, slow: res.statusCode === 504 });
          }
        });
      },
    );
    req.on('error', (e) => done({ ok: false, reason: `probe failed: ${e.message}` }));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort);
  });
}
