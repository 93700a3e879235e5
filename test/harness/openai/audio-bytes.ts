/** Byte-level audio helpers for the fake: pcm16 <-> bytes, WAV, format sniffing, a deterministic tone. */

/** OpenAI's pcm16 / pcm audio: 24 kHz, mono, signed 16-bit little-endian. */
export const OPENAI_PCM_RATE_24K = 24_000;
const BYTES_PER_SAMPLE_16BIT = 2;
const WAV_HEADER_BYTES = 44;
/** Used to estimate the length of MP3 input, which the fake does not decode (128 kbit/s). */
const MP3_ASSUMED_BYTES_PER_SECOND = 16_000;

/** 24 kHz mono pcm16 samples as little-endian bytes, independent of the host's endianness. */
export function pcm16ToBytesLE(pcm: Int16Array): Buffer {
  const bytes = Buffer.alloc(pcm.length * BYTES_PER_SAMPLE_16BIT);
  for (let i = 0; i < pcm.length; i++) bytes.writeInt16LE(pcm[i]!, i * BYTES_PER_SAMPLE_16BIT);
  return bytes;
}

/** Little-endian pcm16 bytes back to samples (a trailing odd byte is ignored). */
export function bytesLEToPcm16(bytes: Uint8Array): Int16Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pcm = new Int16Array(Math.floor(bytes.byteLength / BYTES_PER_SAMPLE_16BIT));
  for (let i = 0; i < pcm.length; i++) pcm[i] = view.getInt16(i * BYTES_PER_SAMPLE_16BIT, true);
  return pcm;
}

/** Duration of 24 kHz mono pcm16 in milliseconds. */
export function pcm24kDurationMs(sampleCount: number): number {
  return (sampleCount * 1_000) / OPENAI_PCM_RATE_24K;
}

/** A complete RIFF/WAVE file (PCM, 16-bit) around little-endian samples. */
export function encodeWavPcm16(pcm: Int16Array, sampleRate = OPENAI_PCM_RATE_24K, channels = 1): Buffer {
  const data = pcm16ToBytesLE(pcm);
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(WAV_HEADER_BYTES - 8 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * BYTES_PER_SAMPLE_16BIT, 28);
  header.writeUInt16LE(channels * BYTES_PER_SAMPLE_16BIT, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** True for a RIFF/WAVE container. */
export function isWav(bytes: Buffer): boolean {
  return bytes.length >= 12 && bytes.toString('ascii', 0, 4) === 'RIFF' && bytes.toString('ascii', 8, 12) === 'WAVE';
}

/** True for MP3: an ID3v2 tag or an MPEG audio frame sync at the start. */
export function isMp3(bytes: Buffer): boolean {
  if (bytes.length >= 3 && bytes.toString('ascii', 0, 3) === 'ID3') return true;
  return bytes.length >= 2 && bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0;
}

/** Duration of a WAV file from its `fmt ` and `data` chunks; undefined when they cannot be found. */
export function wavDurationMs(bytes: Buffer): number | undefined {
  if (!isWav(bytes)) return undefined;
  let byteRate: number | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    if (id === 'fmt ' && offset + 20 <= bytes.length) byteRate = bytes.readUInt32LE(offset + 16);
    if (id === 'data' && byteRate) {
      const available = Math.min(size, bytes.length - offset - 8);
      return (available * 1_000) / byteRate;
    }
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

/** Best-effort duration of an uploaded audio file: exact for WAV, estimated from the size otherwise. */
export function audioDurationMs(bytes: Buffer): number {
  return wavDurationMs(bytes) ?? (bytes.length * 1_000) / MP3_ASSUMED_BYTES_PER_SECOND;
}

/** Strict base64 (the standard alphabet with padding), unlike `Buffer.from(s, 'base64')` which skips junk. */
export function isStrictBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}

/**
 * A deterministic 24 kHz mono tone with short fades (so it is not only silence and has no clicks); the default
 * audio when a test does not script any.
 */
export function synthesizeTone24k(durationMs: number, frequencyHz = 440, amplitude = 8_000): Int16Array {
  const sampleCount = Math.round((durationMs * OPENAI_PCM_RATE_24K) / 1_000);
  const fadeSamples = Math.min(240, Math.floor(sampleCount / 2));
  const pcm = new Int16Array(sampleCount);
  for (let i = 0; i < sampleCount; i++) {
    const fade = Math.min(1, i / Math.max(1, fadeSamples), (sampleCount - 1 - i) / Math.max(1, fadeSamples));
    pcm[i] = Math.round(amplitude * fade * Math.sin((2 * Math.PI * frequencyHz * i) / OPENAI_PCM_RATE_24K));
  }
  return pcm;
}

/** Splits samples into consecutive pieces of `chunkMs` (the last one may be shorter); at least one piece. */
export function splitPcm24k(pcm: Int16Array, chunkMs: number): Int16Array[] {
  const samplesPerChunk = Math.max(1, Math.round((chunkMs * OPENAI_PCM_RATE_24K) / 1_000));
  const pieces: Int16Array[] = [];
  for (let start = 0; start < pcm.length; start += samplesPerChunk) {
    pieces.push(pcm.subarray(start, Math.min(pcm.length, start + samplesPerChunk)));
  }
  return pieces.length > 0 ? pieces : [new Int16Array(0)];
}
