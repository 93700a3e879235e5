/**
 * Spoken answers from chat completions with audio output. Streamed by default (pcm16, 24 kHz mono),
 * handed on chunk by chunk as they arrive; a model that refuses streaming is asked once without it and
 * remembered for the rest of the process.
 */
import type OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { Stream } from 'openai/core/streaming';
import type { VoiceChoice } from './voices.ts';
import { isStreamingUnsupportedError, StreamStalledError } from './errors.ts';
import type { TokenUsage } from '../conversation/types.ts';
import { usageFromCompletion } from './usage.ts';
import { watchForDone } from './sse-done.ts';
import { StreamEnding, type StreamedAudioDelta } from './stream-ending.ts';

export interface SpokenAnswerRequest {
  model: string;
  voice: VoiceChoice;
  messages: ChatCompletionMessageParam[];
  /** false = text only (audio in, text out). */
  speak: boolean;
}

export interface AnswerSink {
  /** Raw pcm16 bytes (24 kHz mono) as they arrive; may split a sample across calls. */
  audio(pcm: Buffer): void;
  /** Transcript (or text content) deltas. */
  text(delta: string): void;
  /** The usage the API reported, as soon as it arrives (also when the answer is aborted afterwards). */
  usage?(tokens: TokenUsage): void;
  /** The API accepted the request (its response began): the input is billed from here on. */
  accepted?(): void;
}

export interface SpokenAnswer {
  text: string;
  refusal?: string;
  audioId?: string;
  /** Unix seconds after which the audio id can no longer be referenced. */
  audioExpiresAt?: number;
  usage?: TokenUsage;
  /** Whether the stream showed the answer finished (finish_reason, the audio marker, or usage then [DONE]). */
  complete: boolean;
  /** Set when the stream broke after some of the answer arrived; the partial answer is still valid. */
  cutReason?: string;
}

const modelsWithoutStreaming = new Set<string>();

/** Streams one answer into `sink`. Aborting `signal` stops the request and rejects. */
export async function requestSpokenAnswer(
  openai: OpenAI,
  request: SpokenAnswerRequest,
  sink: AnswerSink,
  options: { signal?: AbortSignal; stallMs: number },
): Promise<SpokenAnswer> {
  // An aborted turn must not start a paid request.
  options.signal?.throwIfAborted();
  if (!modelsWithoutStreaming.has(request.model)) {
    try {
      return await streamAnswer(openai, request, sink, options);
    } catch (err) {
      if (!isStreamingUnsupportedError(err)) throw err;
      modelsWithoutStreaming.add(request.model);
    }
    options.signal?.throwIfAborted();
  }
  return wholeAnswer(openai, request, sink, options.signal);
}

function baseBody(request: SpokenAnswerRequest) {
  return {
    model: request.model,
    messages: request.messages,
    ...(request.speak
      ? { modalities: ['text', 'audio'] as ('text' | 'audio')[], audio: { voice: request.voice as string, format: 'pcm16' as const } }
      : { modalities: ['text'] as ('text' | 'audio')[] }),
  };
}

async function streamAnswer(
  openai: OpenAI,
  request: SpokenAnswerRequest,
  sink: AnswerSink,
  { signal, stallMs }: { signal?: AbortSignal; stallMs: number },
): Promise<SpokenAnswer> {
  // The SDK's timeout (and its retries) cover the wait for headers; this watchdog bounds a stalled body.
  const watchdog = new AbortController();
  const abortAll = () => watchdog.abort(signal?.reason);
  signal?.addEventListener('abort', abortAll, { once: true });
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  function onStall() {
    stalled = true;
    watchdog.abort(new StreamStalledError(`no data for ${stallMs} ms`));
  }
  const answer: SpokenAnswer = { text: '', complete: false };
  const ending = new StreamEnding();
  let received = false;
  try {
    const stream = await openStream(openai, request, watchdog, ending);
    sink.accepted?.();
    timer = setTimeout(onStall, stallMs);
    for await (const chunk of stream) {
      clearTimeout(timer);
      timer = setTimeout(onStall, stallMs);
      ending.observe(chunk);
      if (chunk.usage) {
        answer.usage = usageFromCompletion(chunk.usage);
        sink.usage?.(answer.usage);
      }
      const choice = chunk.choices[0];
      if (!choice) continue;
      const delta = choice.delta as typeof choice.delta & { audio?: StreamedAudioDelta };
      if (delta.audio) {
        received = true;
        answer.audioId ??= delta.audio.id;
        if (delta.audio.expires_at) answer.audioExpiresAt = delta.audio.expires_at;
        if (delta.audio.transcript) {
          answer.text += delta.audio.transcript;
          sink.text(delta.audio.transcript);
        }
        if (delta.audio.data) sink.audio(Buffer.from(delta.audio.data, 'base64'));
      }
      if (delta.content) {
        received = true;
        answer.text += delta.content;
        sink.text(delta.content);
      }
      if (delta.refusal) answer.refusal = (answer.refusal ?? '') + delta.refusal;
    }
    answer.complete = ending.complete;
    // Aborting ends the SDK's iterator silently, like a stream cut at an event boundary.
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    if (stalled) return stalledAnswer(answer, received, stallMs);
    if (!answer.complete && !answer.refusal) answer.cutReason = 'the stream ended early';
    return answer;
  } catch (err) {
    if (signal?.aborted) throw err;
    answer.complete = ending.complete;
    if (stalled) return stalledAnswer(answer, received, stallMs);
    // Broken after the end was marked (e.g. a reset instead of [DONE]): the answer is whole.
    if (answer.complete) return answer;
    // Broken mid-answer (socket reset, truncated JSON): keep what was heard.
    if (received) {
      answer.cutReason = 'the connection broke';
      return answer;
    }
    throw err;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', abortAll);
  }
}

/**
 * Sends the streamed request and reads its body through the `[DONE]` watch. The SDK's own SSE reader still
 * parses it (an error event in the stream still becomes an APIError); `watchdog` is the request's controller.
 */
async function openStream(
  openai: OpenAI,
  request: SpokenAnswerRequest,
  watchdog: AbortController,
  ending: StreamEnding,
): Promise<Stream<ChatCompletionChunk>> {
  const response = await openai.chat.completions
    .create({ ...baseBody(request), stream: true, stream_options: { include_usage: true } }, { signal: watchdog.signal })
    .asResponse();
  const body = response.body ? watchForDone(response.body, () => ending.sawDone()) : null;
  const watched = new Response(body, { status: response.status, headers: response.headers });
  return Stream.fromSSEResponse<ChatCompletionChunk>(watched, watchdog, openai);
}

/** A stalled stream: an error when nothing came, else the partial answer marked as cut (or whole, if marked). */
function stalledAnswer(answer: SpokenAnswer, received: boolean, stallMs: number): SpokenAnswer {
  if (answer.complete) return answer;
  if (!received) throw new StreamStalledError(`no data for ${stallMs} ms`);
  answer.cutReason = 'the stream stalled';
  return answer;
}

async function wholeAnswer(openai: OpenAI, request: SpokenAnswerRequest, sink: AnswerSink, signal?: AbortSignal): Promise<SpokenAnswer> {
  const completion = await openai.chat.completions.create({ ...baseBody(request), stream: false }, { signal });
  sink.accepted?.();
  const message = completion.choices[0]?.message;
  const text = message?.audio?.transcript ?? message?.content ?? '';
  if (text) sink.text(text);
  if (message?.audio?.data) sink.audio(Buffer.from(message.audio.data, 'base64'));
  return {
    text,
    refusal: message?.refusal ?? undefined,
    audioId: message?.audio?.id,
    audioExpiresAt: message?.audio?.expires_at,
    usage: completion.usage ? usageFromCompletion(completion.usage) : undefined,
    complete: true,
  };
}

/** For tests: forget which models refused streaming. */
export function resetStreamingMemory(): void {
  modelsWithoutStreaming.clear();
}
