import { describe, expect, it } from 'vitest';
import { allowedErrors, checkVerbatim, VerbatimTracker, wordDistance, wordsOf } from '../../../src/announce/verbatim.ts';

describe('verbatim check', () => {
  it('compares words, not case, punctuation or spacing', () => {
    expect(wordsOf('Doors open at 9 — don’t be late!')).toEqual(['doors', 'open', 'at', '9', 'dont', 'be', 'late']);
    expect(checkVerbatim('Doors open at nine.', 'doors  OPEN at nine')).toMatchObject({ ok: true, errors: 0 });
  });

  it('tolerates one word in ten (at least one from four words on), nothing in shorter texts', () => {
    expect([allowedErrors(3), allowedErrors(4), allowedErrors(19), allowedErrors(20)]).toEqual([0, 1, 1, 2]);
    expect(checkVerbatim('The meeting starts in the lounge now.', 'The meeting starts in the lobby now.').ok).toBe(true);
    expect(checkVerbatim('The meeting starts in the lounge now.', 'Our gathering begins downstairs very soon.').ok).toBe(false);
    expect(checkVerbatim('Lounge closed.', 'Lobby closed.').ok).toBe(false);
  });

  it('counts missing and added words', () => {
    expect(wordDistance(wordsOf('a b c d'), wordsOf('a b x c d e'))).toBe(2);
    expect(checkVerbatim('One two three four five six.', 'One two three.').ok).toBe(false);
  });

  it('follows a streamed transcript and knows it strayed as soon as it certainly has', () => {
    const tracker = new VerbatimTracker('Welcome everyone, the meeting starts in the lounge in five minutes.');
    expect(tracker.push('Welc')).toBe(true);
    expect(tracker.push('ome every')).toBe(true);
    expect(tracker.checkedWords).toBe(1);
    expect(tracker.push('one, the meeting ')).toBe(true);
    expect(tracker.checkedWords).toBe(4);
    const strayed = new VerbatimTracker('Welcome everyone, the meeting starts in the lounge in five minutes.');
    expect(strayed.push('Hello ')).toBe(true);
    expect(strayed.push('folks, our ')).toBe(false);
  });
});
