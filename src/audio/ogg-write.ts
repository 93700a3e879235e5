/**
 * Ogg page writing (RFC 3533): packets laid out in CRC-protected pages.
 */
import { FLAG_BOS, FLAG_CONTINUED, FLAG_EOS, MAX_SEGMENTS_PER_PAGE, OGG_NO_GRANULE, PAGE_HEADER_BYTES, oggCrc32 } from './ogg-format.ts';

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
