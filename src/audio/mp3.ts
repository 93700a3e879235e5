/**
 * MP3 probing without decoding: walks MPEG audio layer III frame headers for duration,
 * sample rate and channel count, from the frames actually present.
 */
import { AudioFormatError } from './errors.ts';

/** What {@link probeMp3} learns from the frame headers. */
export interface Mp3Info {
  durationMs: number;
  sampleRate: number;
  channels: 1 | 2;
}

/** A decoded 4-byte MPEG audio frame header. */
export interface Mp3FrameHeader {
  /** 1 for MPEG-1, 2 for MPEG-2, 2.5 for MPEG-2.5. */
  version: 1 | 2 | 2.5;
  sampleRate: number;
  channels: 1 | 2;
  /** Total frame size in bytes, header included. */
  frameBytes: number;
  samplesPerFrame: number;
}

// Layer III bitrates (kbps) by bitrate index; index 0 (free format) and 15 are not accepted.
const BITRATES_MPEG1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0];
const BITRATES_MPEG2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0];
const SAMPLE_RATES_MPEG1 = [44_100, 48_000, 32_000];
/** Frames that must chain (each header where the previous frame ends) before a sync is believed. */
const FRAMES_TO_CONFIRM_SYNC = 3;
/** How far past the ID3 tag to look for the first frame before giving up. */
const MAX_SYNC_SEARCH_BYTES = 64 * 1024;

/** Parses an MPEG layer III frame header at `offset`, or returns null if none is there. */
export function parseMp3FrameHeader(buf: Uint8Array, offset: number): Mp3FrameHeader | null {
  if (offset + 4 > buf.length) return null;
  const b1 = buf[offset + 1]!;
  const b2 = buf[offset + 2]!;
  const b3 = buf[offset + 3]!;
  if (buf[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return null;
  const versionBits = (b1 >> 3) & 0x03;
  const layerBits = (b1 >> 1) & 0x03;
  if (versionBits === 0b01 || layerBits !== 0b01) return null; // reserved version / not layer III
  const version = versionBits === 0b11 ? 1 : versionBits === 0b10 ? 2 : 2.5;
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 0x03;
  if (rateIndex === 3) return null;
  const bitrateKbps = (version === 1 ? BITRATES_MPEG1 : BITRATES_MPEG2)[bitrateIndex]!;
  if (bitrateKbps === 0) return null;
  const sampleRate = SAMPLE_RATES_MPEG1[rateIndex]! / (version === 1 ? 1 : version === 2 ? 2 : 4);
  const padding = (b2 >> 1) & 0x01;
  const samplesPerFrame = version === 1 ? 1_152 : 576;
  const frameBytes = Math.floor(((samplesPerFrame / 8) * bitrateKbps * 1000) / sampleRate) + padding;
  const channels = b3 >> 6 === 0b11 ? 1 : 2;
  return { version, sampleRate, channels, frameBytes, samplesPerFrame };
}

/** Size of a leading ID3v2 tag (0 if none), including its optional footer. */
export function id3v2Size(buf: Uint8Array): number {
  if (buf.length < 10 || buf[0] !== 0x49 || buf[1] !== 0x44 || buf[2] !== 0x33) return 0; // "ID3"
  const syncsafe = ((buf[6]! & 0x7f) << 21) | ((buf[7]! & 0x7f) << 14) | ((buf[8]! & 0x7f) << 7) | (buf[9]! & 0x7f);
  const hasFooter = (buf[5]! & 0x10) !== 0;
  return 10 + syncsafe + (hasFooter ? 10 : 0);
}

/**
 * Offset of the first frame that starts a chain of consistent frames (or runs to the end
 * of the data), searching from `start`; -1 if none.
 */
export function findMp3Sync(buf: Uint8Array, start: number, searchBytes = MAX_SYNC_SEARCH_BYTES): number {
  const end = Math.min(buf.length - 4, start + searchBytes);
  for (let offset = start; offset <= end; offset++) {
    if (buf[offset] !== 0xff) continue;
    const first = parseMp3FrameHeader(buf, offset);
    if (first && chainConfirms(buf, offset, first)) return offset;
  }
  return -1;
}

function chainConfirms(buf: Uint8Array, offset: number, first: Mp3FrameHeader): boolean {
  let position = offset;
  for (let i = 0; i < FRAMES_TO_CONFIRM_SYNC; i++) {
    const header = parseMp3FrameHeader(buf, position);
    if (!header || header.version !== first.version || header.sampleRate !== first.sampleRate) return false;
    position += header.frameBytes;
    // Reaching the end counts when a whole frame fit, or a later frame was cut off by truncation.
    if (position >= buf.length) return i > 0 || position === buf.length;
  }
  return true;
}

/**
 * Probes an MP3 file: skips ID3v2, finds a confirmed frame sync, then counts the frames until
 * the chain ends (ID3v1/APE tails stop it). A Xing/Info or VBRI header's frame count is not
 * believed (a file can declare anything there); its frame holds no audio and is not counted.
 * @throws AudioFormatError when no chain of valid layer III frames is found.
 */
export function probeMp3(buf: Uint8Array): Mp3Info {
  const start = findMp3Sync(buf, id3v2Size(buf));
  if (start < 0) throw new AudioFormatError('That file is not a valid MP3.', 'no MPEG layer III frame sync chain');
  const first = parseMp3FrameHeader(buf, start)!;
  let frames = 0;
  let position = start + (hasVbrHeader(buf, start, first) ? first.frameBytes : 0);
  for (;;) {
    const header = parseMp3FrameHeader(buf, position);
    if (!header || header.sampleRate !== first.sampleRate || header.version !== first.version) break;
    if (position + header.frameBytes > buf.length) break; // a cut-off final frame adds no whole frame
    frames++;
    position += header.frameBytes;
  }
  if (frames === 0) throw new AudioFormatError('That MP3 file has no audio.', 'zero frames');
  return {
    durationMs: ((frames * first.samplesPerFrame) / first.sampleRate) * 1000,
    sampleRate: first.sampleRate,
    channels: first.channels,
  };
}

/** Whether the first frame is a Xing/Info or VBRI header frame (which encoders fill with silence). */
function hasVbrHeader(buf: Uint8Array, frameStart: number, header: Mp3FrameHeader): boolean {
  // Xing/Info sits after the side information, whose size depends on version and channels.
  const sideInfoBytes = header.version === 1 ? (header.channels === 1 ? 17 : 32) : header.channels === 1 ? 9 : 17;
  const tagAt = (offset: number, tag: string): boolean =>
    offset + 4 <= buf.length && String.fromCharCode(buf[offset]!, buf[offset + 1]!, buf[offset + 2]!, buf[offset + 3]!) === tag;
  const xing = frameStart + 4 + sideInfoBytes;
  return tagAt(xing, 'Xing') || tagAt(xing, 'Info') || tagAt(frameStart + 4 + 32, 'VBRI');
}
