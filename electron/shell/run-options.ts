// Per-run overrides from the environment: a separate data folder (portable use, tests), a receiver port, and
// turning the tunnel off for this run. Anything malformed is an error, not silently ignored.
import type { CoreOptions } from '../core/app-core';

export interface RunOptions {
  dataDir?: string;
  receiverPort?: number;
  tunnel?: CoreOptions['tunnel'];
}

export function runOptionsFromEnv(env: NodeJS.ProcessEnv): RunOptions {
  const o: RunOptions = {};
  if (env.RCI_DATA_DIR) o.dataDir = env.RCI_DATA_DIR;
  if (env.RCI_RECEIVER_PORT !== undefined && env.RCI_RECEIVER_PORT !== '') {
    const port = Number(env.RCI_RECEIVER_PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`RCI_RECEIVER_PORT must be a port number, got ${env.RCI_RECEIVER_PORT}`);
    o.receiverPort = port;
  }
  if (env.RCI_TUNNEL !== undefined && env.RCI_TUNNEL !== '') {
    if (env.RCI_TUNNEL === 'off') o.tunnel = { enabled: false };
    else if (env.RCI_TUNNEL === 'on') o.tunnel = { enabled: true };
    else throw new Error(`RCI_TUNNEL must be "on" or "off", got ${env.RCI_TUNNEL}`);
  }
  return o;
}
