/**
 * How a streamed answer ends, through the real SDK against the fake OpenAI: the real API's audio ending (no
 * finish_reason; the expires_at marker, usage, [DONE]), a compatible server's finish_reason, text answers, and
 * cuts on either side of each mark. Only a stream cut before every mark is an interrupted answer.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requestSpokenAnswer, resetStreamingMemory, type SpokenAnswerRequest } from '../../../src/ai/chat-audio.ts';
import { splitIntoDeltas } from '../../harness/openai/chat-answer.ts';
import { FakeOpenAI, type ChatScript } from '../../harness/openai/index.ts';
import { synthesizeTone24k } from '../../harness/openai/audio-bytes.ts';

const TRANSCRIPT = 'A whole answer in six words.';
const AUDIO_MS = 500;
const CHUNK_MS = 100;
/** Transcript deltas, then the audio chunks: the chunks before the expires_at marker. */
const BEFORE_MARKER = splitIntoDeltas(TRANSCRIPT).length + AUDIO_MS / CHUNK_MS;

let fake: FakeOpenAI;
let client: OpenAI;
const request = (speak = true): SpokenAnswerRequest => ({
  model: 'gpt-audio',
  voice: 'marin',
  messages: [{ role: 'user', content: 'Tell me.' }],
  speak,
});

async function answer(script: ChatScript, speak = true, signal?: AbortSignal) {
  fake.scriptChat({ transcript: TRANSCRIPT, audio: synthesizeTone24k(AUDIO_MS), chunkMs: CHUNK_MS, audioId: 'audio_x', ...script });
  let audioBytes = 0;
  const result = await requestSpokenAnswer(
    client,
    request(speak),
    { audio: (pcm) => (audioBytes += pcm.length), text: () => undefined },
    { stallMs: 2_000, ...(signal ? { signal } : {}) },
  );
  return { ...result, audioMs: audioBytes / 48 };
}

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  client = new OpenAI({ baseURL: fake.baseURL, apiKey: fake.apiKey, maxRetries: 0, logLevel: 'off' });
});
beforeEach(() => resetStreamingMemory());
afterAll(async () => {
  await fake.stop();
});

describe('a streamed audio answer is complete when something marks its end', () => {
  it('the real API: no finish_reason, the expires_at marker, usage, [DONE]', async () => {
    const result = await answer({});
    expect(result).toMatchObject({ complete: true, text: TRANSCRIPT, audioId: 'audio_x', audioMs: AUDIO_MS });
    expect(result.cutReason).toBeUndefined();
    expect(result.usage?.audioOut).toBe(10);
  });

  it('an OpenAI-compatible server that adds a finish_reason chunk', async () => {
    expect(await answer({ finishReasonChunk: true })).toMatchObject({ complete: true, audioId: 'audio_x' });
  });

  it('cut after the marker, before the usage chunk: complete, without usage', async () => {
    const result = await answer({ fault: { kind: 'cut', afterChunks: BEFORE_MARKER + 1 } });
    expect(result).toMatchObject({ complete: true, audioMs: AUDIO_MS });
    expect(result.usage).toBeUndefined();
  });

  it('reset after the usage chunk instead of [DONE]: complete, with usage', async () => {
    const result = await answer({ fault: { kind: 'reset', afterChunks: BEFORE_MARKER + 2 } });
    expect(result.complete).toBe(true);
    expect(result.usage?.audioOut).toBe(10);
  });

  it('cut after the last audio but before the marker: interrupted, the stream ended early', async () => {
    const result = await answer({ fault: { kind: 'cut', afterChunks: BEFORE_MARKER } });
    expect(result).toMatchObject({ complete: false, cutReason: 'the stream ended early', audioMs: AUDIO_MS, text: TRANSCRIPT });
  });

  it('cut inside the transcript, before any audio: interrupted', async () => {
    const result = await answer({ fault: { kind: 'cut', afterChunks: 2 } });
    expect(result).toMatchObject({ complete: false, cutReason: 'the stream ended early', audioMs: 0, text: 'A whole' });
  });
});

describe('text answers', () => {
  it('end with finish_reason; a cut after it (before usage) is still complete, a cut before it is not', async () => {
    const words = splitIntoDeltas(TRANSCRIPT).length;
    expect(await answer({ textOnly: true }, false)).toMatchObject({ complete: true, text: TRANSCRIPT });
    // Chunks: role, one per word, finish_reason, usage.
    expect(await answer({ textOnly: true, fault: { kind: 'cut', afterChunks: words + 2 } }, false)).toMatchObject({ complete: true });
    expect(await answer({ textOnly: true, fault: { kind: 'cut', afterChunks: words + 1 } }, false)).toMatchObject({
      complete: false,
      cutReason: 'the stream ended early',
    });
  });
});

describe('an aborted turn', () => {
  it('sends no request when its signal is already aborted', async () => {
    const before = fake.requests.length;
    const abort = new AbortController();
    abort.abort(new Error('stopped before asking'));
    await expect(answer({}, true, abort.signal)).rejects.toThrow('stopped before asking');
    expect(fake.requests.length).toBe(before);
  });
});
