import opus from '@discordjs/opus';

/** Discord voice is always 48 kHz stereo. */
export const SAMPLE_RATE_HZ = 48_000;
export const CHANNELS = 2;
/** Interleaved 16-bit samples in one 20 ms stereo frame (960 per channel). */
export const SAMPLES_PER_STEREO_FRAME = 1_920;

/** A libopus encoder+decoder (the same native binding @discordjs/voice uses) for 48 kHz stereo. */
export type OpusCodec = InstanceType<typeof opus.OpusEncoder>;

/** A fresh 48 kHz stereo Opus codec. */
export function createOpusCodec(): OpusCodec {
  return new opus.OpusEncoder(SAMPLE_RATE_HZ, CHANNELS);
}

/** Copies s16le bytes into an Int16Array (copy: Buffers from the pool may be unaligned). */
export function pcmBytesToSamples(bytes: Buffer): Int16Array {
  const samples = new Int16Array(bytes.length / 2);
  for (let i = 0; i < samples.length; i += 1) samples[i] = bytes.readInt16LE(i * 2);
  return samples;
}

/** Int16 samples as s16le bytes, what the Opus binding encodes. */
export function samplesToPcmBytes(samples: Int16Array): Buffer {
  const bytes = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i += 1) bytes.writeInt16LE(samples[i]!, i * 2);
  return bytes;
}
