/**
 * The `waveform` field of a Discord voice message attachment: base64 of up to 256 bytes,
 * one amplitude (0-255) per slice of the recording, drawn as bars by Discord clients.
 */

/** Discord clients send at most 256 waveform values. */
export const MAX_WAVEFORM_BYTES = 256;

/** RMS (about -30 dBFS) below which the loudest slice is not stretched to a full bar, so hiss stays low. */
const QUIETEST_FULL_BAR_RMS = 1_000;

/**
 * Computes the waveform of interleaved s16 `pcm`: the recording is cut into
 * min(256, frames) equal slices; each byte is the slice's RMS level, scaled so the loudest
 * slice is 255 (speech RMS is far below full scale, so unscaled bars would be nearly flat);
 * recordings quieter than about -30 dBFS are not stretched, so near-silence stays near 0.
 * Empty input yields one zero byte.
 */
export function voiceMessageWaveform(pcm: Int16Array, channels: number): string {
  if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`invalid channel count ${channels}`);
  const frames = Math.floor(pcm.length / channels);
  const sliceCount = Math.max(1, Math.min(MAX_WAVEFORM_BYTES, frames));
  const levels = new Float64Array(sliceCount);
  let loudest = 0;
  for (let slice = 0; slice < sliceCount; slice++) {
    const startFrame = Math.floor((slice * frames) / sliceCount);
    const endFrame = Math.floor(((slice + 1) * frames) / sliceCount);
    let sumSquares = 0;
    for (let i = startFrame * channels; i < endFrame * channels; i++) sumSquares += pcm[i]! * pcm[i]!;
    const values = (endFrame - startFrame) * channels;
    const rms = values > 0 ? Math.sqrt(sumSquares / values) : 0;
    levels[slice] = rms;
    if (rms > loudest) loudest = rms;
  }
  const bytes = Buffer.alloc(sliceCount);
  const fullBar = Math.max(loudest, QUIETEST_FULL_BAR_RMS);
  for (let slice = 0; slice < sliceCount; slice++) bytes[slice] = Math.round((levels[slice]! / fullBar) * 255);
  return bytes.toString('base64');
}
