/** `POST /v1/audio/speech`: raw audio streamed in paced chunks, or `speech.audio.*` SSE events. */
import { invalidRequest, schemaViolation } from './api-errors.ts';
import { pcm24kDurationMs, splitPcm24k, synthesizeTone24k } from './audio-bytes.ts';
import { sseEvent, takeScript } from './context.ts';
import type { HandlerContext, ScriptQueue } from './context.ts';
import { encodeAnswerAudio, isFakeAudioFormat, speechContentType } from './encode-audio.ts';
import type { FakeAudioFormat } from './encode-audio.ts';
import { LEGACY_TTS_MODELS, assertModelServes } from './models.ts';
import { DEFAULT_CHUNK_MS, sendPacedChunks } from './paced-writer.ts';
import type { OutgoingChunk } from './paced-writer.ts';
import type { SpeechScript } from './types.ts';
import { speechUsage } from './usage.ts';
import { validateDetailed } from './validate.ts';

/** Default speech lasts 60 ms per input character (at speed 1), within these bounds. */
const DEFAULT_SPEECH_MS_PER_CHAR = 60;
const DEFAULT_SPEECH_MIN_MS = 300;
const DEFAULT_SPEECH_MAX_MS = 8_000;

/** The speech the fake produces for `input` when no audio is scripted. */
export function defaultSpeechAudio(input: string, speed = 1): Int16Array {
  const wantedMs = input.length * DEFAULT_SPEECH_MS_PER_CHAR;
  const atSpeed1 = Math.min(DEFAULT_SPEECH_MAX_MS, Math.max(DEFAULT_SPEECH_MIN_MS, wantedMs));
  return synthesizeTone24k(atSpeed1 / speed, 330);
}

/**
 * Splits an encoded answer into chunks that each carry `chunkMs` of audio: exact sample boundaries for raw pcm and
 * WAV (whose header rides with the first chunk), proportional byte ranges for compressed formats.
 */
export function splitEncodedAudio(
  encoded: Buffer,
  pcm: Int16Array,
  format: FakeAudioFormat,
  chunkMs: number,
): OutgoingChunk[] {
  const pieces = splitPcm24k(pcm, chunkMs);
  const headerBytes = format === 'opus' ? 0 : encoded.length - pcm.length * 2;
  const chunks: OutgoingChunk[] = [];
  let samplesBefore = 0;
  let start = 0;
  pieces.forEach((piece, index) => {
    samplesBefore += piece.length;
    const isLast = index === pieces.length - 1;
    const end = isLast
      ? encoded.length
      : format === 'opus'
        ? Math.round((encoded.length * samplesBefore) / Math.max(1, pcm.length))
        : headerBytes + samplesBefore * 2;
    chunks.push({ data: encoded.subarray(start, end), audioMs: index * chunkMs });
    start = end;
  });
  return chunks;
}

interface SpeechRequest {
  model: string;
  input: string;
  instructions?: string;
  response_format?: string;
  speed?: number;
  stream_format?: 'sse' | 'audio';
}

function interpretSpeechRequest(ctx: HandlerContext): SpeechRequest & { format: FakeAudioFormat } {
  const validation = validateDetailed('CreateSpeechRequest', ctx.record.body);
  ctx.record.schemaErrors = validation.messages;
  if (validation.errors.length > 0) throw schemaViolation(validation.errors);
  const request = ctx.record.body as SpeechRequest;
  assertModelServes(request.model, 'speech', ctx.state.models);
  if (LEGACY_TTS_MODELS.has(request.model) && request.instructions !== undefined) {
    throw invalidRequest(
      `'instructions' is not supported with model '${request.model}'.`,
      'instructions',
      'unsupported_parameter',
    );
  }
  if (LEGACY_TTS_MODELS.has(request.model) && request.stream_format === 'sse') {
    throw invalidRequest(
      `'stream_format' 'sse' is not supported with model '${request.model}'.`,
      'stream_format',
      'unsupported_value',
    );
  }
  const format = request.response_format ?? 'mp3';
  if (format === 'pcm16' || !isFakeAudioFormat(format)) {
    throw invalidRequest(
      `'response_format' '${format}' is not supported by this fake (use pcm, wav or opus).`,
      'response_format',
      'unsupported_value',
    );
  }
  return { ...request, format };
}

/** Handles one speech request (throws `ApiError` for the router to send). */
export async function handleSpeech(ctx: HandlerContext, queue: ScriptQueue<SpeechScript>): Promise<void> {
  const request = interpretSpeechRequest(ctx);
  const script = takeScript(ctx, queue);
  const pcm = script.audio ?? defaultSpeechAudio(request.input, request.speed);
  const chunks = splitEncodedAudio(
    encodeAnswerAudio(pcm, request.format),
    pcm,
    request.format,
    script.chunkMs ?? DEFAULT_CHUNK_MS,
  );
  ctx.commit(200);
  const writerOptions = {
    pacing: script,
    ...(script.fault ? { fault: script.fault } : {}),
    signal: ctx.state.signal,
    observer: ctx.observer,
  };
  if (request.stream_format === 'sse') {
    ctx.res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    ctx.res.flushHeaders();
    const events = chunks.map((chunk) => ({
      ...chunk,
      data: sseEvent({ type: 'speech.audio.delta', audio: Buffer.from(chunk.data).toString('base64') }),
    }));
    const done = { type: 'speech.audio.done', usage: speechUsage(request.input, pcm24kDurationMs(pcm.length)) };
    await sendPacedChunks(ctx.res, events, { ...writerOptions, trailer: sseEvent(done) });
    return;
  }
  // No content-length: the API streams speech with chunked transfer encoding.
  ctx.res.writeHead(200, { 'content-type': speechContentType(request.format) });
  ctx.res.flushHeaders();
  await sendPacedChunks(ctx.res, chunks, writerOptions);
}
