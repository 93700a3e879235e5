import { describe, expect, it } from 'vitest';
import { activeDurationMs, mixToMono, normalizedCrossCorrelation, snrDb, toneAmplitude, trimSilence } from '../../support/compare.ts';
import { concat, silence, speechLike, tone, whiteNoise } from '../../support/signals.ts';

function delayed(x: Int16Array, samples: number): Int16Array {
  return samples >= 0 ? concat(new Int16Array(samples), x) : x.slice(-samples);
}

function add(a: Int16Array, b: Int16Array): Int16Array {
  return Int16Array.from(a, (v, i) => Math.max(-32_768, Math.min(32_767, v + (b[i] ?? 0))));
}

describe('signals', () => {
  it('tone has the requested amplitude, length and channel layout', () => {
    const stereo = tone(1_000, 100, 48_000, { amplitude: 0.25, channels: 2 });
    expect(stereo.length).toBe(9_600);
    expect(stereo[200]).toBe(stereo[201]);
    expect(toneAmplitude(mixToMono(stereo, 2), 1_000, 48_000)).toBeCloseTo(0.25 * 32_767, -1);
  });

  it('speechLike is deterministic, -6 dBFS peak, active over its whole length', () => {
    const a = speechLike(2_000, 24_000, 5);
    expect(speechLike(2_000, 24_000, 5)).toEqual(a);
    expect(Math.max(...a.map(Math.abs))).toBeGreaterThan(16_000);
    expect(Math.max(...a.map(Math.abs))).toBeLessThanOrEqual(16_384);
    expect(activeDurationMs(a, 24_000, 1)).toBeGreaterThanOrEqual(1_970);
    expect(speechLike(500, 48_000, 5, 2).length).toBe(48_000);
  });

  it('speechLike does not correlate with other seeds or with a shifted copy of itself', () => {
    const a = speechLike(3_000, 24_000, 6);
    expect(normalizedCrossCorrelation(a, speechLike(3_000, 24_000, 7), 2_400).peak).toBeLessThan(0.3);
    // Against itself 100 ms later, no lag within +/-50 ms lines the two up.
    const later = a.subarray(2_400);
    const early = a.subarray(0, a.length - 2_400);
    expect(normalizedCrossCorrelation(early, later, 1_200).peak).toBeLessThan(0.3);
  });
});

describe('normalizedCrossCorrelation', () => {
  it('finds positive and negative delays exactly (direct path)', () => {
    const a = speechLike(200, 24_000, 8);
    for (const shift of [0, 1, 17, -23]) {
      const result = normalizedCrossCorrelation(a, delayed(a, shift), 100);
      expect(result.lag).toBe(shift);
      expect(result.peak).toBeGreaterThan(0.97);
    }
  });

  it('agrees with the direct sum on the FFT path', () => {
    const a = speechLike(1_000, 48_000, 9);
    const b = add(delayed(a, 1_234), whiteNoise(1_100, 48_000, 1, 0.05));
    const fft = normalizedCrossCorrelation(a, b, 4_800); // 48k x 9601 lags: FFT
    expect(fft.lag).toBe(1_234);
    const small = normalizedCrossCorrelation(a, b, 1_300); // still FFT-sized; compare with a brute-force value
    let dot = 0;
    let ea = 0;
    let eb = 0;
    for (let i = 0; i < a.length; i++) dot += a[i]! * b[i + 1_234]!;
    for (const v of a) ea += v * v;
    for (const v of b) eb += v * v;
    expect(small.peak).toBeCloseTo(dot / Math.sqrt(ea * eb), 9);
    expect(fft.peak).toBeCloseTo(small.peak, 9);
  });

  it('aligns 30 s at 48 kHz quickly (coarse FFT + exact refinement)', () => {
    const a = speechLike(30_000, 48_000, 10);
    const b = delayed(a, -777);
    const started = performance.now();
    const result = normalizedCrossCorrelation(a, b, 48_000);
    const elapsed = performance.now() - started;
    console.log(`cross-correlation of 30 s at 48 kHz, +/-1 s lags: ${elapsed.toFixed(0)} ms`);
    expect(result.lag).toBe(-777);
    expect(result.peak).toBeGreaterThan(0.99);
    expect(elapsed).toBeLessThan(5_000); // typically ~0.2 s; loose for busy CI machines
  }, 30_000);

  it('returns peak 0 for silence', () => {
    expect(normalizedCrossCorrelation(new Int16Array(100), tone(440, 10, 24_000), 10)).toEqual({ peak: 0, lag: 0 });
  });
});

describe('snrDb', () => {
  it('is infinite for identical signals and about right for known noise, after alignment', () => {
    const a = speechLike(1_000, 24_000, 11);
    expect(snrDb(a, delayed(a, 50), 100)).toBe(Infinity);
    const noisy = add(a, whiteNoise(1_000, 24_000, 2, 0.01));
    const expected = 10 * Math.log10(a.reduce((s, v) => s + v * v, 0) / a.length / ((0.01 * 32_767) ** 2 / 3));
    expect(snrDb(a, noisy)).toBeGreaterThan(expected - 1);
    expect(snrDb(a, noisy)).toBeLessThan(expected + 1);
  });
});

describe('trimSilence / activeDurationMs', () => {
  const burst = concat(silence(300, 48_000, 2), tone(440, 1_200, 48_000, { channels: 2 }), silence(500, 48_000, 2));

  it('trimSilence removes quiet edges by whole frames', () => {
    const trimmed = trimSilence(burst, 256, 2);
    expect(trimmed.length % 2).toBe(0);
    expect(trimmed.length / 2 / 48).toBeGreaterThan(1_195);
    expect(trimmed.length / 2 / 48).toBeLessThanOrEqual(1_200);
    expect(trimSilence(silence(100, 24_000), 10).length).toBe(0);
  });

  it('activeDurationMs measures the sound between the silences', () => {
    expect(activeDurationMs(burst, 48_000, 2)).toBeGreaterThanOrEqual(1_190);
    expect(activeDurationMs(burst, 48_000, 2)).toBeLessThanOrEqual(1_220);
    expect(activeDurationMs(silence(1_000, 24_000), 24_000, 1)).toBe(0);
    expect(activeDurationMs(tone(440, 1_000, 24_000, { amplitude: 0.001 }), 24_000, 1)).toBe(0); // -60 dBFS
  });
});
