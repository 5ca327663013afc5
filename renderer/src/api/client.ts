// The one seam between the UI and the core. Two transports implement it (Electron bridge, HTTP+WS for `serve`);
// stores take a client so tests can hand them a fake.
import type { Api, ApiEventBatch } from '../../../shared/api';
import type { JobInfo } from '../../../shared/jobs';

type ConnectionState = 'connecting' | 'open' | 'reconnecting';

export interface ConnectionInfo {
  state: ConnectionState;
  /** reconnecting: when the next try happens (epoch ms) */
  nextTryAt: number | null;
  attempt: number;
}

export interface ApiClient {
  api: Api;
  subscribe(listener: (batch: ApiEventBatch) => void): () => void;
  /** live-event channel health; the bridge is always open */
  onConnection?(listener: (info: ConnectionInfo) => void): () => void;
  /** `serve` only: the inspector link this browser uses, and making a new one (which ends every older one) */
  link?: {
    current(): Promise<string>;
    rotate(): Promise<string>;
  };
  /** `serve` only: sends a file to import (a streaming POST); answers with the import job it started */
  uploadImport?(file: File): Promise<JobInfo>;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
