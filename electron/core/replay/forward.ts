// Live forwarding (each committed delivery also sent to the default target) and proxy mode (the receiver
// answers the gateway with the target's status). Neither may ever slow down or endanger the 200 for a delivery
// that is already stored: forwarding runs after the commit, off the ack path, and proxying is bounded by the
// time the gateway has left.
import type { Target } from '../../../shared/api';
import type { Store } from '../store/types';
import { attemptOnce, limiter, type SendContext } from './attempts';
import { createAgents, isTimeoutError } from './http-send';

/** Deliveries waiting to be forwarded beyond this are not forwarded (the user is warned); they stay stored. */
const FORWARD_BACKLOG_LIMIT = 5_000;
const FORWARD_CONCURRENCY = 4;

export class LiveForwarder {
  private readonly slot = limiter(FORWARD_CONCURRENCY);
  private queued = 0;
  private lastWarning = 0;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly ctx: SendContext,
    private readonly signal: AbortSignal,
    private readonly onWarning: (code: string, message: string) => void,
  ) {}

  forward(ids: number[], target: Target): void {
    for (const deliveryId of ids) {
      if (this.queued >= FORWARD_BACKLOG_LIMIT) {
        this.warnOnce(`The target ${target.url} is not keeping up: more than ${FORWARD_BACKLOG_LIMIT} deliveries are waiting to be forwarded, so newer ones are stored but not forwarded.`);
        continue;
      }
      this.queued++;
      const p = this.slot(async () => {
        this.queued--;
        if (this.signal.aborted) return;
        await attemptOnce(this.ctx, { deliveryId, target, mode: 'forward', asGateway: false, speed: 1, signal: this.signal }, 1);
      }).catch((err: unknown) => this.warnOnce(`Forwarding delivery ${deliveryId} failed: ${(err as Error).message}`));
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
    }
  }

  /** Resolves when everything queued or sending has finished (sends end early once the signal aborts). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private warnOnce(message: string): void {
    const now = Date.now();
    if (now - this.lastWarning < 60_000) return;
    this.lastWarning = now;
    this.onWarning('forward-failing', message);
  }
}

/** What the receiver answers the gateway when the target did not answer: 504 for a timeout, 502 otherwise. */
function gatewayStatusFor(a: { status: number | null; error: string | null }): number {
  if (a.status !== null && a.error === null) return a.status;
  return isTimeoutError(a.error) ? 504 : 502;
}

/**
 * Proxy mode: sends the just-stored delivery to the default target and returns the status the receiver should
 * answer the gateway with, or null when no target is saved (answer as usual). timeoutMs is the time the
 * gateway has left; the attempt is recorded with mode 'proxy'.
 */
export async function proxyAnswerWith(ctx: SendContext, deliveryId: number, timeoutMs: number, signal?: AbortSignal): Promise<number | null> {
  const target = ctx.store.listTargets().find((t) => t.isDefault);
  if (!target) return null;
  const a = await attemptOnce(
    ctx,
    { deliveryId, target, mode: 'proxy', asGateway: false, speed: 1, signal, timeoutMs: Math.max(1, Math.floor(timeoutMs)) },
    1,
  );
  return a ? gatewayStatusFor(a) : 503;
}

/** The same, for a caller that has only the store (its own connections, no live event). */
export async function proxyAnswer(store: Store, deliveryId: number, timeoutMs: number): Promise<number | null> {
  const agents = createAgents();
  try {
    return await proxyAnswerWith({ store, timeoutMs, agents }, deliveryId, timeoutMs);
  } finally {
    agents.destroy();
  }
}
