/**
 * Ogg page layer (RFC 3533): reads the packets of one logical bitstream, writes packets
 * into CRC-protected pages. Codec-agnostic; see ogg-opus.ts for the Opus mapping.
 */
import { AudioFormatError } from './errors.ts';
import { CAPTURE_PATTERN, FLAG_CONTINUED, FLAG_EOS, OGG_NO_GRANULE, PAGE_HEADER_BYTES, oggCrc32, readGranule } from './ogg-format.ts';

export { OGG_NO_GRANULE, oggCrc32 } from './ogg-format.ts';
export { writeOggPages, type OggPacketToWrite, type OggWriteOptions } from './ogg-write.ts';

const ZERO_CRC_FIELD = new Uint8Array(4);

/** How a read of one logical bitstream ended. */
export interface OggStreamEnd {
  /** Serial number of the stream that was read (the first one that began in the file). */
  serial: number;
  /** Granule position of the last page that completed a packet ({@link OGG_NO_GRANULE} if none). */
  lastGranule: number;
  /** Whether an end-of-stream page was seen. */
  eos: boolean;
  /** Whether the data ended mid-page or mid-packet (the incomplete packet was dropped). */
  truncated: boolean;
}

/** The packets of one logical bitstream, in order. */
export interface OggReadResult extends OggStreamEnd {
  /** Complete packets. */
  packets: Buffer[];
  /**
   * Parallel to `packets`: the page granule position when the packet is the last one
   * completed on its page (Ogg semantics), otherwise {@link OGG_NO_GRANULE}.
   */
  granules: number[];
}

/**
 * Called for each complete packet in order; `granule` is the page's granule position when the
 * packet is the last one completed on its page, else {@link OGG_NO_GRANULE}. A packet that lies
 * within one page is a view into the file, not a copy. Returning false stops the read after
 * this page; throwing stops it at once.
 */
export type OggPacketHandler = (packet: Buffer, granule: number) => boolean | void;

/**
 * Reads every packet of the first logical stream in `buf` into memory; see {@link forEachOggPacket}.
 * @throws AudioFormatError on a bad capture pattern, a CRC mismatch, or no complete page.
 */
export function readOggPackets(buf: Buffer): OggReadResult {
  const packets: Buffer[] = [];
  const granules: number[] = [];
  const end = forEachOggPacket(buf, (packet, granule) => {
    packets.push(packet);
    granules.push(granule);
  });
  return { ...end, packets, granules };
}

/**
 * Streams the packets of the first logical stream in `buf` to `onPacket` (until it returns false),
 * verifying each page's CRC, holding no more than one packet at a time. Pages of other multiplexed streams are checked
 * and skipped. A truncated final page is tolerated: its bytes cannot be CRC-checked, so it and
 * any packet it would finish are dropped and `truncated` is set.
 * @throws AudioFormatError on a bad capture pattern, a CRC mismatch, or no complete page.
 */
export function forEachOggPacket(buf: Buffer, onPacket: OggPacketHandler): OggStreamEnd {
  const result: OggStreamEnd = { serial: 0, lastGranule: OGG_NO_GRANULE, eos: false, truncated: false };
  let serial: number | undefined; // of the first page: the stream we read
  // Pieces of a packet that continues on the next page (views into buf).
  let partial: Buffer[] = [];
  let expectedSequence = -1;
  let completePages = 0;
  let offset = 0;
  const completed: Buffer[] = [];

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
    const granule = readGranule(buf, offset);
    // A lost page or a page that does not continue our partial packet breaks that packet.
    const continuityBroken = (expectedSequence >= 0 && sequence !== expectedSequence) || (flags & FLAG_CONTINUED) === 0;
    if (continuityBroken && partial.length > 0) partial = [];
    const skipLeadingContinuation = (flags & FLAG_CONTINUED) !== 0 && partial.length === 0;
    expectedSequence = (sequence + 1) >>> 0;

    let bodyOffset = offset + headerBytes;
    let segmentStart = bodyOffset;
    let dropping = skipLeadingContinuation;
    completed.length = 0;
    for (let i = 0; i < segmentCount; i++) {
      const lacing = buf[offset + PAGE_HEADER_BYTES + i]!;
      bodyOffset += lacing;
      if (lacing === 255) continue;
      if (!dropping) {
        const tail = buf.subarray(segmentStart, bodyOffset);
        completed.push(partial.length === 0 ? tail : Buffer.concat([...partial, tail]));
      }
      partial = [];
      dropping = false;
      segmentStart = bodyOffset;
    }
    if (segmentStart < bodyOffset && !dropping) partial.push(buf.subarray(segmentStart, bodyOffset));
    const pageGranule = completed.length > 0 ? granule : OGG_NO_GRANULE;
    let more = true;
    for (let i = 0; i < completed.length; i++) {
      if (onPacket(completed[i]!, i === completed.length - 1 ? pageGranule : OGG_NO_GRANULE) === false) more = false;
    }
    if (pageGranule !== OGG_NO_GRANULE) result.lastGranule = pageGranule;
    if (!more) break;
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
