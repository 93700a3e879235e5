/**
 * Pure builders of chat completion answers: the non-streamed `chat.completion` object and the streamed
 * `chat.completion.chunk` sequence in the order the real API sends audio answers.
 */
import { pcm16ToBytesLE, pcm24kDurationMs, splitPcm24k } from './audio-bytes.ts';
import type { CompletionUsage } from './types.ts';

/** How far (ms of audio) the streamed transcript runs ahead of the audio, as the real API's roughly does. */
export const TRANSCRIPT_LEAD_MS = 1_000;

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

/** The streamed chunks (without SSE framing and `[DONE]`). */
export function buildChatStreamChunks(
  answer: ChatAnswer,
  options: { chunkMs: number; includeUsage: boolean },
): ChatStreamChunk[] {
  // 'omit' leaves `finish_reason` out, as the API does on the `expires_at`-only audio chunk.
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
  body.push({ json: chunk({}, 'stop') });
  if (options.includeUsage) {
    const { usage: _null, ...last } = chunk({});
    body.push({ json: { ...last, choices: [], usage: answer.usage } });
  }
  return body;
}

/**
 * Transcript deltas (the first carries the audio id), then a chunk with `role` and the first audio data, more
 * data-only chunks with the rest of the transcript interleaved a little ahead of the audio, then the
 * `expires_at`-only chunk.
 */
function audioChunks(
  audio: NonNullable<ChatAnswer['audio']>,
  transcript: string,
  chunkMs: number,
  chunk: ChunkBuilder,
): ChatStreamChunk[] {
  const durationMs = pcm24kDurationMs(audio.pcm.length);
  const deltas = splitIntoDeltas(transcript);
  // Each delta is "spoken" at the audio position proportional to where it starts in the text.
  const spokenAtMs: number[] = [];
  let offset = 0;
  for (const delta of deltas) {
    spokenAtMs.push(transcript.length > 0 ? (offset / transcript.length) * durationMs : 0);
    offset += delta.length;
  }
  const out: ChatStreamChunk[] = [
    { json: chunk({ audio: { id: audio.id, transcript: deltas[0] ?? '' } }) },
  ];
  let nextDelta = 1;
  const transcriptUpTo = (audioMs: number): void => {
    while (nextDelta < deltas.length && spokenAtMs[nextDelta]! <= audioMs) {
      out.push({ json: chunk({ audio: { transcript: deltas[nextDelta] } }) });
      nextDelta++;
    }
  };
  transcriptUpTo(TRANSCRIPT_LEAD_MS);
  splitPcm24k(audio.pcm, chunkMs).forEach((piece, index) => {
    const data = pcm16ToBytesLE(piece).toString('base64');
    const delta = index === 0 ? { role: 'assistant', audio: { id: audio.id, data } } : { audio: { data } };
    out.push({ json: chunk(delta), audioMs: index * chunkMs });
    transcriptUpTo((index + 1) * chunkMs + TRANSCRIPT_LEAD_MS);
  });
  transcriptUpTo(Number.POSITIVE_INFINITY);
  out.push({ json: chunk({ audio: { expires_at: audio.expiresAt } }, 'omit') });
  return out;
}
