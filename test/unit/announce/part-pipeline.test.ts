import { describe, expect, it } from 'vitest';
import { voiceInOrder, type PartOutcome, type VoicePart } from '../../../src/announce/part-pipeline.ts';

/** A part whose audio and end the test controls. */
interface ScriptedPart {
  started: boolean;
  signal?: AbortSignal;
  send(bytes: number | Buffer): void;
  finish(outcome?: Partial<PartOutcome>): void;
  fail(error: unknown): void;
}

function scriptedParts(count: number): { parts: ScriptedPart[]; voicePart: VoicePart } {
  const parts: ScriptedPart[] = [];
  const pending: { onAudio?: (pcm: Buffer) => void; resolve?: (o: PartOutcome) => void; reject?: (e: unknown) => void; early: Buffer[] }[] = [];
  for (let i = 0; i < count; i++) {
    const state: (typeof pending)[number] = { early: [] };
    pending.push(state);
    parts.push({
      started: false,
      send(bytes) {
        const chunk = typeof bytes === 'number' ? Buffer.alloc(bytes, i + 1) : bytes;
        if (state.onAudio) state.onAudio(chunk);
        else state.early.push(chunk);
      },
      finish: (outcome = {}) => state.resolve?.({ backend: 'test', ...outcome }),
      fail: (error) => state.reject?.(error),
    });
  }
  const voicePart: VoicePart = (index, onAudio, signal) => {
    const part = parts[index]!;
    const state = pending[index]!;
    part.started = true;
    part.signal = signal;
    return new Promise<PartOutcome>((resolve, reject) => {
      state.onAudio = onAudio;
      state.resolve = resolve;
      state.reject = reject;
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      for (const chunk of state.early.splice(0)) onAudio(chunk);
    });
  };
  return { parts, voicePart };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('voiceInOrder', () => {
  it('delivers parts in order, fetching part 2 (buffered) while part 1 still streams', async () => {
    const { parts, voicePart } = scriptedParts(2);
    const received: number[] = [];
    const run = voiceInOrder(2, voicePart, (pcm) => received.push(pcm[0]!));
    await tick();
    expect(parts.map((p) => p.started)).toEqual([true, false]);
    parts[0]!.send(10);
    await tick();
    // Part 2 is requested at part 1's first audio, and what it sends waits for part 1 to end.
    expect(parts[1]!.started).toBe(true);
    parts[1]!.send(10);
    parts[1]!.finish();
    parts[0]!.send(10);
    await tick();
    expect(received).toEqual([1, 1]);
    parts[0]!.finish();
    const result = await run;
    expect(received).toEqual([1, 1, 2]);
    expect(result).toEqual({ completeParts: 2, outcomes: [{ backend: 'test' }, { backend: 'test' }] });
  });

  it('keeps at most two requests in flight', async () => {
    const { parts, voicePart } = scriptedParts(4);
    const run = voiceInOrder(4, voicePart, () => undefined);
    parts[0]!.send(2);
    await tick();
    parts[1]!.send(2);
    await tick();
    expect(parts.map((p) => p.started)).toEqual([true, true, false, false]);
    parts[0]!.finish();
    await tick();
    expect(parts[2]!.started).toBe(true);
    for (const part of parts.slice(1)) {
      part.send(2);
      part.finish();
      await tick();
    }
    expect((await run).completeParts).toBe(4);
  });

  it('rejects when the first part fails before any audio (nothing was said)', async () => {
    const { parts, voicePart } = scriptedParts(2);
    const run = voiceInOrder(2, voicePart, () => undefined);
    const error = new Error('401');
    parts[0]!.fail(error);
    await expect(run).rejects.toBe(error);
    expect(parts[1]!.started).toBe(false);
  });

  it('resolves with what was delivered when a later part fails, and stops there', async () => {
    const { parts, voicePart } = scriptedParts(3);
    const received: number[] = [];
    const run = voiceInOrder(3, voicePart, (pcm) => received.push(pcm[0]!));
    parts[0]!.send(4);
    await tick();
    const error = new Error('503');
    parts[1]!.fail(error);
    parts[0]!.finish();
    const result = await run;
    expect(result).toEqual({ completeParts: 1, outcomes: [{ backend: 'test' }], cutReason: 'part 2 of 3 failed', error });
    expect(parts[2]!.started).toBe(false);
    expect(received).toEqual([1]);
  });

  it('stops after a part whose stream was cut, cancelling the prefetched next part', async () => {
    const { parts, voicePart } = scriptedParts(2);
    const run = voiceInOrder(2, voicePart, () => undefined);
    parts[0]!.send(4);
    await tick();
    parts[0]!.finish({ cutReason: 'the connection broke' });
    const result = await run;
    expect(result).toMatchObject({ completeParts: 0, cutReason: 'the connection broke' });
    expect(parts[1]!.signal?.aborted).toBe(true);
  });

  it('rejects and aborts every request when the caller aborts', async () => {
    const { parts, voicePart } = scriptedParts(2);
    const stop = new AbortController();
    const run = voiceInOrder(2, voicePart, () => undefined, { signal: stop.signal });
    parts[0]!.send(4);
    await tick();
    stop.abort(new Error('left the channel'));
    await expect(run).rejects.toThrow('left the channel');
    expect(parts.every((p) => p.signal?.aborted)).toBe(true);
  });

  it('feeds a large backlog in 200 ms slices, yielding to the event loop between them', async () => {
    const { parts, voicePart } = scriptedParts(1);
    const sizes: number[] = [];
    const otherWorkRan: boolean[] = [];
    let ran = false;
    let firstAudio = 0;
    const run = voiceInOrder(
      1,
      voicePart,
      (pcm) => {
        sizes.push(pcm.length);
        otherWorkRan.push(ran);
      },
      { onFirstAudio: () => firstAudio++ },
    );
    parts[0]!.send(48_000); // one second of pcm16 24 kHz mono in one chunk
    setImmediate(() => (ran = true)); // stands for the pacer's next tick
    parts[0]!.finish();
    await run;
    expect(sizes).toEqual([9_600, 9_600, 9_600, 9_600, 9_600]);
    expect(otherWorkRan).toEqual([false, true, true, true, true]);
    expect(firstAudio).toBe(1);
  });
});
