import { describe, expect, it } from 'vitest';
import { AudioFormatError } from '../../../src/audio/errors.ts';
import { parseMp3FrameHeader, probeMp3 } from '../../../src/audio/mp3.ts';
import { seededRandom } from '../../support/signals.ts';

const VERSION_BITS = { 1: 0b11, 2: 0b10, 2.5: 0b00 } as const;

interface FrameSpec {
  version: 1 | 2 | 2.5;
  bitrateIndex: number;
  rateIndex: number;
  mono?: boolean;
  padding?: boolean;
}

/** A layer III frame with a valid header and a zero payload of the right length. */
function frame(spec: FrameSpec): Buffer {
  const header = Buffer.from([
    0xff,
    0xe0 | (VERSION_BITS[spec.version] << 3) | (0b01 << 1) | 1,
    (spec.bitrateIndex << 4) | (spec.rateIndex << 2) | (spec.padding ? 2 : 0),
    spec.mono ? 0xc0 : 0x00,
  ]);
  const parsed = parseMp3FrameHeader(header, 0)!;
  const out = Buffer.alloc(parsed.frameBytes);
  header.copy(out);
  return out;
}

function frames(spec: FrameSpec, count: number): Buffer {
  return Buffer.concat(Array.from({ length: count }, () => frame(spec)));
}

function id3v2(bodyBytes: number): Buffer {
  const tag = Buffer.alloc(10 + bodyBytes);
  tag.write('ID3', 0, 'latin1');
  tag[3] = 4;
  // Syncsafe size: 7 bits per byte.
  tag[6] = (bodyBytes >> 21) & 0x7f;
  tag[7] = (bodyBytes >> 14) & 0x7f;
  tag[8] = (bodyBytes >> 7) & 0x7f;
  tag[9] = bodyBytes & 0x7f;
  tag.fill(0xff, 10); // would look like frame syncs if the tag were not skipped
  return tag;
}

const MPEG1_128K_44K: FrameSpec = { version: 1, bitrateIndex: 9, rateIndex: 0 };

describe('parseMp3FrameHeader', () => {
  it('decodes MPEG-1 128 kbps 44.1 kHz stereo', () => {
    expect(parseMp3FrameHeader(frame(MPEG1_128K_44K), 0)).toEqual({ version: 1, sampleRate: 44_100, channels: 2, frameBytes: 417, samplesPerFrame: 1_152 });
    expect(parseMp3FrameHeader(frame({ ...MPEG1_128K_44K, padding: true }), 0)!.frameBytes).toBe(418);
  });

  it('rejects reserved or free-format fields and other layers', () => {
    expect(parseMp3FrameHeader(Buffer.from([0xff, 0xfb, 0x00, 0x00]), 0)).toBeNull(); // free format
    expect(parseMp3FrameHeader(Buffer.from([0xff, 0xfb, 0xf0, 0x00]), 0)).toBeNull(); // bitrate 15
    expect(parseMp3FrameHeader(Buffer.from([0xff, 0xfb, 0x9c, 0x00]), 0)).toBeNull(); // rate index 3
    expect(parseMp3FrameHeader(Buffer.from([0xff, 0xfd, 0x90, 0x00]), 0)).toBeNull(); // layer II
    expect(parseMp3FrameHeader(Buffer.from([0xff, 0xeb, 0x90, 0x00]), 0)).toBeNull(); // reserved version
  });
});

describe('probeMp3', () => {
  it('counts MPEG-1 frames behind an ID3v2 tag and before an ID3v1 tag', () => {
    const tail = Buffer.alloc(128);
    tail.write('TAG', 0, 'latin1');
    const info = probeMp3(Buffer.concat([id3v2(300), frames(MPEG1_128K_44K, 100), tail]));
    expect(info.sampleRate).toBe(44_100);
    expect(info.channels).toBe(2);
    expect(info.durationMs).toBeCloseTo((100 * 1_152 * 1000) / 44_100, 6);
  });

  it('handles MPEG-2 and MPEG-2.5 mono', () => {
    const mpeg2 = probeMp3(frames({ version: 2, bitrateIndex: 8, rateIndex: 1, mono: true }, 50)); // 64 kbps, 24 kHz
    expect(mpeg2).toEqual({ sampleRate: 24_000, channels: 1, durationMs: (50 * 576 * 1000) / 24_000 });
    const mpeg25 = probeMp3(frames({ version: 2.5, bitrateIndex: 4, rateIndex: 2, mono: true }, 20)); // 32 kbps, 8 kHz
    expect(mpeg25.sampleRate).toBe(8_000);
    expect(mpeg25.durationMs).toBeCloseTo((20 * 576 * 1000) / 8_000, 6);
  });

  it('counts the frames present, not the Xing/Info frame count a file declares (which can lie)', () => {
    const xing = frame(MPEG1_128K_44K);
    xing.write('Xing', 4 + 32, 'latin1');
    xing.writeUInt32BE(0x01, 4 + 32 + 4);
    xing.writeUInt32BE(1_000, 4 + 32 + 8);
    const info = probeMp3(Buffer.concat([xing, frames(MPEG1_128K_44K, 5)]));
    expect(info.durationMs).toBeCloseTo((5 * 1_152 * 1000) / 44_100, 6);

    const monoInfo = frame({ version: 2, bitrateIndex: 8, rateIndex: 1, mono: true });
    monoInfo.write('Info', 4 + 9, 'latin1');
    monoInfo.writeUInt32BE(0x0f, 4 + 9 + 4);
    monoInfo.writeUInt32BE(250, 4 + 9 + 8);
    expect(probeMp3(Buffer.concat([monoInfo, frames({ version: 2, bitrateIndex: 8, rateIndex: 1, mono: true }, 3)])).durationMs).toBeCloseTo((3 * 576 * 1000) / 24_000, 6);
  });

  it('does not believe a VBRI frame count either', () => {
    const vbri = frame(MPEG1_128K_44K);
    vbri.write('VBRI', 4 + 32, 'latin1');
    vbri.writeUInt32BE(441, 4 + 32 + 14);
    expect(probeMp3(Buffer.concat([vbri, frames(MPEG1_128K_44K, 3)])).durationMs).toBeCloseTo((3 * 1_152 * 1000) / 44_100, 6);
  });

  it('skips junk before the first frame', () => {
    const info = probeMp3(Buffer.concat([Buffer.alloc(100), Buffer.from([0xff, 0xfb, 0x12]), frames(MPEG1_128K_44K, 10)]));
    expect(info.durationMs).toBeCloseTo((10 * 1_152 * 1000) / 44_100, 6);
  });

  it('throws AudioFormatError without a chain of valid frames', () => {
    const random = seededRandom(5);
    const noise = Buffer.from(Array.from({ length: 10_000 }, () => Math.floor(random() * 256)));
    for (const buf of [Buffer.alloc(0), Buffer.from('hello'), noise, Buffer.concat([frame(MPEG1_128K_44K).subarray(0, 4), Buffer.alloc(10)]), id3v2(50)]) {
      expect(() => probeMp3(buf)).toThrow(AudioFormatError);
    }
  });
});
