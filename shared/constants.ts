// Numbers and names fixed by the gateway's documentation (spec/rcs-callbacks.txt) or by our own wire protocol.

/** The path we document for the gateway's callback URL; the receiver accepts any path. */
export const DEFAULT_CALLBACK_PATH = '/callbacks';

/** The gateway gives up on an attempt after 10 s. */
export const GATEWAY_TIMEOUT_MS = 10_000;

/** Gap before the n-th retry (index 0 = 1st retry = 2nd delivery), as documented. */
export const RETRY_SCHEDULE_MS = [
  10_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
] as const;

/** Tunnel health probe: recognised by the receiver, answered 200, never stored as a delivery. */
export const PROBE_PATH = '/__rci/probe';
export const PROBE_HEADER = 'x-rci-probe';

/** Default body limit for one delivery. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Where the receiver listens unless told otherwise (a free port is taken when it is busy). */
export const DEFAULT_RECEIVER_PORT = 4730;

/** Where `serve` offers the inspector UI and its control API (127.0.0.1 only). */
export const DEFAULT_UI_PORT = 4731;

/** How often the tunnel is checked end to end through its public URL. */
export const DEFAULT_PROBE_INTERVAL_MS = 30_000;

/** How long after a no-RCS exception we wait for an SMS event before calling the fallback missing. */
export const FALLBACK_GRACE_MS = 60_000;

/** Replay: deliveries in flight at once, unless told otherwise, and at most (a target is not a load-test subject). */
export const DEFAULT_REPLAY_CONCURRENCY = 4;
export const MAX_REPLAY_CONCURRENCY = 64;
/** Replay as the gateway would: how far its retry schedule may be sped up (1 = the real gaps). */
export const MAX_REPLAY_SPEED = 100_000;

/** The public localtunnel service. */
export const DEFAULT_TUNNEL_HOST = 'https://localtunnel.me';

/**
 * The receiver reads and records at most this many leading bytes of a request it refuses (too large, too slow, a
 * head it cannot parse): enough to see what was sent, and it stops reading there, so a refused upload costs no more.
 */
export const RECEIVER_REFUSED_KEEP_BYTES = 4096;

/**
 * The store's own ceiling on the body of a delivery recorded as refused, whoever recorded it. Larger than the
 * receiver's cut on purpose: it never trims what the receiver kept, only a refused body handed in another way.
 */
export const STORE_REFUSED_BODY_MAX_BYTES = 64 * 1024;

/** The campaign of every callback the first-run screen's test button sends (no gateway sends it). */
export const TEST_CALLBACK_CAMPAIGN = 'rci_test_callback';
/** A test callback's reference is this and a fresh UUID: each is a message of its own. */
export const TEST_CALLBACK_REFERENCE_PREFIX = 'test-';

/** Every callback the gateway simulator sends carries this header (value "1"): stored with the delivery, shown as a badge. */
export const SIMULATED_HEADER = 'X-RCI-Simulated';
/**
 * Beside SIMULATED_HEADER, how many times faster than real time the simulator sent (e.g. "60"): its retries come
 * that much sooner than the documented gaps, so the retry ladder and the duplicate flag scale the schedule by it.
 */
export const SIMULATED_SPEED_HEADER = 'X-RCI-Simulated-Speed';

/** Whether headers carry the simulator's mark (SIMULATED_HEADER: "1"). */
export function isSimulated(headers: readonly (readonly [string, string])[]): boolean {
  return headers.some(([k, v]) => k.toLowerCase() === SIMULATED_HEADER.toLowerCase() && v.trim() === '1');
}

/** The speed-up a simulated delivery's headers state (1 when absent, unreadable or not simulated). */
export function simulatedSpeedOf(headers: readonly (readonly [string, string])[]): number {
  let simulated = false;
  let speed = 1;
  for (const [k, v] of headers) {
    const name = k.toLowerCase();
    if (name === SIMULATED_HEADER.toLowerCase()) simulated = v.trim() === '1';
    else if (name === SIMULATED_SPEED_HEADER.toLowerCase()) {
      const n = Number(v.trim());
      if (Number.isFinite(n) && n > 0) speed = n;
    }
  }
  return simulated ? speed : 1;
}
