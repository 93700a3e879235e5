/**
 * Comparisons that end-to-end audio tests share: what the fake voice server heard against the
 * scripted 24 kHz mono answer.
 */
import { OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { resampleMono } from '../../src/audio/resample-any-rate.ts';
import { activeDurationMs, mixToMono, normalizedCrossCorrelation } from './compare.ts';

export interface Match {
  correlation: number;
  durationMs: number;
  expectedMs: number;
}

/** Compares 48 kHz stereo heard audio with the 24 kHz mono reference (correlation, active duration). */
export function compareHeard(reference24kMono: Int16Array, heard48kStereo: Int16Array): Match {
  const heard = resampleMono(Int16Array.from(mixToMono(heard48kStereo, 2), Math.round), 48_000, OPENAI_PCM_RATE);
  const { peak } = normalizedCrossCorrelation(reference24kMono, heard, 2_400);
  return {
    correlation: peak,
    durationMs: activeDurationMs(heard, OPENAI_PCM_RATE, 1),
    expectedMs: activeDurationMs(reference24kMono, OPENAI_PCM_RATE, 1),
  };
}
