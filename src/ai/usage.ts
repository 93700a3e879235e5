/**
 * Token usage by kind, as reported by the API for each answer.
 */
import type { Transcription } from 'openai/resources/audio/transcriptions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { TokenUsage } from '../conversation/types.ts';

export function usageFromCompletion(usage: CompletionUsage): TokenUsage {
  const audioIn = usage.prompt_tokens_details?.audio_tokens ?? 0;
  const cachedIn = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const audioOut = usage.completion_tokens_details?.audio_tokens ?? 0;
  return {
    audioIn,
    cachedIn,
    textIn: usage.prompt_tokens_details?.text_tokens ?? Math.max(0, usage.prompt_tokens - audioIn),
    audioOut,
    textOut: usage.completion_tokens_details?.text_tokens ?? Math.max(0, usage.completion_tokens - audioOut),
  };
}

/**
 * Transcription models billed by the minute of audio rather than by tokens (OpenAI's pricing page:
 * whisper-1 $0.006, gpt-transcribe $0.0045). Another model reporting a duration is priced like whisper-1.
 */
export const TRANSCRIPTION_USD_PER_MINUTE: Readonly<Record<string, number>> = { 'whisper-1': 0.006, 'gpt-transcribe': 0.0045 };
const DEFAULT_USD_PER_MINUTE = 0.006;
/** Audio input tokens per second when a transcription reports no usage (about 1 per 100 ms, as billed). */
const ESTIMATED_AUDIO_TOKENS_PER_SECOND = 10;
const CHARS_PER_TEXT_TOKEN = 4;

/** What a transcription cost: its token counts, and dollars where it is billed by duration. */
export interface TranscriptionCost {
  tokens: TokenUsage;
  /** Set for duration-billed models; otherwise the price table decides. */
  costUsd?: number;
  /** The response reported no usage: the counts are estimated from the audio and the text. */
  estimated: boolean;
}

/**
 * Usage of `POST /v1/audio/transcriptions`: token based for gpt-4o-*-transcribe, duration based for
 * whisper-1; an estimate from the audio's length and the text when the response reports none.
 */
export function usageFromTranscription(model: string, usage: Transcription['usage'] | undefined, audioMs: number, text: string): TranscriptionCost {
  const perMinute = TRANSCRIPTION_USD_PER_MINUTE[model];
  if (usage?.type === 'tokens') {
    const audioIn = usage.input_token_details?.audio_tokens ?? usage.input_tokens;
    const textIn = usage.input_token_details?.text_tokens ?? Math.max(0, usage.input_tokens - audioIn);
    return { tokens: { textIn, audioIn, cachedIn: 0, textOut: usage.output_tokens, audioOut: 0 }, estimated: false };
  }
  const none: TokenUsage = { textIn: 0, audioIn: 0, cachedIn: 0, textOut: 0, audioOut: 0 };
  if (usage?.type === 'duration') return { tokens: none, costUsd: (usage.seconds / 60) * (perMinute ?? DEFAULT_USD_PER_MINUTE), estimated: false };
  if (perMinute !== undefined) return { tokens: none, costUsd: (audioMs / 60_000) * perMinute, estimated: true };
  return {
    tokens: { ...none, audioIn: Math.ceil((audioMs / 1_000) * ESTIMATED_AUDIO_TOKENS_PER_SECOND), textOut: Math.ceil(text.length / CHARS_PER_TEXT_TOKEN) },
    estimated: true,
  };
}
