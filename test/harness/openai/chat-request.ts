/**
 * Validation of a chat completions request: the spec's schema first, then the rules the schema cannot express
 * (unknown arguments, models, audio options, streaming limits, referenced audio, input audio payloads).
 */
import { invalidRequest, schemaViolation } from './api-errors.ts';
import { audioDurationMs, isMp3, isStrictBase64, isWav } from './audio-bytes.ts';
import type { FakeState } from './context.ts';
import { assertModelServes } from './models.ts';
import type { RecordedRequest } from './types.ts';
import { topLevelPropertyNames, validateDetailed } from './validate.ts';

/** Output audio formats the fake can produce for non-streamed answers (streams are pcm16 only, as the API). */
export const CHAT_AUDIO_FORMATS_SUPPORTED_BY_FAKE: ReadonlySet<string> = new Set(['pcm16', 'wav', 'opus']);

/** What the fake needs to know about a valid chat request to answer it. */
export interface ChatRequestPlan {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  /** `modalities` includes "audio". */
  wantsAudio: boolean;
  /** `audio.format` when audio is wanted. */
  audioFormat: string | undefined;
  /** All text the model reads (for usage). */
  promptText: string;
  /** Milliseconds of audio the model hears: input_audio parts plus referenced earlier answers (for usage). */
  promptAudioMs: number;
}

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const CHAT_REQUEST_PROPERTIES = topLevelPropertyNames('CreateChatCompletionRequest');

/**
 * Checks `body` like the API does and returns the plan, or throws the API's `ApiError`. Fills
 * `record.schemaErrors` and `record.inputAudio` on the way, so tests can inspect rejected requests too.
 */
export function interpretChatRequest(body: unknown, state: FakeState, record: RecordedRequest): ChatRequestPlan {
  const validation = validateDetailed('CreateChatCompletionRequest', body);
  record.schemaErrors = validation.messages;
  if (validation.errors.length > 0) throw schemaViolation(validation.errors);
  const request = body as JsonObject;
  for (const key of Object.keys(request)) {
    if (!CHAT_REQUEST_PROPERTIES.has(key)) {
      throw invalidRequest(`Unrecognized request argument supplied: ${key}`, key, 'unknown_parameter');
    }
  }
  const model = String(request['model']);
  assertModelServes(model, 'chat', state.models);

  const modalities = Array.isArray(request['modalities']) ? request['modalities'] : ['text'];
  const wantsAudio = modalities.includes('audio');
  const audio = isObject(request['audio']) ? request['audio'] : undefined;
  if (wantsAudio && !audio) {
    throw invalidRequest(
      "Missing required parameter: 'audio'. It is required when 'modalities' includes 'audio'.",
      'audio',
      'missing_required_parameter',
    );
  }
  const audioFormat = wantsAudio ? String(audio?.['format']) : undefined;
  const stream = request['stream'] === true;
  if (stream && audioFormat !== undefined && audioFormat !== 'pcm16') {
    throw invalidRequest(
      `'audio.format' does not support '${audioFormat}' when stream=true. Supported values are: 'pcm16'`,
      'audio.format',
      'unsupported_value',
    );
  }
  if (stream && state.nonStreamingModels.has(model)) {
    throw invalidRequest(
      "Unsupported value: 'stream' does not support true with this model. Only the default (false) value is supported.",
      'stream',
      'unsupported_value',
    );
  }
  if (audioFormat !== undefined && !CHAT_AUDIO_FORMATS_SUPPORTED_BY_FAKE.has(audioFormat)) {
    throw invalidRequest(
      `'audio.format' '${audioFormat}' is not supported by this fake (supported: pcm16, wav, opus).`,
      'audio.format',
      'unsupported_value',
    );
  }

  const { promptText, promptAudioMs } = readMessages(request['messages'] as unknown[], state, record);
  const streamOptions = isObject(request['stream_options']) ? request['stream_options'] : undefined;
  return {
    model,
    stream,
    includeUsage: stream && streamOptions?.['include_usage'] === true,
    wantsAudio,
    audioFormat,
    promptText,
    promptAudioMs,
  };
}

/** Collects prompt text and audio, checking referenced answers and decoding input audio. */
function readMessages(
  messages: unknown[],
  state: FakeState,
  record: RecordedRequest,
): { promptText: string; promptAudioMs: number } {
  let promptText = '';
  let promptAudioMs = 0;
  messages.forEach((message, messageIndex) => {
    if (!isObject(message)) return;
    const content = message['content'];
    if (typeof content === 'string') promptText += content;
    if (Array.isArray(content)) {
      content.forEach((part, partIndex) => {
        if (!isObject(part)) return;
        if (typeof part['text'] === 'string') promptText += part['text'];
        if (typeof part['refusal'] === 'string') promptText += part['refusal'];
        if (part['type'] === 'input_audio' && isObject(part['input_audio'])) {
          const param = `messages[${messageIndex}].content[${partIndex}].input_audio.data`;
          const data = decodeInputAudio(part['input_audio'], param);
          record.inputAudio.push({ format: String(part['input_audio']['format']), data });
          promptAudioMs += audioDurationMs(data);
        }
      });
    }
    const audioRef = message['audio'];
    if (message['role'] === 'assistant' && isObject(audioRef)) {
      const id = String(audioRef['id']);
      const issued = state.issuedAudio.get(id);
      if (!issued || issued.expiresAt <= state.now()) {
        throw invalidRequest(`Assistant audio ${id} not found.`, `messages[${messageIndex}].audio.id`);
      }
      promptAudioMs += issued.durationMs;
    }
  });
  return { promptText, promptAudioMs };
}

function decodeInputAudio(inputAudio: JsonObject, param: string): Buffer {
  const format = String(inputAudio['format']);
  const encoded = String(inputAudio['data']);
  if (!isStrictBase64(encoded)) {
    throw invalidRequest(`Invalid value for '${param}': the audio data is not valid base64.`, param, 'invalid_value');
  }
  const data = Buffer.from(encoded, 'base64');
  const matchesFormat = format === 'wav' ? isWav(data) : isMp3(data);
  if (!matchesFormat) {
    const expected = format === 'wav' ? 'a WAV (RIFF/WAVE) file' : 'an MP3 file';
    throw invalidRequest(
      `Invalid value for '${param}': the audio data is not ${expected} as declared by 'format': '${format}'.`,
      param,
      'invalid_value',
    );
  }
  return data;
}
