import { describe, expect, it } from 'vitest';
import { SILENCE_FRAME, VoicePacer, type PacketSink } from '../../../src/voice/pacer.ts';
import { OpusTrack, PRIORITY_ANNOUNCEMENT } from '../../../src/voice/track.ts';

function recordingSink() {
  const played: Buffer[] = [];
  const speaking: boolean[] = [];
  let ready = true;
  let e2ee = true;
  const sink: PacketSink = { play: (p) => played.push(p), setSpeaking: (s) => speaking.push(s), ready: () => ready, e2eeReady: () => e2ee };
  return { sink, played, speaking, setReady: (r: boolean) => (ready = r), setE2ee: (r: boolean) => (e2ee = r) };
}
const packet = (n: number) => Buffer.from([n]);
const audible = (played: Buffer[]) => played.filter((p) => !p.equals(SILENCE_FRAME)).map((p) => p[0]);

describe('VoicePacer', () => {
  it('sends the first packet at once, in the same call that queued it', () => {
    const { sink, played } = recordingSink();
    const pacer = new VoicePacer(sink);
    const track = pacer.enqueue(new OpusTrack());
    expect(played).toHaveLength(0); // a track waiting for its first packet sends nothing
    track.push(packet(1));
    expect(audible(played)).toEqual([1]);
    pacer.close();
  });

  it('is no longer busy once a track still waiting for its first packet is cancelled', async () => {
    const { sink, played } = recordingSink();
    const pacer = new VoicePacer(sink);
    const track = pacer.enqueue(new OpusTrack());
    expect(pacer.busy).toBe(true);
    track.cancel();
    await Promise.resolve();
    expect(pacer.busy).toBe(false);
    expect(played).toHaveLength(0);
    pacer.close();
  });

  it('plays frames the codec threads never return, encoded in this thread after the deadline', async () => {
    const { sink, played } = recordingSink();
    const pacer = new VoicePacer(sink);
    // An encoder whose answers never come (a stuck or lost request).
    const track = pacer.enqueue(new OpusTrack(0, () => ({ encode: () => new Promise<Buffer[]>(() => undefined), close: () => undefined })));
    track.push(new Int16Array(480).fill(1_000), new Int16Array(480).fill(1_000));
    track.end();
    expect(await track.done).toBe('played');
    expect(played.filter((p) => !p.equals(SILENCE_FRAME))).toHaveLength(2);
    pacer.close();
  });

  it('plays every packet once, bridging a producer pause with silence, then stops speaking', async () => {
    const { sink, played, speaking } = recordingSink();
    const pacer = new VoicePacer(sink);
    const track = pacer.enqueue(new OpusTrack());
    track.push(packet(1), packet(2));
    await new Promise((r) => setTimeout(r, 120)); // the producer pauses
    track.push(packet(3), packet(4));
    track.end();
    expect(await track.done).toBe('played');
    await new Promise((r) => setTimeout(r, 200));
    expect(audible(played)).toEqual([1, 2, 3, 4]);
    expect(track.underflowFrames).toBeGreaterThan(0);
    expect(played.slice(-5).every((p) => p.equals(SILENCE_FRAME))).toBe(true);
    expect(speaking.at(-1)).toBe(false);
    pacer.close();
  });

  it('plays a higher-priority track first and resumes the other after it', async () => {
    const { sink, played } = recordingSink();
    const pacer = new VoicePacer(sink);
    const answer = pacer.enqueue(new OpusTrack());
    answer.push(packet(1), packet(2), packet(3));
    const announcement = pacer.enqueue(new OpusTrack(PRIORITY_ANNOUNCEMENT));
    announcement.push(packet(9), packet(8));
    announcement.end();
    answer.end();
    await answer.done;
    expect(audible(played)).toEqual([1, 9, 8, 2, 3]);
    pacer.close();
  });

  it('counts only sent packets as played and holds tracks while not ready', async () => {
    const { sink, played, setReady } = recordingSink();
    const pacer = new VoicePacer(sink);
    const track = pacer.enqueue(new OpusTrack());
    track.push(packet(1));
    setReady(false);
    track.push(packet(2), packet(3));
    await new Promise((r) => setTimeout(r, 100));
    expect(track.playedFrames).toBe(1);
    setReady(true);
    track.end();
    await track.done;
    expect(audible(played)).toEqual([1, 2, 3]);
    expect(track.playedMs).toBe(60);
    pacer.close();
  });

  it('holds a track until the call is end-to-end encrypted, then plays it from its first packet', async () => {
    const { sink, played, setE2ee } = recordingSink();
    const pacer = new VoicePacer(sink);
    setE2ee(false);
    const track = pacer.enqueue(new OpusTrack());
    track.push(packet(1), packet(2));
    track.end();
    await new Promise((r) => setTimeout(r, 80));
    expect(played).toEqual([]);
    setE2ee(true);
    expect(await track.done).toBe('played');
    expect(audible(played)).toEqual([1, 2]);
    pacer.close();
  });

  it('gives up on a held track after its bound: encryption never ready = failed unheard; reconnecting = interrupted with what was heard', async () => {
    const { sink, setE2ee, setReady } = recordingSink();
    const pacer = new VoicePacer(sink, { e2eeMs: 60, reconnectMs: 60 });
    setE2ee(false);
    const unheard = pacer.enqueue(new OpusTrack());
    unheard.push(packet(1));
    expect(await unheard.done).toBe('cancelled');
    expect(unheard.failure).toBe('e2ee');
    expect(unheard.playedFrames).toBe(0);
    setE2ee(true);
    const cut = pacer.enqueue(new OpusTrack());
    cut.push(packet(2));
    await expect.poll(() => cut.playedFrames).toBe(1);
    setReady(false);
    cut.push(packet(3));
    expect(await cut.done).toBe('cancelled');
    expect(cut.failure).toBe('reconnecting');
    expect(cut.playedFrames).toBe(1);
    pacer.close();
  });

  it('cancelling stops a track at once and settles it as cancelled', async () => {
    const { sink, played } = recordingSink();
    const pacer = new VoicePacer(sink);
    const track = pacer.enqueue(new OpusTrack());
    track.push(...Array.from({ length: 50 }, (_, i) => packet(i)));
    await new Promise((r) => setTimeout(r, 150));
    track.cancel();
    const sentAtCancel = audible(played).length;
    expect(await track.done).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 60));
    expect(audible(played).length).toBe(sentAtCancel);
    pacer.close();
  });
});

describe('OpusTrack of PCM frames', () => {
  it('plays frames the codec returns late one per tick, with silence while waiting, never in a burst', async () => {
    const sent: { at: number; packet: Buffer }[] = [];
    const sink: PacketSink = { play: (p) => sent.push({ at: performance.now(), packet: p }), setSpeaking: () => undefined, ready: () => true };
    const pacer = new VoicePacer(sink);
    let batches = 0;
    // A codec that answers the first batch at once and every later one 150 ms late (more than the frames left ahead).
    const slowEncoder = {
      encode: async (frames: readonly Int16Array[]) => {
        if (batches++ > 0) await new Promise((r) => setTimeout(r, 150));
        return frames.map((f) => Buffer.from([f[0]!]));
      },
      close: () => undefined,
    };
    const track = pacer.enqueue(new OpusTrack(undefined, () => slowEncoder));
    track.push(...Array.from({ length: 30 }, (_, i) => new Int16Array(480).fill(i + 1)));
    track.end();
    expect(await track.done).toBe('played');
    pacer.close();
    const audio = sent.filter((s) => !s.packet.equals(SILENCE_FRAME));
    expect(audio.map((s) => s.packet[0])).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(track.underflowFrames).toBeGreaterThan(0);
    // The clock stays honest: packet i never goes out before tick i (a late timer is followed by a shorter
    // wait, which is the drift correction, but nothing is sent ahead of its tick to catch up).
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.at - sent[0]!.at).toBeGreaterThan(i * 20 - 5);
  });
});
