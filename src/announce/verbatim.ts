/**
 * Whether a model read an announcement word for word: the output transcript against the text asked
 * for, compared as words (case, punctuation and spacing do not count). A few word errors are
 * tolerated (transcripts of correct speech are not always exact); more means the reading strayed.
 */

/** Word errors allowed per word of the text. */
export const VERBATIM_ERROR_RATE = 0.1;
/** Word errors always allowed, so a short text is not failed for one misheard word... */
const MIN_ALLOWED_ERRORS = 1;
/** ...unless it is shorter than this (one error in three words is a different announcement). */
const SHORT_TEXT_WORDS = 4;

/** Lower-case words without punctuation; digits and letters of any script are kept. */
export function wordsOf(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[’']/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
}

/** Word errors allowed for a text of `wordCount` words. */
export function allowedErrors(wordCount: number): number {
  if (wordCount < SHORT_TEXT_WORDS) return 0;
  return Math.max(MIN_ALLOWED_ERRORS, Math.floor(wordCount * VERBATIM_ERROR_RATE));
}

/**
 * Edit distance in words between `heard` and the best-matching prefix of `expected` (or all of it
 * with `whole`). A prefix's distance never exceeds the final one, so a stray is certain early.
 */
export function wordDistance(heard: readonly string[], expected: readonly string[], whole = true): number {
  // One DP row per heard word over the expected words.
  let previous = Array.from({ length: expected.length + 1 }, (_, j) => j);
  for (let i = 1; i <= heard.length; i++) {
    const current = [i];
    for (let j = 1; j <= expected.length; j++) {
      const substitution = previous[j - 1]! + (heard[i - 1] === expected[j - 1] ? 0 : 1);
      current[j] = Math.min(substitution, previous[j]! + 1, current[j - 1]! + 1);
    }
    previous = current;
  }
  return whole ? previous[expected.length]! : Math.min(...previous);
}

/** What the check found for one reading. */
export interface VerbatimVerdict {
  ok: boolean;
  /** Word errors found. */
  errors: number;
  /** Word errors tolerated. */
  allowed: number;
  words: number;
}

/** The whole transcript against the whole text. */
export function checkVerbatim(expectedText: string, transcript: string): VerbatimVerdict {
  const expected = wordsOf(expectedText);
  const errors = wordDistance(wordsOf(transcript), expected, true);
  const allowed = allowedErrors(expected.length);
  return { ok: errors <= allowed, errors, allowed, words: expected.length };
}

/**
 * Follows a transcript as it streams: {@link VerbatimTracker.push} says whether the words complete so
 * far could still be a faithful reading (the last, possibly partial, word waits for the next delta).
 */
export class VerbatimTracker {
  private readonly expected: string[];
  private readonly allowed: number;
  private text = '';
  /** Complete words checked so far. */
  checkedWords = 0;

  constructor(expectedText: string) {
    this.expected = wordsOf(expectedText);
    this.allowed = allowedErrors(this.expected.length);
  }

  /** The transcript so far. */
  get transcript(): string {
    return this.text;
  }

  /** Adds a delta; false once the reading has certainly strayed beyond the tolerance. */
  push(delta: string): boolean {
    this.text += delta;
    const words = wordsOf(this.text);
    const complete = /[^\p{L}\p{N}]$/u.test(this.text) ? words : words.slice(0, -1);
    this.checkedWords = complete.length;
    return complete.length === 0 || wordDistance(complete, this.expected, false) <= this.allowed;
  }
}

/** A reading that did not match the text, as recorded in the announcement's audit row. */
export interface VerbatimDeviation {
  backend: string;
  attempt: number;
  /** Word errors found and tolerated. */
  errors: number;
  allowed: number;
  /** What the model said (trimmed). */
  heard: string;
  /** What happened next: retried, the next backend read it, or it was played anyway. */
  action: 'retried' | 'next backend' | 'played';
}
