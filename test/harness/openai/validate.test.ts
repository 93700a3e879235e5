import { describe, expect, it } from 'vitest';
import { encodeWavPcm16, synthesizeTone24k } from './audio-bytes.ts';
import { pointerToParam, rewriteNullable, schemaNames, topLevelPropertyNames, validateAgainst } from './validate.ts';

const wavBase64 = encodeWavPcm16(synthesizeTone24k(100)).toString('base64');

const audioChatRequest = {
  model: 'gpt-audio',
  modalities: ['text', 'audio'],
  audio: { voice: 'marin', format: 'pcm16' },
  stream: true,
  stream_options: { include_usage: true },
  max_completion_tokens: null,
  messages: [
    { role: 'system', content: 'You are Parley.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Alice said:' },
        { type: 'input_audio', input_audio: { data: wavBase64, format: 'wav' } },
      ],
    },
    { role: 'assistant', audio: { id: 'audio_123' } },
    { role: 'assistant', content: 'An earlier answer, as text.' },
  ],
};

describe('validateAgainst', () => {
  it('accepts a correct audio chat request', () => {
    expect(validateAgainst('CreateChatCompletionRequest', audioChatRequest)).toEqual([]);
  });

  it('accepts a speech request with a custom voice object', () => {
    expect(
      validateAgainst('CreateSpeechRequest', { model: 'gpt-4o-mini-tts', input: 'Hi', voice: { id: 'voice_1234' } }),
    ).toEqual([]);
  });

  it('rejects an unknown property on CreateSpeechRequest, naming it', () => {
    const errors = validateAgainst('CreateSpeechRequest', {
      model: 'gpt-4o-mini-tts',
      input: 'Hi',
      voice: 'alloy',
      volume: 11,
    });
    expect(errors).toEqual(["(root) must NOT have additional property 'volume'"]);
  });

  it('rejects a missing model', () => {
    const { model: _omitted, ...withoutModel } = audioChatRequest;
    expect(validateAgainst('CreateChatCompletionRequest', withoutModel)).toContain(
      "(root) must have required property 'model'",
    );
    expect(validateAgainst('CreateSpeechRequest', { input: 'Hi', voice: 'alloy' })).toEqual([
      "(root) must have required property 'model'",
    ]);
  });

  it('rejects a voice of the wrong type, with the path of the voice', () => {
    const errors = validateAgainst('CreateSpeechRequest', { model: 'tts-1', input: 'Hi', voice: 7 });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.startsWith('/voice '))).toBe(true);
    const chatErrors = validateAgainst('CreateChatCompletionRequest', {
      ...audioChatRequest,
      audio: { voice: ['alloy'], format: 'pcm16' },
    });
    expect(chatErrors.some((e) => e.startsWith('/audio/voice '))).toBe(true);
  });

  it('rejects an input_audio part with an unsupported format, with its path', () => {
    const errors = validateAgainst('ChatCompletionRequestMessageContentPartAudio', {
      type: 'input_audio',
      input_audio: { data: wavBase64, format: 'ogg' },
    });
    expect(errors[0]).toMatch(/^\/input_audio\/format must be equal to one of the allowed values/);
  });

  it('treats OpenAPI nullable as allowing null and keeps the rest of the schema', () => {
    expect(validateAgainst('CreateChatCompletionRequest', { ...audioChatRequest, audio: null })).toEqual([]);
    expect(validateAgainst('CreateChatCompletionRequest', { ...audioChatRequest, audio: { voice: 'alloy' } })).toContain(
      "/audio must have required property 'format'",
    );
    expect(rewriteNullable({ type: 'string', enum: ['a'], nullable: true })).toEqual({
      type: ['string', 'null'],
      enum: ['a', null],
    });
    expect(rewriteNullable({ $ref: '#/x', nullable: true })).toEqual({ anyOf: [{ type: 'null' }, { $ref: '#/x' }] });
  });

  it('knows every schema the fake needs and rejects unknown names', () => {
    for (const name of [
      'CreateChatCompletionRequest',
      'CreateChatCompletionResponse',
      'CreateChatCompletionStreamResponse',
      'CreateSpeechRequest',
      'CreateTranscriptionRequest',
      'CreateTranscriptionResponseJson',
      'ErrorResponse',
      'VoiceIdsOrCustomVoice',
      'ChatCompletionRequestMessageContentPartAudio',
      'CompletionUsage',
      'SpeechAudioDeltaEvent',
      'SpeechAudioDoneEvent',
    ]) {
      expect(schemaNames()).toContain(name);
    }
    expect(() => validateAgainst('NoSuchSchema', {})).toThrow(/Unknown schema NoSuchSchema/);
  });

  it('lists the chat request arguments across its allOf', () => {
    const names = topLevelPropertyNames('CreateChatCompletionRequest');
    for (const name of ['model', 'messages', 'audio', 'modalities', 'stream', 'temperature', 'metadata']) {
      expect(names.has(name)).toBe(true);
    }
  });

  it('spells JSON pointers as API params', () => {
    expect(pointerToParam('/messages/0/content/1/input_audio')).toBe('messages[0].content[1].input_audio');
    expect(pointerToParam('')).toBe('');
  });
});
