// Reading a request's body within the pace limits (request-pace.ts): the whole body, or why it was cut (too
// large, too slow, stalled, malformed, the sender gone) with its first bytes kept for the record.
import type http from 'node:http';
import { RECEIVER_REFUSED_KEEP_BYTES } from '../../shared/constants';
import type { RequestClock } from './request-pace';


export type ReadResult =
  | { kind: 'ok'; body: Uint8Array }
  | { kind: 'rejected'; status: number; reason: string; head: Uint8Array; size: number; truncated?: boolean }
  | { kind: 'aborted'; status: number; reason: string; head: Uint8Array; size: number };

export function readBody(
  req: http.IncomingMessage,
  max: number,
  clock: RequestClock,
  parseErrors: WeakMap<object, (err: NodeJS.ErrnoException) => boolean>,
): Promise<ReadResult> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length']);
    clock.declared = Number.isFinite(declared) ? declared : null;
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    let settled = false;
    const head = () => Buffer.concat(chunks).subarray(0, RECEIVER_REFUSED_KEEP_BYTES);
    const finish = (r: ReadResult) => {
      if (settled) return;
      settled = true;
      clock.stop();
      if (parseErrors.get(req.socket) === onParseError) parseErrors.delete(req.socket);
      if (r.kind === 'rejected') {
        // the rest is not wanted: read and discard it, so the answer can go out and the connection close cleanly
        req.off('data', onData);
        req.resume();
      }
      resolve(r);
    };
    // a slow or stalled sender: the clock of this request (from its first byte) ran out
    clock.onTrip = (reason) => finish({ kind: 'rejected', status: 408, reason, head: head(), size });
    let parseFailed = false;
    const onParseError = (err: NodeJS.ErrnoException): boolean => {
      if (settled || parseFailed) return false;
      parseFailed = true;
      // the body bytes parsed before the error are still on their way to 'data' listeners: record them too
      setImmediate(() =>
        finish(
          err.code === 'HPE_INVALID_EOF_STATE'
            ? // the sender closed its side mid-body; usually it is gone altogether, so nothing is answered
              { kind: 'aborted', status: 0, reason: `sender disconnected after ${size} bytes`, head: head(), size }
            : {
                kind: 'rejected',
                status: 400,
                reason: `malformed request body after ${size} bytes: ${(err as { reason?: string }).reason ?? err.message} (${err.code ?? 'parse error'})`,
                head: head(),
                size,
              },
        ),
      );
      return true;
    };
    parseErrors.set(req.socket, onParseError);

    if (Number.isFinite(declared) && declared > max) {
      // Refuse without reading the whole body; its first bytes are kept for the record.
      tooLarge = true;
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      clock.body = size;
      if (tooLarge || size > max) {
        tooLarge = true;
        const kept = chunks.reduce((n, c) => n + c.length, 0);
        if (kept < RECEIVER_REFUSED_KEEP_BYTES) chunks.push(chunk.subarray(0, RECEIVER_REFUSED_KEEP_BYTES - kept));
        // Stop reading: we answer now and close the connection.
        finish({
          kind: 'rejected',
          status: 413,
          reason: `body larger than the ${max}-byte limit (${Number.isFinite(declared) ? declared : `over ${size}`} bytes)`,
          head: head(),
          size: Number.isFinite(declared) ? declared : size,
        });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      if (tooLarge) return;
      finish({ kind: 'ok', body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
    });
    req.on('aborted', () =>
      finish({ kind: 'aborted', status: 0, reason: `sender disconnected after ${size} bytes`, head: head(), size }),
    );
    req.on('error', () =>
      finish({ kind: 'aborted', status: 0, reason: `connection error after ${size} bytes`, head: head(), size }),
    );
    if (tooLarge) {
      // Declared too large: the first chunk (kept for the record) triggers the 413 above; a sender that sends
      // nothing more is answered shortly anyway.
      setTimeout(
        () =>
          finish({
            kind: 'rejected',
            status: 413,
            reason: `body larger than the ${max}-byte limit (${declared} bytes declared)`,
            head: head(),
            size: declared,
          }),
        1000,
      ).unref();
    }
  });
}
