/**
 * Sample formats used across Parley and tiny conversions between them.
 *
 * OpenAI speaks "pcm16": 24 kHz, mono, signed 16-bit little-endian.
 * Discord voice is 48 kHz stereo Opus in 20 ms frames.
 */

/** Sample rate of OpenAI realtime/TTS pcm16 audio (mono). */
export const OPENAI_PCM_RATE = 24_000;
/** Sample rate of Discord voice (and of every Opus decoder output in Parley). */
export const DISCORD_PCM_RATE = 48_000;
/** Discord voice PCM is interleaved stereo. */
export const DISCORD_CHANNELS = 2;
/** Duration of one Discord voice (Opus) frame. */
export const FRAME_MS = 20;
/** Samples per channel in one 20 ms frame at 48 kHz. */
export const FRAME_SAMPLES_48K = 960;
/** Bytes of s16le interleaved stereo PCM in one 20 ms frame at 48 kHz. */
export const FRAME_BYTES_48K_STEREO = 3_840;
/** Int16 values (both channels) in one 20 ms frame at 48 kHz stereo. */
export const FRAME_VALUES_48K_STEREO = FRAME_SAMPLES_48K * DISCORD_CHANNELS;
/** Samples in one 20 ms frame of 24 kHz mono (the model's format, which Parley also encodes and decodes). */
export const FRAME_SAMPLES_24K_MONO = 480;

/** A PCM layout the Opus codec works in: libopus encodes from and decodes to any of 8/12/16/24/48 kHz. */
export interface PcmLayout {
  rate: number;
  channels: number;
}

/** Discord's own layout (what members' clients send; the fakes' listeners decode to it). */
export const STEREO_48K: PcmLayout = { rate: DISCORD_PCM_RATE, channels: DISCORD_CHANNELS };
/** The model's layout: answers are encoded from it and members' speech is decoded to it (no resampling). */
export const MONO_24K: PcmLayout = { rate: OPENAI_PCM_RATE, channels: 1 };

/** Int16 values in one 20 ms frame of `layout`. */
export function frameValues(layout: PcmLayout): number {
  return (layout.rate / 1_000) * FRAME_MS * layout.channels;
}

/** Typed arrays use the platform byte order; PCM on the wire is always little-endian. */
const PLATFORM_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Copies s16le bytes into a fresh Int16Array (never a view: the Buffer may sit at an odd
 * byteOffset inside Node's pool, and callers must not alias network buffers).
 * A trailing odd byte is ignored; use {@link Pcm16Assembler} for streams that split samples.
 */
export function bufferToInt16(buf: Uint8Array): Int16Array {
  const sampleCount = buf.byteLength >> 1;
  const out = new Int16Array(sampleCount);
  if (PLATFORM_IS_LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(buf.subarray(0, sampleCount * 2));
  } else {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (let i = 0; i < sampleCount; i++) out[i] = view.getInt16(i * 2, true);
  }
  return out;
}

/** Copies samples into a new s16le Buffer (safe to keep, send or mutate independently). */
export function int16ToBuffer(pcm: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(pcm.length * 2);
  if (PLATFORM_IS_LITTLE_ENDIAN) {
    out.set(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  } else {
    for (let i = 0; i < pcm.length; i++) out.writeInt16LE(pcm[i]!, i * 2);
  }
  return out;
}

/** Duplicates each mono sample into an interleaved L/R pair. */
export function monoToStereo(mono: Int16Array): Int16Array {
  const out = new Int16Array(mono.length * 2);
  for (let i = 0, j = 0; i < mono.length; i++, j += 2) {
    const s = mono[i]!;
    out[j] = s;
    out[j + 1] = s;
  }
  return out;
}

/**
 * Averages interleaved L/R pairs into mono (rounded half away from zero, so the
 * result of mixing identical channels is exactly that channel). A trailing unpaired value is dropped.
 */
export function stereoToMono(stereo: Int16Array): Int16Array {
  const out = new Int16Array(stereo.length >> 1);
  for (let i = 0, j = 0; i < out.length; i++, j += 2) {
    const sum = stereo[j]! + stereo[j + 1]!;
    // Averaging two int16 values can never leave the int16 range, so no clamp is needed.
    out[i] = sum >= 0 ? (sum + 1) >> 1 : -((-sum + 1) >> 1);
  }
  return out;
}

/**
 * Duration in milliseconds of `samples` interleaved values at `rate` with `channels` channels.
 * @example durationMs(3_840 / 2, 48_000, 2) === 20
 */
export function durationMs(samples: number, rate: number, channels: number): number {
  if (rate <= 0 || channels <= 0) throw new RangeError('rate and channels must be positive');
  return (samples / channels / rate) * 1000;
}
