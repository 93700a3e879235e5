import { describe, expect, it } from 'vitest';
import { FRAME_SAMPLES_24K_MONO } from '../../../src/audio/format.ts';
import { UtteranceSegmenter, type Utterance } from '../../../src/listen/segmenter.ts';

const loud = () => new Int16Array(FRAME_SAMPLES_24K_MONO).fill(3_000);
const quiet = () => new Int16Array(FRAME_SAMPLES_24K_MONO).fill(10);
const options = { silenceMs: 600, minSpeechMs: 300, maxUtteranceMs: 2_000 };

function run(frames: (Int16Array | null | 'gap')[], opts = options) {
  const out: Utterance[] = [];
  const segmenter = new UtteranceSegmenter(opts, (u) => out.push(u));
  let t = 0;
  for (const frame of frames) {
    t += 20;
    if (frame !== 'gap') segmenter.pushFrame(frame, t);
  }
  return { out, segmenter, t };
}

describe('UtteranceSegmenter', () => {
  it('ends a turn after the silence window, trimming the trailing silence', () => {
    const { out, segmenter, t } = run([...Array(50).fill(0).map(loud), null, null, null]);
    const lastSpeechAt = t - 60;
    expect(out).toHaveLength(0);
    segmenter.checkSilence(lastSpeechAt + 599);
    expect(out).toHaveLength(0);
    segmenter.checkSilence(lastSpeechAt + 600);
    expect(out).toHaveLength(1);
    expect(out[0]!.durationMs).toBe(1_000);
    expect(out[0]!.speechMs).toBe(1_000);
    expect(out[0]!.reason).toBe('silence');
  });

  it('drops utterances with less speech than the minimum', () => {
    const { out, segmenter, t } = run(Array(10).fill(0).map(loud));
    segmenter.checkSilence(t + 1_000);
    expect(out).toHaveLength(0);
  });

  it('keeps pauses inside an utterance, filling packet gaps with silence', () => {
    const { out, segmenter, t } = run([...Array(20).fill(0).map(loud), null, ...Array(9).fill('gap'), ...Array(20).fill(0).map(loud)]);
    segmenter.checkSilence(t + 700);
    expect(out).toHaveLength(1);
    expect(out[0]!.durationMs).toBe(1_000);
    expect(out[0]!.speechMs).toBe(800);
  });

  it('treats a short gap without a silence frame as jitter: late packets, nothing inserted', () => {
    const { out, segmenter, t } = run([...Array(20).fill(0).map(loud), 'gap', 'gap', 'gap', ...Array(20).fill(0).map(loud)]);
    segmenter.checkSilence(t + 700);
    expect(out[0]!.durationMs).toBe(800);
  });

  it('fills a long gap even without a silence frame (the speaker stopped sending)', () => {
    const { out, segmenter, t } = run([...Array(20).fill(0).map(loud), ...Array(15).fill('gap'), ...Array(20).fill(0).map(loud)]);
    segmenter.checkSilence(t + 700);
    expect(out[0]!.durationMs).toBe(1_100);
  });

  it('cuts at the maximum length and starts a new utterance with the next words', () => {
    const { out, segmenter, t } = run(Array(150).fill(0).map(loud));
    expect(out).toHaveLength(1);
    expect(out[0]!.reason).toBe('max-length');
    expect(out[0]!.durationMs).toBe(2_000);
    segmenter.checkSilence(t + 600);
    expect(out).toHaveLength(2);
    expect(out[1]!.durationMs).toBe(1_000);
  });

  it('does not start an utterance on quiet frames or silence packets', () => {
    const { out, segmenter, t } = run([quiet(), null, quiet()]);
    expect(segmenter.active).toBe(false);
    segmenter.checkSilence(t + 1_000);
    expect(out).toHaveLength(0);
  });

  it('discards the utterance in progress', () => {
    const { out, segmenter, t } = run(Array(30).fill(0).map(loud));
    segmenter.discard();
    segmenter.checkSilence(t + 1_000);
    expect(out).toHaveLength(0);
  });

  it('snapshots the utterance in progress for a speculative start: the same audio it ends with', () => {
    const { out, segmenter, t } = run([...Array(40).fill(0).map(loud), null, null]);
    expect(segmenter.silentSince(100)).toBe(t - 40 + 100);
    const early = segmenter.snapshot()!;
    expect(early.durationMs).toBe(800);
    segmenter.checkSilence(t + 600);
    expect(out).toHaveLength(1);
    expect(out[0]!.pcm24kMono).toEqual(early.pcm24kMono);
  });

  it('has no snapshot while idle or with too little speech', () => {
    const idle = new UtteranceSegmenter(options, () => {});
    expect(idle.snapshot()).toBeUndefined();
    expect(idle.silentSince(100)).toBeUndefined();
    const { segmenter } = run(Array(5).fill(0).map(loud));
    expect(segmenter.snapshot()).toBeUndefined();
  });
});
