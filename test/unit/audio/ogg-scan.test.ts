import { describe, expect, it } from 'vitest';
import { AudioFormatError, AudioTooLongError } from '../../../src/audio/errors.ts';
import { decodeOggOpus, encodeOggOpus } from '../../../src/audio/ogg-opus.ts';
import { scanOggOpus } from '../../../src/audio/ogg-scan.ts';
import { speechLike } from '../../support/signals.ts';

describe('scanOggOpus: duration from the pages, before decoding', () => {
  const file = encodeOggOpus(speechLike(1_230, 48_000, 71, 2), 48_000, 2);

  it('gives exactly the duration the decoder outputs', () => {
    const scan = scanOggOpus(file);
    expect(scan.head.channels).toBe(2);
    expect(scan.durationMs).toBe(1_230);
    expect(scan.granuleFrames).toBe(scan.frames);
    expect(decodeOggOpus(file).durationMs).toBe(scan.durationMs);
  });

  it('counts the packets of a file cut short, as the decoder does', () => {
    const cut = file.subarray(0, Math.floor(file.length * 0.5));
    const scan = scanOggOpus(cut);
    expect(scan.truncated).toBe(true);
    expect(scan.granuleFrames).toBeUndefined();
    expect(decodeOggOpus(cut).durationMs).toBe(scan.durationMs);
  });

  it('leaves the checksum to the decoder', () => {
    const damaged = Buffer.from(file);
    damaged[damaged.length - 10] = damaged[damaged.length - 10]! ^ 0xff;
    expect(scanOggOpus(damaged).durationMs).toBe(1_230);
    expect(() => decodeOggOpus(damaged)).toThrow(AudioFormatError);
  });

  it('lets the decoder refuse before decoding when the pages are over the limit', () => {
    expect(() => decodeOggOpus(file, { maxFrames: 48_000 })).toThrow(AudioTooLongError);
    expect(decodeOggOpus(file, { maxFrames: 60_000 }).durationMs).toBe(1_230);
  });

  it('refuses what is not Ogg Opus', () => {
    for (const bytes of [Buffer.from('not ogg at all'), Buffer.alloc(0)]) expect(() => scanOggOpus(bytes)).toThrow(AudioFormatError);
  });
});
