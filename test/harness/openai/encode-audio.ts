/** Encodes the fake's 24 kHz mono pcm16 answers into the container formats the API returns. */
import { encodeOggOpus } from '../../../src/audio/ogg-opus.ts';
import { OPENAI_PCM_RATE_24K, encodeWavPcm16, pcm16ToBytesLE } from './audio-bytes.ts';

/** A fixed Ogg serial ("PARL") so the fake's output is byte-for-byte repeatable. */
const OGG_SERIAL = 0x5041_524c;

/** Formats the fake can encode: chat's `pcm16` and speech's `pcm` are the same raw s16le 24 kHz mono. */
export type FakeAudioFormat = 'pcm16' | 'pcm' | 'wav' | 'opus';

/** True when the fake can produce `format`. */
export function isFakeAudioFormat(format: string): format is FakeAudioFormat {
  return format === 'pcm16' || format === 'pcm' || format === 'wav' || format === 'opus';
}

/** The whole answer in `format`: raw s16le, a WAV file, or an Ogg Opus file. */
export function encodeAnswerAudio(pcm: Int16Array, format: FakeAudioFormat): Buffer {
  switch (format) {
    case 'pcm16':
    case 'pcm':
      return pcm16ToBytesLE(pcm);
    case 'wav':
      return encodeWavPcm16(pcm, OPENAI_PCM_RATE_24K, 1);
    case 'opus':
      return encodeOggOpus(pcm, OPENAI_PCM_RATE_24K, 1, { serial: OGG_SERIAL });
  }
}

/** The `content-type` the speech endpoint answers with for `format`. */
export function speechContentType(format: FakeAudioFormat): string {
  switch (format) {
    case 'pcm16':
    case 'pcm':
      return 'audio/pcm';
    case 'wav':
      return 'audio/wav';
    case 'opus':
      return 'audio/opus';
  }
}
