/**
 * One Realtime WebSocket session of the fake: client events are validated against the spec's
 * `RealtimeClientEvent`, server events are built to `RealtimeServerEvent` (and validated too, so the
 * fake cannot drift), and a `response.create` plays the next scripted reading: transcript and audio
 * deltas paced like speech, then `response.done` with usage.
 *
 * Event order and shapes: the GA Realtime server-event reference
 * (https://platform.openai.com/docs/api-reference/realtime-server-events) and the spec's schemas;
 * the transcript of a chunk is sent before its audio, as the API does (its transcript runs ahead).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebSocket } from 'ws';
import { pcm16ToBytesLE, pcm24kDurationMs, splitPcm24k } from './audio-bytes.ts';
import { sendOffsetMs } from './paced-writer.ts';
import { defaultSpeechAudio } from './speech.ts';
import type { RealtimeScript, RecordedRealtimeSession } from './types.ts';
import { audioOutTokens, textTokens } from './usage.ts';
import { validateAgainst } from './validate.ts';

type Json = Record<string, unknown>;
const DEFAULT_CHUNK_MS = 100;

export interface SessionDeps {
  record: RecordedRealtimeSession;
  /** Whether the model of the URL exists. */
  modelKnown: boolean;
  nextId(prefix: string): string;
  takeScript(): RealtimeScript;
  signal: AbortSignal;
}

/** Runs one session on an accepted socket until either side closes it. */
export function runRealtimeSession(ws: WebSocket, deps: SessionDeps): void {
  const { record } = deps;
  const session: Json = {
    type: 'realtime',
    object: 'realtime.session',
    id: deps.nextId('sess_'),
    model: record.model,
    output_modalities: ['audio'],
    instructions: '',
    audio: { output: { format: { type: 'audio/pcm', rate: 24_000 }, voice: 'alloy', speed: 1 } },
    expires_at: Math.floor(Date.now() / 1000) + 3_600,
  };
  let userText = '';
  let responding = false;
  /** Set by `response.cancel` while a response runs. */
  const control = { cancelled: false };
  const send = (event: Json) => {
    if (ws.readyState !== ws.OPEN) return;
    const full: Json = { event_id: deps.nextId('event_'), ...event };
    record.serverSchemaErrors.push(...validateAgainst('RealtimeServerEvent', full).map((e) => `${String(full.type)}: ${e}`));
    record.serverEvents.push(full);
    ws.send(JSON.stringify(full));
  };
  const errorEvent = (error: { type: string; code: string | null; message: string; param?: string | null; event_id?: string | null }) =>
    send({ type: 'error', error: { param: null, event_id: null, ...error } });

  send({ type: 'session.created', session });
  ws.on('message', (data) => {
    let event: Json;
    try {
      event = JSON.parse(String(data)) as Json;
    } catch {
      return errorEvent({ type: 'invalid_request_error', code: 'invalid_json', message: 'The server failed to parse the event as JSON.' });
    }
    record.clientEvents.push(event);
    const problems = validateAgainst('RealtimeClientEvent', event);
    if (problems.length > 0) {
      record.clientSchemaErrors.push(...problems.map((p) => `${String(event.type)}: ${p}`));
      return errorEvent({ type: 'invalid_request_error', code: 'invalid_value', message: `Invalid event: ${problems[0]}`, event_id: (event.event_id as string) ?? null });
    }
    switch (event.type) {
      case 'session.update': {
        const update = event.session as Json;
        Object.assign(session, update, { audio: { ...(session.audio as Json), ...(update.audio as Json | undefined) } });
        send({ type: 'session.updated', session });
        return;
      }
      case 'conversation.item.create': {
        const item: Json = { id: deps.nextId('item_'), object: 'realtime.item', status: 'completed', ...(event.item as Json) };
        const content = (item.content as { type: string; text?: string }[] | undefined) ?? [];
        userText = content.map((c) => c.text ?? '').join(' ');
        send({ type: 'conversation.item.added', previous_item_id: null, item });
        send({ type: 'conversation.item.done', previous_item_id: null, item });
        return;
      }
      case 'response.create':
        if (responding) {
          return errorEvent({ type: 'invalid_request_error', code: 'conversation_already_has_active_response', message: 'Conversation already has an active response in progress.' });
        }
        responding = true;
        control.cancelled = false;
        void respond(send, errorEvent, deps, userText, ws, control).finally(() => (responding = false));
        return;
      case 'response.cancel':
        if (!responding) return errorEvent({ type: 'invalid_request_error', code: 'response_cancel_not_active', message: 'Cancellation failed: no active response found.' });
        control.cancelled = true;
        return;
      default:
        return;
    }
  });
}

async function respond(
  send: (event: Json) => void,
  errorEvent: (error: { type: string; code: string | null; message: string }) => void,
  deps: SessionDeps,
  userText: string,
  ws: WebSocket,
  control: { cancelled: boolean },
): Promise<void> {
  const responseId = deps.nextId('resp_');
  const itemId = deps.nextId('item_');
  const base = { object: 'realtime.response', id: responseId, conversation_id: deps.nextId('conv_'), output_modalities: ['audio'] };
  send({ type: 'response.created', response: { ...base, status: 'in_progress', output: [] } });
  if (!deps.modelKnown) {
    // Captured in openai/openai-realtime-console#561: an unknown model fails the response itself.
    const message = `The model \`${deps.record.model}\` does not exist or you do not have access to it.`;
    send({ type: 'response.done', response: { ...base, status: 'failed', output: [], status_details: { type: 'failed', error: { type: 'invalid_request_error', code: 'model_not_found', message } } } });
    return;
  }
  const script = deps.takeScript();
  const fault = script.fault;
  if (fault?.kind === 'rate_limit') {
    const resetSeconds = fault.resetSeconds ?? 2;
    // rate_limits.updated shape: openai/openai-realtime-console#42; message wording: openai/openai-agents-js#1022.
    send({ type: 'rate_limits.updated', rate_limits: [{ name: 'requests', limit: 5_000, remaining: 4_999, reset_seconds: 0.012 }, { name: 'tokens', limit: 40_000, remaining: 0, reset_seconds: resetSeconds }] });
    errorEvent({ type: 'invalid_request_error', code: 'rate_limit_exceeded', message: `Rate limit reached for ${deps.record.model} in organization org-fake on tokens per min (TPM): Limit 40000, Used 40000, Requested 1200. Please try again in ${resetSeconds}s.` });
    return;
  }
  const transcript = script.transcript ?? userText;
  const pcm = script.audio ?? defaultSpeechAudio(userText);
  const chunkMs = script.chunkMs ?? DEFAULT_CHUNK_MS;
  const pieces = splitPcm24k(pcm, chunkMs);
  const words = transcript.split(/(?<=\s)/);
  const started = performance.now() + (script.firstChunkDelayMs ?? 0);
  const at = { response_id: responseId, item_id: itemId, output_index: 0, content_index: 0 };
  let wordsSent = 0;
  for (let i = 0; i < pieces.length; i++) {
    if (fault && 'afterChunks' in fault && i === fault.afterChunks) {
      if (fault.kind === 'close') {
        // Let what was sent reach the client first: a drop loses only what comes after.
        await sleep(50);
        return void ws.terminate();
      }
      if (fault.kind === 'stall') return;
      return errorEvent({ type: 'server_error', code: fault.code ?? null, message: fault.message ?? 'The server had an error while processing your request. Sorry about that!' });
    }
    const wait = started + sendOffsetMs(script, i * chunkMs) - performance.now();
    if (wait > 0) await sleep(wait, undefined, { signal: deps.signal }).catch(() => undefined);
    if (deps.signal.aborted || ws.readyState !== ws.OPEN) return;
    if (control.cancelled) {
      // A cancelled response ends with response.done, status cancelled, billed for what was generated.
      const usage = readingUsage(userText, i * chunkMs, script.usage);
      send({ type: 'response.done', response: { ...base, status: 'cancelled', output: [], usage, status_details: { type: 'cancelled', reason: 'client_cancelled' } } });
      return;
    }
    // The transcript runs ahead of the audio: the words of this chunk (and a little more) go first.
    const wordsDue = Math.min(words.length, Math.ceil(((i + 2) / pieces.length) * words.length));
    if (wordsDue > wordsSent) {
      send({ type: 'response.output_audio_transcript.delta', ...at, delta: words.slice(wordsSent, wordsDue).join('') });
      wordsSent = wordsDue;
    }
    send({ type: 'response.output_audio.delta', ...at, delta: pcm16ToBytesLE(pieces[i]!).toString('base64') });
  }
  send({ type: 'response.output_audio.done', ...at });
  send({ type: 'response.output_audio_transcript.done', ...at, transcript });
  const usage = readingUsage(userText, pcm24kDurationMs(pcm.length), script.usage);
  const output = [{ id: itemId, type: 'message', object: 'realtime.item', status: 'completed', role: 'assistant', content: [{ type: 'output_audio', transcript }] }];
  send({ type: 'response.done', response: { ...base, status: 'completed', output, usage, audio: { output: { format: { type: 'audio/pcm', rate: 24_000 }, voice: 'marin' } } } });
  send({ type: 'rate_limits.updated', rate_limits: [{ name: 'requests', limit: 5_000, remaining: 4_999, reset_seconds: 0.012 }, { name: 'tokens', limit: 40_000, remaining: 38_000, reset_seconds: 3 }] });
}

/** `response.done` usage of a reading: the text and instructions in, `audioMs` of speech out. */
function readingUsage(userText: string, audioMs: number, override: Record<string, unknown> | undefined): Record<string, unknown> {
  const outputAudio = audioOutTokens(audioMs);
  const inputText = textTokens(userText) + 120;
  return {
    total_tokens: inputText + outputAudio,
    input_tokens: inputText,
    output_tokens: outputAudio,
    input_token_details: { text_tokens: inputText, audio_tokens: 0, image_tokens: 0, cached_tokens: 0, cached_tokens_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0 } },
    output_token_details: { text_tokens: 0, audio_tokens: outputAudio },
    ...override,
  };
}
