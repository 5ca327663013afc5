// Untrusted text on screen: bidi controls and invisible characters become visible codes, ordinary text is untouched.
import { describe, expect, it } from 'vitest';
import { revealHidden } from '../../shared/visible-text';

describe('revealHidden', () => {
  it('shows a right-to-left override, so "gnp.exe" cannot pose as "exe.png"', () => {
    expect(revealHidden('invoice\u202Egnp.exe')).toBe('invoice⟨U+202E⟩gnp.exe');
  });

  it.each([
    ['\u202A', '⟨U+202A⟩'],
    ['\u202B', '⟨U+202B⟩'],
    ['\u202C', '⟨U+202C⟩'],
    ['\u202D', '⟨U+202D⟩'],
    ['\u2066', '⟨U+2066⟩'],
    ['\u2067', '⟨U+2067⟩'],
    ['\u2068', '⟨U+2068⟩'],
    ['\u2069', '⟨U+2069⟩'],
    ['\u200E', '⟨U+200E⟩'],
    ['\u200F', '⟨U+200F⟩'],
    ['\u061C', '⟨U+061C⟩'],
    ['\u200B', '⟨U+200B⟩'],
    ['\u200C', '⟨U+200C⟩'],
    ['\u200D', '⟨U+200D⟩'],
    ['\uFEFF', '⟨U+FEFF⟩'],
    ['\u2060', '⟨U+2060⟩'],
    ['\u00AD', '⟨U+00AD⟩'],
    ['\u0000', '⟨U+0000⟩'],
    ['\u0007', '⟨U+0007⟩'],
    ['\u001B', '⟨U+001B⟩'],
    ['\u007F', '⟨U+007F⟩'],
    ['\u0085', '⟨U+0085⟩'],
    ['\u009B', '⟨U+009B⟩'],
    ['\u{E0041}', '⟨U+E0041⟩'],
  ])('shows %j as %s in a line and in a block', (ch, shown) => {
    expect(revealHidden(`a${ch}b`)).toBe(`a${shown}b`);
    expect(revealHidden(`a${ch}b`, 'block')).toBe(`a${shown}b`);
  });

  it('in a line, also shows tabs, line breaks and line/paragraph separators', () => {
    expect(revealHidden('a\tb\nc\r\nd\u2028e\u2029f')).toBe('a⟨U+0009⟩b⟨U+000A⟩c⟨U+000D⟩⟨U+000A⟩d⟨U+2028⟩e⟨U+2029⟩f');
  });

  it('in a block, keeps tabs, line feeds and CRLF but shows a lone CR', () => {
    expect(revealHidden('a\tb\nc\r\nd', 'block')).toBe('a\tb\nc\r\nd');
    expect(revealHidden('paid\rfree', 'block')).toBe('paid⟨U+000D⟩free');
  });

  it('leaves ordinary text alone: accents, right-to-left scripts, emoji and emoji sequences', () => {
    for (const s of ['Olá, João! Açaí 25% OFF', 'مرحبا بالعالم', 'שלום', '日本語', '👍🏽 ❤️', '👨‍👩‍👧', '🏳️‍🌈', '👩🏾‍💻', '']) {
      expect(revealHidden(s)).toBe(s);
    }
  });

  it('a zero-width joiner outside an emoji sequence is shown', () => {
    expect(revealHidden('pay\u200Dpal')).toBe('pay⟨U+200D⟩pal');
    expect(revealHidden('👍\u200Dx')).toBe('👍⟨U+200D⟩x');
  });

  it('shows every character of a run, not just the first', () => {
    expect(revealHidden('\u202E\u202E\u200B')).toBe('⟨U+202E⟩⟨U+202E⟩⟨U+200B⟩');
    // the same regex is reused: a second call starts from the beginning
    expect(revealHidden('x\u202E')).toBe('x⟨U+202E⟩');
  });

  it('the result never contains a hidden character', () => {
    let all = '';
    for (let cp = 0; cp <= 0x3000; cp++) all += String.fromCodePoint(cp);
    for (const layout of ['line', 'block'] as const) {
      const out = revealHidden(all, layout);
      expect(out).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F]/);
    }
  });
});
