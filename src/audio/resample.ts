/**
 * Streaming 2x resamplers between OpenAI's 24 kHz mono and Discord's 48 kHz stereo.
 *
 * Both use the same zero-phase Kaiser-windowed half-band FIR in polyphase form: for 2x the
 * even output phase of a half-band filter is the input itself, so only the odd phase costs
 * multiplies, and the taps are symmetric, so each multiply serves two samples. Output sample
 * n sits exactly at input time n / outputRate: the filter's group delay is absorbed by
 * holding back `tapsPerPhase / 2` input samples until the future context exists; `flush()`
 * supplies zeros for the tail, so push outputs + flush output = exactly 2x (or ceil(0.5x)).
 */
import { halfBandPhaseTaps, kaiserBetaForAttenuation } from './fir.ts';

export { resampleMono } from './resample-any-rate.ts';

/** Default taps per polyphase branch: passband flat to ~10 kHz, >= 70 dB stopband above ~14 kHz. */
export const DEFAULT_HALF_BAND_TAPS_PER_PHASE = 32;
const STOPBAND_DB = 75;

/** Options shared by the streaming resamplers. */
export interface HalfBandOptions {
  /** Even number of taps in the interpolating branch (24-48 is sensible). */
  tapsPerPhase?: number;
}

/** Rounds half up and saturates to int16 (Int16Array stores would wrap instead). */
function roundClampInt16(value: number): number {
  return value >= 32_767 ? 32_767 : value <= -32_768 ? -32_768 : Math.floor(value + 0.5);
}

/** Growable Float32 sample window: holds `[base, base + length)` of an input stream. */
class SampleWindow {
  samples: Float32Array;
  length: number;

  constructor(leadingZeros: number) {
    this.samples = new Float32Array(Math.max(1_024, leadingZeros * 4));
    this.length = leadingZeros;
  }

  /** Makes room for `extra` samples after dropping the first `consumed` ones. */
  reserve(consumed: number, extra: number): void {
    if (consumed > 0) {
      this.samples.copyWithin(0, consumed, this.length);
      this.length -= consumed;
    }
    if (this.length + extra > this.samples.length) {
      const grown = new Float32Array(Math.max(this.samples.length * 2, this.length + extra));
      grown.set(this.samples.subarray(0, this.length));
      this.samples = grown;
    }
  }
}

/**
 * 24 kHz mono -> 48 kHz interleaved stereo (both channels identical), for playing OpenAI
 * audio into Discord. Feed any chunk sizes; outputs lag inputs by `tapsPerPhase / 2` samples
 * until `flush()`.
 */
export class Upsampler24kMonoTo48kStereo {
  private readonly taps: Float64Array;
  private readonly half: number;
  private window: SampleWindow;
  /** Index (in the window) of the next input sample whose two outputs are still owed. */
  private nextCenter: number;

  constructor(options: HalfBandOptions = {}) {
    const tapsPerPhase = options.tapsPerPhase ?? DEFAULT_HALF_BAND_TAPS_PER_PHASE;
    this.taps = halfBandPhaseTaps(tapsPerPhase, kaiserBetaForAttenuation(STOPBAND_DB));
    this.half = tapsPerPhase / 2;
    this.window = new SampleWindow(this.half - 1);
    this.nextCenter = this.half - 1;
  }

  /** Returns 48 kHz stereo for every input sample whose future context is now known. */
  push(pcm24kMono: Int16Array): Int16Array {
    this.append(pcm24kMono, 0);
    return this.emit();
  }

  /** Emits the held-back tail (as if followed by silence) and resets for a new stream. */
  flush(): Int16Array {
    const owed = this.window.length - this.nextCenter;
    this.append(new Int16Array(0), this.half);
    const out = this.emit().subarray(0, owed * 4);
    this.window = new SampleWindow(this.half - 1);
    this.nextCenter = this.half - 1;
    return out;
  }

  private append(pcm: Int16Array, trailingZeros: number): void {
    // Keep only the history the next output needs: half - 1 samples before the next center.
    const consumed = this.nextCenter - (this.half - 1);
    this.window.reserve(consumed, pcm.length + trailingZeros);
    this.nextCenter -= consumed;
    const samples = this.window.samples;
    let write = this.window.length;
    for (let i = 0; i < pcm.length; i++) samples[write++] = pcm[i]!;
    samples.fill(0, write, write + trailingZeros);
    this.window.length = write + trailingZeros;
  }

  private emit(): Int16Array {
    const { taps, half } = this;
    const samples = this.window.samples;
    const lastCenter = this.window.length - 1 - half;
    const count = Math.max(0, lastCenter - this.nextCenter + 1);
    const out = new Int16Array(count * 4);
    let o = 0;
    for (let center = this.nextCenter; center <= lastCenter; center++) {
      const original = samples[center]!;
      // Interpolate at center + 0.5 from the symmetric pairs around it.
      let acc = 0;
      const first = center - half + 1;
      for (let k = 0; k < half; k++) acc += taps[k]! * (samples[first + k]! + samples[center + half - k]!);
      const interpolated = roundClampInt16(acc);
      out[o++] = original;
      out[o++] = original;
      out[o++] = interpolated;
      out[o++] = interpolated;
    }
    this.nextCenter += count;
    return out;
  }
}

/**
 * 48 kHz interleaved stereo -> 24 kHz mono (channels averaged, then anti-alias filtered and
 * decimated), for sending Discord speech to OpenAI. Output m is input sample 2m filtered.
 */
export class Downsampler48kStereoTo24kMono {
  private readonly halfTaps: Float64Array;
  /** Reach of the filter in 48 kHz samples on each side of the center. */
  private readonly reach: number;
  private window: SampleWindow;
  private nextCenter: number;
  /** Left sample of a stereo pair split across pushes, or null. */
  private pendingLeft: number | null = null;

  constructor(options: HalfBandOptions = {}) {
    const tapsPerPhase = options.tapsPerPhase ?? DEFAULT_HALF_BAND_TAPS_PER_PHASE;
    const taps = halfBandPhaseTaps(tapsPerPhase, kaiserBetaForAttenuation(STOPBAND_DB));
    // Half-band decimator: 0.5 at the center, 0.5 * taps at odd offsets, zero at even ones.
    this.halfTaps = taps.map((t) => t * 0.5);
    this.reach = tapsPerPhase - 1;
    this.window = new SampleWindow(this.reach);
    this.nextCenter = this.reach;
  }

  /** Returns 24 kHz mono for every output instant whose future context is now known. */
  push(pcm48kStereo: Int16Array): Int16Array {
    this.append(pcm48kStereo, 0);
    return this.emit(this.window.length - 1 - this.reach);
  }

  /** Emits the held-back tail (as if followed by silence) and resets for a new stream. */
  flush(): Int16Array {
    this.pendingLeft = null;
    const trailingZeros = this.reach + 1;
    this.append(new Int16Array(0), trailingZeros);
    const out = this.emit(this.window.length - 1 - trailingZeros);
    this.window = new SampleWindow(this.reach);
    this.nextCenter = this.reach;
    return out;
  }

  private append(stereo: Int16Array, trailingZeros: number): void {
    const consumed = this.nextCenter - this.reach;
    this.window.reserve(consumed, (stereo.length >> 1) + 1 + trailingZeros);
    this.nextCenter -= consumed;
    const samples = this.window.samples;
    let write = this.window.length;
    let i = 0;
    if (this.pendingLeft !== null && stereo.length > 0) {
      samples[write++] = (this.pendingLeft + stereo[0]!) * 0.5;
      this.pendingLeft = null;
      i = 1;
    }
    for (; i + 1 < stereo.length; i += 2) samples[write++] = (stereo[i]! + stereo[i + 1]!) * 0.5;
    if (i < stereo.length) this.pendingLeft = stereo[i]!;
    samples.fill(0, write, write + trailingZeros);
    this.window.length = write + trailingZeros;
  }

  /** Emits outputs for every even center up to `lastCenter` (inclusive). */
  private emit(lastCenter: number): Int16Array {
    const { halfTaps, reach } = this;
    const samples = this.window.samples;
    const count = lastCenter < this.nextCenter ? 0 : ((lastCenter - this.nextCenter) >> 1) + 1;
    const out = new Int16Array(count);
    const pairs = halfTaps.length >> 1;
    for (let m = 0; m < count; m++) {
      const center = this.nextCenter + 2 * m;
      let acc = 0.5 * samples[center]!;
      // Odd offsets -reach, -reach + 2, ... pair with their mirror images.
      for (let k = 0; k < pairs; k++) acc += halfTaps[k]! * (samples[center - reach + 2 * k]! + samples[center + reach - 2 * k]!);
      out[m] = roundClampInt16(acc);
    }
    this.nextCenter += 2 * count;
    return out;
  }
}
