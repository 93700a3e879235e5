/**
 * Addressed mode for busy rooms. The chat model itself decides whether an utterance is spoken to Parley,
 * in the same request that answers it (a separate classification call would add its whole latency to
 * every turn and double the requests): when it is not, the model replies with only the skip marker.
 * The API streams transcript deltas ahead of the audio data (observed order: transcript deltas, then
 * audio; openai/openai-node issue #1206), and the answer's audio is held until the first words decide,
 * so nothing of a declined answer is ever played.
 */

/** What the model says instead of answering; short, unlikely in speech, and cheap to generate. */
export const SKIP_MARKER = '[skip]';

/** Added to the persona while addressed mode is in effect. */
export function addressedInstructions(botName: string): string {
  return (
    `Several people are talking in this voice channel, and not everything is said to you. Answer only when ` +
    `an utterance is addressed to you: it uses your name (${botName}), or it clearly continues an exchange ` +
    `you are having with that person. Otherwise reply with exactly ${SKIP_MARKER} and nothing else: ` +
    `no other words before or after it. Utterances you skip still tell you what the others said.`
  );
}
