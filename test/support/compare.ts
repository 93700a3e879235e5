/**
 * Signal comparison for tests: alignment by normalized cross-correlation (FFT-based),
 * SNR after alignment, silence trimming and active duration.
 */
import { fftInPlace, nextPowerOfTwo } from './fft.ts';

/** Mono samples in any numeric typed array. */
export type Samples = Int16Array | Float32Array | Float64Array;

/** Result of {@link normalizedCrossCorrelation}. */
export interface Correlation {
  /** Highest normalized correlation found (1 = identical shape; ~0 = unrelated). */
  peak: number;
  /** Lag of the peak: test[i + lag] best matches reference[i] (positive = test is late). */
  lag: number;
}

/** Below this many multiply-adds the direct sum is cheaper than FFTs. */
const DIRECT_WORK_LIMIT = 4_000_000;

/**
 * Finds the lag in [-maxLagSamples, maxLagSamples] that best aligns `test` with `reference`
 * (both mono). Normalized by the energies of the whole signals, so extra content in either
 * lowers the peak. Short problems are solved exactly (direct sum or FFT); long ones by an FFT
 * search on block-averaged copies followed by an exact search around the coarse peak, so
 * 30 s at 48 kHz takes well under a second.
 */
export function normalizedCrossCorrelation(reference: Samples, test: Samples, maxLagSamples: number): Correlation {
  const energy = Math.sqrt(sumSquares(reference) * sumSquares(test));
  if (energy === 0) return { peak: 0, lag: 0 };
  const maxLag = Math.max(0, Math.floor(maxLagSamples));
  const size = Math.max(reference.length, test.length) + maxLag + 1;
  if (reference.length * (2 * maxLag + 1) <= DIRECT_WORK_LIMIT) return bestLag(directCorrelation(reference, test, -maxLag, maxLag), energy);
  if (size <= MAX_EXACT_FFT_SIZE) return bestLag(fftCorrelation(reference, test, maxLag), energy);

  const factor = Math.ceil(size / MAX_EXACT_FFT_SIZE);
  const coarseLag = bestLag(fftCorrelation(blockAverage(reference, factor), blockAverage(test, factor), Math.ceil(maxLag / factor)), 1).lag * factor;
  const from = Math.max(-maxLag, coarseLag - 2 * factor);
  const to = Math.min(maxLag, coarseLag + 2 * factor);
  return bestLag(directCorrelation(reference, test, from, to), energy);
}

/** FFT sizes up to this are used at full rate (about 50 ms per transform). */
const MAX_EXACT_FFT_SIZE = 1 << 18;

/** Raw correlation values for an inclusive lag range. */
interface LagValues {
  from: number;
  to: number;
  at: (lag: number) => number;
}

function bestLag(values: LagValues, energy: number): Correlation {
  let best = -Infinity;
  let lagOfBest = 0;
  for (let lag = values.from; lag <= values.to; lag++) {
    const value = values.at(lag);
    if (value > best || (value === best && Math.abs(lag) < Math.abs(lagOfBest))) {
      best = value;
      lagOfBest = lag;
    }
  }
  return { peak: best / energy, lag: lagOfBest };
}

function blockAverage(x: Samples, factor: number): Float64Array {
  const out = new Float64Array(Math.ceil(x.length / factor));
  for (let i = 0; i < x.length; i++) {
    const block = (i / factor) | 0;
    out[block] = out[block]! + x[i]!;
  }
  return out;
}

function sumSquares(x: Samples): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]! * x[i]!;
  return sum;
}

function directCorrelation(reference: Samples, test: Samples, fromLag: number, toLag: number): LagValues {
  const values = new Float64Array(toLag - fromLag + 1);
  for (let lag = fromLag; lag <= toLag; lag++) {
    const from = Math.max(0, -lag);
    const to = Math.min(reference.length, test.length - lag);
    let sum = 0;
    for (let i = from; i < to; i++) sum += reference[i]! * test[i + lag]!;
    values[lag - fromLag] = sum;
  }
  return { from: fromLag, to: toLag, at: (lag) => values[lag - fromLag]! };
}

/** Circular correlation via one complex FFT of (reference + i*test) and one inverse. */
function fftCorrelation(reference: Samples, test: Samples, maxLag: number): LagValues {
  const size = nextPowerOfTwo(Math.max(reference.length, test.length) + maxLag + 1);
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  re.set(reference);
  im.set(test);
  fftInPlace(re, im);
  // Split Z into R (reference) and T (test) spectra and form conj(R) * T; conjugate it for the inverse.
  for (let k = 0; k <= size / 2; k++) {
    const mirror = (size - k) % size;
    const zr = re[k]!, zi = im[k]!, mr = re[mirror]!, mi = im[mirror]!;
    const rr = (zr + mr) / 2, ri = (zi - mi) / 2; // R[k]
    const tr = (zi + mi) / 2, ti = (mr - zr) / 2; // T[k]
    // C[k] = conj(R[k]) * T[k]; C[N-k] = conj(C[k]) for real signals.
    const cr = rr * tr + ri * ti;
    const ci = rr * ti - ri * tr;
    re[k] = cr;
    im[k] = -ci;
    re[mirror] = cr;
    im[mirror] = ci;
  }
  fftInPlace(re, im); // fft(conj(C)) = conj(N * ifft(C)); the real part is all we need
  return { from: -maxLag, to: maxLag, at: (lag) => re[lag >= 0 ? lag : size + lag]! / size };
}

/**
 * Signal-to-noise ratio in dB of `test` against `reference` (mono) after aligning them by
 * cross-correlation within `maxLagSamples`; computed over the overlapping part. No gain fit.
 */
export function snrDb(reference: Samples, test: Samples, maxLagSamples = 4_800): number {
  const { lag } = normalizedCrossCorrelation(reference, test, maxLagSamples);
  const from = Math.max(0, -lag);
  const to = Math.min(reference.length, test.length - lag);
  let signal = 0;
  let noise = 0;
  for (let i = from; i < to; i++) {
    const r = reference[i]!;
    const error = r - test[i + lag]!;
    signal += r * r;
    noise += error * error;
  }
  if (noise === 0) return Infinity;
  return 10 * Math.log10(signal / noise);
}

/**
 * Drops leading and trailing frames in which no channel exceeds `threshold` (absolute int16
 * amplitude). Returns a view; empty when everything is below the threshold.
 */
export function trimSilence(pcm: Int16Array, threshold = 256, channels = 1): Int16Array {
  const frames = Math.floor(pcm.length / channels);
  const loud = (frame: number): boolean => {
    for (let c = 0; c < channels; c++) if (Math.abs(pcm[frame * channels + c]!) > threshold) return true;
    return false;
  };
  let first = 0;
  while (first < frames && !loud(first)) first++;
  if (first === frames) return pcm.subarray(0, 0);
  let last = frames - 1;
  while (last > first && !loud(last)) last--;
  return pcm.subarray(first * channels, (last + 1) * channels);
}

/** Length of 10 ms analysis windows in {@link activeDurationMs}. */
export const ACTIVITY_WINDOW_MS = 10;

/**
 * Time from the start of the first to the end of the last 10 ms window whose RMS exceeds
 * `thresholdDbfs` (default -40 dBFS), in ms: "how long is the sound, ignoring silence at the
 * edges". Quiet gaps inside count. 0 for silence.
 */
export function activeDurationMs(pcm: Int16Array, rate: number, channels: number, thresholdDbfs = -40): number {
  const windowFrames = Math.max(1, Math.round((rate * ACTIVITY_WINDOW_MS) / 1000));
  const frames = Math.floor(pcm.length / channels);
  const thresholdSquares = (32_768 * 10 ** (thresholdDbfs / 20)) ** 2;
  let firstActive = -1;
  let lastActiveEnd = -1;
  for (let start = 0; start < frames; start += windowFrames) {
    const end = Math.min(frames, start + windowFrames);
    let sum = 0;
    for (let i = start * channels; i < end * channels; i++) sum += pcm[i]! * pcm[i]!;
    if (sum / ((end - start) * channels) > thresholdSquares) {
      if (firstActive < 0) firstActive = start;
      lastActiveEnd = end;
    }
  }
  return firstActive < 0 ? 0 : ((lastActiveEnd - firstActive) / rate) * 1000;
}

/** Averages interleaved channels into mono floats (for comparing stereo captures). */
export function mixToMono(pcm: Int16Array, channels: number): Float32Array {
  const out = new Float32Array(Math.floor(pcm.length / channels));
  for (let n = 0; n < out.length; n++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += pcm[n * channels + c]!;
    out[n] = sum / channels;
  }
  return out;
}

/**
 * Amplitude (same units as the samples, peak of a sine) of the `freqHz` component of mono
 * `pcm`, by a Hann-windowed single-bin DFT. Good for "is this tone there, and how loud".
 */
export function toneAmplitude(pcm: Samples, freqHz: number, rate: number): number {
  const n = pcm.length;
  if (n === 0) return 0;
  const step = (2 * Math.PI * freqHz) / rate;
  let re = 0;
  let im = 0;
  let windowSum = 0;
  for (let i = 0; i < n; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    windowSum += w;
    re += pcm[i]! * w * Math.cos(step * i);
    im -= pcm[i]! * w * Math.sin(step * i);
  }
  return (2 * Math.hypot(re, im)) / windowSum;
}

/** Ratio of two amplitudes in dB (20 log10). */
export function amplitudeDb(amplitude: number, reference: number): number {
  return 20 * Math.log10(amplitude / reference);
}
