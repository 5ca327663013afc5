// What the tunnel tests set up alike: a receiver's stand-in store that records what it was given, and the app's
// tunnel supervisor registered with a localtunnel-protocol server, online with its ten sockets.
import type net from 'node:net';
import type { DeliverySink } from '../../electron/core/ingest-pipeline';
import type { IngestInput } from '../../electron/core/store/types';
import { createTunnelSupervisor, type TunnelSupervisor } from '../../electron/core/tunnel/supervisor';
import type { DeliverySummary } from '../../shared/domain';
import type { LtServer } from './lt-server';

/** a DeliverySink that "commits" at once, numbering deliveries 1, 2, ... and keeping each input */
export function recordingSink(): { sink: DeliverySink; submitted: IngestInput[] } {
  const submitted: IngestInput[] = [];
  const sink = {
    submit: async (input: IngestInput) => {
      submitted.push(input);
      return { summary: { id: submitted.length, flags: [] } as unknown as DeliverySummary, answered: () => {} };
    },
  } satisfies DeliverySink;
  return { sink, submitted };
}

/**
 * The supervisor through `lt` to a receiver (its tunnel sockets handed to `accept`), once online with all ten
 * sockets connected. Probes: one to go online, then none during a test (their connections would blur socket
 * counts). Stop it with `sup.stop()`.
 */
export async function tunnelThrough(
  lt: LtServer,
  o: { localPort: number; accept: (s: net.Socket) => void; probeToken: string; subdomain?: string | null },
): Promise<{ sup: TunnelSupervisor; publicUrl: string; id: string }> {
  const sup = createTunnelSupervisor({
    localPort: o.localPort,
    accept: o.accept,
    enabled: true,
    host: lt.url,
    subdomain: o.subdomain ?? null,
    probeToken: o.probeToken,
    probeIntervalMs: 600_000,
    backoffInitialMs: 50,
  });
  sup.start();
  try {
    await lt.waitFor(() => sup.status().state === 'online', 10_000, 'online');
    const publicUrl = sup.status().publicUrl!;
    const id = publicUrl.split('/t/')[1]!;
    await lt.waitFor(() => lt.tunnel(id)?.sockets === 10, 5000, 'ten tunnel sockets');
    return { sup, publicUrl, id };
  } catch (err) {
    await sup.stop();
    throw err;
  }
}
