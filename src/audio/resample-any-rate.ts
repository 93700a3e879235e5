/**
 * Offline band-limited resampling between arbitrary integer rates (44.1 kHz uploads to
 * 24 kHz for OpenAI, 16 kHz to 48 kHz, ...): a rational polyphase Kaiser-windowed sinc.
 */
import { kaiser, kaiserBetaForAttenuation, sinc } from './fir.ts';

/** Zero crossings of the kernel on each side when upsampling (widens when downsampling). */
const HALF_ZERO_CROSSINGS = 24;
const STOPBAND_DB = 80;
/** Above this many distinct phases, phases are rounded to a grid of this size (< 0.02 % of a sample). */
const MAX_PHASES = 4_096;

function greatestCommonDivisor(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Resamples mono s16 PCM from `fromRate` to `toRate` (positive integers), anti-aliased
 * below the lower Nyquist frequency and time-aligned (output n sits at input time
 * n / toRate). Output length is ceil(length * toRate / fromRate). Clamps to int16.
 */
export function resampleMono(pcm: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (!Number.isInteger(fromRate) || !Number.isInteger(toRate) || fromRate <= 0 || toRate <= 0) {
    throw new RangeError(`sample rates must be positive integers (got ${fromRate} -> ${toRate})`);
  }
  if (fromRate === toRate) return pcm.slice();
  const divisor = greatestCommonDivisor(fromRate, toRate);
  const up = toRate / divisor;
  const down = fromRate / divisor;
  const outputLength = Math.ceil((pcm.length * up) / down);

  const scale = Math.min(1, toRate / fromRate);
  const halfWidth = Math.ceil(HALF_ZERO_CROSSINGS / scale);
  const tapsPerPhase = 2 * halfWidth;
  const beta = kaiserBetaForAttenuation(STOPBAND_DB);
  // Kaiser transition width (cycles per input sample); place it just below the lower Nyquist.
  const transition = (STOPBAND_DB - 7.95) / (14.36 * tapsPerPhase);
  const cutoff = Math.max(0.25 * scale, 0.5 * scale - transition / 2);

  // Pad with zeros so every tap reads inside the array.
  const padded = new Float32Array(pcm.length + 2 * tapsPerPhase);
  padded.set(pcm, tapsPerPhase);

  const phaseCount = Math.min(up, MAX_PHASES);
  const phases: (Float64Array | undefined)[] = new Array<Float64Array | undefined>(phaseCount);
  const phaseTaps = (phase: number): Float64Array => {
    let taps = phases[phase];
    if (taps === undefined) {
      taps = designPhase(phase / phaseCount, halfWidth, cutoff, beta);
      phases[phase] = taps;
    }
    return taps;
  };

  const out = new Int16Array(outputLength);
  let inputIndex = 0;
  let remainder = 0; // output position = inputIndex + remainder / up (input samples)
  for (let n = 0; n < outputLength; n++) {
    let phase = phaseCount === up ? remainder : Math.round((remainder / up) * phaseCount);
    let base = inputIndex;
    if (phase === phaseCount) {
      phase = 0;
      base++;
    }
    const taps = phaseTaps(phase);
    // Tap k reads input (base - halfWidth + 1 + k); padded index adds tapsPerPhase.
    const start = base - halfWidth + 1 + tapsPerPhase;
    let acc = 0;
    for (let k = 0; k < tapsPerPhase; k++) acc += taps[k]! * padded[start + k]!;
    const rounded = Math.round(acc);
    out[n] = rounded > 32_767 ? 32_767 : rounded < -32_768 ? -32_768 : rounded;

    remainder += down;
    while (remainder >= up) {
      remainder -= up;
      inputIndex++;
    }
  }
  return out;
}

/** Taps for an output that lies `fraction` of a sample after input `base`, unit DC gain. */
function designPhase(fraction: number, halfWidth: number, cutoff: number, beta: number): Float64Array {
  const taps = new Float64Array(2 * halfWidth);
  let sum = 0;
  for (let k = 0; k < taps.length; k++) {
    const offset = k - halfWidth + 1 - fraction;
    taps[k] = 2 * cutoff * sinc(2 * cutoff * offset) * kaiser(offset, halfWidth, beta);
    sum += taps[k]!;
  }
  for (let k = 0; k < taps.length; k++) taps[k] = taps[k]! / sum;
  return taps;
}
