// Callback text is written by strangers. Characters that change how the rest of a line is drawn (bidi overrides
// and isolates: "gnp.exe" with U+202E in front reads "exe.png"), or that take no room at all (zero-width, control
// and other format characters), are shown as a visible code such as ⟨U+202E⟩ wherever that text reaches a screen.
// Only what is displayed changes: stored bytes, copies, searches and replays keep the original text.

/**
 * Never drawn honestly in a line: C0 controls but tab, LF and CR; DEL and C1; soft hyphen; Arabic letter mark;
 * Mongolian vowel separator; zero-width space, non-joiner and joiner; LRM/RLM; LRE…RLO embeddings and overrides;
 * word joiner and invisible operators; LRI…PDI isolates and the deprecated format characters; BOM / zero-width
 * no-break space; interlinear annotation marks; Unicode tags (they can spell hidden ASCII).
 */
const HIDDEN =
  '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u00AD\\u061C\\u180E\\u200B-\\u200F\\u202A-\\u202E' +
  '\\u2060-\\u2064\\u2066-\\u206F\\uFEFF\\uFFF9-\\uFFFB\\u{E0000}-\\u{E007F}';
/** Line breaks and tabs are content in a block of text but hide structure in a one-line cell or title. */
const LINE_ONLY = '\\t\\n\\r\\u2028\\u2029';

// A ZWJ between two pictographs (after an optional emoji presentation selector or skin tone) joins an emoji
// sequence such as 👨‍👩‍👧 and stays; anywhere else it is hidden text.
const EMOJI_ZWJ = '(?<=\\p{Extended_Pictographic}[\\u{FE0F}\\u{1F3FB}-\\u{1F3FF}]?)\\u200D(?=\\p{Extended_Pictographic})';

const LINE = new RegExp(`(${EMOJI_ZWJ})|[${HIDDEN}${LINE_ONLY}]`, 'gu');
// In a block, CR is kept only as part of CRLF; a lone CR would let later text overwrite earlier text in a terminal.
const BLOCK = new RegExp(`(${EMOJI_ZWJ})|\\r(?!\\n)|[${HIDDEN}]`, 'gu');

const code = (ch: string): string => `⟨U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}⟩`;

/**
 * The text with every hidden character shown as ⟨U+XXXX⟩. `block` keeps tabs, line feeds and CRLF (a message
 * body drawn with its line breaks); the default, `line`, is for anything drawn on one line or in a tooltip.
 */
export function revealHidden(text: string, layout: 'line' | 'block' = 'line'): string {
  return text.replace(layout === 'block' ? BLOCK : LINE, (ch: string, emojiJoiner?: string) => (emojiJoiner ? ch : code(ch)));
}
