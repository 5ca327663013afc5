// Pins and notes: what the user marks on a delivery or a message (store: electron/core/store/marks.ts).

/** A note is plain text of at most this many characters: enough for a paragraph, never a pasted body. */
export const NOTE_MAX_CHARS = 2000;

export type MarkKind = 'delivery' | 'message';

/**
 * note: matches a note holding the text, ASCII letters in any case (as SQLite's lower() folds them, so the store's
 * SQL and the in-memory match agree; other letters match as typed).
 */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

export function noteHolds(note: string | null | undefined, text: string): boolean {
  return note !== null && note !== undefined && asciiLower(note).includes(asciiLower(text));
}
