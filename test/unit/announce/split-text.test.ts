import { describe, expect, it } from 'vitest';
import { escapeMarkdown } from 'discord.js';
import { splitText } from '../../../src/announce/split-text.ts';

const normalize = (text: string) => text.replace(/\s+/g, ' ').trim();

describe('splitText', () => {
  it('keeps a text that fits as one trimmed piece, and gives nothing for blank text', () => {
    expect(splitText('  Hello there.  ', 100)).toEqual(['Hello there.']);
    expect(splitText(' \n ', 100)).toEqual([]);
  });

  it('splits at sentence boundaries, filling each piece with whole sentences', () => {
    const text = 'One two three. Four five six! Seven eight nine? Ten eleven.';
    const pieces = splitText(text, 32);
    expect(pieces).toEqual(['One two three. Four five six!', 'Seven eight nine? Ten eleven.']);
    expect(normalize(pieces.join(' '))).toBe(text);
  });

  it('falls back to word boundaries for a sentence longer than the limit', () => {
    const sentence = 'alpha beta gamma delta epsilon zeta eta theta iota kappa';
    const pieces = splitText(sentence, 20);
    expect(pieces.every((p) => p.length <= 20)).toBe(true);
    expect(pieces.every((p) => !p.startsWith(' ') && !p.endsWith(' '))).toBe(true);
    expect(pieces.join(' ')).toBe(sentence);
  });

  it('cuts inside a word only when a single word exceeds the limit, never inside a code point', () => {
    const pieces = splitText('short 😀😀😀😀😀😀😀😀😀😀 end', 8);
    expect(pieces.every((p) => p.length <= 8)).toBe(true);
    expect(pieces.join('').replace(/\s/g, '')).toBe('short😀😀😀😀😀😀😀😀😀😀end');
    expect(pieces.join('')).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('splits a 5,000-character text for the 4,096-character speech limit into two parts, the first ending a sentence', () => {
    let text = '';
    for (let n = 1; text.length < 5_000; n++) text += `This is sentence ${n}, which says very little. `;
    const pieces = splitText(text, 4_096);
    expect(pieces).toHaveLength(2);
    expect(pieces[0]!.length).toBeLessThanOrEqual(4_096);
    expect(pieces[0]).toMatch(/little\.$/);
    expect(normalize(pieces.join(' '))).toBe(normalize(text));
  });

  it('measures with a custom function, e.g. the length after markdown escaping', () => {
    const text = '**a** '.repeat(50).trim();
    const pieces = splitText(text, 100, (p) => escapeMarkdown(p).length);
    expect(pieces.every((p) => escapeMarkdown(p).length <= 100)).toBe(true);
    expect(pieces.join(' ')).toBe(text);
  });

  it('rejects a limit below 1', () => {
    expect(() => splitText('x', 0)).toThrow(RangeError);
  });
});
