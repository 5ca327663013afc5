// What is read off a callback's fields once parsed: its event key, its notice text, a coordinate. Apart from the
// parser (callback.ts) because they need no validation library: the renderer and classification use them, and
// importing them must not bring zod into the renderer's bundle.
import type { NormalizedCallback } from './domain';

/** Lower-cased type: the type part of an event key, so `Text` and `text` retries land on one event. */
export function typeKey(cb: Pick<NormalizedCallback, 'type' | 'typeRaw'>): string {
  return (cb.type ?? cb.typeRaw ?? '').trim().toLowerCase();
}

/**
 * `${reference}|${eventId}|${typeKey}|${channel}`; null without a reference.
 * event_id alone is not an event key: the sent echo, DELIVERED and READ share one event_id.
 */
export function eventKeyOf(cb: NormalizedCallback): string | null {
  if (cb.reference === null || cb.reference === '') return null;
  return `${cb.reference}|${cb.eventId ?? ''}|${typeKey(cb)}|${cb.channel ?? ''}`;
}

/** The text a message's exception/error/prepaid notice carries, whether `message` is a string or an object. */
export function messageText(message: unknown): string {
  if (typeof message === 'string') return message;
  if (message !== null && typeof message === 'object' && !Array.isArray(message)) {
    const m = message as Record<string, unknown>;
    for (const k of ['text', 'message', 'error', 'description', 'detail']) {
      if (typeof m[k] === 'string') return m[k] as string;
    }
  }
  return '';
}

// Number() also reads hex, binary, exponents and padded text ("0x10" is 16): a gateway sending those is not
// sending a coordinate, so only the plain decimal form a coordinate is written in counts.
const PLAIN_DECIMAL = /^-?\d+(?:\.\d+)?$/;

/** A coordinate as a JSON number or a string in plain decimal notation ("-23.5505", "46"); null otherwise. */
export function coordinateValue(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && PLAIN_DECIMAL.test(v)) return Number(v);
  return null;
}
