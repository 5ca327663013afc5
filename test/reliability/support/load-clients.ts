// Concurrent senders that remember exactly what the receiver acknowledged: the ledger every reliability check
// compares the store against. Each body is unique (fresh reference and event_id), so a body identifies a request.
import { callbackBodyFactory } from '../../bench/callback-bodies';

export interface Ledger {
  /** answered 200 with an id: these must be in the store, byte for byte */
  acked: Map<number, string>;
  /** every answer status seen, with counts */
  statuses: Map<number, number>;
  /** bodies answered with something other than 200 (e.g. 503): the receiver did not promise to keep them */
  refused: { status: number; body: string }[];
  /** requests that got no answer (connection reset by a kill, timeouts) */
  unanswered: number;
  sent: number;
}

export function newLedger(): Ledger {
  return { acked: new Map(), statuses: new Map(), refused: [], unanswered: 0, sent: 0 };
}

export interface Senders {
  /** stop sending; resolves once every sender finished its request in flight */
  stop(): Promise<void>;
}

/** `concurrency` loops POSTing callbacks to receiverUrl until stopped. */
export function startSenders(
  receiverUrl: string,
  ledger: Ledger,
  opts: { concurrency: number; prefix: string; seed: number; timeoutMs?: number; pauseMs?: number },
): Senders {
  const next = callbackBodyFactory({ prefix: opts.prefix, seed: opts.seed });
  let running = true;
  const loop = async () => {
    while (running) {
      const { body } = next();
      ledger.sent++;
      try {
        const res = await fetch(`${receiverUrl}/callbacks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
        });
        const text = await res.text();
        ledger.statuses.set(res.status, (ledger.statuses.get(res.status) ?? 0) + 1);
        if (res.status === 200) {
          const id = (JSON.parse(text) as { id?: unknown }).id;
          if (typeof id !== 'number') throw new Error(`200 without an id: ${text}`);
          if (ledger.acked.has(id)) throw new Error(`id ${id} acknowledged twice`);
          ledger.acked.set(id, body);
        } else {
          ledger.refused.push({ status: res.status, body });
        }
      } catch (err) {
        if (err instanceof Error && /acknowledged twice|without an id/.test(err.message)) throw err;
        ledger.unanswered++;
        // the server is gone (killed) or refusing connections: back off a little instead of spinning
        await new Promise((r) => setTimeout(r, 20));
      }
      if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
    }
  };
  const loops = Array.from({ length: opts.concurrency }, () => loop());
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}
