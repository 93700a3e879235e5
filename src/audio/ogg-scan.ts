/**
 * The duration of an Ogg Opus file from its pages alone, before any decoding: one linear pass over
 * the page headers and lacing values, reading each packet's TOC byte but copying nothing and
 * skipping the CRC (the decoder checks it), so even a file of a million tiny pages costs
 * milliseconds and no memory beyond the file.
 */
import { AudioFormatError } from './errors.ts';
import { CAPTURE_PATTERN, FLAG_CONTINUED, FLAG_EOS, OGG_NO_GRANULE, PAGE_HEADER_BYTES, readGranule } from './ogg-format.ts';
import { parseOpusHead, type OpusHead } from './opus-head.ts';
import { opusPacketSamplesAt } from './opus-packet.ts';

/** Ogg Opus granule positions and packet durations always count 48 kHz samples. */
const GRANULE_RATE = 48_000;
/** OpusHead and OpusTags come before the first audio packet. */
const HEADER_PACKETS = 2;

/** What the page walk learned. */
export interface OggOpusScan {
  head: OpusHead;
  /**
   * Frames (48 kHz) the file plays for: from its last granule position when the file is complete,
   * else from the packets counted. This is what the decoder outputs.
   */
  frames: number;
  durationMs: number;
  /** Frames the audio packets hold by their TOC bytes, minus the pre-skip, whatever the granules say. */
  countedFrames: number;
  /** The granule at which the stream starts (above 0 when cut from a live stream). */
  startGranule: number;
  /** Frames by the last granule position, when the file is complete and has one. */
  granuleFrames: number | undefined;
  truncated: boolean;
  pages: number;
}

/**
 * Walks the pages of the first logical stream of an Ogg Opus file.
 * @throws AudioFormatError when the file is not Ogg, its first packet is not a usable OpusHead,
 * or it has no audio packet.
 */
export function scanOggOpus(buf: Buffer): OggOpusScan {
  let serial: number | undefined;
  let offset = 0;
  let pages = 0;
  let packets = 0;
  let head: OpusHead | undefined;
  let inPacket = false; // the previous page ended inside a packet
  let countedSamples = 0;
  let samplesAtFirstGranule = -1;
  let firstGranule = OGG_NO_GRANULE;
  let lastGranule = OGG_NO_GRANULE;
  let truncated = false;

  while (offset < buf.length) {
    if (buf.length - offset < PAGE_HEADER_BYTES) {
      truncated = true;
      break;
    }
    if (buf.readUInt32BE(offset) !== CAPTURE_PATTERN || buf[offset + 4] !== 0) {
      throw new AudioFormatError('That file is not a valid Ogg file.', `no OggS version 0 page at byte ${offset}`);
    }
    const segmentCount = buf[offset + 26]!;
    const lacingStart = offset + PAGE_HEADER_BYTES;
    const bodyStart = lacingStart + segmentCount;
    if (bodyStart > buf.length) {
      truncated = true;
      break;
    }
    let bodyBytes = 0;
    for (let i = 0; i < segmentCount; i++) bodyBytes += buf[lacingStart + i]!;
    const pageEnd = bodyStart + bodyBytes;
    if (pageEnd > buf.length) {
      truncated = true;
      break;
    }
    pages++;
    const pageSerial = buf.readUInt32LE(offset + 14);
    serial ??= pageSerial;
    if (pageSerial !== serial) {
      offset = pageEnd;
      continue;
    }
    const flags = buf[offset + 5]!;
    // A page that does not continue the packet in progress leaves that packet broken (and uncounted).
    if ((flags & FLAG_CONTINUED) === 0) inPacket = false;
    let completedHere = 0;
    let position = bodyStart;
    for (let i = 0; i < segmentCount; i++) {
      const lacing = buf[lacingStart + i]!;
      if (!inPacket) {
        if (packets === 0) head = parseOpusHead(buf.subarray(position, pageEnd));
        else if (packets >= HEADER_PACKETS && lacing > 0) countedSamples += opusPacketSamplesAt(buf, position, pageEnd) ?? 0;
      }
      position += lacing;
      inPacket = lacing === 255;
      if (!inPacket) {
        packets++;
        completedHere++;
      }
    }
    const granule = readGranule(buf, offset);
    if (completedHere > 0 && granule !== OGG_NO_GRANULE && packets > HEADER_PACKETS) {
      if (firstGranule === OGG_NO_GRANULE) {
        firstGranule = granule;
        samplesAtFirstGranule = countedSamples;
      }
      lastGranule = granule;
    }
    offset = pageEnd;
    if (flags & FLAG_EOS) break;
  }
  if (!head) throw new AudioFormatError('That audio file is not Opus.', 'first Ogg packet is not OpusHead');
  if (packets <= HEADER_PACKETS) throw new AudioFormatError('That voice message has no audio.', 'no Opus audio packets');
  truncated ||= inPacket;
  const startGranule = firstGranule === OGG_NO_GRANULE ? 0 : Math.max(0, firstGranule - samplesAtFirstGranule);
  const countedFrames = Math.max(0, countedSamples - head.preSkip);
  const granuleFrames = lastGranule !== OGG_NO_GRANULE && !truncated ? Math.max(0, lastGranule - startGranule - head.preSkip) : undefined;
  const frames = Math.min(countedFrames, granuleFrames ?? countedFrames);
  return { head, frames, durationMs: (frames / GRANULE_RATE) * 1000, countedFrames, startGranule, granuleFrames, truncated, pages };
}
