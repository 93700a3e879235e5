/**
 * Token counts for an answer whose stream ended before the API reported usage (barge-in, cut stream,
 * shutdown): the request's estimated input plus what was received. The model may have generated a little
 * more than arrived; what arrived is the part that can be counted.
 */
import { CHARS_PER_TOKEN, type InputTokenEstimate } from '../conversation/history.ts';
import type { TokenUsage } from '../conversation/types.ts';

/** Model speech costs about 1,200 audio tokens per minute (OpenAI's Realtime cost guide). */
export const AUDIO_OUTPUT_TOKENS_PER_SECOND = 20;

/** What arrived of an answer. */
export interface ReceivedAnswer {
  /** Milliseconds of audio received. */
  audioMs: number;
  /** Transcript or text received. */
  text: string;
  /** The API accepted the request, so its input is billed even if nothing came back. */
  accepted: boolean;
}

/** Estimated usage of one call from its input estimate and what arrived. */
export function estimateAnswerUsage(input: InputTokenEstimate, received: ReceivedAnswer): TokenUsage {
  return {
    textIn: input.text,
    audioIn: input.audio,
    cachedIn: 0,
    textOut: Math.ceil(received.text.length / CHARS_PER_TOKEN),
    audioOut: Math.ceil((received.audioMs / 1_000) * AUDIO_OUTPUT_TOKENS_PER_SECOND),
  };
}

/**
 * The reported usage when there is one, else the estimate, saying which; undefined when nothing was reported
 * and the API never accepted the request (it may never have been sent).
 */
export function answerUsage(
  reported: TokenUsage | undefined,
  input: InputTokenEstimate,
  received: ReceivedAnswer,
): { tokens: TokenUsage; estimated: boolean } | undefined {
  if (reported) return { tokens: reported, estimated: false };
  if (!received.accepted && received.audioMs <= 0 && received.text === '') return undefined;
  return { tokens: estimateAnswerUsage(input, received), estimated: true };
}
