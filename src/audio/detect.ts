/**
 * Identifies an audio container from its first bytes, never from a file name or a declared
 * content type (both are user-controlled and often wrong).
 */
import { findMp3Sync, id3v2Size } from './mp3.ts';

/** Containers Parley distinguishes. */
export type AudioContainer = 'wav' | 'mp3' | 'ogg-opus' | 'ogg-other' | 'unknown';

/** How far into a file without ID3 tag an MP3 frame sync may start (some files have junk first). */
const MP3_SYNC_SEARCH_BYTES = 4_096;

/** Returns the container that `buf`'s magic bytes announce. */
export function detectContainer(buf: Uint8Array): AudioContainer {
  if (startsWith(buf, 0, 'RIFF') && startsWith(buf, 8, 'WAVE')) return 'wav';
  if (startsWith(buf, 0, 'OggS')) return isOpusFirstPage(buf) ? 'ogg-opus' : 'ogg-other';
  // An ID3v2 tag can front other codecs too (AAC, FLAC), so a frame chain must follow it.
  if (findMp3Sync(buf, id3v2Size(buf), MP3_SYNC_SEARCH_BYTES) >= 0) return 'mp3';
  return 'unknown';
}

/** The first Ogg page of an Ogg Opus stream carries exactly the OpusHead packet. */
function isOpusFirstPage(buf: Uint8Array): boolean {
  const segmentCount = buf[26];
  if (segmentCount === undefined) return false;
  return startsWith(buf, 27 + segmentCount, 'OpusHead');
}

function startsWith(buf: Uint8Array, offset: number, ascii: string): boolean {
  if (offset + ascii.length > buf.length) return false;
  for (let i = 0; i < ascii.length; i++) {
    if (buf[offset + i] !== ascii.charCodeAt(i)) return false;
  }
  return true;
}
