/** Which models the fake knows, which endpoint each belongs to, and the errors for the wrong ones. */
import { ApiError, modelNotFound } from './api-errors.ts';

/**
 * Models the fake accepts by default (late 2026): the gpt-4o-audio-preview family is gone, so it is unknown here.
 * Tests can change `fake.models` freely.
 */
export const DEFAULT_MODELS: readonly string[] = [
  'gpt-audio',
  'gpt-audio-2025-08-28',
  'gpt-audio-1.5',
  'gpt-audio-mini',
  'gpt-4o-mini-tts',
  'gpt-4o-mini-tts-2025-12-15',
  'gpt-4o-mini-transcribe',
  'gpt-4o-transcribe',
  // The transcription replacements named in OpenAI's deprecation notes (openai SDK 7.55 AudioModel).
  'gpt-transcribe',
  'gpt-live-transcribe',
  'whisper-1',
  'tts-1',
  'tts-1-hd',
];

/** Chat models that refuse `stream: true` (gpt-audio-mini reportedly does not stream audio). */
export const DEFAULT_NON_STREAMING_MODELS: readonly string[] = ['gpt-audio-mini'];

/** TTS models that take neither `instructions` nor `stream_format: "sse"`. */
export const LEGACY_TTS_MODELS: ReadonlySet<string> = new Set(['tts-1', 'tts-1-hd']);

/** The endpoint families a model can serve. */
export type ModelEndpoint = 'chat' | 'speech' | 'transcription';

/** A model's endpoint family, from its name (so models a test adds are classified too). */
export function endpointOfModel(model: string): ModelEndpoint {
  if (/(^|-)tts(-|$)/.test(model)) return 'speech';
  if (/transcribe|whisper/.test(model)) return 'transcription';
  return 'chat';
}

const ENDPOINT_PATHS: Record<ModelEndpoint, string> = {
  chat: 'v1/chat/completions',
  speech: 'v1/audio/speech',
  transcription: 'v1/audio/transcriptions',
};

/** Throws the API's error when `model` is unknown (404) or belongs to another endpoint. */
export function assertModelServes(model: string, endpoint: ModelEndpoint, models: ReadonlySet<string>): void {
  if (!models.has(model)) throw modelNotFound(model);
  if (endpointOfModel(model) === endpoint) return;
  if (endpoint === 'chat') {
    throw new ApiError(404, {
      message:
        'This is not a chat model and thus not supported in the v1/chat/completions endpoint. ' +
        `Did you mean to use ${ENDPOINT_PATHS[endpointOfModel(model)]}?`,
      param: 'model',
    });
  }
  throw new ApiError(400, {
    message: `The model \`${model}\` is not supported by ${ENDPOINT_PATHS[endpoint]}.`,
    param: 'model',
    code: 'model_not_supported',
  });
}
