/** The /talk modes as slash-command choices, and reading them back. */
import type { TalkMode } from '../conversation/types.ts';

export const TALK_MODE_CHOICES = [
  { name: 'all: answer everything', value: 'all' },
  { name: 'addressed: only what is said to Parley', value: 'addressed' },
] as const;

/** A mode from an option value; undefined for none or an unknown value (a stale command). */
export function parseTalkMode(value: string | null | undefined): TalkMode | undefined {
  return value === 'all' || value === 'addressed' ? value : undefined;
}
