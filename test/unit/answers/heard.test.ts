import { describe, expect, it } from 'vitest';
import { expectedAnswerMs, heardPart, SPOKEN_CHARS_PER_SECOND } from '../../../src/answers/heard.ts';
import { wordsOf, wordsPlayed } from '../../support/heard-words.ts';

/** 106 characters: about 7.1 s at OpenAI's speaking rate. */
const TEXT = 'Sure thing. The museum opens at nine, the cafe at ten, and the garden tour starts right after the lecture.';

describe('heardPart, with the transcript entirely received before the audio', () => {
  it('keeps the words played, not the share of audio received', () => {
    const wholeMs = (TEXT.length / SPOKEN_CHARS_PER_SECOND) * 1_000;
    // Stopped after 1 s, with 1.5 s of audio received and all 20 words of transcript.
    const kept = heardPart(TEXT, 1_000, { receivedMs: 1_500, complete: false });
    const played = wordsPlayed(TEXT, wholeMs, 1_000);
    console.log(`heard (transcript first, 1 s of ${(wholeMs / 1_000).toFixed(1)} s played): kept ${wordsOf(kept).length} of ${wordsOf(TEXT).length} words, ${played} played: "${kept}"`);
    expect(Math.abs(wordsOf(kept).length - played)).toBeLessThanOrEqual(1);
    expect(kept).toBe('Sure thing. The');
  });

  it('measures against the audio itself once all of it arrived', () => {
    // A slow voice: 10 s of audio for the same words.
    expect(expectedAnswerMs(TEXT, { receivedMs: 10_000, complete: true })).toBe(10_000);
    const kept = heardPart(TEXT, 5_000, { receivedMs: 10_000, complete: true });
    expect(wordsOf(kept).length).toBe(wordsPlayed(TEXT, 10_000, 5_000));
  });

  it('never estimates the answer shorter than the audio already received', () => {
    expect(expectedAnswerMs('Hi.', { receivedMs: 2_000, complete: false })).toBe(2_000);
  });

  it('keeps nothing when nothing played, everything when all played, and whole words only', () => {
    expect(heardPart(TEXT, 0, { receivedMs: 1_000, complete: false })).toBe('');
    expect(heardPart(TEXT, 7_000, { receivedMs: 7_000, complete: true })).toBe(TEXT);
    expect(heardPart('Extraordinarily long words.', 300, { receivedMs: 3_000, complete: true })).toBe('');
  });
});
