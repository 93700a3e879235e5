/**
 * The fake's Realtime endpoint against the real SDK client (`OpenAIRealtimeWS` over wss with the test
 * certificate): schema checks both ways, scripted readings and every fault Parley must survive.
 */
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isModelNotFoundError } from '../../../src/ai/dead-models.ts';
import { RealtimeSpeechError, streamRealtimeSpeech, type RealtimeSpeechResult } from '../../../src/ai/realtime-speech.ts';
import { trustFakeDiscordCertificate } from '../discord/index.ts';
import { bytesLEToPcm16, synthesizeTone24k } from './audio-bytes.ts';
import { FakeOpenAI } from './index.ts';

describe('fake OpenAI: Realtime readings over wss', () => {
  let fake: FakeOpenAI;
  let client: OpenAI;
  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    trustFakeDiscordCertificate(fake.caCertPem);
    client = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseURL });
  });
  afterAll(async () => {
    await fake?.stop();
  });

  const read = (text: string, stallMs = 5_000, model = 'gpt-realtime-2.1-mini') => {
    const chunks: Buffer[] = [];
    let transcript = '';
    const done = streamRealtimeSpeech(client, { model, text, voice: 'marin', speed: 1, style: 'Calm.' }, { audio: (b) => chunks.push(b), transcript: (d) => (transcript += d) }, { stallMs });
    return { done, chunks, transcript: () => transcript };
  };

  it('reads the text: valid events both ways, the scripted audio, transcript and usage', async () => {
    const audio = synthesizeTone24k(700, 500);
    fake.scriptRealtime({ audio, chunkMs: 100 });
    const reading = read('Doors open at nine tonight.');
    const result: RealtimeSpeechResult = await reading.done;
    const session = fake.realtimeSessions.at(-1)!;
    expect(session.model).toBe('gpt-realtime-2.1-mini');
    expect(session.headers['openai-beta']).toBeUndefined();
    expect(session.clientSchemaErrors).toEqual([]);
    expect(session.serverSchemaErrors).toEqual([]);
    expect(session.clientEvents.map((e) => e.type)).toEqual(['session.update', 'conversation.item.create', 'response.create']);
    const update = session.clientEvents[0] as { session: { audio: { output: { format: unknown; speed: number } }; instructions: string } };
    expect(update.session.audio.output.format).toEqual({ type: 'audio/pcm', rate: 24_000 });
    expect(update.session.instructions).toMatch(/exactly as written/);
    expect(update.session.instructions).toMatch(/Calm\./);
    expect(bytesLEToPcm16(Buffer.concat(reading.chunks))).toEqual(audio);
    expect(result.transcript).toBe('Doors open at nine tonight.');
    expect(reading.transcript()).toBe('Doors open at nine tonight.');
    expect(result.usage?.audioOut).toBeGreaterThan(0);
    expect(result.cutReason).toBeUndefined();
  });

  it('sends a reworded transcript when scripted', async () => {
    fake.scriptRealtime({ transcript: 'Something else entirely.' });
    const result = await read('Doors open at nine.').done;
    expect(result.transcript).toBe('Something else entirely.');
  });

  it('answers an invalid client event with an error event', async () => {
    const rt = new OpenAIRealtimeWS({ model: 'gpt-realtime-2.1-mini' }, client);
    const errors: string[] = [];
    rt.on('error', (err) => errors.push(String(err.error?.code)));
    await new Promise((resolve) => rt.socket.once('open', resolve));
    rt.send({ type: 'session.update', session: { type: 'realtime', audio: { output: { speed: 9 } } } } as never);
    await expect.poll(() => errors).toEqual(['invalid_value']);
    rt.send({ type: 'response.cancel' });
    await expect.poll(() => errors).toEqual(['invalid_value', 'response_cancel_not_active']);
    rt.close();
    expect(fake.realtimeSessions.at(-1)!.clientSchemaErrors.join()).toMatch(/speed/);
  });

  it('cancels a reading on response.cancel with response.done status cancelled, billed for what was sent', async () => {
    fake.scriptRealtime({ audio: synthesizeTone24k(2_000, 500), speed: 4 });
    const stop = new AbortController();
    let cancelled: unknown;
    const reading = streamRealtimeSpeech(
      client,
      { model: 'gpt-realtime-2.1-mini', text: 'A reading that will be stopped.', voice: 'marin', speed: 1 },
      { audio: () => stop.abort(new Error('stopped')), cancelledUsage: (usage) => (cancelled = usage) },
      { stallMs: 5_000, signal: stop.signal },
    );
    await expect(reading).rejects.toThrow('stopped');
    const done = fake.realtimeSessions.at(-1)!.serverEvents.find((e) => e.type === 'response.done') as { response: { status: string } };
    expect(done.response.status).toBe('cancelled');
    expect(cancelled).toMatchObject({ textIn: expect.any(Number) });
  });

  it('faults: error event, rate limit, close and stall mid-response; a wrong key; an unknown model', async () => {
    fake.scriptRealtime({ fault: { kind: 'error', afterChunks: 2 } });
    expect((await read('First fault test here.').done).cutReason).toMatch(/error/);

    fake.scriptRealtime({ fault: { kind: 'error', afterChunks: 0 } });
    await expect(read('Second.').done).rejects.toBeInstanceOf(RealtimeSpeechError);

    fake.scriptRealtime({ fault: { kind: 'rate_limit', resetSeconds: 7 } });
    const limited = await read('Third.').done.catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RealtimeSpeechError);
    expect((limited as RealtimeSpeechError).rateLimited).toBe(true);
    expect((limited as RealtimeSpeechError).retryAfterSeconds).toBe(7);

    fake.scriptRealtime({ fault: { kind: 'close', afterChunks: 2 } });
    expect((await read('Fourth fault test here.').done).cutReason).toMatch(/closed/);

    fake.scriptRealtime({ fault: { kind: 'stall', afterChunks: 2 } });
    expect((await read('Fifth fault test here.', 400).done).cutReason).toMatch(/stalled/);

    const wrongKey = new OpenAI({ apiKey: 'sk-wrong-key-1234', baseURL: fake.baseURL });
    const refused = await streamRealtimeSpeech(wrongKey, { model: 'gpt-realtime-2.1-mini', text: 'x', voice: 'marin', speed: 1 }, { audio: () => undefined }, { stallMs: 5_000 }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: 'RealtimeSpeechError', code: 'invalid_api_key' });

    const gone = await read('Sixth.', 5_000, 'gpt-realtime-mini').done.catch((e: unknown) => e);
    expect(isModelNotFoundError(gone)).toBe(true);
    expect(fake.realtimeSessions.every((s) => s.serverSchemaErrors.length === 0)).toBe(true);
  });
});
