/**
 * Ogg Opus files (RFC 7845): the format of Discord voice messages. Encodes PCM with libopus
 * in 20 ms packets; decoding is in ogg-opus-decode.ts.
 */
import { randomBytes } from 'node:crypto';
import { DISCORD_PCM_RATE, FRAME_MS } from './format.ts';
import { writeOggPages, type OggPacketToWrite } from './ogg.ts';
import { OPUS_ENCODER_LOOKAHEAD_48K, createNativeOpus } from './opus-codec.ts';
import { buildOpusHead, buildOpusTags } from './opus-head.ts';

export { decodeOggOpus, streamOggOpus, type DecodedOggOpus, type OggOpusStreamInfo } from './ogg-opus-decode.ts';

/** Samples per channel at 48 kHz in one 20 ms packet: Ogg Opus granules always count at 48 kHz. */
const PACKET_SAMPLES_48K = (DISCORD_PCM_RATE * FRAME_MS) / 1000;
const VENDOR = 'Parley (libopus via @discordjs/opus)';
/** Audio packets per Ogg page (0.5 s): small pages keep most of a cut-off file decodable. */
const PACKETS_PER_PAGE = 25;

/** Options for {@link encodeOggOpus}. */
export interface EncodeOggOpusOptions {
  /** Target bitrate in bits/s. Default 32_000 per channel. */
  bitrate?: number;
  /** Ogg stream serial number. Default random, as RFC 3533 recommends. */
  serial?: number;
}

/**
 * Encodes interleaved PCM into an Ogg Opus file: OpusHead (pre-skip = encoder lookahead)
 * and OpusTags pages, then 20 ms packets with granule positions in 48 kHz units; the EOS
 * page's granule trims the zero padding so the decoded length equals the input length.
 * @param pcm interleaved s16 samples at `sampleRate`
 */
export function encodeOggOpus(
  pcm: Int16Array,
  sampleRate: 24_000 | 48_000,
  channels: 1 | 2,
  options: EncodeOggOpusOptions = {},
): Buffer {
  if (sampleRate !== 24_000 && sampleRate !== 48_000) throw new RangeError(`unsupported sample rate ${String(sampleRate)}`);
  if (channels !== 1 && channels !== 2) throw new RangeError(`unsupported channel count ${String(channels)}`);
  if (pcm.length % channels !== 0) throw new RangeError('pcm length is not a whole number of frames');

  const encoder = createNativeOpus(sampleRate, channels);
  encoder.setBitrate(options.bitrate ?? 32_000 * channels);
  const rateFactor = DISCORD_PCM_RATE / sampleRate;
  const inputFrames = pcm.length / channels;
  // The encoder delays its output by the lookahead, so feed enough (zero-padded) packets to flush it out.
  const finalGranule = OPUS_ENCODER_LOOKAHEAD_48K + inputFrames * rateFactor;
  const packetCount = Math.max(1, Math.ceil(finalGranule / PACKET_SAMPLES_48K));
  const valuesPerPacket = (PACKET_SAMPLES_48K / rateFactor) * channels;

  const packets: OggPacketToWrite[] = [
    { data: buildOpusHead(channels, OPUS_ENCODER_LOOKAHEAD_48K, sampleRate), granule: 0, flushPageAfter: true },
    { data: buildOpusTags(VENDOR), granule: 0, flushPageAfter: true },
  ];
  // One reusable, zero-filled, even-aligned frame buffer handed to the native encoder.
  const frameBytes = Buffer.alloc(valuesPerPacket * 2);
  const frame = new Int16Array(frameBytes.buffer, frameBytes.byteOffset, valuesPerPacket);
  for (let i = 0; i < packetCount; i++) {
    const start = i * valuesPerPacket;
    const chunk = pcm.subarray(start, Math.min(start + valuesPerPacket, pcm.length));
    frame.set(chunk);
    if (chunk.length < valuesPerPacket) frame.fill(0, chunk.length);
    const isLast = i === packetCount - 1;
    packets.push({
      data: encoder.encode(frameBytes),
      granule: isLast ? finalGranule : (i + 1) * PACKET_SAMPLES_48K,
      flushPageAfter: (i + 1) % PACKETS_PER_PAGE === 0,
    });
  }
  const serial = options.serial ?? randomBytes(4).readUInt32LE(0);
  return writeOggPages(packets, { serial });
}
