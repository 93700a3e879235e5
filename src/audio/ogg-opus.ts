/**
 * Ogg Opus files (RFC 7845): the format of Discord voice messages. Encodes PCM with libopus
 * in 20 ms packets and decodes any mono/stereo Ogg Opus file to 48 kHz PCM.
 */
import { randomBytes } from 'node:crypto';
import { AudioFormatError } from './errors.ts';
import { DISCORD_PCM_RATE, FRAME_MS, bufferToInt16 } from './format.ts';
import { OGG_NO_GRANULE, readOggPackets, writeOggPages, type OggPacketToWrite } from './ogg.ts';
import { OPUS_ENCODER_LOOKAHEAD_48K, createNativeOpus } from './opus-codec.ts';
import { assertOpusTags, buildOpusHead, buildOpusTags, parseOpusHead } from './opus-head.ts';
import { opusPacketSamples48k } from './opus-packet.ts';

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

/** PCM decoded from an Ogg Opus file. */
export interface DecodedOggOpus {
  /** Interleaved s16 samples at 48 kHz. */
  pcm: Int16Array;
  sampleRate: 48_000;
  channels: 1 | 2;
  durationMs: number;
  /** Rate the audio had before encoding, from OpusHead (informational). */
  inputSampleRate: number;
  /** Packets that failed to decode and were replaced by silence. */
  corruptPackets: number;
  /** Whether the file ended mid-page or mid-packet. */
  truncated: boolean;
}

/**
 * Decodes a mono or stereo Ogg Opus file to 48 kHz PCM: drops the pre-skip, trims to the
 * final granule position, applies the header output gain. A packet that fails to decode
 * becomes silence of its duration.
 * @throws AudioFormatError when the file is not Ogg Opus, the headers are wrong, or no packet decodes.
 */
export function decodeOggOpus(buf: Buffer): DecodedOggOpus {
  const ogg = readOggPackets(buf);
  const head = parseOpusHead(ogg.packets[0]);
  assertOpusTags(ogg.packets[1]);
  const audioPackets = ogg.packets.slice(2);
  const audioGranules = ogg.granules.slice(2);
  if (audioPackets.length === 0) throw new AudioFormatError('That voice message has no audio.', 'no Opus audio packets');

  const channels = head.channels as 1 | 2;
  const decoder = createNativeOpus(DISCORD_PCM_RATE, channels);
  const chunks: Int16Array[] = [];
  let decodedSamples = 0;
  let goodPackets = 0;
  let corruptPackets = 0;
  let previousPacketSamples = PACKET_SAMPLES_48K;
  let startGranuleOffset: number | undefined;

  for (let i = 0; i < audioPackets.length; i++) {
    const packet = audioPackets[i]!;
    let chunk: Int16Array | null = null;
    // An empty packet would make libopus conceal 120 ms; treat it as a lost packet instead.
    if (packet.length > 0) {
      try {
        chunk = bufferToInt16(decoder.decode(packet));
        goodPackets++;
      } catch {
        chunk = null;
      }
    }
    if (chunk === null) {
      corruptPackets++;
      chunk = new Int16Array((opusPacketSamples48k(packet) ?? previousPacketSamples) * channels);
    }
    previousPacketSamples = chunk.length / channels;
    chunks.push(chunk);
    decodedSamples += chunk.length / channels;
    const granule = audioGranules[i]!;
    // The first granule tells whether the stream starts later than zero (e.g. cut from a live stream).
    if (startGranuleOffset === undefined && granule !== OGG_NO_GRANULE) {
      startGranuleOffset = Math.max(0, granule - decodedSamples);
    }
  }
  if (goodPackets === 0) throw new AudioFormatError('That voice message could not be decoded.', 'no Opus packet decoded');

  let frames = Math.max(0, decodedSamples - head.preSkip);
  if (ogg.lastGranule !== OGG_NO_GRANULE && !ogg.truncated) {
    const granuleFrames = ogg.lastGranule - (startGranuleOffset ?? 0) - head.preSkip;
    frames = Math.max(0, Math.min(frames, granuleFrames));
  }
  const pcm = new Int16Array(frames * channels);
  copyAfterSkip(chunks, head.preSkip * channels, pcm);
  if (head.outputGainQ8 !== 0) applyGain(pcm, 10 ** (head.outputGainQ8 / (20 * 256)));
  return {
    pcm,
    sampleRate: DISCORD_PCM_RATE,
    channels,
    durationMs: (frames / DISCORD_PCM_RATE) * 1000,
    inputSampleRate: head.inputSampleRate,
    corruptPackets,
    truncated: ogg.truncated,
  };
}

/** Concatenates `chunks` into `out`, skipping the first `skipValues` values. */
function copyAfterSkip(chunks: readonly Int16Array[], skipValues: number, out: Int16Array): void {
  let toSkip = skipValues;
  let written = 0;
  for (const chunk of chunks) {
    if (written >= out.length) break;
    const start = Math.min(toSkip, chunk.length);
    toSkip -= start;
    const piece = chunk.subarray(start, start + (out.length - written));
    out.set(piece, written);
    written += piece.length;
  }
}

function applyGain(pcm: Int16Array, gain: number): void {
  for (let i = 0; i < pcm.length; i++) {
    const v = Math.round(pcm[i]! * gain);
    pcm[i] = v > 32_767 ? 32_767 : v < -32_768 ? -32_768 : v;
  }
}
