/**
 * The cost of Parley's audio paths alone, single-threaded, as multiples of real time:
 * output  base64 -> Pcm16Assembler -> OpusFrameEncoder (24 kHz mono) -> DAVE -> RTP encryption
 * input   RTP decryption -> DAVE -> OpusFrameDecoder (to 24 kHz mono) -> encodeWav (per utterance)
 */
import davey from '@snazzah/davey';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DISCORD_CHANNELS, DISCORD_PCM_RATE, FRAME_MS, FRAME_VALUES_48K_STEREO, MONO_24K, OPENAI_PCM_RATE, int16ToBuffer } from '../src/audio/format.ts';
import { OpusFrameDecoder, OpusFrameEncoder } from '../src/audio/opus-frames.ts';
import { Pcm16Assembler } from '../src/audio/pcm-assembler.ts';
import { encodeWav } from '../src/audio/wav.ts';
import { encryptRtp } from '../test/harness/discord/rtp.ts';
import { speechLike } from '../test/support/signals.ts';
import { MODEL_CHUNK_MS } from './scripted-model.ts';
import { createRtpSender, decryptRtpToOpus, encryptOpusForRtp } from './rtp-crypto.ts';
import { davePair, MEMBER_ID } from './dave-cost.ts';

/** One measured path: real-time multiple on one core and where the time went. */
export interface AudioPathCost {
  audioS: number;
  cpuS: number;
  /** Seconds of audio processed per CPU second (the median of the rounds). */
  realtimeMultiple: number;
  /** Each round's multiple: the spread shows how noisy the machine was. */
  rounds: number[];
  /** Share of the timed work per stage (0..1). */
  stages: Record<string, number>;
}

/** Signals are generated once and looped: generating minutes of them would take longer than the paths. */
const SIGNAL_MS = 5_000;
/** Spoken turns are cut into utterances of this length before the WAV is written. */
const UTTERANCE_MS = 5_000;
const CLIENT_EXTENSION = Buffer.from([0x10, 0x7f, 0x00, 0x00]);

class StageClock {
  readonly ms: Record<string, number> = {};

  time<T>(stage: string, work: () => T): T {
    const start = performance.now();
    const result = work();
    this.ms[stage] = (this.ms[stage] ?? 0) + performance.now() - start;
    return result;
  }

  shares(): Record<string, number> {
    const total = Object.values(this.ms).reduce((a, b) => a + b, 0);
    return Object.fromEntries(Object.entries(this.ms).map(([k, v]) => [k, total > 0 ? v / total : 0]));
  }
}

/** Rounds per path; the median one is reported, so a burst from elsewhere on the machine does not decide. */
const ROUNDS = 3;

/** Runs `run(clock)` ROUNDS times, each worth `roundAudioS` of audio, timing CPU per round. */
function measure(roundAudioS: number, run: (clock: StageClock) => void): AudioPathCost {
  const clock = new StageClock();
  const multiples: number[] = [];
  let cpuS = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const before = process.cpuUsage();
    run(clock);
    const used = process.cpuUsage(before);
    const roundCpuS = (used.user + used.system) / 1e6;
    cpuS += roundCpuS;
    multiples.push(roundAudioS / roundCpuS);
  }
  const sorted = [...multiples].sort((a, b) => a - b);
  return { audioS: roundAudioS * ROUNDS, cpuS, realtimeMultiple: sorted[Math.floor(ROUNDS / 2)]!, rounds: multiples, stages: clock.shares() };
}

/** Model audio -> encrypted RTP packets, for `seconds` of audio (after a short warm-up). */
export function measureOutputPath(seconds: number): AudioPathCost {
  const signal = speechLike(SIGNAL_MS, OPENAI_PCM_RATE, 601);
  const samplesPerChunk = (OPENAI_PCM_RATE * MODEL_CHUNK_MS) / 1_000;
  // What the SSE deltas carry; an odd split point, as the API may cut mid-sample.
  const chunks: string[] = [];
  const bytes = int16ToBuffer(signal);
  for (let offset = 0; offset < bytes.length; offset += samplesPerChunk * 2 + 1) chunks.push(bytes.subarray(offset, offset + samplesPerChunk * 2 + 1).toString('base64'));
  const run = (repeats: number, clock: StageClock): void => {
    const assembler = new Pcm16Assembler();
    const encoder = new OpusFrameEncoder(MONO_24K);
    const sender = createRtpSender(randomBytes(32), 0x1234);
    const { bot } = davePair();
    for (let r = 0; r < repeats; r++) {
      for (const chunk of chunks) {
        const pcmBytes = clock.time('base64 decode', () => Buffer.from(chunk, 'base64'));
        const samples = clock.time('pcm16 assemble', () => assembler.push(pcmBytes));
        const packets = clock.time('opus encode', () => encoder.push(samples));
        const sealed = clock.time('dave encrypt', () => packets.map((p) => bot.encryptOpus(p)));
        clock.time('encrypt', () => sealed.forEach((p) => encryptOpusForRtp(sender, p)));
      }
    }
  };
  run(1, new StageClock());
  const repeats = Math.max(1, Math.round((seconds * 1_000) / SIGNAL_MS / ROUNDS));
  return measure((repeats * SIGNAL_MS) / 1_000, (clock) => run(repeats, clock));
}

/** A member's encrypted packets -> WAV per utterance, for `seconds` of audio (after a short warm-up). */
export function measureInputPath(seconds: number): AudioPathCost {
  const secretKey = randomBytes(32);
  const speech = speechLike(SIGNAL_MS, DISCORD_PCM_RATE, 602, DISCORD_CHANNELS);
  const clientEncoder = new OpusFrameEncoder();
  const { bot, member } = davePair();
  const opusFrames: Buffer[] = [];
  for (let offset = 0; offset + FRAME_VALUES_48K_STEREO <= speech.length; offset += FRAME_VALUES_48K_STEREO) {
    opusFrames.push(...clientEncoder.push(speech.subarray(offset, offset + FRAME_VALUES_48K_STEREO)));
  }
  const repeats = Math.max(1, Math.round((seconds * 1_000) / SIGNAL_MS / ROUNDS));
  // DAVE refuses a replayed frame, so every packet of every round is sealed anew (before timing).
  const total = opusFrames.length * (1 + repeats * ROUNDS);
  const packets: Buffer[] = [];
  for (let n = 0; n < total; n++) {
    const payload = member.encryptOpus(opusFrames[n % opusFrames.length]!);
    packets.push(encryptRtp({ sequence: n & 0xffff, timestamp: (n * 960) >>> 0, ssrc: 0x4321, extension: CLIENT_EXTENSION, payload }, secretKey, n));
  }
  let cursor = 0;
  const framesPerUtterance = UTTERANCE_MS / FRAME_MS;
  const run = (repeats: number, clock: StageClock): void => {
    const decoder = new OpusFrameDecoder(MONO_24K);
    const nonce = Buffer.alloc(12);
    let parts: Int16Array[] = [];
    let frames = 0;
    for (let r = 0; r < repeats; r++) {
      for (let i = 0; i < opusFrames.length; i++) {
        const packet = packets[cursor++]!;
        const sealed = clock.time('decrypt', () => decryptRtpToOpus(packet, secretKey, nonce));
        const opus = clock.time('dave decrypt', () => bot.decrypt(MEMBER_ID, davey.MediaType.AUDIO, sealed));
        const pcm = clock.time('opus decode', () => decoder.decode(opus));
        if (pcm) parts.push(pcm);
        if (++frames % framesPerUtterance === 0) {
          const utterance = parts;
          clock.time('wav encode', () => encodeWav(concat(utterance), OPENAI_PCM_RATE, 1));
          parts = [];
        }
      }
    }
  };
  run(1, new StageClock());
  return measure((repeats * opusFrames.length * FRAME_MS) / 1_000, (clock) => run(repeats, clock));
}

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
