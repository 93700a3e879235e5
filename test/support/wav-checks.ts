/**
 * What a member said against what reached the fake OpenAI as `input_audio`.
 */
import { OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { resampleMono } from '../../src/audio/resample-any-rate.ts';
import { parseWav } from '../../src/audio/wav.ts';
import { mixToMono, normalizedCrossCorrelation } from './compare.ts';

/** Compares a request's WAV with the 48 kHz stereo the member spoke: correlation and durations. */
export function compareSpokenWav(spoken48kStereo: Int16Array, wav: Buffer): { correlation: number; wavMs: number; spokenMs: number; sampleRate: number } {
  const parsed = parseWav(wav);
  const spoken = resampleMono(Int16Array.from(mixToMono(spoken48kStereo, 2), Math.round), 48_000, parsed.sampleRate);
  const mono = parsed.channels === 1 ? parsed.pcm : Int16Array.from(mixToMono(parsed.pcm, parsed.channels), Math.round);
  const { peak } = normalizedCrossCorrelation(spoken, mono, parsed.sampleRate / 10);
  return { correlation: peak, wavMs: parsed.durationMs, spokenMs: (spoken48kStereo.length / 2 / 48_000) * 1000, sampleRate: parsed.sampleRate ?? OPENAI_PCM_RATE };
}
