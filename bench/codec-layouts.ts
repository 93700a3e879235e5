/**
 * Which PCM layout Parley should give libopus, measured both ways: the output path encodes either the
 * model's 24 kHz mono directly or after resampling to Discord's 48 kHz stereo; the input path decodes
 * either to 24 kHz mono directly or to 48 kHz stereo and then resamples. For each: single-threaded CPU
 * per 20 ms frame, and the correlation of the result with the reference (what a 48 kHz stereo listener
 * hears against the model's audio; what the bot hands the model against the member's speech).
 */
import { MONO_24K, OPENAI_PCM_RATE, DISCORD_PCM_RATE, DISCORD_CHANNELS, STEREO_48K } from '../src/audio/format.ts';
import { OpusFrameDecoder, OpusFrameEncoder } from '../src/audio/opus-frames.ts';
import { Downsampler48kStereoTo24kMono, Upsampler24kMonoTo48kStereo } from '../src/audio/resample.ts';
import { mixToMono, normalizedCrossCorrelation } from '../test/support/compare.ts';
import { concat, speechLike } from '../test/support/signals.ts';

/** One way of doing a path. */
export interface LayoutCost {
  /** CPU milliseconds per 20 ms frame (user + system, this thread only: nothing else runs meanwhile). */
  cpuMsPerFrame: number;
  /** Peak normalized cross-correlation against the reference (1 = same waveform). */
  correlation: number;
}

export interface LayoutComparison {
  output: { mono24k: LayoutCost; stereo48k: LayoutCost };
  input: { mono24k: LayoutCost; stereo48k: LayoutCost };
}

const SIGNAL_MS = 5_000;
const FRAMES = SIGNAL_MS / 20;

function cpuMs(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1_000;
}

/** Runs `once` `rounds` times; returns the median CPU per frame and the last round's output. */
function timed<T>(rounds: number, once: () => T): { cpuMsPerFrame: number; result: T } {
  let result!: T;
  const costs: number[] = [];
  for (let r = 0; r < rounds; r++) costs.push(cpuMs(() => (result = once())) / FRAMES);
  costs.sort((a, b) => a - b);
  return { cpuMsPerFrame: costs[Math.floor(rounds / 2)]!, result };
}

/** Compares both layouts on `rounds` x 5 s of speech-like audio per path. */
export function compareCodecLayouts(rounds: number): LayoutComparison {
  const model = speechLike(SIGNAL_MS, OPENAI_PCM_RATE, 611);
  // What a listener should hear: the model's audio, band-limited to 48 kHz by the project's resampler.
  const modelAt48k = mixToMono(new Upsampler24kMonoTo48kStereo().push(model), DISCORD_CHANNELS);
  const listen = (packets: Buffer[]): number => {
    const listener = new OpusFrameDecoder(STEREO_48K);
    const heard = mixToMono(concat(...packets.map((p) => listener.decode(p)!)), DISCORD_CHANNELS);
    return normalizedCrossCorrelation(modelAt48k, heard, 4_800).peak;
  };
  const mono = timed(rounds, () => new OpusFrameEncoder(MONO_24K).push(model));
  const stereo = timed(rounds, () => new OpusFrameEncoder(STEREO_48K).push(new Upsampler24kMonoTo48kStereo().push(model)));

  const member = speechLike(SIGNAL_MS, DISCORD_PCM_RATE, 612, DISCORD_CHANNELS);
  const memberPackets = new OpusFrameEncoder(STEREO_48K).push(member);
  const expected = new Downsampler48kStereoTo24kMono().push(member);
  const heardBy = (frames: Int16Array[]): number => normalizedCrossCorrelation(expected, concat(...frames), 2_400).peak;
  const direct = timed(rounds, () => {
    const decoder = new OpusFrameDecoder(MONO_24K);
    return memberPackets.map((p) => decoder.decode(p)!);
  });
  const viaStereo = timed(rounds, () => {
    const decoder = new OpusFrameDecoder(STEREO_48K);
    const downsampler = new Downsampler48kStereoTo24kMono();
    return memberPackets.map((p) => downsampler.push(decoder.decode(p)!));
  });
  return {
    output: {
      mono24k: { cpuMsPerFrame: mono.cpuMsPerFrame, correlation: listen(mono.result) },
      stereo48k: { cpuMsPerFrame: stereo.cpuMsPerFrame, correlation: listen(stereo.result) },
    },
    input: {
      mono24k: { cpuMsPerFrame: direct.cpuMsPerFrame, correlation: heardBy(direct.result) },
      stereo48k: { cpuMsPerFrame: viaStereo.cpuMsPerFrame, correlation: heardBy(viaStereo.result) },
    },
  };
}
