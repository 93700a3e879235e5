/**
 * Files built to make an audio parser do too much work: hours of low-bitrate Ogg Opus in a few MB,
 * an MP3 whose Xing header lies, a WAV whose header claims more data than it has, Ogg pages that
 * are cut short, a packet that never ends, and a million tiny pages. Each is built page by page
 * (not encoded), so even 25 MB of them take a fraction of a second to make.
 */
import { oggCrc32, readOggPackets } from '../../src/audio/ogg.ts';
import { encodeOggOpus } from '../../src/audio/ogg-opus.ts';
import { buildOpusHead, buildOpusTags } from '../../src/audio/opus-head.ts';
import { encodeWav } from '../../src/audio/wav.ts';
import { speechLike } from './signals.ts';

const SERIAL = 0x5eed;
const PRE_SKIP = 312;
const FLAG_CONTINUED = 0x01;
const FLAG_BOS = 0x02;
const FLAG_EOS = 0x04;
const PACKET_SAMPLES_48K = 960;
/** The most packets of under 255 bytes one Ogg page can hold. */
const PACKETS_PER_FULL_PAGE = 255;

/** A built file and how long it claims to play. */
export interface HostileFile {
  data: Buffer;
  /** What its container says (granules, headers), in ms. */
  claimedMs: number;
}

/** One Ogg page with its CRC. */
export function oggPage(flags: number, granule: number, sequence: number, lacing: readonly number[], body: Uint8Array): Buffer {
  const page = Buffer.alloc(27 + lacing.length + body.length);
  page.write('OggS', 0, 'latin1');
  page[5] = flags;
  page.writeBigInt64LE(BigInt(granule), 6);
  page.writeUInt32LE(SERIAL, 14);
  page.writeUInt32LE(sequence, 18);
  page[26] = lacing.length;
  page.set(lacing, 27);
  page.set(body, 27 + lacing.length);
  page.writeUInt32LE(oggCrc32(page), 22);
  return page;
}

/** OpusHead and OpusTags pages (sequence 0 and 1). */
function opusHeaderPages(): Buffer[] {
  const head = buildOpusHead(1, PRE_SKIP, 48_000);
  const tags = buildOpusTags('hostile');
  return [oggPage(FLAG_BOS, 0, 0, [head.length], head), oggPage(0, 0, 1, [tags.length], tags)];
}

/** Real 20 ms Opus packets of speech at `bitrate`, to repeat. */
function speechPackets(bitrate: number): Buffer[] {
  const ogg = encodeOggOpus(speechLike(1_000, 48_000, 1_201), 48_000, 1, { bitrate });
  return readOggPackets(ogg).packets.slice(2, -1);
}

/**
 * Ogg Opus of real speech packets at about `bitrate` bits/s, as long as fits in `maxBytes`
 * (25 MB at 6 kbps is about 9 hours), with honest granule positions and an EOS page.
 */
export function longLowBitrateOggOpus(maxBytes: number, bitrate = 6_000): HostileFile {
  const packets = speechPackets(bitrate);
  const pages = opusHeaderPages();
  let size = pages[0]!.length + pages[1]!.length;
  let samples = 0;
  for (let sequence = 2, next = 0; ; sequence++) {
    const chosen = Array.from({ length: PACKETS_PER_FULL_PAGE }, () => packets[next++ % packets.length]!);
    const body = Buffer.concat(chosen);
    const pageBytes = 27 + chosen.length + body.length;
    const last = size + pageBytes + 27 + PACKETS_PER_FULL_PAGE + body.length > maxBytes;
    samples += chosen.length * PACKET_SAMPLES_48K;
    pages.push(oggPage(last ? FLAG_EOS : 0, samples, sequence, chosen.map((p) => p.length), body));
    size += pageBytes;
    if (last) break;
  }
  // Granules count decoded samples, pre-skip included (RFC 7845 section 4).
  return { data: Buffer.concat(pages), claimedMs: ((samples - PRE_SKIP) / 48_000) * 1000 };
}

/**
 * Ogg Opus whose granule positions claim `claimedMs` while its pages hold hours of packets: one
 * 1-byte packet (a 20 ms TOC with no frame data) per page, as many pages as fit in `maxBytes`.
 */
export function tinyOggPages(maxBytes: number, claimedMs = 1_000): HostileFile {
  const pages = opusHeaderPages();
  const toc = Buffer.from([(1 << 3) | 0]); // SILK NB 20 ms, one frame
  const pageBytes = 27 + 1 + 1;
  const count = Math.floor((maxBytes - pages[0]!.length - pages[1]!.length) / pageBytes);
  const claimedSamples = Math.round((claimedMs / 1000) * 48_000);
  const out = Buffer.alloc(pages[0]!.length + pages[1]!.length + count * pageBytes);
  let offset = pages[0]!.copy(out, 0) + pages[1]!.copy(out, pages[0]!.length);
  for (let i = 0; i < count; i++) {
    const granule = Math.min(PRE_SKIP + claimedSamples, (i + 1) * PACKET_SAMPLES_48K);
    offset += oggPage(i === count - 1 ? FLAG_EOS : 0, granule, i + 2, [1], toc).copy(out, offset);
  }
  return { data: out, claimedMs };
}

/** Ogg Opus whose first audio packet continues, page after page, to the end of `bytes`, never ending. */
export function endlessOggPacket(bytes: number): HostileFile {
  const pages = opusHeaderPages();
  const body = Buffer.alloc(255 * 255, 0x42);
  const lacing = new Array<number>(255).fill(255);
  let size = pages[0]!.length + pages[1]!.length;
  for (let sequence = 2; size < bytes; sequence++) {
    const page = oggPage(sequence === 2 ? 0 : FLAG_CONTINUED, -1, sequence, lacing, body);
    pages.push(page);
    size += page.length;
  }
  return { data: Buffer.concat(pages), claimedMs: 0 };
}

/** A valid Ogg Opus file cut inside a page (its last page's lacing promises bytes that never come). */
export function truncatedOggOpus(ms: number): HostileFile {
  const ogg = encodeOggOpus(speechLike(ms, 48_000, 1_202), 48_000, 1);
  return { data: ogg.subarray(0, ogg.length - 37), claimedMs: ms };
}

/** MPEG-1 layer III 128 kbps 44.1 kHz frames: a Xing frame claiming `claimedFrames`, then `realFrames`. */
export function lyingMp3(realFrames: number, claimedFrames: number): HostileFile {
  const frameBytes = 417; // 144 * 128000 / 44100
  const frame = (): Buffer => {
    const f = Buffer.alloc(frameBytes, 0);
    f.set([0xff, 0xfb, 0x90, 0x64], 0);
    return f;
  };
  const xing = frame();
  xing.write('Xing', 4 + 32, 'latin1');
  xing.writeUInt32BE(0x01, 4 + 36);
  xing.writeUInt32BE(claimedFrames, 4 + 40);
  const frames = Array.from({ length: realFrames }, frame);
  return { data: Buffer.concat([xing, ...frames]), claimedMs: ((claimedFrames * 1_152) / 44_100) * 1000 };
}

/** A WAV whose data chunk declares `claimedMs` of audio but holds only `presentMs`. */
export function overclaimingWav(presentMs: number, claimedMs: number): HostileFile {
  const rate = 16_000;
  const wav = encodeWav(speechLike(presentMs, rate, 1_203), rate, 1);
  const claimedBytes = Math.round((claimedMs / 1000) * rate) * 2;
  wav.writeUInt32LE(36 + claimedBytes, 4);
  wav.writeUInt32LE(claimedBytes, 40);
  return { data: wav, claimedMs };
}
