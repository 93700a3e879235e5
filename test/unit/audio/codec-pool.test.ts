import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAME_SAMPLES_24K_MONO, MONO_24K, STEREO_48K, monoToStereo } from '../../../src/audio/format.ts';
import { CodecPool } from '../../../src/audio/codec-pool.ts';
import { OpusFrameDecoder, OpusFrameEncoder, Pcm20msFramer } from '../../../src/audio/opus-frames.ts';
import { speechLike } from '../../support/signals.ts';

const pool = new CodecPool(2);
beforeAll(() => pool.started(), 30_000);
afterAll(() => pool.close());

describe('CodecPool', () => {
  it('codes new streams in the calling thread until a codec thread is up, the same bytes either way', async () => {
    const fresh = new CodecPool(1);
    expect(fresh.ready).toBe(false);
    const frames = new Pcm20msFramer(MONO_24K).push(speechLike(200, 24_000, 30));
    const early = await fresh.openEncoder().encode(frames);
    await fresh.started();
    expect(fresh.ready).toBe(true);
    const late = fresh.openEncoder();
    expect(await late.encode(frames)).toEqual(early);
    late.close();
    await fresh.close();
  }, 30_000);

  it.runIf(existsSync('/proc/self/task'))('runs its threads below the main thread\'s priority (Linux: niceness 10)', () => {
    // Field 19 of /proc/<pid>/task/<tid>/stat is the niceness; the fields after the command name start at 3.
    const niceness = (tid: string) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
    const tids = readdirSync('/proc/self/task');
    expect(tids.filter((tid) => niceness(tid) === 10).length).toBeGreaterThanOrEqual(pool.size);
    expect(niceness(String(process.pid))).toBe(0);
  });

  it('encodes a stream in batches exactly as one encoder in this thread would', async () => {
    const frames = new Pcm20msFramer(MONO_24K).push(speechLike(1_000, 24_000, 31));
    const local = new OpusFrameEncoder(MONO_24K);
    const expected = frames.map((f) => local.encodeFrame(f));
    const encoder = pool.openEncoder();
    const batches = await Promise.all([encoder.encode(frames.slice(0, 7)), encoder.encode(frames.slice(7, 8)), encoder.encode(frames.slice(8))]);
    encoder.close();
    expect(batches.flat()).toEqual(expected);
  });

  it('keeps streams apart: two encoders interleaved give two independent streams', async () => {
    const a = new Pcm20msFramer(MONO_24K).push(speechLike(200, 24_000, 32));
    const b = new Pcm20msFramer(MONO_24K).push(speechLike(200, 24_000, 33));
    const [ea, eb] = [pool.openEncoder(), pool.openEncoder()];
    const out = await Promise.all(a.map((frame, i) => Promise.all([ea.encode([frame]), eb.encode([b[i]!])])));
    const [la, lb] = [new OpusFrameEncoder(MONO_24K), new OpusFrameEncoder(MONO_24K)];
    expect(out.map(([pa]) => pa[0])).toEqual(a.map((f) => la.encodeFrame(f)));
    expect(out.map(([, pb]) => pb[0])).toEqual(b.map((f) => lb.encodeFrame(f)));
    ea.close();
    eb.close();
  });

  it('decodes a member\'s packets to 24 kHz mono frames, null for a packet libopus rejects', async () => {
    const client = new OpusFrameEncoder(STEREO_48K);
    const packets = client.push(monoToStereo(speechLike(100, 48_000, 34)));
    const decoder = pool.openDecoder();
    const local = new OpusFrameDecoder(MONO_24K);
    for (const packet of packets) {
      const frame = await decoder.decode(packet);
      expect(frame?.length).toBe(FRAME_SAMPLES_24K_MONO);
      expect(frame).toEqual(local.decode(packet));
    }
    expect(await decoder.decode(Buffer.from([0xff]))).toBeNull();
    decoder.close();
  });
});
