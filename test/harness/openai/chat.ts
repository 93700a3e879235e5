/** `POST /v1/chat/completions`: validates, picks the scripted answer and sends it streamed or whole. */
import { setTimeout as sleep } from 'node:timers/promises';
import { pcm24kDurationMs, synthesizeTone24k } from './audio-bytes.ts';
import { buildChatCompletion, buildChatStreamChunks } from './chat-answer.ts';
import type { ChatAnswer } from './chat-answer.ts';
import { interpretChatRequest } from './chat-request.ts';
import type { ChatRequestPlan } from './chat-request.ts';
import { SSE_DONE, sendJsonNow, sseEvent, takeScript } from './context.ts';
import type { HandlerContext, ScriptQueue } from './context.ts';
import { encodeAnswerAudio, isFakeAudioFormat } from './encode-audio.ts';
import { DEFAULT_CHUNK_MS, sendOffsetMs, sendPacedChunks } from './paced-writer.ts';
import type { ChatScript } from './types.ts';
import { chatUsage } from './usage.ts';

/** What the fake says when no answer is scripted. */
export const DEFAULT_CHAT_TRANSCRIPT = 'Hello from the fake OpenAI.';
/** Default audio answers last 60 ms per transcript character, within these bounds. */
const DEFAULT_AUDIO_MS_PER_CHAR = 60;
const DEFAULT_AUDIO_MIN_MS = 300;
const DEFAULT_AUDIO_MAX_MS = 8_000;
/** Audio answers stay referenceable for an hour unless scripted otherwise. */
const AUDIO_LIFETIME_S = 3_600;

/** The tone the fake speaks when a script gives a transcript but no audio. */
export function defaultAnswerAudio(text: string): Int16Array {
  const wantedMs = text.length * DEFAULT_AUDIO_MS_PER_CHAR;
  const durationMs = Math.min(DEFAULT_AUDIO_MAX_MS, Math.max(DEFAULT_AUDIO_MIN_MS, wantedMs));
  return synthesizeTone24k(durationMs);
}

function planAnswer(ctx: HandlerContext, plan: ChatRequestPlan, script: ChatScript): ChatAnswer {
  const { state } = ctx;
  const text = script.transcript ?? DEFAULT_CHAT_TRANSCRIPT;
  const speaks = plan.wantsAudio && !script.textOnly && script.refusal === undefined;
  let audio: ChatAnswer['audio'];
  if (speaks) {
    const pcm = script.audio ?? defaultAnswerAudio(text);
    const id = script.audioId ?? state.nextId('audio_fake_');
    const expiresAt = script.expiresAt ?? state.now() + AUDIO_LIFETIME_S;
    audio = { id, expiresAt, pcm };
    state.issuedAudio.set(id, { expiresAt, transcript: text, durationMs: pcm24kDurationMs(pcm.length) });
  }
  const usage = chatUsage(
    {
      promptText: plan.promptText,
      promptAudioMs: plan.promptAudioMs,
      completionText: script.refusal ?? text,
      completionAudioMs: audio ? pcm24kDurationMs(audio.pcm.length) : 0,
    },
    script.usage,
  );
  return {
    id: state.nextId('chatcmpl-fake-'),
    created: state.now(),
    model: plan.model,
    text,
    ...(script.refusal !== undefined ? { refusal: script.refusal } : {}),
    ...(audio ? { audio } : {}),
    usage,
  };
}

/** Handles one chat completions request (throws `ApiError` for the router to send). */
export async function handleChatCompletions(ctx: HandlerContext, queue: ScriptQueue<ChatScript>): Promise<void> {
  const plan = interpretChatRequest(ctx.record.body, ctx.state, ctx.record);
  const script = takeScript(ctx, queue);
  const answer = planAnswer(ctx, plan, script);
  ctx.commit(200);
  const writerOptions = {
    pacing: script,
    ...(script.fault ? { fault: script.fault } : {}),
    signal: ctx.state.signal,
    observer: ctx.observer,
  };

  if (plan.stream) {
    const chunks = buildChatStreamChunks(answer, {
      chunkMs: script.chunkMs ?? DEFAULT_CHUNK_MS,
      includeUsage: plan.includeUsage,
      ...(script.finishReasonChunk ? { finishReasonChunk: true } : {}),
    });
    ctx.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-request-id': `req_${answer.id}`,
    });
    ctx.res.flushHeaders();
    await sendPacedChunks(
      ctx.res,
      chunks.map((c) => ({ data: sseEvent(c.json), ...(c.audioMs !== undefined ? { audioMs: c.audioMs } : {}) })),
      { ...writerOptions, trailer: SSE_DONE },
    );
    return;
  }

  const format = plan.audioFormat;
  const encoded =
    answer.audio && format && isFakeAudioFormat(format) ? encodeAnswerAudio(answer.audio.pcm, format) : undefined;
  const completion = buildChatCompletion(answer, encoded);
  const audioMs = answer.audio ? pcm24kDurationMs(answer.audio.pcm.length) : 0;
  if (script.fault && script.fault.kind !== 'status') {
    // A non-streamed body counts as two chunks (its halves), so a cut after one chunk is always mid-JSON.
    ctx.res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `req_${answer.id}` });
    ctx.res.flushHeaders();
    const body = JSON.stringify(completion);
    const half = Math.floor(body.length / 2);
    await sendPacedChunks(ctx.res, [{ data: body.slice(0, half) }, { data: body.slice(half), audioMs }], writerOptions);
    return;
  }
  // A whole answer can only leave once it is fully generated: after the time the stream would have taken.
  await sleep(sendOffsetMs(script, audioMs), undefined, { signal: ctx.state.signal });
  sendJsonNow(ctx.res, 200, completion);
  ctx.record.endedAt = performance.now();
  ctx.observer.onEnd(ctx.record);
}
