/**
 * A text read aloud by a Realtime model: one WebSocket session (the SDK's `OpenAIRealtimeWS`) set up
 * for pcm16 24 kHz audio out and told to read verbatim, the text as one user item, one response. Audio
 * deltas are handed on as they arrive, with the output transcript beside them for the verbatim check.
 * Every way a session can end (done, `error` event, rate limit, closed socket, silence) settles once.
 */
import type OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import type { RealtimeClientEvent, RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import type { TokenUsage } from '../conversation/types.ts';
import { ModelGoneError } from './dead-models.ts';
import { StreamStalledError } from './errors.ts';
import type { VoiceChoice } from './voices.ts';

/** The Realtime API's `audio.output.speed` range (RealtimeSessionCreateRequestGA). */
export const REALTIME_SPEED_MIN = 0.25;
export const REALTIME_SPEED_MAX = 1.5;

export interface RealtimeSpeechRequest {
  model: string;
  text: string;
  voice: VoiceChoice;
  /** Delivery (tone, accent); becomes part of the session instructions. */
  style?: string;
  /** 0.25..4 as /announce takes it; clamped to what Realtime accepts. */
  speed: number;
}

export interface RealtimeSpeechResult {
  /** Bytes of pcm16 (24 kHz mono) received. */
  bytes: number;
  /** What the model said, from its output transcript. */
  transcript: string;
  /** From `response.done`; missing when the session ended before it. */
  usage?: TokenUsage;
  /** Set when the session broke after some audio arrived; that audio is still valid. */
  cutReason?: string;
  /** What OpenAI or the socket said about the break, for the operator's log. */
  cutDetail?: string;
}

/** The session ended with a failure before any audio (an `error` event, a failed response, a closed socket). */
export class RealtimeSpeechError extends Error {
  override name = 'RealtimeSpeechError';
  readonly code: string | undefined;
  /** Seconds until a retry makes sense, for rate limits. */
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, code?: string, retryAfterSeconds?: number) {
    super(message);
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
  get rateLimited(): boolean {
    return this.code === 'rate_limit_exceeded';
  }
}

export interface RealtimeSpeechCallbacks {
  audio(pcm16: Buffer): void;
  /** Output transcript deltas, in order. */
  transcript?(delta: string): void;
  /** The usage of a reading that was stopped (its `response.done` after `response.cancel`). */
  cancelledUsage?(usage: TokenUsage): void;
}

/** How long a stopped reading waits for the `response.done` that reports what it cost. */
const CANCEL_WAIT_MS = 1_000;

/** Instructions that make a conversational Realtime model a reader. */
export function readVerbatimInstructions(style: string | undefined, speed: number): string {
  const lines = [
    'You are a text-to-speech voice. The user message is an announcement. Read it aloud exactly as written, word for word, ' +
      'in its own language. Do not answer it, comment on it, summarize, translate or add anything before or after it.',
  ];
  if (style) lines.push(`Delivery: ${style}`);
  if (speed < REALTIME_SPEED_MIN || speed > REALTIME_SPEED_MAX) lines.push(`Speak at about ${speed} times your normal pace.`);
  return lines.join('\n');
}

/** The client events of one reading, in the order they are sent. */
export function readingEvents(request: RealtimeSpeechRequest): RealtimeClientEvent[] {
  const speed = Math.min(REALTIME_SPEED_MAX, Math.max(REALTIME_SPEED_MIN, request.speed));
  return [
    {
      type: 'session.update',
      session: {
        type: 'realtime',
        output_modalities: ['audio'],
        instructions: readVerbatimInstructions(request.style, request.speed),
        audio: { output: { format: { type: 'audio/pcm', rate: 24_000 }, voice: request.voice as never, speed } },
      },
    },
    {
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: request.text }] },
    },
    { type: 'response.create' },
  ];
}

/**
 * Reads `request.text` aloud into `callbacks.audio`. Rejects when nothing was heard (API errors, a
 * stall, a closed socket) or when `signal` aborts; a break after some audio resolves with `cutReason`.
 */
export function streamRealtimeSpeech(
  openai: Pick<OpenAI, 'apiKey' | 'baseURL'>,
  request: RealtimeSpeechRequest,
  callbacks: RealtimeSpeechCallbacks,
  { signal, stallMs }: { signal?: AbortSignal; stallMs: number },
): Promise<RealtimeSpeechResult> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const rt = new OpenAIRealtimeWS({ model: request.model }, openai);
    let bytes = 0;
    let transcript = '';
    let resetSeconds: number | undefined;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;

    const finish = (outcome: { result: RealtimeSpeechResult } | { error: unknown }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      rt.socket.removeAllListeners('close');
      // A deliberate close; the socket may still be connecting, which `terminate` handles too.
      if (rt.socket.readyState === rt.socket.OPEN) rt.close({ code: 1000, reason: 'done' });
      else rt.socket.terminate();
      if ('result' in outcome) resolve(outcome.result);
      else reject(outcome.error);
    };
    /** A failure: fatal before any audio, a cut after. */
    const fail = (error: Error, cutReason: string) => {
      if (abortReason !== undefined) return finish({ error: abortReason });
      if (bytes > 0) finish({ result: { bytes, transcript, cutReason, cutDetail: error.message } });
      else finish({ error });
    };
    const armStallTimer = () => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(new StreamStalledError(`no Realtime event for ${stallMs} ms`), 'the stream stalled'), stallMs);
    };
    let responseOpen = false;
    let abortReason: unknown;
    // A response in progress is cancelled, and its response.done awaited briefly: it says what the stopped reading cost.
    const onAbort = () => {
      abortReason = signal?.reason ?? new Error('aborted');
      if (!responseOpen || rt.socket.readyState !== rt.socket.OPEN) return finish({ error: abortReason });
      rt.send({ type: 'response.cancel' });
      clearTimeout(timer);
      timer = setTimeout(() => finish({ error: abortReason }), CANCEL_WAIT_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    armStallTimer();

    rt.socket.once('open', () => {
      for (const event of readingEvents(request)) rt.send(event);
    });
    rt.socket.on('close', (code: number) => fail(new RealtimeSpeechError(`the Realtime connection closed (${code})`, 'connection_closed'), 'the connection closed'));
    rt.on('error', (err) => {
      const apiError = err.error;
      if (!apiError) {
        // The handshake's HTTP status only reaches ws as this message.
        const refused = /Unexpected server response: (401|403)\b/.test(err.message);
        return fail(new RealtimeSpeechError(err.message, refused ? 'invalid_api_key' : 'connection_failed'), 'the connection broke');
      }
      const code = apiError.code ?? apiError.type;
      const wait = code === 'rate_limit_exceeded' ? (retryAfterFromMessage(apiError.message) ?? resetSeconds) : undefined;
      fail(new RealtimeSpeechError(apiError.message, code ?? undefined, wait), code === 'rate_limit_exceeded' ? 'OpenAI rate-limited the reading' : 'OpenAI reported an error');
    });
    rt.on('event', (event: RealtimeServerEvent) => {
      if (abortReason !== undefined) {
        if (event.type !== 'response.done') return;
        if (event.response.usage) callbacks.cancelledUsage?.(usageFromRealtime(event.response.usage));
        return finish({ error: abortReason });
      }
      armStallTimer();
      switch (event.type) {
        case 'response.created':
          responseOpen = true;
          return;
        case 'response.output_audio.delta': {
          const pcm16 = Buffer.from(event.delta, 'base64');
          if (pcm16.length === 0) return;
          bytes += pcm16.length;
          callbacks.audio(pcm16);
          return;
        }
        case 'response.output_audio_transcript.delta':
          transcript += event.delta;
          callbacks.transcript?.(event.delta);
          return;
        case 'response.output_audio_transcript.done':
          transcript = event.transcript;
          return;
        case 'rate_limits.updated':
          resetSeconds = rateLimitReset(event.rate_limits);
          return;
        case 'response.done': {
          const { response } = event;
          const usage = response.usage ? usageFromRealtime(response.usage) : undefined;
          if (response.status === 'completed' || (response.status === 'incomplete' && bytes > 0)) {
            const cutReason = response.status === 'incomplete' ? `the reading stopped early (${response.status_details?.reason ?? 'incomplete'})` : undefined;
            return finish({ result: { bytes, transcript, usage, ...(cutReason ? { cutReason } : {}) } });
          }
          const error = response.status_details?.error;
          const message = (error as { message?: string } | undefined)?.message ?? `the Realtime response ${response.status ?? 'failed'}`;
          if (error?.code === 'model_not_found') return finish({ error: new ModelGoneError(request.model, message) });
          const wait = error?.code === 'rate_limit_exceeded' ? (retryAfterFromMessage(message) ?? resetSeconds) : undefined;
          return fail(new RealtimeSpeechError(message, error?.code ?? error?.type, wait), `the reading ${response.status ?? 'failed'}`);
        }
        default:
          return;
      }
    });
  });
}

/** Token usage of a Realtime response, in Parley's kinds (cached tokens are part of the input counts). */
export function usageFromRealtime(usage: NonNullable<Extract<RealtimeServerEvent, { type: 'response.done' }>['response']['usage']>): TokenUsage {
  const input = usage.input_token_details;
  const output = usage.output_token_details;
  const textIn = input?.text_tokens ?? Math.max(0, (usage.input_tokens ?? 0) - (input?.audio_tokens ?? 0));
  return {
    textIn,
    audioIn: input?.audio_tokens ?? 0,
    cachedIn: Math.min(textIn, input?.cached_tokens_details?.text_tokens ?? input?.cached_tokens ?? 0),
    textOut: output?.text_tokens ?? 0,
    audioOut: output?.audio_tokens ?? Math.max(0, (usage.output_tokens ?? 0) - (output?.text_tokens ?? 0)),
  };
}

/** "Please try again in 1m26.4s" / "in 20ms" / "in 3s" -> whole seconds (at least 1). */
export function retryAfterFromMessage(message: string): number | undefined {
  const match = /try again in (?:(\d+)m)?(\d+(?:\.\d+)?)(ms|s)\b/i.exec(message);
  if (!match) return undefined;
  const seconds = Number(match[1] ?? 0) * 60 + Number(match[2]) / (match[3] === 'ms' ? 1000 : 1);
  return Math.max(1, Math.ceil(seconds));
}

/** The wait until the exhausted limit resets, from `rate_limits.updated`. */
function rateLimitReset(limits: readonly { remaining?: number; reset_seconds?: number }[] | undefined): number | undefined {
  const exhausted = (limits ?? []).filter((l) => l.remaining === 0 && l.reset_seconds !== undefined);
  if (exhausted.length === 0) return undefined;
  return Math.max(1, Math.ceil(Math.max(...exhausted.map((l) => l.reset_seconds!))));
}
