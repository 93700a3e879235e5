import { describe, expect, it } from 'vitest';
import { MAX_WAVEFORM_BYTES, voiceMessageWaveform } from '../../../src/audio/waveform.ts';
import { concat, silence, speechLike, tone } from '../../support/signals.ts';

function decode(waveform: string): number[] {
  return Array.from(Buffer.from(waveform, 'base64'));
}

describe('voiceMessageWaveform', () => {
  it('gives at most 256 bytes in 0-255 with the loudest slice at 255', () => {
    const values = decode(voiceMessageWaveform(speechLike(5_000, 24_000, 31), 1));
    expect(values.length).toBe(MAX_WAVEFORM_BYTES);
    expect(Math.max(...values)).toBe(255);
    expect(values.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
  });

  it('follows loudness over time (stereo input)', () => {
    const pcm = concat(tone(300, 1_000, 48_000, { channels: 2, amplitude: 0.5 }), silence(1_000, 48_000, 2), tone(300, 1_000, 48_000, { channels: 2, amplitude: 0.1 }));
    const values = decode(voiceMessageWaveform(pcm, 2));
    expect(values.length).toBe(256);
    const third = Math.floor(256 / 3);
    expect(values.slice(2, third - 2).every((v) => v >= 250)).toBe(true);
    expect(values.slice(third + 2, 2 * third - 2).every((v) => v === 0)).toBe(true);
    expect(values.slice(2 * third + 3, 254).every((v) => v >= 45 && v <= 58)).toBe(true); // 0.1 / 0.5 of 255
  });

  it('handles short, silent and empty recordings', () => {
    expect(decode(voiceMessageWaveform(tone(440, 2, 24_000), 1)).length).toBe(48);
    expect(decode(voiceMessageWaveform(silence(2_000, 24_000), 1)).every((v) => v === 0)).toBe(true);
    expect(decode(voiceMessageWaveform(new Int16Array(0), 1))).toEqual([0]);
    expect(() => voiceMessageWaveform(new Int16Array(4), 0)).toThrow(RangeError);
  });
});
