import { describe, expect, it } from 'vitest';
import { Downsampler48kStereoTo24kMono, Upsampler24kMonoTo48kStereo, resampleMono } from '../../../src/audio/resample.ts';
import { monoToStereo, stereoToMono } from '../../../src/audio/format.ts';
import { amplitudeDb, normalizedCrossCorrelation, snrDb, toneAmplitude } from '../../support/compare.ts';
import { concat, speechLike, tone } from '../../support/signals.ts';

/** Feeds `input` in chunks of the given sizes (cycled), then flushes; returns all output. */
function runStream(stage: { push(x: Int16Array): Int16Array; flush(): Int16Array }, input: Int16Array, chunkSizes: readonly number[]): Int16Array {
  const outputs: Int16Array[] = [];
  let offset = 0;
  for (let i = 0; offset < input.length; i++) {
    const size = chunkSizes[i % chunkSizes.length]!;
    outputs.push(stage.push(input.subarray(offset, offset + size)));
    offset += size;
  }
  outputs.push(stage.flush());
  return concat(...outputs);
}

function left(stereo: Int16Array): Int16Array {
  return Int16Array.from({ length: stereo.length / 2 }, (_, i) => stereo[2 * i]!);
}

/** Middle part, away from the zero-padded edges. */
function middle(x: Int16Array, margin: number): Int16Array {
  return x.subarray(margin, x.length - margin);
}

describe('Upsampler24kMonoTo48kStereo', () => {
  it('emits exactly 2x the input (as identical stereo pairs) for any chunking', () => {
    const input = speechLike(537, 24_000, 1);
    const reference = runStream(new Upsampler24kMonoTo48kStereo(), input, [480]);
    expect(reference.length).toBe(input.length * 4);
    for (const chunks of [[1], [7, 0, 480, 3], [input.length], [1_000, 1]]) {
      expect(runStream(new Upsampler24kMonoTo48kStereo(), input, chunks)).toEqual(reference);
    }
    const l = left(reference);
    expect(Array.from({ length: 100 }, (_, i) => reference[2 * i + 1])).toEqual(Array.from(l.subarray(0, 100)));
  });

  it('is reusable after flush', () => {
    const upsampler = new Upsampler24kMonoTo48kStereo();
    const input = tone(440, 100, 24_000);
    const first = runStream(upsampler, input, [480]);
    expect(runStream(upsampler, input, [480])).toEqual(first);
  });

  it('keeps a 1 kHz tone aligned with the same tone generated at 48 kHz (no lag)', () => {
    const up = left(runStream(new Upsampler24kMonoTo48kStereo(), tone(1_000, 1_000, 24_000), [480]));
    const expected = tone(1_000, 1_000, 48_000);
    const { peak, lag } = normalizedCrossCorrelation(expected, up, 24);
    expect(lag).toBe(0);
    expect(peak).toBeGreaterThanOrEqual(0.99);
    expect(snrDb(middle(expected, 200), middle(up, 200), 0)).toBeGreaterThan(50);
  });

  it('suppresses the spectral image of a 5 kHz tone (at 19 kHz) by at least 50 dB', () => {
    const up = left(runStream(new Upsampler24kMonoTo48kStereo(), tone(5_000, 500, 24_000), [480]));
    const wanted = toneAmplitude(middle(up, 200), 5_000, 48_000);
    const image = toneAmplitude(middle(up, 200), 19_000, 48_000);
    expect(amplitudeDb(wanted, 16_383)).toBeGreaterThan(-0.5);
    expect(amplitudeDb(image, wanted)).toBeLessThan(-50);
  });

  it('saturates instead of wrapping around on full-scale square waves', () => {
    const square = Int16Array.from({ length: 2_400 }, (_, i) => (Math.floor(i / 24) % 2 === 0 ? 32_767 : -32_768));
    const up = left(runStream(new Upsampler24kMonoTo48kStereo(), square, [480]));
    for (let i = 100; i < up.length - 100; i++) {
      const source = square[Math.floor(i / 2)]!;
      // Away from each edge the output must keep the sign of the plateau it sits on.
      const edgeDistance = Math.min(i % 48, 48 - (i % 48));
      if (edgeDistance > 4) expect(Math.sign(up[i]!)).toBe(Math.sign(source));
    }
  });
});

describe('Downsampler48kStereoTo24kMono', () => {
  it('emits ceil(frames / 2) samples for any chunking, including split stereo pairs', () => {
    const stereo = monoToStereo(speechLike(333, 48_000, 2));
    const reference = runStream(new Downsampler48kStereoTo24kMono(), stereo, [1_920]);
    expect(reference.length).toBe(Math.ceil(stereo.length / 4));
    for (const chunks of [[1], [3, 1_921, 0, 5], [stereo.length]]) {
      expect(runStream(new Downsampler48kStereoTo24kMono(), stereo, chunks)).toEqual(reference);
    }
  });

  it('passes 1 kHz aligned and attenuates 15 kHz by at least 40 dB (no aliasing to 9 kHz)', () => {
    const pass = runStream(new Downsampler48kStereoTo24kMono(), tone(1_000, 500, 48_000, { channels: 2 }), [1_920]);
    const { peak, lag } = normalizedCrossCorrelation(tone(1_000, 500, 24_000), pass, 12);
    expect(lag).toBe(0);
    expect(peak).toBeGreaterThanOrEqual(0.99);

    const input = tone(15_000, 500, 48_000, { channels: 2 });
    const out = runStream(new Downsampler48kStereoTo24kMono(), input, [1_920]);
    const alias = toneAmplitude(middle(out, 100), 9_000, 24_000);
    const rms = Math.sqrt(middle(out, 100).reduce((sum, v) => sum + v * v, 0) / (out.length - 200));
    expect(amplitudeDb(alias + 1e-9, 16_383)).toBeLessThan(-40);
    expect(amplitudeDb(rms * Math.SQRT2 + 1e-9, 16_383)).toBeLessThan(-40);
  });

  it('mixes the two channels to mono', () => {
    const leftTone = tone(500, 300, 48_000);
    const stereo = new Int16Array(leftTone.length * 2);
    leftTone.forEach((v, i) => (stereo[2 * i] = v)); // right channel silent
    const out = runStream(new Downsampler48kStereoTo24kMono(), stereo, [1_920]);
    expect(amplitudeDb(toneAmplitude(middle(out, 100), 500, 24_000), 16_383)).toBeCloseTo(-6.02, 0);
  });

  it('inverts the upsampler: down(up(speech)) matches the original above 40 dB SNR', () => {
    const speech = speechLike(2_000, 24_000, 3);
    const up = runStream(new Upsampler24kMonoTo48kStereo(), speech, [480]);
    const back = runStream(new Downsampler48kStereoTo24kMono(), up, [1_920]);
    expect(back.length).toBe(speech.length);
    expect(snrDb(speech, back, 0)).toBeGreaterThan(40);
  });
});

describe('resampleMono', () => {
  const cases = [
    [44_100, 24_000],
    [24_000, 44_100],
    [16_000, 48_000],
    [48_000, 24_000],
    [22_050, 24_000],
    [44_056, 24_000],
    [8_000, 24_000],
  ] as const;
  it.each(cases)('%i Hz -> %i Hz keeps a 1 kHz tone aligned with the ideal length', (fromRate, toRate) => {
    const input = tone(1_000, 500, fromRate);
    const out = resampleMono(input, fromRate, toRate);
    expect(out.length).toBe(Math.ceil((input.length * toRate) / fromRate));
    const { peak, lag } = normalizedCrossCorrelation(tone(1_000, 500, toRate), out, 16);
    expect(lag).toBe(0);
    expect(peak).toBeGreaterThanOrEqual(0.99);
  });

  it('anti-aliases: 44.1 kHz -> 24 kHz removes a 15 kHz tone by at least 40 dB', () => {
    const out = resampleMono(tone(15_000, 500, 44_100), 44_100, 24_000);
    const alias = toneAmplitude(middle(out, 200), 24_000 - 15_000, 24_000);
    expect(amplitudeDb(alias + 1e-9, 16_383)).toBeLessThan(-40);
  });

  it('copies when the rates match and rejects nonsense rates', () => {
    const input = tone(440, 10, 24_000);
    const out = resampleMono(input, 24_000, 24_000);
    expect(out).toEqual(input);
    expect(out).not.toBe(input);
    expect(() => resampleMono(input, 0, 24_000)).toThrow(RangeError);
    expect(() => resampleMono(input, 24_000, 11_025.5)).toThrow(RangeError);
  });
});

describe('throughput (printed, loosely asserted)', () => {
  it('runs far faster than real time in 20 ms frames', () => {
    const seconds = 20;
    const frame24k = speechLike(20, 24_000, 4);
    const frame48k = monoToStereo(speechLike(20, 48_000, 5));
    const upsampler = new Upsampler24kMonoTo48kStereo();
    const downsampler = new Downsampler48kStereoTo24kMono();
    const frames = (seconds * 1000) / 20;
    let started = performance.now();
    for (let i = 0; i < frames; i++) upsampler.push(frame24k);
    const upMs = performance.now() - started;
    started = performance.now();
    for (let i = 0; i < frames; i++) downsampler.push(frame48k);
    const downMs = performance.now() - started;
    const upRealTime = (seconds * 1000) / upMs;
    const downRealTime = (seconds * 1000) / downMs;
    console.log(`resample throughput: up 24k->48k x${upRealTime.toFixed(0)} real time, down 48k->24k x${downRealTime.toFixed(0)} real time`);
    // Loose floor only (the machine may be busy); 100 conversations need x100 on one core.
    expect(upRealTime).toBeGreaterThan(20);
    expect(downRealTime).toBeGreaterThan(20);
    expect(stereoToMono(frame48k).length).toBe(960);
  });
});
