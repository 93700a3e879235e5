import { describe, expect, it } from 'vitest';
import {
  DISCORD_CHANNELS,
  DISCORD_PCM_RATE,
  FRAME_BYTES_48K_STEREO,
  FRAME_MS,
  FRAME_SAMPLES_48K,
  OPENAI_PCM_RATE,
  bufferToInt16,
  durationMs,
  int16ToBuffer,
  monoToStereo,
  stereoToMono,
} from '../../../src/audio/format.ts';
import { Pcm16Assembler } from '../../../src/audio/pcm-assembler.ts';

describe('format constants', () => {
  it('describe a 20 ms 48 kHz stereo frame consistently', () => {
    expect(OPENAI_PCM_RATE).toBe(24_000);
    expect(FRAME_SAMPLES_48K).toBe((DISCORD_PCM_RATE * FRAME_MS) / 1000);
    expect(FRAME_BYTES_48K_STEREO).toBe(FRAME_SAMPLES_48K * DISCORD_CHANNELS * 2);
  });
});

describe('bufferToInt16 / int16ToBuffer', () => {
  it('reads little-endian samples from a Buffer at an odd byte offset', () => {
    const backing = Buffer.from([0xaa, 0x01, 0x00, 0xff, 0xff, 0x00, 0x80, 0x7f]);
    const odd = backing.subarray(1); // byteOffset 1: a view would throw RangeError
    expect(Array.from(bufferToInt16(odd))).toEqual([1, -1, -32_768]);
  });

  it('ignores a trailing odd byte and copies rather than aliasing', () => {
    const bytes = Buffer.from([0x01, 0x00, 0x02]);
    const samples = bufferToInt16(bytes);
    expect(Array.from(samples)).toEqual([1]);
    samples[0] = 99;
    expect(bytes[0]).toBe(1);
  });

  it('round-trips through a subarray view', () => {
    const pcm = Int16Array.from([0, 1, -1, 32_767, -32_768, 1234]);
    const view = pcm.subarray(1, 5);
    const bytes = int16ToBuffer(view);
    expect(bytes.length).toBe(8);
    expect(bytes.readInt16LE(0)).toBe(1);
    expect(Array.from(bufferToInt16(bytes))).toEqual([1, -1, 32_767, -32_768]);
  });
});

describe('channel conversion', () => {
  it('monoToStereo duplicates and stereoToMono averages back exactly', () => {
    const mono = Int16Array.from([0, 5, -7, 32_767, -32_768]);
    const stereo = monoToStereo(mono);
    expect(Array.from(stereo)).toEqual([0, 0, 5, 5, -7, -7, 32_767, 32_767, -32_768, -32_768]);
    expect(Array.from(stereoToMono(stereo))).toEqual(Array.from(mono));
  });

  it('stereoToMono averages different channels without overflow', () => {
    expect(Array.from(stereoToMono(Int16Array.from([32_767, 32_767, -32_768, -32_768, 1, 2, -1, -2])))).toEqual([32_767, -32_768, 2, -2]);
  });
});

describe('durationMs', () => {
  it('counts interleaved values', () => {
    expect(durationMs(FRAME_BYTES_48K_STEREO / 2, DISCORD_PCM_RATE, 2)).toBe(20);
    expect(durationMs(24_000, OPENAI_PCM_RATE, 1)).toBe(1000);
  });
});

describe('Pcm16Assembler', () => {
  it('reassembles samples split across odd-sized chunks', () => {
    const expected = Int16Array.from([1, -2, 300, -32_768, 32_767, 12_345]);
    const bytes = int16ToBuffer(expected);
    const assembler = new Pcm16Assembler();
    const out: number[] = [];
    for (const size of [1, 2, 3, 0, 5, 1]) {
      const offset = out.length * 2 + assembler.pendingBytes;
      out.push(...assembler.push(bytes.subarray(offset, offset + size)));
    }
    expect(out).toEqual(Array.from(expected));
    expect(assembler.pendingBytes).toBe(0);
  });

  it('keeps a lone byte pending and reset() drops it', () => {
    const assembler = new Pcm16Assembler();
    expect(assembler.push(Buffer.from([0x01])).length).toBe(0);
    expect(assembler.pendingBytes).toBe(1);
    assembler.reset();
    expect(Array.from(assembler.push(Buffer.from([0x02, 0x00])))).toEqual([2]);
  });
});
