// An export with --mask (or from the app with masking on): each row passes through shared/mask.ts before its
// writer, so NDJSON, CSV and HAR hide the same things the screen does. A masked body is rewritten JSON, no longer
// the bytes received; headers, ids, times, flags and answers stay as stored.
import { MASK, maskBodyText, maskCallback, maskFlagDetail, maskPhonesInText, maskQuoting, maskUser } from '../../shared/mask';
import type { ExportedDelivery, ExportedMessage } from './store/types';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function maskedBody(bodyBase64: string): string {
  let text: string;
  try {
    text = strictUtf8.decode(Buffer.from(bodyBase64, 'base64'));
  } catch {
    // bytes that are not text cannot be told apart: none of them leave
    return '';
  }
  return maskBodyText(text);
}

export function maskExportedDelivery(d: ExportedDelivery): ExportedDelivery {
  const bodyText = maskedBody(d.request.bodyBase64);
  return {
    ...d,
    request: { ...d.request, bodyText, bodyBase64: Buffer.from(bodyText, 'utf8').toString('base64') },
    rejectReason: d.rejectReason === null ? null : maskQuoting(d.rejectReason),
    callback: d.callback ? maskCallback(d.callback) : null,
    flags: d.flags.map(maskFlagDetail),
    // a user's note may quote the customer: said to be there, never what it says
    ...(d.note !== undefined ? { note: MASK } : {}),
  };
}

export function maskExportedMessage(m: ExportedMessage): ExportedMessage {
  return {
    ...m,
    userId: maskUser(m.userId),
    anomalyDetails: m.anomalyDetails.map((a) => ({ ...a, detail: maskPhonesInText(a.detail) })),
    ...(m.note !== undefined ? { note: MASK } : {}),
  };
}

export function* maskedRows<T>(rows: Iterable<T>, mask: (row: T) => T): IterableIterator<T> {
  for (const row of rows) yield mask(row);
}
