/**
 * Ogg page layer (RFC 3533): reads the packets of one logical bitstream, writes packets
 * into CRC-protected pages. Codec-agnostic; see ogg-opus.ts for the Opus mapping.
 */
import { AudioFormatError } from './errors.ts';

const CAPTURE_PATTERN = 0x4f_67_67_53; // "OggS" read big-endian
const PAGE_HEADER_BYTES = 27;
const MAX_SEGMENTS_PER_PAGE = 255;
const FLAG_CONTINUED = 0x01;
const FLAG_BOS = 0x02;
const FLAG_EOS = 0x04;
/** Granule position meaning "no packet finishes on this page". */
export const OGG_NO_GRANULE = -1;

const CRC_TABLE = buildCrcTable();
const ZERO_CRC_FIELD = new Uint8Array(4);

function buildCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let bit = 0; bit < 8; bit++) r = r & 0x80_00_00_00 ? (r << 1) ^ 0x04_c1_1d_b7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
}

/** Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, initial value 0, no final xor. */
export function oggCrc32(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  let crc = initial;
  for (let i = start; i < end; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ bytes[i]!) & 0xff]!) >>> 0;
  return crc;
}

/** The packets of one logical bitstream, in order. */
export interface OggReadResult {
  /** Serial number of the stream that was read (the first one that began in the file). */
  serial: number;
  /** Complete packets. */
  packets: Buffer[];
  /**
   * Parallel to `packets`: the page granule position when the packet is the last one
   * completed on its page (Ogg semantics), otherwise {@link OGG_NO_GRANULE}.
   */
  granules: number[];
  /** Granule position of the last page that completed a packet ({@link OGG_NO_GRANULE} if none). */
  lastGranule: number;
  /** Whether an end-of-stream page was seen. */
  eos: boolean;
  /** Whether the data ended mid-page or mid-packet (the incomplete packet was dropped). */
  truncated: boolean;
}

/**
 * Reads every packet of the first logical stream in `buf`, verifying each page's CRC.
 * Pages of other multiplexed streams are checked and skipped. A truncated final page is
 * tolerated: its bytes cannot be CRC-checked, so it and any packet it would finish are
 * dropped and `truncated` is set.
 * @throws AudioFormatError on a bad capture pattern, a CRC mismatch, or no complete page.
 */
export function readOggPackets(buf: Buffer): OggReadResult {
  const result: OggReadResult = { serial: 0, packets: [], granules: [], lastGranule: OGG_NO_GRANULE, eos: false, truncated: false };
  let serial: number | undefined; // of the first page: the stream we read
  let partial: Buffer[] = [];
  let expectedSequence = -1;
  let completePages = 0;
  let offset = 0;

  while (offset < buf.length) {
    if (buf.length - offset < PAGE_HEADER_BYTES) {
      if (completePages === 0) throw truncatedError(offset);
      result.truncated = true;
      break;
    }
    if (buf.readUInt32BE(offset) !== CAPTURE_PATTERN || buf[offset + 4] !== 0) {
      throw new AudioFormatError('That file is not a valid Ogg file.', `no OggS version 0 page at byte ${offset}`);
    }
    const segmentCount = buf[offset + 26]!;
    const headerBytes = PAGE_HEADER_BYTES + segmentCount;
    let bodyBytes = 0;
    if (buf.length - offset >= headerBytes) {
      for (let i = 0; i < segmentCount; i++) bodyBytes += buf[offset + PAGE_HEADER_BYTES + i]!;
    }
    const pageEnd = offset + headerBytes + bodyBytes;
    if (buf.length - offset < headerBytes || pageEnd > buf.length) {
      if (completePages === 0) throw truncatedError(offset);
      result.truncated = true;
      break;
    }
    verifyCrc(buf, offset, pageEnd);
    completePages++;

    const flags = buf[offset + 5]!;
    const pageSerial = buf.readUInt32LE(offset + 14);
    serial ??= result.serial = pageSerial;
    if (pageSerial !== serial) {
      offset = pageEnd;
      continue;
    }

    const sequence = buf.readUInt32LE(offset + 18);
    const granule = Number(buf.readBigInt64LE(offset + 6));
    // A lost page or a page that does not continue our partial packet breaks that packet.
    const continuityBroken = (expectedSequence >= 0 && sequence !== expectedSequence) || (flags & FLAG_CONTINUED) === 0;
    if (continuityBroken && partial.length > 0) partial = [];
    const skipLeadingContinuation = (flags & FLAG_CONTINUED) !== 0 && partial.length === 0;
    expectedSequence = (sequence + 1) >>> 0;

    let bodyOffset = offset + headerBytes;
    let segmentStart = bodyOffset;
    let lastCompletedIndex = -1;
    let dropping = skipLeadingContinuation;
    for (let i = 0; i < segmentCount; i++) {
      const lacing = buf[offset + PAGE_HEADER_BYTES + i]!;
      bodyOffset += lacing;
      if (lacing === 255) continue;
      if (!dropping) {
        partial.push(buf.subarray(segmentStart, bodyOffset));
        result.packets.push(partial.length === 1 ? Buffer.from(partial[0]!) : Buffer.concat(partial));
        result.granules.push(OGG_NO_GRANULE);
        lastCompletedIndex = result.packets.length - 1;
      }
      partial = [];
      dropping = false;
      segmentStart = bodyOffset;
    }
    if (segmentStart < bodyOffset && !dropping) partial.push(buf.subarray(segmentStart, bodyOffset));
    if (lastCompletedIndex >= 0 && granule !== OGG_NO_GRANULE) {
      result.granules[lastCompletedIndex] = granule;
      result.lastGranule = granule;
    }
    if (flags & FLAG_EOS) {
      result.eos = true;
      break;
    }
    offset = pageEnd;
  }
  if (partial.length > 0) result.truncated = true;
  return result;
}

function verifyCrc(buf: Buffer, pageStart: number, pageEnd: number): void {
  const stored = buf.readUInt32LE(pageStart + 22);
  // The CRC is computed with its own field zeroed: feed four zero bytes in its place.
  let computed = oggCrc32(buf, pageStart, pageStart + 22);
  computed = oggCrc32(ZERO_CRC_FIELD, 0, 4, computed);
  computed = oggCrc32(buf, pageStart + 26, pageEnd, computed);
  if (computed !== stored) {
    throw new AudioFormatError('That audio file is corrupted.', `Ogg CRC mismatch in page at byte ${pageStart}`);
  }
}

function truncatedError(offset: number): AudioFormatError {
  return new AudioFormatError('That audio file is incomplete.', `Ogg data truncated at byte ${offset}`);
}

/** One packet to write. */
export interface OggPacketToWrite {
  data: Uint8Array;
  /** Granule position at the end of this packet (written on the page where it is the last to finish). */
  granule: number;
  /** End the page right after this packet (Ogg Opus needs this after each header packet). */
  flushPageAfter?: boolean;
}

/** Options for {@link writeOggPages}. */
export interface OggWriteOptions {
  serial: number;
  /** Target page body size; pages close at the first packet boundary past it. Default 4_096. */
  targetPageBytes?: number;
  /** Mark the final page end-of-stream. Default true. */
  endOfStream?: boolean;
}

/**
 * Lays packets out in Ogg pages (lacing, continuation across pages, BOS on the first page,
 * EOS on the last, granule and CRC on each) and returns the concatenated pages.
 */
export function writeOggPages(packets: readonly OggPacketToWrite[], options: OggWriteOptions): Buffer {
  const targetPageBytes = options.targetPageBytes ?? 4_096;
  const pages: Buffer[] = [];
  let segments: number[] = [];
  let bodyParts: Uint8Array[] = [];
  let bodyBytes = 0;
  let pageGranule = OGG_NO_GRANULE;
  let currentPageContinues = false;

  const emitPage = (isLast: boolean, nextPageContinues: boolean): void => {
    let flags = currentPageContinues ? FLAG_CONTINUED : 0;
    if (pages.length === 0) flags |= FLAG_BOS;
    if (isLast && (options.endOfStream ?? true)) flags |= FLAG_EOS;
    pages.push(buildPage(flags, pageGranule, options.serial, pages.length, segments, bodyParts, bodyBytes));
    segments = [];
    bodyParts = [];
    bodyBytes = 0;
    pageGranule = OGG_NO_GRANULE;
    currentPageContinues = nextPageContinues;
  };

  for (let packetIndex = 0; packetIndex < packets.length; packetIndex++) {
    const packet = packets[packetIndex]!;
    let readOffset = 0;
    // A packet of length L is laced as floor(L / 255) segments of 255 plus one final segment < 255 (maybe 0).
    for (;;) {
      if (segments.length === MAX_SEGMENTS_PER_PAGE) emitPage(false, true);
      const segment = Math.min(255, packet.data.length - readOffset);
      segments.push(segment);
      bodyParts.push(packet.data.subarray(readOffset, readOffset + segment));
      bodyBytes += segment;
      readOffset += segment;
      if (segment < 255) break;
    }
    pageGranule = packet.granule;
    const isLastPacket = packetIndex === packets.length - 1;
    if (isLastPacket || packet.flushPageAfter || bodyBytes >= targetPageBytes || segments.length === MAX_SEGMENTS_PER_PAGE) {
      emitPage(isLastPacket, false);
    }
  }
  if (packets.length === 0) emitPage(true, false);
  return Buffer.concat(pages);
}

function buildPage(
  flags: number,
  granule: number,
  serial: number,
  sequence: number,
  segments: readonly number[],
  bodyParts: readonly Uint8Array[],
  bodyBytes: number,
): Buffer {
  const page = Buffer.alloc(PAGE_HEADER_BYTES + segments.length + bodyBytes);
  page.write('OggS', 0, 'latin1');
  page[4] = 0; // stream structure version
  page[5] = flags;
  page.writeBigInt64LE(BigInt(granule), 6);
  page.writeUInt32LE(serial >>> 0, 14);
  page.writeUInt32LE(sequence >>> 0, 18);
  page[26] = segments.length;
  segments.forEach((lacing, i) => (page[PAGE_HEADER_BYTES + i] = lacing));
  let offset = PAGE_HEADER_BYTES + segments.length;
  for (const part of bodyParts) {
    page.set(part, offset);
    offset += part.length;
  }
  page.writeUInt32LE(oggCrc32(page), 22);
  return page;
}
