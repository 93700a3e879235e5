import { describe, expect, it } from 'vitest';
import { AudioFormatError } from '../../../src/audio/errors.ts';
import { encodeWav, parseWav } from '../../../src/audio/wav.ts';
import { speechLike, tone } from '../../support/signals.ts';

function chunk(id: string, body: Buffer, pad = true): Buffer {
  const header = Buffer.alloc(8);
  header.write(id, 0, 'latin1');
  header.writeUInt32LE(body.length, 4);
  return Buffer.concat([header, body, pad && body.length % 2 === 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function riff(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), ...chunks]);
  const header = Buffer.alloc(8);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(body.length, 4);
  return Buffer.concat([header, body]);
}

function fmt(formatCode: number, channels: number, rate: number, bits: number, containerBytes = bits / 8): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt16LE(formatCode, 0);
  body.writeUInt16LE(channels, 2);
  body.writeUInt32LE(rate, 4);
  body.writeUInt32LE(rate * channels * containerBytes, 8);
  body.writeUInt16LE(channels * containerBytes, 12);
  body.writeUInt16LE(bits, 14);
  return chunk('fmt ', body);
}

function extensibleFmt(subFormat: number, channels: number, rate: number, containerBits: number, validBits: number): Buffer {
  const body = Buffer.alloc(40);
  const containerBytes = containerBits / 8;
  body.writeUInt16LE(0xfffe, 0);
  body.writeUInt16LE(channels, 2);
  body.writeUInt32LE(rate, 4);
  body.writeUInt32LE(rate * channels * containerBytes, 8);
  body.writeUInt16LE(channels * containerBytes, 12);
  body.writeUInt16LE(containerBits, 14);
  body.writeUInt16LE(22, 16);
  body.writeUInt16LE(validBits, 18);
  body.writeUInt32LE(channels === 2 ? 3 : 4, 20);
  body.writeUInt16LE(subFormat, 24);
  Buffer.from([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]).copy(body, 26);
  return chunk('fmt ', body);
}

const samples = Int16Array.from([0, 1, -1, 12_345, -12_345, 32_767, -32_768, 256]);

function expectFormatError(buf: Buffer): void {
  expect(() => parseWav(buf)).toThrow(AudioFormatError);
}

describe('encodeWav / parseWav', () => {
  it('round-trips 16-bit PCM exactly (mono and stereo)', () => {
    const mono = speechLike(250, 24_000, 1);
    const parsed = parseWav(encodeWav(mono, 24_000, 1));
    expect(parsed).toMatchObject({ sampleRate: 24_000, channels: 1, bitsPerSample: 16 });
    expect(parsed.pcm).toEqual(mono);
    expect(parsed.durationMs).toBeCloseTo(250, 6);

    const stereo = tone(440, 100, 48_000, { channels: 2 });
    const wav = encodeWav(stereo, 48_000, 2);
    expect(wav.length).toBe(44 + stereo.length * 2);
    expect(parseWav(wav).pcm).toEqual(stereo);
  });

  it('rejects a sample count that is not a whole number of frames', () => {
    expect(() => encodeWav(new Int16Array(3), 48_000, 2)).toThrow(RangeError);
  });
});

describe('parseWav formats', () => {
  it('converts 8-bit unsigned PCM', () => {
    const wav = riff(fmt(1, 1, 8_000, 8), chunk('data', Buffer.from([128, 255, 0, 129, 127])));
    const parsed = parseWav(wav);
    expect(Array.from(parsed.pcm)).toEqual([0, 32_512, -32_768, 256, -256]);
    expect(parsed.bitsPerSample).toBe(8);
  });

  it('converts 24-bit PCM with rounding', () => {
    const data = Buffer.alloc(9);
    data.writeIntLE(0x12_34_80, 0, 3); // rounds up to 0x1235
    data.writeIntLE(-0x80_00_00, 3, 3);
    data.writeIntLE(0x7f_ff_ff, 6, 3); // saturates
    const parsed = parseWav(riff(fmt(1, 1, 48_000, 24), chunk('data', data)));
    expect(Array.from(parsed.pcm)).toEqual([0x12_35, -32_768, 32_767]);
  });

  it('converts 32-bit integer and 32/64-bit float PCM', () => {
    const ints = Buffer.alloc(8);
    ints.writeInt32LE(0x40_00_00_00, 0);
    ints.writeInt32LE(-0x80_00_00_00, 4);
    expect(Array.from(parseWav(riff(fmt(1, 1, 16_000, 32), chunk('data', ints))).pcm)).toEqual([16_384, -32_768]);

    const floats = Buffer.alloc(16);
    [0.5, -1, 1.5, Number.NaN].forEach((v, i) => floats.writeFloatLE(v, i * 4));
    expect(Array.from(parseWav(riff(fmt(3, 2, 16_000, 32), chunk('data', floats))).pcm)).toEqual([16_384, -32_768, 32_767, 0]);

    const doubles = Buffer.alloc(16);
    doubles.writeDoubleLE(-0.25, 0);
    doubles.writeDoubleLE(0.25, 8);
    expect(Array.from(parseWav(riff(fmt(3, 1, 16_000, 64), chunk('data', doubles))).pcm)).toEqual([-8_192, 8_192]);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE (PCM 24-in-32 and float)', () => {
    const data = Buffer.alloc(8);
    data.writeInt32LE(0x12_34_00_00, 0); // 24 valid bits, MSB-aligned in a 32-bit container
    data.writeInt32LE(-0x12_34_00_00, 4);
    const parsed = parseWav(riff(extensibleFmt(1, 2, 44_100, 32, 24), chunk('data', data)));
    expect(parsed).toMatchObject({ channels: 2, sampleRate: 44_100, bitsPerSample: 32 });
    expect(Array.from(parsed.pcm)).toEqual([0x12_34, -0x12_34]);

    const floats = Buffer.alloc(4);
    floats.writeFloatLE(-0.5, 0);
    expect(Array.from(parseWav(riff(extensibleFmt(3, 1, 48_000, 32, 32), chunk('data', floats))).pcm)).toEqual([-16_384]);
  });

  it('skips LIST and odd-sized chunks (with or without their pad byte)', () => {
    const data = chunk('data', Buffer.from(samples.buffer));
    const list = chunk('LIST', Buffer.from('INFOISFT\x05\x00\x00\x00Test\x00', 'latin1'));
    const oddPadded = chunk('junk', Buffer.from([1, 2, 3]));
    const oddUnpadded = chunk('junk', Buffer.from([1, 2, 3]), false);
    for (const extra of [list, oddPadded, oddUnpadded]) {
      expect(parseWav(riff(fmt(1, 1, 24_000, 16), extra, data)).pcm).toEqual(samples);
    }
    // Trailing chunks after the data are fine too, as is fmt after data.
    expect(parseWav(riff(fmt(1, 1, 24_000, 16), data, list)).pcm).toEqual(samples);
    expect(parseWav(riff(data, fmt(1, 1, 24_000, 16))).pcm).toEqual(samples);
  });

  it('uses the bytes present when the data size is 0 or 0xFFFFFFFF (streamed WAV)', () => {
    for (const size of [0, 0xff_ff_ff_ff]) {
      const wav = encodeWav(samples, 24_000, 1);
      wav.writeUInt32LE(size, 40);
      wav.writeUInt32LE(size, 4);
      expect(parseWav(wav).pcm).toEqual(samples);
    }
  });

  it('ignores a trailing partial frame', () => {
    const wav = encodeWav(Int16Array.from([1, 2, 3, 4]), 24_000, 2);
    wav.writeUInt32LE(0xff_ff_ff_ff, 40);
    expect(Array.from(parseWav(Buffer.concat([wav, Buffer.from([9, 9])])).pcm)).toEqual([1, 2, 3, 4]);
  });
});

describe('parseWav errors', () => {
  const good = encodeWav(samples, 24_000, 1);

  it('throws AudioFormatError with a short user-facing message', () => {
    try {
      parseWav(Buffer.from('not audio at all'));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AudioFormatError);
      expect((err as AudioFormatError).message.length).toBeLessThan(80);
      expect((err as AudioFormatError).detail).toBeTruthy();
    }
  });

  it('rejects non-RIFF/WAVE, missing chunks, unsupported codecs, truncation and emptiness', () => {
    expectFormatError(Buffer.alloc(0));
    expectFormatError(Buffer.concat([Buffer.from('RIFX'), good.subarray(4)]));
    expectFormatError(Buffer.concat([good.subarray(0, 8), Buffer.from('AVI '), good.subarray(12)]));
    expectFormatError(riff(chunk('data', Buffer.from(samples.buffer)))); // no fmt
    expectFormatError(riff(fmt(1, 1, 24_000, 16))); // no data
    expectFormatError(riff(fmt(2, 1, 24_000, 4, 1), chunk('data', Buffer.alloc(8)))); // ADPCM
    expectFormatError(riff(fmt(6, 1, 8_000, 8), chunk('data', Buffer.alloc(8)))); // A-law
    expectFormatError(riff(extensibleFmt(0x55, 1, 24_000, 16, 16), chunk('data', Buffer.alloc(8))));
    expectFormatError(good.subarray(0, 30)); // truncated inside fmt
    expectFormatError(good.subarray(0, good.length - 3)); // data shorter than declared
    expectFormatError(encodeWav(new Int16Array(0), 24_000, 1)); // zero samples
    expectFormatError(riff(fmt(1, 0, 24_000, 16), chunk('data', Buffer.alloc(8)))); // zero channels
  });
});
