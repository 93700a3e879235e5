/**
 * Reads an Opus packet's TOC byte (RFC 6716 section 3.1) without decoding it, so a packet
 * that fails to decode can still be replaced by silence of the right length.
 */

/** Frame duration in 48 kHz samples for each of the 32 TOC configurations. */
const FRAME_SAMPLES_BY_CONFIG: readonly number[] = [
  // SILK-only NB/MB/WB: 10, 20, 40, 60 ms
  480, 960, 1_920, 2_880, 480, 960, 1_920, 2_880, 480, 960, 1_920, 2_880,
  // Hybrid SWB/FB: 10, 20 ms
  480, 960, 480, 960,
  // CELT-only NB/WB/SWB/FB: 2.5, 5, 10, 20 ms
  120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960,
];

/** Longest legal Opus packet: 120 ms. */
const MAX_PACKET_SAMPLES_48K = 5_760;

/**
 * Samples per channel at 48 kHz that `packet` decodes to, or null when its TOC is malformed
 * (empty packet, code-3 packet without a frame count, or longer than 120 ms).
 */
export function opusPacketSamples48k(packet: Uint8Array): number | null {
  return opusPacketSamplesAt(packet, 0, packet.length);
}

/** {@link opusPacketSamples48k} for the packet at `buf[start, end)`, without making a view of it. */
export function opusPacketSamplesAt(buf: Uint8Array, start: number, end: number): number | null {
  if (start >= end) return null;
  const toc = buf[start]!;
  const frameSamples = FRAME_SAMPLES_BY_CONFIG[toc >> 3]!;
  const code = toc & 0x03;
  let frameCount: number;
  if (code === 0) frameCount = 1;
  else if (code === 1 || code === 2) frameCount = 2;
  else {
    if (start + 1 >= end) return null;
    frameCount = buf[start + 1]! & 0x3f;
  }
  const total = frameSamples * frameCount;
  if (total === 0 || total > MAX_PACKET_SAMPLES_48K) return null;
  return total;
}
