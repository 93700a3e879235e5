/**
 * Voice names the OpenAI audio models accept (from the API spec's VoiceIdsOrCustomVoice), and the
 * parsing of a member-supplied voice: a built-in name, or a custom voice id (`voice_...`).
 */
import { UserError } from '../errors.ts';

export const BUILT_IN_VOICES = [
  'alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar', 'fable', 'nova', 'onyx',
] as const;

export type VoiceChoice = string | { id: string };

const CUSTOM_VOICE_ID = /^voice_[A-Za-z0-9_-]{1,64}$/;

/** Accepts a built-in voice name (any case) or a custom voice id; throws a UserError listing the names. */
export function parseVoice(input: string): VoiceChoice {
  const value = input.trim();
  const lower = value.toLowerCase();
  if ((BUILT_IN_VOICES as readonly string[]).includes(lower)) return lower;
  if (CUSTOM_VOICE_ID.test(value)) return { id: value };
  throw new UserError(`Unknown voice "${value.slice(0, 40)}". Choose one of: ${BUILT_IN_VOICES.join(', ')}, or a custom voice id (voice_...).`);
}

export function describeVoice(voice: VoiceChoice): string {
  return typeof voice === 'string' ? voice : `custom voice ${voice.id}`;
}
