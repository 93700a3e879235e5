/**
 * Splitting long text into pieces that each fit a limit: at sentence boundaries where possible (so
 * the speech of each piece ends naturally), else at word boundaries, and only as a last resort
 * inside a word. Used for the speech endpoint's 4,096-character input limit and for chat messages.
 */

const sentences = new Intl.Segmenter('en', { granularity: 'sentence' });
const WHITESPACE_RUN = /(\s+)/;

/**
 * Splits `text` into trimmed, non-empty pieces whose `measure` (default: length) is at most
 * `maxLength`, filling each piece with as many whole sentences as fit. Joining the pieces with
 * spaces gives back the text up to whitespace.
 */
export function splitText(text: string, maxLength: number, measure: (piece: string) => number = (piece) => piece.length): string[] {
  if (!(maxLength >= 1)) throw new RangeError(`maxLength must be at least 1, got ${maxLength}`);
  const fits = (piece: string) => measure(piece) <= maxLength;
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (fits(trimmed)) return [trimmed];

  const pieces: string[] = [];
  let current = '';
  const add = (unit: string) => {
    const candidate = current + unit;
    if (fits(candidate.trim())) {
      current = candidate;
      return;
    }
    if (current.trim() !== '') pieces.push(current.trim());
    current = unit;
  };
  for (const { segment } of sentences.segment(trimmed)) {
    if (fits(segment.trim())) {
      add(segment);
      continue;
    }
    // A sentence longer than the limit: fall back to words for it alone.
    for (const word of splitLongSentence(segment, fits)) add(word);
  }
  if (current.trim() !== '') pieces.push(current.trim());
  return pieces;
}

/** Words (with their following whitespace) of an over-long sentence; over-long words are cut. */
function splitLongSentence(sentence: string, fits: (piece: string) => boolean): string[] {
  const units: string[] = [];
  for (const token of sentence.split(WHITESPACE_RUN)) {
    if (token === '') continue;
    if (/^\s+$/.test(token)) {
      if (units.length > 0) units[units.length - 1] += token;
      continue;
    }
    units.push(...cutWord(token, fits));
  }
  return units;
}

/** A word that does not fit on its own, cut into the longest pieces that do (code points kept whole). */
function cutWord(word: string, fits: (piece: string) => boolean): string[] {
  if (fits(word)) return [word];
  const pieces: string[] = [];
  let current = '';
  for (const char of word) {
    if (current !== '' && !fits(current + char)) {
      pieces.push(current);
      current = '';
    }
    current += char;
  }
  if (current !== '') pieces.push(current);
  return pieces;
}
