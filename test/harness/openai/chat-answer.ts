/**
 * Pure builders of chat completion answers: the non-streamed `chat.completion` object and the streamed
 * `chat.completion.chunk` sequence in the order the real API sends audio answers.
 */
import { pcm16ToBytesLE, splitPcm24k } from './audio-bytes.ts';
import type { CompletionUsage } from './types.ts';

/** Everything decided about one answer. */
export interface ChatAnswer {
  id: string;
  created: number;
  model: string;
  /** The words: audio transcript, or the text content for text answers. */
  text: string;
  /** Set when the model refuses; then there is neither content nor audio. */
  refusal?: string;
  /** Set for audio answers. */
  audio?: { id: string; expiresAt: number; pcm: Int16Array };
  usage: CompletionUsage;
}

/** One streamed chunk and, for chunks carrying audio, the audio offset it starts at. */
export interface ChatStreamChunk {
  json: Record<string, unknown>;
  audioMs?: number;
}

type ChunkBuilder = (delta: Record<string, unknown>, finishReason?: string | null | 'omit') => Record<string, unknown>;

/** Splits text into word-sized deltas (each keeps its leading whitespace; joined they give the text back). */
export function splitIntoDeltas(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** The non-streamed response; `encodedAudio` is the answer's audio in the requested format. */
export function buildChatCompletion(answer: ChatAnswer, encodedAudio?: Buffer): Record<string, unknown> {
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: answer.refusal !== undefined || answer.audio ? null : answer.text,
    refusal: answer.refusal ?? null,
    annotations: [],
  };
  if (answer.audio && answer.refusal === undefined) {
    message['audio'] = {
      id: answer.audio.id,
      expires_at: answer.audio.expiresAt,
      data: (encodedAudio ?? pcm16ToBytesLE(answer.audio.pcm)).toString('base64'),
      transcript: answer.text,
    };
  }
  return {
    id: answer.id,
    object: 'chat.completion',
    created: answer.created,
    model: answer.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: 'stop' }],
    usage: answer.usage,
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  };
}

/**
 * The streamed chunks (without SSE framing and `[DONE]`).
 *
 * Endings, as the real API sends them:
 * - audio answers carry NO `finish_reason` anywhere: the `expires_at`-only audio delta is the last choice chunk
 *   (captured traffic in openai/openai-node issue #1206; the SDK's stream helper finishes on that marker since
 *   openai/openai-node PR #1991). `finishReasonChunk` adds a final `finish_reason: "stop"` chunk after it, as
 *   some OpenAI-compatible servers do;
 * - text and refusal answers end with a chunk whose `finish_reason` is `"stop"` (spec schema
 *   `CreateChatCompletionStreamResponse`, `choices[].finish_reason`);
 * - with `stream_options.include_usage` one more chunk follows with `choices: []` and the `usage` (spec schema
 *   `ChatCompletionStreamOptions`: "an additional chunk will be streamed before the data: [DONE] message").
 */
export function buildChatStreamChunks(
  answer: ChatAnswer,
  options: { chunkMs: number; includeUsage: boolean; finishReasonChunk?: boolean },
): ChatStreamChunk[] {
  // 'omit' leaves `finish_reason` out, as the API does on the `expires_at`-only audio chunk (issue #1206).
  const chunk: ChunkBuilder = (delta, finishReason = null) => ({
    id: answer.id,
    object: 'chat.completion.chunk',
    created: answer.created,
    model: answer.model,
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
    choices: [{ index: 0, delta, logprobs: null, ...(finishReason === 'omit' ? {} : { finish_reason: finishReason }) }],
    // With include_usage the API sends `usage: null` on every chunk but the last.
    ...(options.includeUsage ? { usage: null } : {}),
  });

  let body: ChatStreamChunk[];
  const speaks = answer.refusal === undefined && answer.audio !== undefined;
  if (answer.refusal !== undefined) {
    body = [
      { json: chunk({ role: 'assistant', content: null, refusal: '' }) },
      ...splitIntoDeltas(answer.refusal).map((refusal) => ({ json: chunk({ refusal }) })),
    ];
  } else if (answer.audio) {
    body = audioChunks(answer.audio, answer.text, options.chunkMs, chunk);
  } else {
    body = [
      { json: chunk({ role: 'assistant', content: '', refusal: null }) },
      ...splitIntoDeltas(answer.text).map((content) => ({ json: chunk({ content }) })),
    ];
  }
  if (!speaks || options.finishReasonChunk) body.push({ json: chunk({}, 'stop') });
  if (options.includeUsage) {
    const { usage: _null, ...last } = chunk({});
    body.push({ json: { ...last, choices: [], usage: answer.usage } });
  }
  return body;
}

/**
 * The order of openai/openai-node issue #1206's captured stream: every transcript delta first (the first one
 * carries the audio id), then a chunk with `role` (and `content: null, refusal: null`) and `audio: {id, data}`,
 * then data-only chunks, then the `expires_at`-only chunk. The transcript is therefore complete before any
 * audio arrives.
 */
function audioChunks(
  audio: NonNullable<ChatAnswer['audio']>,
  transcript: string,
  chunkMs: number,
  chunk: ChunkBuilder,
): ChatStreamChunk[] {
  const deltas = splitIntoDeltas(transcript);
  const out: ChatStreamChunk[] = deltas.map((delta, index) => ({
    json: chunk({ audio: index === 0 ? { id: audio.id, transcript: delta } : { transcript: delta } }),
  }));
  if (deltas.length === 0) out.push({ json: chunk({ audio: { id: audio.id, transcript: '' } }) });
  splitPcm24k(audio.pcm, chunkMs).forEach((piece, index) => {
    const data = pcm16ToBytesLE(piece).toString('base64');
    const delta =
      index === 0 ? { role: 'assistant', content: null, refusal: null, audio: { id: audio.id, data } } : { audio: { data } };
    out.push({ json: chunk(delta), audioMs: index * chunkMs });
  });
  out.push({ json: chunk({ audio: { expires_at: audio.expiresAt } }, 'omit') });
  return out;
}
