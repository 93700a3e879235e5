import { describe, expect, it } from 'vitest';
import { AudioFormatError } from '../../../src/audio/errors.ts';
import { decodeOggOpus, encodeOggOpus } from '../../../src/audio/ogg-opus.ts';
import { readOggPackets, writeOggPages, type OggPacketToWrite } from '../../../src/audio/ogg.ts';
import { resampleMono } from '../../../src/audio/resample.ts';
import { mixToMono, normalizedCrossCorrelation } from '../../support/compare.ts';
import { speechLike, tone } from '../../support/signals.ts';

/** Rebuilds an Ogg Opus file after editing its packets (keeps header page boundaries and granules). */
function rewrite(file: Buffer, edit: (packets: Buffer[]) => Buffer[]): Buffer {
  const read = readOggPackets(file);
  const edited = edit(read.packets.map((p) => Buffer.from(p)));
  let granule = 0;
  const packets: OggPacketToWrite[] = edited.map((data, i) => {
    if (i >= 2) granule = read.granules[i] !== undefined && read.granules[i]! >= 0 ? read.granules[i]! : granule + 960;
    return { data, granule: i < 2 ? 0 : granule, flushPageAfter: i < 2 };
  });
  packets.at(-1)!.granule = read.lastGranule;
  return writeOggPages(packets, { serial: read.serial });
}

describe('encodeOggOpus', () => {
  it('writes OpusHead/OpusTags pages and 20 ms packets with 48 kHz granules', () => {
    const pcm = speechLike(1_010, 24_000, 11);
    const file = encodeOggOpus(pcm, 24_000, 1, { serial: 42 });
    expect(file.subarray(0, 4).toString('latin1')).toBe('OggS');
    expect(file[5]).toBe(0x02); // BOS
    const read = readOggPackets(file);
    expect(read.serial).toBe(42);
    expect(read.eos).toBe(true);
    const head = read.packets[0]!;
    expect(head.subarray(0, 8).toString('latin1')).toBe('OpusHead');
    expect(head[8]).toBe(1);
    expect(head[9]).toBe(1);
    expect(head.readUInt16LE(10)).toBe(312);
    expect(head.readUInt32LE(12)).toBe(24_000);
    expect(read.packets[1]!.subarray(0, 8).toString('latin1')).toBe('OpusTags');
    expect(read.granules.slice(0, 2)).toEqual([0, 0]);
    // 1010 ms plus the 6.5 ms pre-skip needs 51 packets of 20 ms; the last granule trims the padding.
    expect(read.packets.length - 2).toBe(Math.ceil((312 + 1_010 * 48) / 960));
    expect(read.lastGranule).toBe(312 + 1_010 * 48);
    for (const packet of read.packets.slice(2)) expect(packet[0]! & 0x03).toBe(0); // one 20 ms frame each
  });

  it('rejects unsupported layouts', () => {
    expect(() => encodeOggOpus(new Int16Array(3), 48_000, 2)).toThrow(RangeError);
    expect(() => encodeOggOpus(new Int16Array(4), 44_100 as 48_000, 1)).toThrow(RangeError);
  });
});

describe('encodeOggOpus -> decodeOggOpus', () => {
  it('round-trips 24 kHz mono speech: 48 kHz out, same duration, correlation >= 0.95 at lag 0', () => {
    const pcm = speechLike(1_500, 24_000, 12);
    const decoded = decodeOggOpus(encodeOggOpus(pcm, 24_000, 1));
    expect(decoded.sampleRate).toBe(48_000);
    expect(decoded.channels).toBe(1);
    expect(decoded.inputSampleRate).toBe(24_000);
    expect(decoded.corruptPackets).toBe(0);
    expect(Math.abs(decoded.durationMs - 1_500)).toBeLessThanOrEqual(20);
    expect(decoded.pcm.length).toBe(1_500 * 48);
    const reference = resampleMono(pcm, 24_000, 48_000);
    const { peak, lag } = normalizedCrossCorrelation(reference, decoded.pcm, 480);
    // libopus's hybrid (SILK) path, picked for speech, can shift the waveform by a sample or two.
    expect(Math.abs(lag)).toBeLessThanOrEqual(2);
    expect(peak).toBeGreaterThanOrEqual(0.95);
  });

  it('round-trips 48 kHz stereo with distinct channels', () => {
    const leftChannel = speechLike(800, 48_000, 13);
    const rightChannel = tone(700, 800, 48_000, { amplitude: 0.3 });
    const stereo = new Int16Array(leftChannel.length * 2);
    for (let i = 0; i < leftChannel.length; i++) {
      stereo[2 * i] = leftChannel[i]!;
      stereo[2 * i + 1] = rightChannel[i]!;
    }
    const decoded = decodeOggOpus(encodeOggOpus(stereo, 48_000, 2));
    expect(decoded.channels).toBe(2);
    expect(decoded.pcm.length).toBe(stereo.length);
    const decodedLeft = Int16Array.from({ length: leftChannel.length }, (_, i) => decoded.pcm[2 * i]!);
    const decodedRight = Int16Array.from({ length: leftChannel.length }, (_, i) => decoded.pcm[2 * i + 1]!);
    const leftMatch = normalizedCrossCorrelation(leftChannel, decodedLeft, 480);
    expect(Math.abs(leftMatch.lag)).toBeLessThanOrEqual(2);
    expect(leftMatch.peak).toBeGreaterThanOrEqual(0.95);
    expect(normalizedCrossCorrelation(rightChannel, decodedRight, 480).peak).toBeGreaterThanOrEqual(0.95);
    expect(mixToMono(decoded.pcm, 2).length).toBe(leftChannel.length);
  });

  it('handles empty and sub-frame inputs', () => {
    expect(decodeOggOpus(encodeOggOpus(new Int16Array(0), 48_000, 1)).pcm.length).toBe(0);
    expect(decodeOggOpus(encodeOggOpus(tone(440, 5, 24_000), 24_000, 1)).pcm.length).toBe(240);
  });

  it('applies the OpusHead output gain', () => {
    const file = encodeOggOpus(tone(440, 300, 48_000, { amplitude: 0.2 }), 48_000, 1);
    const louder = rewrite(file, (packets) => {
      packets[0]!.writeInt16LE(6 * 256, 16); // +6 dB in Q7.8
      return packets;
    });
    const rms = (x: Int16Array): number => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
    const ratio = rms(decodeOggOpus(louder).pcm) / rms(decodeOggOpus(file).pcm);
    expect(ratio).toBeGreaterThan(1.9);
    expect(ratio).toBeLessThan(2.1);
  });
});

describe('decodeOggOpus on damaged input', () => {
  const pcm = speechLike(1_000, 48_000, 14);
  const file = encodeOggOpus(pcm, 48_000, 1);

  it('replaces a packet that fails to decode with silence of its duration', () => {
    // CELT 10 ms config, code 1 (two equal frames) with an odd payload: libopus rejects it.
    const damaged = rewrite(file, (packets) => {
      packets[20] = Buffer.from([(30 << 3) | 1, 1, 2, 3]);
      return packets;
    });
    const decoded = decodeOggOpus(damaged);
    expect(decoded.corruptPackets).toBe(1);
    expect(decoded.pcm.length).toBe(pcm.length);
    // Packet 18 of the audio covers 48 kHz samples [18 * 960, 19 * 960) before the 312 pre-skip.
    const silentStart = 18 * 960 - 312;
    const gap = decoded.pcm.subarray(silentStart, silentStart + 960);
    expect(gap.every((v) => v === 0)).toBe(true);
    expect(normalizedCrossCorrelation(pcm, decoded.pcm, 48).peak).toBeGreaterThan(0.9);
  });

  it('decodes what is there when the file is cut short', () => {
    const cut = file.subarray(0, Math.floor(file.length * 0.6));
    const decoded = decodeOggOpus(cut);
    expect(decoded.truncated).toBe(true);
    expect(decoded.durationMs).toBeGreaterThan(300);
    expect(decoded.durationMs).toBeLessThan(1_000);
  });

  it('throws AudioFormatError for wrong headers, no audio, undecodable audio, or corruption', () => {
    const cases: Record<string, Buffer> = {
      'random bytes': Buffer.from('definitely not an ogg file'),
      'not opus': rewrite(file, (packets) => [Buffer.from('\x01vorbis' + 'x'.repeat(30), 'latin1'), ...packets.slice(1)]),
      'no tags': rewrite(file, (packets) => [packets[0]!, ...packets.slice(2)]),
      'three channels': rewrite(file, (packets) => {
        packets[0]![9] = 3;
        return packets;
      }),
      'no audio packets': rewrite(file, (packets) => packets.slice(0, 2)),
      'nothing decodes': rewrite(file, (packets) => [packets[0]!, packets[1]!, Buffer.from([0xf1, 1, 2, 3]), Buffer.alloc(0)]),
      'crc damage': (() => {
        const copy = Buffer.from(file);
        copy[copy.length - 10] = copy[copy.length - 10]! ^ 0xff;
        return copy;
      })(),
    };
    for (const [name, buf] of Object.entries(cases)) {
      expect(() => decodeOggOpus(buf), name).toThrow(AudioFormatError);
    }
  });
});
