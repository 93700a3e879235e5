/**
 * The one place that touches the @discordjs/opus native binding, plus the libopus CTL
 * numbers Parley uses. The binding exposes a single `OpusEncoder` class that also decodes.
 */
import opus from '@discordjs/opus';

/** Native libopus encoder+decoder for one rate/channel layout. */
export type NativeOpus = InstanceType<typeof opus.OpusEncoder>;

/** libopus request numbers (opus_defines.h) for `applyEncoderCTL`. Only setters: getters would need a pointer. */
export const OPUS_CTL = {
  SET_BITRATE: 4_002,
  SET_COMPLEXITY: 4_010,
  SET_INBAND_FEC: 4_012,
  SET_PACKET_LOSS_PERC: 4_014,
  SET_SIGNAL: 4_024,
} as const;

/** Values for `OPUS_CTL.SET_SIGNAL`. */
export const OPUS_SIGNAL_VOICE = 3_001;

/**
 * Encoder delay of libopus in 48 kHz samples (Fs/400 + Fs/250 = 2.5 ms + 4 ms), constant for
 * the AUDIO application the binding uses at every sample rate; it is the Ogg Opus pre-skip.
 */
export const OPUS_ENCODER_LOOKAHEAD_48K = 312;

/** Creates a native codec instance (encoder and decoder are created lazily on first use). */
export function createNativeOpus(sampleRate: number, channels: number): NativeOpus {
  return new opus.OpusEncoder(sampleRate, channels);
}
