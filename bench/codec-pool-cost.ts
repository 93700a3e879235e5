/**
 * What the codec threads cost, by CPU time rather than wall clock (the machine may be shared): many
 * streams encoded in batches of 10 frames as answers are, and members' packets decoded one by one as
 * they arrive, through the same pool the bot uses. Main-thread CPU (posting and receiving) and the
 * codec threads' own CPU (process.threadCpuUsage in each) are reported per 20 ms frame.
 */
import { availableParallelism } from 'node:os';
import { MONO_24K, OPENAI_PCM_RATE, STEREO_48K, DISCORD_PCM_RATE, DISCORD_CHANNELS } from '../src/audio/format.ts';
import { CodecPool } from '../src/audio/codec-pool.ts';
import { OpusFrameEncoder, Pcm20msFramer } from '../src/audio/opus-frames.ts';
import { speechLike } from '../test/support/signals.ts';

export interface PoolPathCost {
  frames: number;
  /** Main thread: posting the work and taking the answers. */
  mainMsPerFrame: number;
  /** Codec threads, all together. */
  threadsMsPerFrame: number;
}

export interface PoolCost {
  threads: number;
  encode: PoolPathCost;
  decode: PoolPathCost;
}

/** Same batching as an answer's track (ENCODE_AHEAD_FRAMES - ENCODE_LOW_WATER_FRAMES). */
const BATCH_FRAMES = 10;
const STREAMS = 20;

function mainCpuMs(): number {
  const used = process.threadCpuUsage();
  return (used.user + used.system) / 1_000;
}

async function measure(pool: CodecPool, frames: number, work: () => Promise<void>): Promise<PoolPathCost> {
  const threadsBefore = await pool.threadCpuSeconds();
  const mainBefore = mainCpuMs();
  await work();
  const mainMs = mainCpuMs() - mainBefore;
  const threadsAfter = await pool.threadCpuSeconds();
  const threadsMs = threadsAfter.reduce((sum, s, i) => sum + (s - threadsBefore[i]!) * 1_000, 0);
  return { frames, mainMsPerFrame: mainMs / frames, threadsMsPerFrame: threadsMs / frames };
}

/** Encodes and decodes `seconds` of audio per stream (20 streams at once) through a fresh pool. */
export async function measureCodecPool(seconds: number): Promise<PoolCost> {
  const pool = new CodecPool(availableParallelism());
  try {
    const answer = new Pcm20msFramer(MONO_24K).push(speechLike(seconds * 1_000, OPENAI_PCM_RATE, 621));
    const memberPackets = new OpusFrameEncoder(STEREO_48K).push(speechLike(seconds * 1_000, DISCORD_PCM_RATE, 622, DISCORD_CHANNELS));
    // Warm-up: threads started, code compiled.
    await pool.started();
    const warm = pool.openEncoder();
    await warm.encode(answer.slice(0, BATCH_FRAMES));
    warm.close();

    const encode = await measure(pool, STREAMS * answer.length, async () => {
      await Promise.all(
        Array.from({ length: STREAMS }, async () => {
          const encoder = pool.openEncoder();
          for (let i = 0; i < answer.length; i += BATCH_FRAMES) await encoder.encode(answer.slice(i, i + BATCH_FRAMES));
          encoder.close();
        }),
      );
    });
    const decode = await measure(pool, STREAMS * memberPackets.length, async () => {
      await Promise.all(
        Array.from({ length: STREAMS }, async () => {
          const decoder = pool.openDecoder();
          for (const packet of memberPackets) await decoder.decode(packet);
          decoder.close();
        }),
      );
    });
    return { threads: pool.size, encode, decode };
  } finally {
    await pool.close();
  }
}
