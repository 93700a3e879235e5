/**
 * Words of a scripted answer that were actually played. The fake OpenAI's answers have no real speech, so the
 * reference is the fake's own timing: the transcript spread evenly over the audio, character by character.
 */

/** The words of a text. */
export function wordsOf(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/** How many words of `transcript` were spoken in full within the first `playedMs` of its `audioMs` of audio. */
export function wordsPlayed(transcript: string, audioMs: number, playedMs: number): number {
  const msPerChar = audioMs / transcript.length;
  let count = 0;
  for (const match of transcript.matchAll(/\S+/g)) {
    if ((match.index + match[0].length) * msPerChar <= playedMs) count++;
  }
  return count;
}
