import { describe, expect, it } from 'vitest';
import { detectContainer } from '../../../src/audio/detect.ts';
import { encodeOggOpus } from '../../../src/audio/ogg-opus.ts';
import { writeOggPages } from '../../../src/audio/ogg.ts';
import { encodeWav } from '../../../src/audio/wav.ts';
import { seededRandom, tone } from '../../support/signals.ts';

function mp3Frames(count: number): Buffer {
  const frame = Buffer.alloc(417);
  frame.set([0xff, 0xfb, 0x90, 0x00]); // MPEG-1 layer III, 128 kbps, 44.1 kHz
  return Buffer.concat(Array.from({ length: count }, () => frame));
}

describe('detectContainer', () => {
  it('recognizes each container by its bytes', () => {
    expect(detectContainer(encodeWav(tone(440, 10, 24_000), 24_000, 1))).toBe('wav');
    expect(detectContainer(encodeOggOpus(tone(440, 100, 24_000), 24_000, 1))).toBe('ogg-opus');
    expect(detectContainer(writeOggPages([{ data: Buffer.from('\x01vorbis\x00\x00\x00\x00', 'latin1'), granule: 0 }], { serial: 1 }))).toBe('ogg-other');
    expect(detectContainer(mp3Frames(5))).toBe('mp3');
    const id3 = Buffer.alloc(20);
    id3.write('ID3', 0, 'latin1');
    id3[9] = 10;
    expect(detectContainer(Buffer.concat([id3, mp3Frames(5)]))).toBe('mp3');
  });

  it('says unknown for anything else', () => {
    const random = seededRandom(3);
    const noise = Buffer.from(Array.from({ length: 4_096 }, () => Math.floor(random() * 256)));
    expect(detectContainer(Buffer.alloc(0))).toBe('unknown');
    expect(detectContainer(noise)).toBe('unknown');
    expect(detectContainer(Buffer.from('fLaC\x00\x00\x00\x22', 'latin1'))).toBe('unknown');
    expect(detectContainer(Buffer.from('RIFF\x00\x00\x00\x00AVI ', 'latin1'))).toBe('unknown');
    expect(detectContainer(Buffer.from('<!DOCTYPE html><html>', 'latin1'))).toBe('unknown');
    const id3ThenFlac = Buffer.concat([Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x02', 'latin1'), Buffer.from('..fLaC')]);
    expect(detectContainer(id3ThenFlac)).toBe('unknown');
  });
});
