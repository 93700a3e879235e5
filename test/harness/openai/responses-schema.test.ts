/**
 * Everything the fake sends must match the official response schemas, checked both on the pure builders and on
 * what actually goes over the wire. Known deviation, copied from the real API on purpose: the streamed
 * `expires_at`-only audio chunk omits `finish_reason` (the spec requires it; the SDK normalises it to null).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  authenticationError,
  faultError,
  invalidUrl,
  modelNotFound,
  schemaViolation,
  unparsableJson,
} from './api-errors.ts';
import { encodeWavPcm16, synthesizeTone24k } from './audio-bytes.ts';
import { buildChatCompletion, buildChatStreamChunks } from './chat-answer.ts';
import type { ChatAnswer } from './chat-answer.ts';
import { FakeOpenAI } from './index.ts';
import { chatUsage, speechUsage, transcriptionUsage } from './usage.ts';
import { validateAgainst, validateDetailed } from './validate.ts';

const MISSING_FINISH_REASON = "/choices/0 must have required property 'finish_reason'";

const baseAnswer: ChatAnswer = {
  id: 'chatcmpl-1',
  created: 1_800_000_000,
  model: 'gpt-audio',
  text: 'Sure, here is the weather.',
  usage: chatUsage({ promptText: 'hi', promptAudioMs: 1_500, completionText: 'Sure', completionAudioMs: 900 }),
};
const audioAnswer: ChatAnswer = {
  ...baseAnswer,
  audio: { id: 'audio_1', expiresAt: 1_800_003_600, pcm: synthesizeTone24k(450) },
};
const refusal: ChatAnswer = { ...baseAnswer, refusal: "I can't help with that." };

/** Validates a streamed chunk; the audio part is left out because the spec's delta schema lacks it. */
function streamChunkErrors(chunk: Record<string, unknown>): string[] {
  const copy = structuredClone(chunk) as { choices: { delta: Record<string, unknown> }[] };
  for (const choice of copy.choices) delete choice.delta['audio'];
  return validateAgainst('CreateChatCompletionStreamResponse', copy);
}

function expectValidStream(chunks: Record<string, unknown>[]): void {
  for (const chunk of chunks) {
    const delta = (chunk['choices'] as { delta: { audio?: { expires_at?: number } } }[])[0]?.delta;
    const expected = delta?.audio?.expires_at !== undefined ? [MISSING_FINISH_REASON] : [];
    expect(streamChunkErrors(chunk)).toEqual(expected);
  }
}

describe('pure builders match the response schemas', () => {
  it('non-streamed chat completions: audio, text and refusal', () => {
    for (const answer of [audioAnswer, baseAnswer, refusal]) {
      const encoded = answer.audio ? encodeWavPcm16(answer.audio.pcm) : undefined;
      expect(validateAgainst('CreateChatCompletionResponse', buildChatCompletion(answer, encoded))).toEqual([]);
    }
  });

  it('streamed chat chunks: audio, text and refusal, with and without usage', () => {
    for (const answer of [audioAnswer, baseAnswer, refusal]) {
      for (const includeUsage of [true, false]) {
        expectValidStream(buildChatStreamChunks(answer, { chunkMs: 100, includeUsage }).map((c) => c.json));
      }
    }
  });

  it('usage blocks', () => {
    expect(validateAgainst('CompletionUsage', baseAnswer.usage)).toEqual([]);
    expect(validateAgainst('CompletionUsage', chatUsage(
      { promptText: '', promptAudioMs: 0, completionText: '', completionAudioMs: 0 },
      { prompt_tokens: 5, completion_tokens_details: { audio_tokens: 3 } },
    ))).toEqual([]);
  });

  it('error bodies', () => {
    const { errors } = validateDetailed('CreateSpeechRequest', { input: 'x', voice: 1, extra: true });
    const all: ApiError[] = [
      authenticationError(undefined),
      authenticationError('sk-wrong-key-1234'),
      modelNotFound('gpt-4o-audio-preview'),
      invalidUrl('POST', '/v1/nothing'),
      unparsableJson(),
      schemaViolation(errors),
      faultError({ kind: 'status', status: 429 }),
      faultError({ kind: 'status', status: 500 }),
      faultError({ kind: 'status', status: 418, message: 'teapot', code: 'teapot' }),
    ];
    for (const error of all) expect(validateAgainst('ErrorResponse', error.body)).toEqual([]);
  });

  it('speech events and transcription responses', () => {
    expect(validateAgainst('SpeechAudioDeltaEvent', { type: 'speech.audio.delta', audio: 'AAAA' })).toEqual([]);
    expect(
      validateAgainst('SpeechAudioDoneEvent', { type: 'speech.audio.done', usage: speechUsage('Hello', 1_000) }),
    ).toEqual([]);
    for (const model of ['gpt-4o-transcribe', 'whisper-1']) {
      const body = { text: 'hi', usage: transcriptionUsage(model, 2_500, 'hi') };
      expect(validateAgainst('CreateTranscriptionResponseJson', body)).toEqual([]);
    }
  });
});

describe('what the fake sends over the wire matches the response schemas', () => {
  let fake: FakeOpenAI;
  const post = (path: string, body: unknown, key?: string): Promise<Response> =>
    fetch(`${fake.baseURL}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key ?? fake.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const chatBody = { model: 'gpt-audio', messages: [{ role: 'user', content: 'hi' }] };
  const audioChat = { ...chatBody, modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'pcm16' } };

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
  });
  afterAll(async () => {
    await fake.stop();
  });

  it('chat: non-streamed and streamed', async () => {
    for (const body of [chatBody, audioChat]) {
      const response = await post('/chat/completions', body);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(validateAgainst('CreateChatCompletionResponse', await response.json())).toEqual([]);
    }
    const streamOptions = { include_usage: true };
    const streamed = await post('/chat/completions', { ...audioChat, stream: true, stream_options: streamOptions });
    const events = (await streamed.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    expectValidStream(events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)) as Record<string, unknown>));
  });

  it('errors: auth, validation, model, route, injected status', async () => {
    fake.scriptChat({ fault: { kind: 'status', status: 503 } });
    const responses = [
      await post('/chat/completions', chatBody, 'sk-wrong'),
      await post('/chat/completions', { messages: [] }),
      await post('/chat/completions', { ...chatBody, model: 'gpt-4o-audio-preview' }),
      await post('/nothing/here', {}),
      await post('/chat/completions', chatBody),
    ];
    expect(responses.map((r) => r.status)).toEqual([401, 400, 404, 404, 503]);
    for (const response of responses) {
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(validateAgainst('ErrorResponse', await response.json())).toEqual([]);
    }
  });

  it('speech SSE events', async () => {
    const response = await post('/audio/speech', {
      model: 'gpt-4o-mini-tts',
      input: 'Hello there',
      voice: 'coral',
      response_format: 'pcm',
      stream_format: 'sse',
    });
    const events = (await response.text()).split('\n\n').filter(Boolean);
    const parsed = events.map((e) => JSON.parse(e.slice('data: '.length)) as { type: string });
    for (const event of parsed.slice(0, -1)) expect(validateAgainst('SpeechAudioDeltaEvent', event)).toEqual([]);
    expect(validateAgainst('SpeechAudioDoneEvent', parsed.at(-1))).toEqual([]);
  });

  it('transcription JSON', async () => {
    const form = new FormData();
    form.append('model', 'gpt-4o-mini-transcribe');
    form.append('file', new Blob([encodeWavPcm16(synthesizeTone24k(500))], { type: 'audio/wav' }), 'a.wav');
    const response = await fetch(`${fake.baseURL}/audio/transcriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.apiKey}` },
      body: form,
    });
    expect(validateAgainst('CreateTranscriptionResponseJson', await response.json())).toEqual([]);
  });
});
