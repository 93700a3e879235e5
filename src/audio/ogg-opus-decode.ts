/**
 * Decoding Ogg Opus files (RFC 7845) packet by packet: the duration is known from the pages before
 * the first packet is decoded, decoding stops at the end the granule positions give or at the
 * caller's limit, and no more than one packet's PCM exists at a time outside the caller's sink.
 */
import { AudioFormatError, AudioTooLongError } from './errors.ts';
import { DISCORD_PCM_RATE, bufferToInt16 } from './format.ts';
import { forEachOggPacket } from './ogg.ts';
import { scanOggOpus, type OggOpusScan } from './ogg-scan.ts';
import { createNativeOpus } from './opus-codec.ts';
import { assertOpusTags } from './opus-head.ts';
import { opusPacketSamples48k } from './opus-packet.ts';
import { CappedPcmSink } from './pcm-sink.ts';

/** Samples per channel at 48 kHz in a 20 ms packet: the guess for a lost packet with no readable TOC. */
const DEFAULT_PACKET_SAMPLES_48K = 960;

/** Facts about a streamed decode. */
export interface OggOpusStreamInfo {
  channels: 1 | 2;
  /** Frames (48 kHz) handed to the sink. */
  frames: number;
  /** Rate the audio had before encoding, from OpusHead (informational). */
  inputSampleRate: number;
  /** Packets that failed to decode and were replaced by silence. */
  corruptPackets: number;
  /** Whether the file ended mid-page or mid-packet. */
  truncated: boolean;
}

/** Options for {@link streamOggOpus}. */
export interface StreamOggOpusOptions {
  /** Refuse (AudioTooLongError) audio longer than this many 48 kHz frames, before decoding it. */
  maxFrames?: number;
  /** The file's page walk, when the caller already has it. */
  scan?: OggOpusScan;
}

/**
 * Decodes a mono or stereo Ogg Opus file to 48 kHz interleaved PCM, handed to `onPcm` a packet at
 * a time (a fresh array each call): the pre-skip dropped, trimmed at the final granule position,
 * the header output gain applied. A packet that fails to decode becomes silence of its duration.
 * @throws AudioTooLongError when the pages (or, for lying pages, the decoded packets) pass `maxFrames`.
 * @throws AudioFormatError when the file is not Ogg Opus, the headers are wrong, or no packet decodes.
 */
export function streamOggOpus(buf: Buffer, onPcm: (pcm: Int16Array) => void, options: StreamOggOpusOptions = {}): OggOpusStreamInfo {
  const scan = options.scan ?? scanOggOpus(buf);
  const maxFrames = options.maxFrames ?? Number.POSITIVE_INFINITY;
  if (scan.frames > maxFrames) throw new AudioTooLongError((scan.frames / DISCORD_PCM_RATE) * 1000, `Ogg pages give ${scan.frames} frames`);
  const { head } = scan;
  const channels = head.channels as 1 | 2;
  const endFrame = scan.granuleFrames ?? Number.POSITIVE_INFINITY;
  const gain = head.outputGainQ8 === 0 ? 1 : 10 ** (head.outputGainQ8 / (20 * 256));
  const decoder = createNativeOpus(DISCORD_PCM_RATE, channels);
  let packetIndex = 0;
  let toSkip = head.preSkip;
  let frames = 0;
  let goodPackets = 0;
  let corruptPackets = 0;
  let previousPacketSamples = DEFAULT_PACKET_SAMPLES_48K;

  const end = forEachOggPacket(buf, (packet) => {
    const index = packetIndex++;
    if (index === 1) assertOpusTags(packet);
    if (index < 2) return;
    // Past the end the pages give, nothing more is read (one packet is decoded, to tell a file that decodes at all).
    if (frames >= endFrame && goodPackets > 0) return false;
    let pcm: Int16Array | null = null;
    // An empty packet would make libopus conceal 120 ms; treat it as a lost packet instead.
    if (packet.length > 0) {
      try {
        pcm = bufferToInt16(decoder.decode(packet));
        goodPackets++;
      } catch {
        pcm = null;
      }
    }
    if (pcm === null) {
      corruptPackets++;
      pcm = new Int16Array((opusPacketSamples48k(packet) ?? previousPacketSamples) * channels);
    }
    previousPacketSamples = pcm.length / channels;
    const skipped = Math.min(toSkip, previousPacketSamples);
    toSkip -= skipped;
    const take = Math.min(previousPacketSamples - skipped, endFrame - frames);
    if (take <= 0) return;
    // Pages can understate what their packets hold; the limit holds for what is decoded.
    if (frames + take > maxFrames) throw new AudioTooLongError(((frames + take) / DISCORD_PCM_RATE) * 1000, 'decoded past the limit');
    const out = pcm.subarray(skipped * channels, (skipped + take) * channels);
    if (gain !== 1) applyGain(out, gain);
    frames += take;
    onPcm(out);
  });
  if (packetIndex < 3) throw new AudioFormatError('That voice message has no audio.', 'no Opus audio packets');
  if (goodPackets === 0) throw new AudioFormatError('That voice message could not be decoded.', 'no Opus packet decoded');
  return { channels, frames, inputSampleRate: head.inputSampleRate, corruptPackets, truncated: end.truncated || scan.truncated };
}

/** PCM decoded from an Ogg Opus file. */
export interface DecodedOggOpus extends OggOpusStreamInfo {
  /** Interleaved s16 samples at 48 kHz. */
  pcm: Int16Array;
  sampleRate: 48_000;
  durationMs: number;
}

/**
 * Decodes a whole mono or stereo Ogg Opus file to 48 kHz PCM in memory; see {@link streamOggOpus}.
 * @throws AudioFormatError when the file is not Ogg Opus, the headers are wrong, or no packet decodes.
 */
export function decodeOggOpus(buf: Buffer, options: StreamOggOpusOptions = {}): DecodedOggOpus {
  // streamOggOpus enforces the limit; the sink only has to grow without a list of chunks.
  const sink = new CappedPcmSink(Number.MAX_SAFE_INTEGER);
  const info = streamOggOpus(buf, (pcm) => sink.push(pcm), options);
  const pcm = sink.view();
  return { ...info, pcm, sampleRate: DISCORD_PCM_RATE, durationMs: (info.frames / DISCORD_PCM_RATE) * 1000 };
}

function applyGain(pcm: Int16Array, gain: number): void {
  for (let i = 0; i < pcm.length; i++) {
    const v = Math.round(pcm[i]! * gain);
    pcm[i] = v > 32_767 ? 32_767 : v < -32_768 ? -32_768 : v;
  }
}
