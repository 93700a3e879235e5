/**
 * Windowed-sinc FIR design shared by the resamplers (Kaiser window).
 */

/** Zeroth-order modified Bessel function of the first kind (series; converges fast for beta < 20). */
export function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const quarterSquare = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= quarterSquare / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

/** Kaiser window at position `t` in [-halfWidth, halfWidth] (0 outside). */
export function kaiser(t: number, halfWidth: number, beta: number): number {
  const r = t / halfWidth;
  if (r <= -1 || r >= 1) return 0;
  return besselI0(beta * Math.sqrt(1 - r * r)) / besselI0(beta);
}

/** Normalized sinc: sin(pi x) / (pi x). */
export function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/**
 * Kaiser beta for a stopband attenuation in dB (Kaiser's empirical formula).
 * 80 dB gives about 7.86.
 */
export function kaiserBetaForAttenuation(attenuationDb: number): number {
  if (attenuationDb > 50) return 0.1102 * (attenuationDb - 8.7);
  if (attenuationDb >= 21) return 0.5842 * (attenuationDb - 21) ** 0.4 + 0.07886 * (attenuationDb - 21);
  return 0;
}

/**
 * Taps of a zero-phase 2x half-band interpolator: the values of the ideal interpolation
 * kernel at half-sample offsets -(n - 0.5) .. (n - 0.5) around the new sample, where
 * n = `tapsPerPhase / 2`. Tap k multiplies input sample (m - n + 1 + k) to make output
 * at position m + 0.5. The integer-offset phase of a half-band filter is the identity.
 * Normalized to unit DC gain.
 */
export function halfBandPhaseTaps(tapsPerPhase: number, beta: number): Float64Array {
  if (tapsPerPhase % 2 !== 0) throw new RangeError('tapsPerPhase must be even');
  const half = tapsPerPhase / 2;
  const taps = new Float64Array(tapsPerPhase);
  let sum = 0;
  for (let k = 0; k < tapsPerPhase; k++) {
    const offset = k - half + 0.5; // input position relative to the output, in input samples
    taps[k] = sinc(offset) * kaiser(offset, half, beta);
    sum += taps[k]!;
  }
  for (let k = 0; k < tapsPerPhase; k++) taps[k] = taps[k]! / sum;
  return taps;
}
