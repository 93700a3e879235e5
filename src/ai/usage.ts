/**
 * Token usage by kind, as reported by the API for each answer.
 */
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
