/**
 * The file of a Discord voice message: Ogg Opus plus the duration and waveform Discord shows.
 */
import { OPENAI_PCM_RATE, bufferToInt16 } from './format.ts';
import { encodeOggOpus } from './ogg-opus.ts';
import { voiceMessageWaveform } from './waveform.ts';

/** A voice message ready to attach. */
export interface VoiceMessageFile {
  ogg: Buffer;
  durationSecs: number;
  /** Base64 amplitudes for the attachment's `waveform` field. */
  waveform: string;
}

/** Encodes pcm16 (24 kHz mono) as the Ogg Opus file Discord plays as a voice message. */
export function encodeVoiceMessageFile(pcm16: Buffer): VoiceMessageFile {
  const samples = bufferToInt16(pcm16);
  return {
    ogg: encodeOggOpus(samples, OPENAI_PCM_RATE, 1),
    durationSecs: Math.round((samples.length / OPENAI_PCM_RATE) * 100) / 100,
    waveform: voiceMessageWaveform(samples, 1),
  };
}
