/**
 * Conversion of WAV data chunk bytes to signed 16-bit samples.
 */
import { bufferToInt16 } from './format.ts';
import type { WavFmt } from './wav-fmt.ts';

function saturate(value: number): number {
  return value >= 32_767 ? 32_767 : value <= -32_768 ? -32_768 : value;
}

/**
 * Converts every whole frame in `data` to interleaved int16 (a trailing partial frame is
 * ignored). Wider integers are rounded to their top 16 bits; floats map +/-1.0 to full scale.
 */
export function convertToInt16(data: Buffer, fmt: WavFmt): Int16Array {
  const frames = Math.floor(data.length / fmt.blockAlign);
  const count = frames * fmt.channels;
  if (fmt.encoding === 'int16') return bufferToInt16(data.subarray(0, count * 2));
  const out = new Int16Array(count);
  switch (fmt.encoding) {
    case 'uint8':
      for (let i = 0; i < count; i++) out[i] = (data[i]! - 128) << 8;
      break;
    case 'int24':
      for (let i = 0; i < count; i++) out[i] = saturate(Math.floor(data.readIntLE(i * 3, 3) / 256 + 0.5));
      break;
    case 'int32':
      for (let i = 0; i < count; i++) out[i] = saturate(Math.floor(data.readInt32LE(i * 4) / 65_536 + 0.5));
      break;
    case 'float32':
      for (let i = 0; i < count; i++) out[i] = floatToInt16(data.readFloatLE(i * 4));
      break;
    case 'float64':
      for (let i = 0; i < count; i++) out[i] = floatToInt16(data.readDoubleLE(i * 8));
      break;
  }
  return out;
}

function floatToInt16(value: number): number {
  // NaN (corrupt data) becomes silence rather than poisoning the stream.
  if (Number.isNaN(value)) return 0;
  return saturate(Math.round(value * 32_768));
}
