/** The fake's speech and transcription endpoints driven by the real openai SDK. */
import OpenAI, { toFile } from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeOggOpus } from '../../../src/audio/ogg-opus.ts';
import { encodeWavPcm16, pcm16ToBytesLE, synthesizeTone24k } from './audio-bytes.ts';
import { FakeOpenAI } from './index.ts';
import type { MultipartBody } from './types.ts';
import { speechUsage } from './usage.ts';

let fake: FakeOpenAI;
let client: OpenAI;

beforeEach(async () => {
  fake = await FakeOpenAI.start();
  client = new OpenAI({ baseURL: fake.baseURL, apiKey: fake.apiKey, maxRetries: 0 });
});
afterEach(async () => {
  await fake.stop();
});

const speechRequest = { model: 'gpt-4o-mini-tts', voice: 'coral', input: 'Attention please.' } as const;
const scriptedPcm = synthesizeTone24k(730, 523);

describe('speech', () => {
  it('pcm: streams the scripted raw s16le 24 kHz audio in paced chunks', async () => {
    fake.scriptSpeech({ audio: scriptedPcm, chunkMs: 50 });
    const response = await client.audio.speech.create({ ...speechRequest, response_format: 'pcm' });
    expect(response.headers.get('content-type')).toBe('audio/pcm');
    expect(response.headers.get('transfer-encoding')).toBe('chunked');
    expect(Buffer.from(await response.arrayBuffer()).equals(pcm16ToBytesLE(scriptedPcm))).toBe(true);
    expect(fake.requests[0]?.chunkSentAt).toHaveLength(15);
  });

  it('wav: a complete WAV file of the scripted audio', async () => {
    fake.scriptSpeech({ audio: scriptedPcm });
    const response = await client.audio.speech.create({ ...speechRequest, response_format: 'wav' });
    const wav = Buffer.from(await response.arrayBuffer());
    expect(wav.readUInt32LE(24)).toBe(24_000);
    expect(wav.equals(encodeWavPcm16(scriptedPcm))).toBe(true);
  });

  it('opus: an Ogg Opus file that decodes to the scripted length', async () => {
    fake.scriptSpeech({ audio: scriptedPcm });
    const response = await client.audio.speech.create({ ...speechRequest, response_format: 'opus' });
    const ogg = Buffer.from(await response.arrayBuffer());
    expect(ogg.toString('ascii', 0, 4)).toBe('OggS');
    const decoded = decodeOggOpus(ogg);
    expect(decoded).toMatchObject({ channels: 1, inputSampleRate: 24_000, corruptPackets: 0, truncated: false });
    expect(decoded.pcm.length).toBe(scriptedPcm.length * 2);
  });

  it('sse: speech.audio.delta events with the audio, then speech.audio.done with usage', async () => {
    fake.scriptSpeech({ audio: scriptedPcm });
    const response = await client.audio.speech.create({
      ...speechRequest,
      response_format: 'pcm',
      stream_format: 'sse',
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await response.text())
      .split('\n\n')
      .filter(Boolean)
      .map((e) => JSON.parse(e.replace(/^data: /, '')) as { type: string; audio?: string; usage?: unknown });
    const deltas = events.filter((e) => e.type === 'speech.audio.delta');
    expect(deltas).toHaveLength(8);
    const audio = Buffer.concat(deltas.map((e) => Buffer.from(e.audio!, 'base64')));
    expect(audio.equals(pcm16ToBytesLE(scriptedPcm))).toBe(true);
    expect(events.at(-1)).toEqual({ type: 'speech.audio.done', usage: speechUsage(speechRequest.input, 730) });
  });

  it('makes up audio whose length follows the input and the speed when none is scripted', async () => {
    const normal = await client.audio.speech.create({ ...speechRequest, input: 'x'.repeat(20), response_format: 'pcm' });
    const fast = await client.audio.speech.create({
      ...speechRequest,
      input: 'x'.repeat(20),
      response_format: 'pcm',
      speed: 2,
    });
    expect((await normal.arrayBuffer()).byteLength).toBe(2 * 24 * 1_200);
    expect((await fast.arrayBuffer()).byteLength).toBe(2 * 24 * 600);
  });

  it('rejects what the API rejects, with the API error shape', async () => {
    const cases: [Record<string, unknown>, RegExp, string | null][] = [
      [{ ...speechRequest, volume: 11 }, /Unrecognized request argument supplied: volume/, 'volume'],
      [{ ...speechRequest, voice: 3 }, /Invalid value for 'voice'/, 'voice'],
      [{ ...speechRequest, input: 'x'.repeat(4_097) }, /Invalid value for 'input'/, 'input'],
      [{ ...speechRequest, speed: 4.5 }, /Invalid value for 'speed'/, 'speed'],
      [{ ...speechRequest, model: 'tts-1', instructions: 'Be cheerful.' }, /'instructions' is not/, 'instructions'],
      [{ ...speechRequest, model: 'tts-1-hd', stream_format: 'sse' }, /'sse' is not supported/, 'stream_format'],
      [{ ...speechRequest, response_format: 'mp3' }, /not supported by this fake/, 'response_format'],
      [{ ...speechRequest, model: 'gpt-audio' }, /not supported by v1\/audio\/speech/, 'model'],
    ];
    for (const [body, message, param] of cases) {
      const error = await client.audio.speech.create(body as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error).toMatchObject({ message: expect.stringMatching(message), param });
    }
  });

  it('retries a 503 and fails mid-body on a reset', async () => {
    fake.scriptSpeech(
      { fault: { kind: 'status', status: 503, headers: { 'retry-after-ms': '10' } } },
      { audio: scriptedPcm },
      { audio: scriptedPcm, fault: { kind: 'reset', afterChunks: 2 } },
    );
    const retrying = new OpenAI({ baseURL: fake.baseURL, apiKey: fake.apiKey, maxRetries: 1 });
    const ok = await retrying.audio.speech.create({ ...speechRequest, response_format: 'pcm' });
    expect((await ok.arrayBuffer()).byteLength).toBe(scriptedPcm.length * 2);
    const cut = await client.audio.speech.create({ ...speechRequest, response_format: 'pcm' });
    await expect(cut.arrayBuffer()).rejects.toThrow(/terminated/);
    expect(fake.requests.map((r) => r.status)).toEqual([503, 200, 200]);
  });
});

describe('transcriptions', () => {
  const wav = encodeWavPcm16(synthesizeTone24k(2_000));

  it('parses the SDK multipart upload and answers the scripted text with usage', async () => {
    fake.scriptTranscription({ text: 'Hello Parley.' });
    const result = await client.audio.transcriptions.create({
      file: await toFile(wav, 'a.wav'),
      model: 'gpt-4o-transcribe',
      language: 'en',
      temperature: 0.2,
      include: ['logprobs'],
    });
    expect(result.text).toBe('Hello Parley.');
    expect(result.usage).toEqual({
      type: 'tokens',
      input_tokens: 20,
      input_token_details: { text_tokens: 0, audio_tokens: 20 },
      output_tokens: 4,
      total_tokens: 24,
    });
    const request = fake.requests[0]!;
    expect(request.schemaErrors).toEqual([]);
    const body = request.body as MultipartBody;
    expect(body.fields).toEqual({
      model: 'gpt-4o-transcribe',
      language: 'en',
      temperature: '0.2',
      include: ['logprobs'],
    });
    expect(body.files).toHaveLength(1);
    expect(body.files[0]).toMatchObject({ name: 'file', filename: 'a.wav' });
    expect(body.files[0]!.data.equals(wav)).toBe(true);
  });

  it('answers whisper-1 with duration usage and response_format text as plain text', async () => {
    const whisper = await client.audio.transcriptions.create({ file: await toFile(wav, 'a.wav'), model: 'whisper-1' });
    expect(whisper.usage).toEqual({ type: 'duration', seconds: 2 });
    const text = await client.audio.transcriptions.create({
      file: await toFile(wav, 'b.wav'),
      model: 'gpt-4o-mini-transcribe',
      response_format: 'text',
    });
    expect(text).toBe('This is what the fake OpenAI heard.\n');
  });

  it('rejects a missing model, a missing file and an unsupported file type', async () => {
    const noModel = await client.audio.transcriptions
      .create({ file: await toFile(wav, 'a.wav') } as never)
      .catch((e: unknown) => e);
    expect(noModel).toMatchObject({ status: 400, param: 'model', code: 'missing_required_parameter' });
    const noFile = await client.audio.transcriptions.create({ model: 'whisper-1' } as never).catch((e: unknown) => e);
    expect(noFile).toMatchObject({ status: 400, param: 'file' });
    const badType = await client.audio.transcriptions
      .create({ file: await toFile(wav, 'notes.txt'), model: 'whisper-1' })
      .catch((e: unknown) => e);
    expect(badType).toMatchObject({ status: 400, message: expect.stringMatching(/Invalid file format/) });
  });
});
