// The simulator's ground truth as NDJSON (`simulate --truth FILE`): one line per message with what the inspector
// must show for it, then one line per callback with the attempts it took, so a run can be checked against the
// inspector's export (or the user's own endpoint's records) line by line.
import type { SimTruth } from './generate';
import type { SimResult } from './send';

export interface TruthMessageLine extends SimTruth {
  kind: 'message';
  /** HTTP attempts made for its callbacks, retries included */
  attempts: number;
}

export interface TruthDeliveryLine {
  kind: 'delivery';
  reference: string;
  eventKey: string;
  /** each attempt, as the endpoint should have stored it: 1 = first, 2+ = the gateway's retries */
  attempts: { attempt: number; status: number | null; ms: number; error: string | null }[];
  /** the last attempt got its 200 */
  ok: boolean;
}

/**
 * A message whose callbacks were retried is expected to carry `duplicate` too: each retry an endpoint stores is a
 * second delivery of the same event (a retry after a timeout may have been stored as well).
 */
export function truthLines(truth: SimTruth[], results: SimResult[]): (TruthMessageLine | TruthDeliveryLine)[] {
  const byRef = new Map<string, SimResult[]>();
  for (const r of results) {
    const list = byRef.get(r.delivery.reference);
    if (list) list.push(r);
    else byRef.set(r.delivery.reference, [r]);
  }
  const out: (TruthMessageLine | TruthDeliveryLine)[] = [];
  for (const t of truth) {
    const rs = byRef.get(t.reference) ?? [];
    const retried = rs.some((r) => r.attempts.length > 1);
    const flags = retried && !t.flags.includes('duplicate') ? (['duplicate', ...t.flags] as SimTruth['flags']) : t.flags;
    out.push({ kind: 'message', ...t, flags, attempts: rs.reduce((n, r) => n + r.attempts.length, 0) });
  }
  for (const r of results) {
    out.push({
      kind: 'delivery',
      reference: r.delivery.reference,
      eventKey: r.delivery.eventKey,
      attempts: r.attempts.map((a) => ({ attempt: a.attempt, status: a.status, ms: a.ms, error: a.error })),
      ok: r.ok,
    });
  }
  return out;
}
