/**
 * Deterministic token counts for the fake's usage reports. They are not the real tokenizer, only stable and
 * plausible, so tests can assert exact numbers and cost code sees realistic proportions:
 * - text: 1 token per 4 characters, rounded up (no per-message overhead);
 * - audio in: 10 tokens per second; audio out: 20 tokens per second, rounded up;
 * - nothing is cached, nothing is reasoning.
 */
import type { CompletionUsage } from './types.ts';

/** Characters per text token. */
export const TEXT_CHARS_PER_TOKEN = 4;
/** Tokens per second of audio the model hears. */
export const AUDIO_IN_TOKENS_PER_SECOND = 10;
/** Tokens per second of audio the model speaks. */
export const AUDIO_OUT_TOKENS_PER_SECOND = 20;

/** Tokens for a text, `ceil(chars / 4)`. */
export function textTokens(text: string): number {
  return Math.ceil(text.length / TEXT_CHARS_PER_TOKEN);
}

/** Tokens for heard audio, `ceil(seconds * 10)`. */
export function audioInTokens(durationMs: number): number {
  return Math.ceil((durationMs * AUDIO_IN_TOKENS_PER_SECOND) / 1_000);
}

/** Tokens for spoken audio, `ceil(seconds * 20)`. */
export function audioOutTokens(durationMs: number): number {
  return Math.ceil((durationMs * AUDIO_OUT_TOKENS_PER_SECOND) / 1_000);
}

/** What a chat completion consumed and produced, for {@link chatUsage}. */
export interface ChatUsageInput {
  promptText: string;
  promptAudioMs: number;
  completionText: string;
  completionAudioMs: number;
}

/** The usage block of a chat completion, with the script's overrides merged in (details field by field). */
export function chatUsage(input: ChatUsageInput, override: Partial<CompletionUsage> = {}): CompletionUsage {
  const promptText = textTokens(input.promptText);
  const promptAudio = audioInTokens(input.promptAudioMs);
  const completionText = textTokens(input.completionText);
  const completionAudio = input.completionAudioMs > 0 ? audioOutTokens(input.completionAudioMs) : 0;
  const computed: CompletionUsage = {
    prompt_tokens: promptText + promptAudio,
    completion_tokens: completionText + completionAudio,
    total_tokens: promptText + promptAudio + completionText + completionAudio,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: promptAudio, text_tokens: promptText },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: completionAudio,
      text_tokens: completionText,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
  return {
    ...computed,
    ...override,
    prompt_tokens_details: { ...computed.prompt_tokens_details, ...override.prompt_tokens_details },
    completion_tokens_details: { ...computed.completion_tokens_details, ...override.completion_tokens_details },
  };
}

/** The usage of a speech request (`speech.audio.done`): text in, audio out. */
export function speechUsage(input: string, audioMs: number): {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
} {
  const inputTokens = textTokens(input);
  const outputTokens = audioOutTokens(audioMs);
  return { input_tokens: inputTokens, output_tokens: outputTokens, total_tokens: inputTokens + outputTokens };
}

/** The usage of a transcription: token based for gpt-4o-* models, duration based for whisper-1. */
export function transcriptionUsage(
  model: string,
  audioMs: number,
  text: string,
):
  | { type: 'duration'; seconds: number }
  | {
      type: 'tokens';
      input_tokens: number;
      input_token_details: { text_tokens: number; audio_tokens: number };
      output_tokens: number;
      total_tokens: number;
    } {
  if (model === 'whisper-1') return { type: 'duration', seconds: Math.ceil(audioMs / 1_000) };
  const audioTokens = audioInTokens(audioMs);
  const outputTokens = textTokens(text);
  return {
    type: 'tokens',
    input_tokens: audioTokens,
    input_token_details: { text_tokens: 0, audio_tokens: audioTokens },
    output_tokens: outputTokens,
    total_tokens: audioTokens + outputTokens,
  };
}
