// What `serve` tells a person on stderr about the tunnel, after the ready line: the public URL when it is up, and
// what to do when it cannot come up. The JSON `tunnel` lines on stdout carry every change; this prose only the ones
// a person acts on, so a tunnel server that stays unreachable does not fill the terminal with retries.
import type { TunnelStatus } from '../shared/api';

export function tunnelNotes(opts: { receiverUrl: string; callbackPath: string; write: (text: string) => void }): (s: TunnelStatus) => void {
  let wasOnline = false;
  let helped = false;
  let lastUrl: string | null = null;
  return (s) => {
    if (s.state === 'online' && s.publicUrl) {
      if (s.publicUrl !== lastUrl) opts.write(`Public URL:     ${s.publicUrl}${opts.callbackPath}  <- paste this into the gateway's callback URL\n`);
      wasOnline = true;
      lastUrl = s.publicUrl;
      return;
    }
    if (s.state !== 'reconnecting' && s.state !== 'offline') return;
    // a retry starting (reconnecting, no next try yet) repeats the last reason: said already
    if (!s.reason || s.reason === 'stopped' || s.reason === 'not started' || (s.state === 'reconnecting' && s.nextTryAt === null)) return;
    if (wasOnline) {
      wasOnline = false;
      opts.write(`Public URL lost (${s.reason}); ${s.state === 'offline' ? 'not retrying' : 'reconnecting'}.\n`);
      return;
    }
    if (helped && s.state === 'reconnecting') return;
    helped = true;
    opts.write(cannotOpen(s, `${opts.receiverUrl}${opts.callbackPath}`));
  };
}

/** The paragraph for a tunnel that has not come up: the receiver and UI work; what to change to get a public URL. */
function cannotOpen(s: TunnelStatus, localUrl: string): string {
  return (
    `The tunnel cannot be opened: ${s.reason}.\n` +
    `  The receiver and the inspector work; only the public URL is missing. ` +
    (s.state === 'offline' ? 'Not retrying: this will not get better by itself.\n' : 'Still retrying in the background.\n') +
    `  - A tunnel server you run yourself: --tunnel-host URL (or Settings > Tunnel server in the inspector).\n` +
    `  - No tunnel: --tunnel none, and point a gateway that can reach this machine at ${localUrl}\n` +
    `  - Behind a proxy or firewall: the tunnel needs direct outbound connections to ${s.host} and to the TCP\n` +
    `    port that server assigns; it does not use proxy settings.\n` +
    `  Flags go after a double dash: npm run serve -- --tunnel none\n\n`
  );
}
