/**
 * What listeners actually heard of an interrupted answer. The transcript of a streamed answer runs ahead
 * of its audio (OpenAI sends all of it before the first audio chunk), so the share of audio received says
 * nothing about how much of the transcript was spoken. The spoken position is the played audio against
 * the whole answer's length: exact once all its audio arrived, else estimated from the transcript at
 * OpenAI's speaking rate.
 */

/**
 * OpenAI's voices speak about 15 characters per second (the same rate the history's token estimate uses for
 * referenced answers).
 */
export const SPOKEN_CHARS_PER_SECOND = 15;

/** How much of the answer's audio is known. */
export interface AnswerAudio {
  /** Milliseconds of audio received. */
  receivedMs: number;
  /** True when the stream marked the answer finished, so `receivedMs` is its whole length. */
  complete: boolean;
}

/** Milliseconds the whole answer takes to speak: known when complete, else estimated from its words. */
export function expectedAnswerMs(text: string, audio: AnswerAudio): number {
  if (audio.complete) return audio.receivedMs;
  return Math.max(audio.receivedMs, (text.length / SPOKEN_CHARS_PER_SECOND) * 1_000);
}

/** The part of `text` spoken in the first `playedMs` of the answer, ending on a whole word. */
export function heardPart(text: string, playedMs: number, audio: AnswerAudio): string {
  const totalMs = expectedAnswerMs(text, audio);
  if (totalMs <= 0 || playedMs <= 0) return '';
  const ratio = Math.min(1, playedMs / totalMs);
  if (ratio >= 1) return text;
  const cut = Math.round(text.length * ratio);
  // A word cut off mid-way was not heard: end before it, unless the cut falls right at its end.
  const boundary = /\s/.test(text[cut] ?? ' ') ? cut : text.lastIndexOf(' ', cut);
  return text.slice(0, boundary > 0 ? boundary : 0).trimEnd();
}
