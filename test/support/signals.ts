/**
 * Deterministic test signals (interleaved s16 PCM). Everything here is pure and seeded, so a
 * signal generated twice is bit-identical.
 */

/** Options for {@link tone}. */
export interface ToneOptions {
  /** Peak amplitude as a fraction of full scale. Default 0.5 (-6 dBFS). */
  amplitude?: number;
  /** Interleaved channel count, all identical. Default 1. */
  channels?: number;
  /** Starting phase in radians. Default 0. */
  phase?: number;
}

/** Number of sample frames in `ms` milliseconds at `rate` (rounded). */
export function framesFor(ms: number, rate: number): number {
  return Math.round((ms * rate) / 1000);
}

/** A sine tone: sample n is amplitude * sin(2 pi f n / rate + phase). */
export function tone(freqHz: number, ms: number, rate: number, options: ToneOptions = {}): Int16Array {
  const { amplitude = 0.5, channels = 1, phase = 0 } = options;
  const frames = framesFor(ms, rate);
  const mono = new Float64Array(frames);
  const step = (2 * Math.PI * freqHz) / rate;
  for (let n = 0; n < frames; n++) mono[n] = amplitude * 32_767 * Math.sin(step * n + phase);
  return toInt16(mono, channels);
}

/** Digital silence. */
export function silence(ms: number, rate: number, channels = 1): Int16Array {
  return new Int16Array(framesFor(ms, rate) * channels);
}

/** Concatenates signals (which must share rate and channel layout). */
export function concat(...parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Small fast seeded PRNG (mulberry32) returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d_2b_79_f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Seeded white noise with the given peak amplitude (fraction of full scale). */
export function whiteNoise(ms: number, rate: number, seed: number, amplitude = 0.25, channels = 1): Int16Array {
  const random = seededRandom(seed);
  const mono = new Float64Array(framesFor(ms, rate));
  for (let n = 0; n < mono.length; n++) mono[n] = (random() * 2 - 1) * amplitude * 32_767;
  return toInt16(mono, channels);
}

// Vowel formants (F1, F2, F3 in Hz) for the "speech" generator.
const VOWELS: readonly (readonly [number, number, number])[] = [
  [730, 1_090, 2_440],
  [270, 2_290, 3_010],
  [530, 1_840, 2_480],
  [570, 840, 2_410],
  [300, 870, 2_240],
  [660, 1_720, 2_410],
];
const FORMANT_BANDWIDTHS_HZ = [90, 120, 170] as const;
/** Harmonic amplitudes are recomputed every this many samples (formants move slowly). */
const CONTROL_BLOCK = 32;

/**
 * A deterministic voice-like signal: harmonics of a gliding pitch (90-240 Hz), shaped by
 * moving vowel formants, with syllable-rate (3-7 Hz) amplitude modulation that never drops
 * below about -16 dB of the syllable peak, plus a little breath noise. It is aperiodic, so
 * cross-correlation against a shifted copy is low and the true alignment stands out.
 * Peak is -6 dBFS; 10 ms fades at both ends. Different seeds give unrelated signals.
 */
export function speechLike(ms: number, rate: number, seed: number, channels = 1): Int16Array {
  const random = seededRandom(seed);
  const frames = framesFor(ms, rate);
  const mono = new Float64Array(frames);
  const maxHarmonicHz = Math.min(3_800, rate * 0.45);
  const amplitudes = new Float64Array(64);

  let phase = random(); // in cycles
  let syllableEnd = 0;
  let syllableStart = 0;
  let pitchFrom = 0;
  let pitchTo = 0;
  let formantsFrom: readonly number[] = VOWELS[0]!;
  let formantsTo: readonly number[] = VOWELS[0]!;
  let pitch = 0;
  for (let blockStart = 0; blockStart < frames; blockStart += CONTROL_BLOCK) {
    if (blockStart >= syllableEnd) {
      syllableStart = blockStart;
      syllableEnd = blockStart + Math.round(rate * (0.14 + random() * 0.18));
      pitchFrom = pitch > 0 ? pitch : 100 + random() * 120;
      pitchTo = Math.min(240, Math.max(90, pitchFrom * (0.75 + random() * 0.55)));
      formantsFrom = formantsTo;
      const vowel = VOWELS[Math.floor(random() * VOWELS.length)]!;
      formantsTo = vowel.map((f) => f * (0.9 + random() * 0.2));
    }
    const progress = (blockStart - syllableStart) / (syllableEnd - syllableStart);
    pitch = pitchFrom + (pitchTo - pitchFrom) * progress;
    // Formants glide to the new vowel over the first 30 % of the syllable.
    const glide = Math.min(1, progress / 0.3);
    const formants = formantsFrom.map((f, i) => f + (formantsTo[i]! - f) * glide);
    const envelope = 0.16 + 0.84 * Math.sin(Math.PI * progress) ** 2;
    const harmonicCount = Math.min(amplitudes.length, Math.floor(maxHarmonicHz / pitch));
    for (let k = 1; k <= harmonicCount; k++) amplitudes[k - 1] = (envelope * formantGain(k * pitch, formants)) / Math.sqrt(k);

    const blockEnd = Math.min(frames, blockStart + CONTROL_BLOCK);
    const phaseStep = pitch / rate;
    for (let n = blockStart; n < blockEnd; n++) {
      phase += phaseStep;
      phase -= Math.floor(phase);
      // sin(k theta) for all harmonics by the Chebyshev recurrence: two trig calls per sample.
      const theta = 2 * Math.PI * phase;
      const twoCos = 2 * Math.cos(theta);
      let previous = 0;
      let current = Math.sin(theta);
      let sample = 0;
      for (let k = 0; k < harmonicCount; k++) {
        sample += amplitudes[k]! * current;
        const next = twoCos * current - previous;
        previous = current;
        current = next;
      }
      mono[n] = sample + envelope * 0.02 * (random() * 2 - 1);
    }
  }
  applyFades(mono, framesFor(10, rate));
  normalizePeak(mono, 0.5 * 32_767);
  return toInt16(mono, channels);
}

function formantGain(frequency: number, formants: readonly number[]): number {
  let gain = 0;
  for (let i = 0; i < formants.length; i++) {
    const detune = (frequency - formants[i]!) / FORMANT_BANDWIDTHS_HZ[i as 0 | 1 | 2];
    gain += 1 / (1 + detune * detune) / (i + 1);
  }
  return gain;
}

function applyFades(mono: Float64Array, fadeFrames: number): void {
  const fade = Math.min(fadeFrames, Math.floor(mono.length / 2));
  for (let n = 0; n < fade; n++) {
    const gain = n / fade;
    mono[n] = mono[n]! * gain;
    mono[mono.length - 1 - n] = mono[mono.length - 1 - n]! * gain;
  }
}

function normalizePeak(mono: Float64Array, peak: number): void {
  let max = 0;
  for (const v of mono) max = Math.max(max, Math.abs(v));
  if (max === 0) return;
  const gain = peak / max;
  for (let n = 0; n < mono.length; n++) mono[n] = mono[n]! * gain;
}

function toInt16(mono: Float64Array, channels: number): Int16Array {
  const out = new Int16Array(mono.length * channels);
  for (let n = 0; n < mono.length; n++) {
    const v = Math.max(-32_768, Math.min(32_767, Math.round(mono[n]!)));
    for (let c = 0; c < channels; c++) out[n * channels + c] = v;
  }
  return out;
}
