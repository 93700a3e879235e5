/** The fake driven by the real openai SDK: chat completions with audio, errors, retries and transport faults. */
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesLEToPcm16, encodeWavPcm16, pcm16ToBytesLE, synthesizeTone24k } from './audio-bytes.ts';
import { FakeOpenAI } from './index.ts';

let fake: FakeOpenAI;
let client: OpenAI;

beforeEach(async () => {
  fake = await FakeOpenAI.start();
  client = new OpenAI({ baseURL: fake.baseURL, apiKey: fake.apiKey, maxRetries: 0 });
});
afterEach(async () => {
  await fake.stop();
});

/** Deterministic, non-periodic test audio: every sample differs from its neighbours. */
function noisePcm24k(durationMs: number, seed = 1): Int16Array {
  const pcm = new Int16Array((durationMs * 24_000) / 1_000);
  let state = seed;
  for (let i = 0; i < pcm.length; i++) {
    state = (state * 1_103_515_245 + 12_345) % 0x8000_0000;
    pcm[i] = (state >>> 16) - 16_384;
  }
  return pcm;
}

const audioStreamRequest: ChatCompletionCreateParamsStreaming = {
  model: 'gpt-audio',
  modalities: ['text', 'audio'],
  audio: { voice: 'marin', format: 'pcm16' },
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: 'user', content: 'Tell me something.' }],
};

/** Reads a raw chat stream into its parts. */
async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<{
  chunks: ChatCompletionChunk[];
  pcm: Int16Array;
  transcript: string;
}> {
  const chunks: ChatCompletionChunk[] = [];
  const audio: Buffer[] = [];
  let transcript = '';
  for await (const chunk of stream) {
    chunks.push(chunk);
    const delta = chunk.choices[0]?.delta;
    if (delta?.audio?.data) audio.push(Buffer.from(delta.audio.data, 'base64'));
    transcript += delta?.audio?.transcript ?? '';
  }
  return { chunks, pcm: bytesLEToPcm16(Buffer.concat(audio)), transcript };
}

describe('chat completions with audio', () => {
  it('streams the scripted pcm16 and transcript, in the API chunk order, with usage', async () => {
    const pcm = noisePcm24k(1_200);
    const transcript = 'Hello there! This is a scripted answer with a few words.';
    fake.scriptChat({ transcript, audio: pcm, audioId: 'audio_scripted', expiresAt: 2_000_000_000 });
    const { chunks, pcm: received, transcript: heard } = await collect(
      await client.chat.completions.create(audioStreamRequest),
    );
    expect(Buffer.from(received.buffer).equals(pcm16ToBytesLE(pcm))).toBe(true);
    expect(heard).toBe(transcript);

    // The order of the captured stream in openai/openai-node issue #1206: transcript, audio, marker, usage.
    const deltas = chunks.map((c) => c.choices[0]?.delta);
    expect(deltas[0]?.audio).toMatchObject({ id: 'audio_scripted' });
    const firstData = deltas.findIndex((d) => d?.audio?.data);
    expect(firstData).toBe(transcript.split(' ').length);
    expect(deltas[firstData]).toEqual({ role: 'assistant', content: null, refusal: null, audio: { id: 'audio_scripted', data: expect.any(String) } });
    expect(deltas.slice(0, firstData).every((d) => d?.audio?.transcript !== undefined && !d.audio.data)).toBe(true);
    expect(deltas.slice(firstData + 1, -2).every((d) => Object.keys(d?.audio ?? {}).join() === 'data')).toBe(true);
    const tail = chunks.slice(-2);
    expect(tail[0]?.choices[0]?.delta.audio).toEqual({ expires_at: 2_000_000_000 });
    // No chunk of an audio answer carries a finish_reason.
    expect(chunks.every((c) => !c.choices[0]?.finish_reason)).toBe(true);
    expect(tail[1]?.choices).toEqual([]);
    expect(tail[1]?.usage).toMatchObject({
      completion_tokens_details: { audio_tokens: 24, text_tokens: Math.ceil(transcript.length / 4) },
      prompt_tokens_details: { audio_tokens: 0, text_tokens: Math.ceil('Tell me something.'.length / 4) },
    });

    const [request] = fake.requests;
    expect(request).toMatchObject({ path: '/v1/chat/completions', status: 200, schemaErrors: [] });
    expect(request?.chunkSentAt).toHaveLength(12);
    expect(fake.issuedAudio.get('audio_scripted')).toMatchObject({ transcript, expiresAt: 2_000_000_000 });
  });

  it('answers non-streamed with message.audio (wav) and accepts it as a later turn until it expires', async () => {
    const pcm = noisePcm24k(500, 7);
    fake.scriptChat({ transcript: 'Whole answer.', audio: pcm });
    const completion = await client.chat.completions.create({
      ...audioStreamRequest,
      audio: { voice: 'alloy', format: 'wav' },
      stream: false,
      stream_options: null,
    });
    const message = completion.choices[0]!.message;
    expect(message.content).toBeNull();
    expect(message.audio?.transcript).toBe('Whole answer.');
    expect(Buffer.from(message.audio!.data, 'base64').equals(encodeWavPcm16(pcm))).toBe(true);
    expect(completion.usage?.completion_tokens_details?.audio_tokens).toBe(10);

    const followUp = {
      model: 'gpt-audio',
      messages: [
        { role: 'user' as const, content: 'Hi' },
        { role: 'assistant' as const, audio: { id: message.audio!.id } },
        { role: 'user' as const, content: 'And?' },
      ],
    };
    const next = await client.chat.completions.create(followUp);
    expect(next.choices[0]?.message.content).toBe('Hello from the fake OpenAI.');
    expect(next.usage?.prompt_tokens_details?.audio_tokens).toBe(5);

    fake.now = () => message.audio!.expires_at;
    await expect(client.chat.completions.create(followUp)).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining(`Assistant audio ${message.audio!.id} not found.`),
    });
  });

  it('records decoded input audio and rejects audio that is not what its format says', async () => {
    const wav = encodeWavPcm16(synthesizeTone24k(1_000));
    await client.chat.completions.create({
      model: 'gpt-audio',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Bob said:' },
            { type: 'input_audio', input_audio: { data: wav.toString('base64'), format: 'wav' } },
          ],
        },
      ],
    });
    expect(fake.requests[0]?.inputAudio).toEqual([{ format: 'wav', data: wav }]);

    const error = await client.chat.completions
      .create({
        model: 'gpt-audio',
        messages: [
          {
            role: 'user',
            content: [{ type: 'input_audio', input_audio: { data: wav.toString('base64'), format: 'mp3' } }],
          },
        ],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ param: 'messages[0].content[0].input_audio.data', code: 'invalid_value' });
  });

  it('ends a scripted OpenAI-compatible audio stream with a finish_reason chunk after the marker', async () => {
    fake.scriptChat({ audio: noisePcm24k(300), finishReasonChunk: true });
    const { chunks } = await collect(await client.chat.completions.create(audioStreamRequest));
    expect(chunks.at(-3)?.choices[0]?.delta.audio).toHaveProperty('expires_at');
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)?.choices).toEqual([]);
  });

  it('streams refusals and text-only answers, each ending with finish_reason', async () => {
    fake.scriptChat({ refusal: 'I cannot do that.' }, { textOnly: true, transcript: 'Just text.' });
    const refused = await collect(await client.chat.completions.create(audioStreamRequest));
    expect(refused.chunks.map((c) => c.choices[0]?.delta.refusal ?? '').join('')).toBe('I cannot do that.');
    expect(refused.pcm).toHaveLength(0);
    const text = await collect(await client.chat.completions.create(audioStreamRequest));
    expect(text.chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Just text.');
    for (const { chunks } of [refused, text]) expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('paces chunks at the scripted speed, with pauses (loose lower bounds only)', async () => {
    fake.scriptChat({ audio: noisePcm24k(1_000), chunkMs: 100, speed: 5, pauses: [{ atMs: 500, durationMs: 150 }] });
    await collect(await client.chat.completions.create(audioStreamRequest));
    const sent = fake.requests[0]!.chunkSentAt;
    expect(sent).toHaveLength(10);
    // Chunk k is due at k*100/5 ms (+150 ms from 500 ms of audio on): 900/5 + 150 = 330 ms after the first.
    expect(sent[9]! - sent[0]!).toBeGreaterThanOrEqual(320);
    expect(sent[5]! - sent[4]!).toBeGreaterThanOrEqual(160);
  });
});

describe('request validation and API errors', () => {
  it('surfaces schema rejections as BadRequestError with the API error shape', async () => {
    const error = await client.chat.completions
      .create({ model: 'gpt-audio', messages: [{ role: 'user', content: 'hi' }], n: 0 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'n', code: 'invalid_value' });
    expect(fake.requests[0]?.schemaErrors).toEqual(['/n must be >= 1']);
  });

  it('applies the rules the schema cannot express', async () => {
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [
        { ...audioStreamRequest, audio: { voice: 'alloy', format: 'wav' } },
        400,
        /'audio.format' does not support 'wav' when stream=true. Supported values are: 'pcm16'/,
      ],
      [{ ...audioStreamRequest, audio: undefined }, 400, /Missing required parameter: 'audio'/],
      [{ ...audioStreamRequest, model: 'gpt-audio-mini' }, 400, /'stream' does not support true with this model/],
      [{ ...audioStreamRequest, model: 'gpt-4o-audio-preview' }, 404, /The model `gpt-4o-audio-preview` does not/],
      [{ ...audioStreamRequest, model: 'whisper-1' }, 404, /not a chat model/],
      [{ ...audioStreamRequest, temprature: 0.5 }, 400, /Unrecognized request argument supplied: temprature/],
    ];
    for (const [body, status, message] of cases) {
      const error = await client.chat.completions.create(body as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(error).toMatchObject({ status, message: expect.stringMatching(message) });
    }
    fake.models.add('gpt-audio-2026-01-01');
    fake.models.delete('gpt-audio');
    await expect(client.chat.completions.create({ ...audioStreamRequest, model: 'gpt-audio' })).rejects.toBeInstanceOf(
      OpenAI.NotFoundError,
    );
    await expect(
      client.chat.completions.create({ ...audioStreamRequest, model: 'gpt-audio-2026-01-01' }),
    ).resolves.toBeDefined();
  });

  it('answers a wrong key with 401 invalid_api_key', async () => {
    const stranger = new OpenAI({ baseURL: fake.baseURL, apiKey: 'sk-not-the-right-key', maxRetries: 0 });
    const error = await stranger.chat.completions.create(audioStreamRequest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_api_key' });
  });

  it('lets the SDK retry a 429 honouring retry-after-ms, then serves the scripted answer', async () => {
    fake.scriptChat(
      { fault: { kind: 'status', status: 429, headers: { 'retry-after-ms': '20' }, times: 2 } },
      { transcript: 'Worth the wait.' },
    );
    const retrying = new OpenAI({ baseURL: fake.baseURL, apiKey: fake.apiKey, maxRetries: 2 });
    const { transcript } = await collect(await retrying.chat.completions.create(audioStreamRequest));
    expect(transcript).toBe('Worth the wait.');
    expect(fake.requests.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(fake.requests[1]!.at - fake.requests[0]!.at).toBeGreaterThanOrEqual(15);
  });

  it('gives InternalServerError after the SDK retried three 500s', async () => {
    fake.scriptChat({ fault: { kind: 'status', status: 500, times: 3, headers: { 'retry-after-ms': '10' } } });
    const retrying = new OpenAI({ baseURL: fake.baseURL, apiKey: fake.apiKey, maxRetries: 2 });
    const error = await retrying.chat.completions.create(audioStreamRequest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(fake.requests.map((r) => r.status)).toEqual([500, 500, 500]);
  });
});

describe('transport faults', () => {
  it('a cut at an event boundary ends the raw iterator silently', async () => {
    fake.scriptChat({ audio: noisePcm24k(1_000), fault: { kind: 'cut', afterChunks: 4 } });
    const { chunks } = await collect(await client.chat.completions.create(audioStreamRequest));
    expect(chunks).toHaveLength(4);
  });

  it('a cut in the middle of a JSON event throws', async () => {
    fake.scriptChat({ audio: noisePcm24k(1_000), fault: { kind: 'cut', afterChunks: 4, midJson: true } });
    // The SDK logs the unparsable chunk before throwing; keep the test output clean.
    const quiet = new OpenAI({ baseURL: fake.baseURL, apiKey: fake.apiKey, maxRetries: 0, logLevel: 'off' });
    const stream = await quiet.chat.completions.create(audioStreamRequest);
    await expect(collect(stream)).rejects.toThrow(SyntaxError);
  });

  it('a reset throws', async () => {
    fake.scriptChat({ audio: noisePcm24k(1_000), fault: { kind: 'reset', afterChunks: 3 } });
    const stream = await client.chat.completions.create(audioStreamRequest);
    await expect(collect(stream)).rejects.toThrow(/terminated/);
  });

  it('faults in non-streamed answers: a cut body is invalid JSON, a reset terminates', async () => {
    fake.scriptChat({ fault: { kind: 'cut', afterChunks: 1 } }, { fault: { kind: 'reset', afterChunks: 0 } });
    const request = { ...audioStreamRequest, stream: false as const, stream_options: null };
    await expect(client.chat.completions.create(request)).rejects.toThrow(SyntaxError);
    await expect(client.chat.completions.create(request)).rejects.toThrow(/terminated/);
  });

  it('a stall keeps the stream open until the caller aborts', async () => {
    fake.scriptChat({ audio: noisePcm24k(1_000), fault: { kind: 'stall', afterChunks: 2 } });
    const abort = new AbortController();
    const stream = await client.chat.completions.create(audioStreamRequest, { signal: abort.signal });
    const received: ChatCompletionChunk[] = [];
    const reading = (async () => {
      for await (const chunk of stream) {
        received.push(chunk);
        if (received.length === 2) setTimeout(() => abort.abort(), 200);
      }
    })();
    // The raw iterator ends silently on abort (no APIUserAbortError); either way the loop must finish.
    await reading.catch(() => undefined);
    expect(received).toHaveLength(2);
    expect(abort.signal.aborted).toBe(true);
  });

  it('stop() releases a stalled stream', async () => {
    fake.scriptChat({ fault: { kind: 'stall', afterChunks: 1 } });
    const stream = await client.chat.completions.create(audioStreamRequest);
    const reading = collect(stream).then(
      (result) => result.chunks.length,
      () => 'threw',
    );
    await fake.waitForRequest((r) => r.status === 200);
    await fake.stop();
    expect(await reading).toSatisfy((outcome) => outcome === 1 || outcome === 'threw');
  });
});
