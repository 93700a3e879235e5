/**
 * Ogg page constants and checksum (RFC 3533), shared by the page reader, writer and scanner.
 */

/** "OggS" read big-endian. */
export const CAPTURE_PATTERN = 0x4f_67_67_53;
export const PAGE_HEADER_BYTES = 27;
export const MAX_SEGMENTS_PER_PAGE = 255;
export const FLAG_CONTINUED = 0x01;
export const FLAG_BOS = 0x02;
export const FLAG_EOS = 0x04;
/** Granule position meaning "no packet finishes on this page". */
export const OGG_NO_GRANULE = -1;

const CRC_TABLE = buildCrcTable();

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

/**
 * A page's granule position as a number (exact below 2^53), read as two 32-bit halves: BigInt
 * reads cost more than the rest of a page walk. -1 means {@link OGG_NO_GRANULE}.
 */
export function readGranule(buf: Uint8Array, pageStart: number): number {
  const at = pageStart + 6;
  const low = (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24)) >>> 0;
  const high = (buf[at + 4]! | (buf[at + 5]! << 8) | (buf[at + 6]! << 16) | (buf[at + 7]! << 24)) | 0;
  return high * 4_294_967_296 + low;
}
