// What travels back over IPC for one call. Electron keeps only the message of an Error thrown by a main-side
// handler (and prefixes it), so failures are returned as data and turned back into an Error in the preload.
import type { ApiErrorBody } from '../../shared/api';
import { ApiError } from '../../shared/api-error';

export type IpcResult = { ok: true; value: unknown } | { ok: false; error: ApiErrorBody['error'] };

/** The renderer sees the core's message, and the code when it survives the context bridge. */
export function unwrapIpcResult(result: unknown): unknown {
  if (result && typeof result === 'object' && 'ok' in result) {
    const r = result as IpcResult;
    if (r.ok) return r.value;
    throw new ApiError(r.error.code, r.error.message);
  }
  throw new ApiError('internal', 'malformed reply from the main process');
}
