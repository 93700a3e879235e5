/**
 * RIFF/WAVE reading (PCM 8/16/24/32-bit, IEEE float 32/64, WAVE_FORMAT_EXTENSIBLE), probing
 * without conversion, and 16-bit PCM writing.
 */
import { AudioFormatError } from './errors.ts';
import { int16ToBuffer } from './format.ts';
import { readWavFmt, type WavFmt } from './wav-fmt.ts';
import { convertToInt16 } from './wav-samples.ts';

/** Decoded WAV audio. */
export interface ParsedWav {
  sampleRate: number;
  channels: number;
  /** Bits per sample as stored in the file (the returned pcm is always 16-bit). */
  bitsPerSample: number;
  /** Interleaved samples converted to signed 16-bit. */
  pcm: Int16Array;
  durationMs: number;
}

const RIFF_HEADER_BYTES = 12;
const CHUNK_HEADER_BYTES = 8;
/** Data sizes written by streaming encoders that could not seek back to fix the header. */
const STREAMED_SIZES = new Set([0, 0xff_ff_ff_ff]);

/**
 * Encodes interleaved s16 PCM as a canonical 44-byte-header WAV file.
 * @throws RangeError when the sample count is not a multiple of `channels`
 */
export function encodeWav(pcm: Int16Array, sampleRate: number, channels: number): Buffer {
  if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`invalid channel count ${channels}`);
  if (!Number.isInteger(sampleRate) || sampleRate < 1) throw new RangeError(`invalid sample rate ${sampleRate}`);
  if (pcm.length % channels !== 0) throw new RangeError('pcm length is not a whole number of frames');
  const dataBytes = pcm.length * 2;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'latin1');
  out.write('fmt ', 12, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // WAVE_FORMAT_PCM
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * channels * 2, 28);
  out.writeUInt16LE(channels * 2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(dataBytes, 40);
  out.set(int16ToBuffer(pcm), 44);
  return out;
}

/** What a WAV file holds, found from its chunk headers without converting a sample. */
export interface WavProbe {
  fmt: WavFmt;
  /** Whole frames in the data chunk (a trailing partial frame is ignored). */
  frames: number;
  durationMs: number;
}

/**
 * Reads a WAV file's chunk headers: its sample format and how long it plays. The data chunk's
 * declared size is checked against the bytes present (streamed files declaring 0 or 0xFFFFFFFF
 * use the bytes present); see {@link parseWav} for what is tolerated.
 * @throws AudioFormatError as {@link parseWav} does.
 */
export function probeWav(buf: Buffer): WavProbe {
  const { fmt, data } = locateChunks(buf);
  const frames = Math.floor(data.length / fmt.blockAlign);
  if (frames === 0) throw new AudioFormatError('That WAV file has no audio.', 'zero samples');
  return { fmt, frames, durationMs: (frames / fmt.sampleRate) * 1000 };
}

/**
 * Parses a WAV file of any common layout into 16-bit PCM. Tolerates extra chunks (LIST,
 * fact, ...), missing odd-size pad bytes, and streamed files whose data size is 0 or
 * 0xFFFFFFFF (the bytes present are used).
 * @throws AudioFormatError for non-RIFF/WAVE data, a missing fmt or data chunk, an
 * unsupported codec, a file truncated inside its header or data, or zero samples.
 */
export function parseWav(buf: Buffer): ParsedWav {
  const { fmt, data } = locateChunks(buf);
  const pcm = convertToInt16(data, fmt);
  if (pcm.length === 0) throw new AudioFormatError('That WAV file has no audio.', 'zero samples');
  return {
    sampleRate: fmt.sampleRate,
    channels: fmt.channels,
    bitsPerSample: fmt.bitsPerSample,
    pcm,
    durationMs: (pcm.length / fmt.channels / fmt.sampleRate) * 1000,
  };
}

/** Finds and validates the fmt chunk and the data chunk's bytes. */
function locateChunks(buf: Buffer): { fmt: WavFmt; data: Buffer } {
  if (buf.length < RIFF_HEADER_BYTES || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') {
    throw new AudioFormatError('That file is not a WAV file.', 'missing RIFF/WAVE header');
  }
  let fmt: WavFmt | undefined;
  let data: Buffer | undefined;
  let offset = RIFF_HEADER_BYTES;
  while (offset + CHUNK_HEADER_BYTES <= buf.length) {
    const id = buf.toString('latin1', offset, offset + 4);
    const declaredSize = buf.readUInt32LE(offset + 4);
    const bodyStart = offset + CHUNK_HEADER_BYTES;
    const available = buf.length - bodyStart;
    if (id === 'data') {
      if (STREAMED_SIZES.has(declaredSize)) {
        data = buf.subarray(bodyStart);
        break;
      }
      if (declaredSize > available) {
        throw new AudioFormatError('That WAV file is incomplete.', `data chunk declares ${declaredSize} bytes, ${available} present`);
      }
      data = buf.subarray(bodyStart, bodyStart + declaredSize);
      if (fmt) break;
    } else if (declaredSize > available) {
      if (data && fmt) break; // a damaged trailing chunk after the audio does not matter
      throw new AudioFormatError('That WAV file is incomplete.', `chunk "${id}" truncated at byte ${offset}`);
    } else if (id === 'fmt ') {
      fmt = readWavFmt(buf.subarray(bodyStart, bodyStart + declaredSize));
    }
    offset = nextChunkOffset(buf, bodyStart + declaredSize, declaredSize);
  }
  if (!fmt) throw new AudioFormatError('That WAV file is damaged.', 'no fmt chunk');
  if (!data) throw new AudioFormatError('That WAV file has no audio.', 'no data chunk');
  return { fmt, data };
}

/**
 * Chunks are padded to even sizes, but some writers forget the pad byte; skip it only when
 * a plausible chunk id follows the padded position (or the unpadded one does not).
 */
function nextChunkOffset(buf: Buffer, unpaddedEnd: number, size: number): number {
  if (size % 2 === 0) return unpaddedEnd;
  const padded = unpaddedEnd + 1;
  if (looksLikeChunkId(buf, padded) || !looksLikeChunkId(buf, unpaddedEnd)) return padded;
  return unpaddedEnd;
}

function looksLikeChunkId(buf: Buffer, offset: number): boolean {
  if (offset + 4 > buf.length) return false;
  for (let i = offset; i < offset + 4; i++) {
    const c = buf[i]!;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}
