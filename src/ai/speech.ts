/**
 * Speech from `POST /v1/audio/speech` as raw pcm (24 kHz mono s16le), handed on chunk by chunk while
 * the response body arrives. The SDK returns the bare fetch Response for this endpoint, so the body is
 * read here, with a stall watchdog: the SDK's timeout only covers the wait for the headers.
 */
import type OpenAI from 'openai';
import { StreamStalledError } from './errors.ts';
import type { VoiceChoice } from './voices.ts';

/** The endpoint's limit on `input`, in characters. */
export const SPEECH_INPUT_MAX_CHARS = 4_096;
/** The endpoint's accepted `speed` range; 1 is normal. */
export const SPEECH_SPEED_MIN = 0.25;
export const SPEECH_SPEED_MAX = 4;

export interface SpeechRequest {
  model: string;
  input: string;
  voice: VoiceChoice;
  /** How to speak (tone, pace, accent); not supported by tts-1 / tts-1-hd. */
  instructions?: string;
  /** 0.25..4; omitted or 1 sends nothing. */
  speed?: number;
}

export interface SpeechStreamResult {
  /** Bytes of pcm16 (24 kHz mono) received. */
  bytes: number;
  /** Set when the stream broke or stalled after some audio arrived; that audio is still valid. */
  cutReason?: string;
}

/**
 * Streams the speech for `request` into `onAudio` (pcm16 24 kHz mono bytes; a sample may be split
 * across calls). Rejects when nothing arrived (API errors, a stall before any audio) or when `signal`
 * aborts; a break after some audio resolves with `cutReason`.
 */
export async function streamSpeech(
  openai: OpenAI,
  request: SpeechRequest,
  onAudio: (pcm16: Buffer) => void,
  { signal, stallMs }: { signal?: AbortSignal; stallMs: number },
): Promise<SpeechStreamResult> {
  const watchdog = new AbortController();
  const abortAll = () => watchdog.abort(signal?.reason);
  if (signal?.aborted) abortAll();
  signal?.addEventListener('abort', abortAll, { once: true });
  let stalled = false;
  const onStall = () => {
    stalled = true;
    watchdog.abort(new StreamStalledError(`no speech data for ${stallMs} ms`));
  };
  let timer = setTimeout(onStall, stallMs);
  let bytes = 0;
  try {
    const response = await openai.audio.speech.create(
      {
        model: request.model,
        input: request.input,
        voice: request.voice,
        response_format: 'pcm',
        ...(request.instructions ? { instructions: request.instructions } : {}),
        ...(request.speed !== undefined && request.speed !== 1 ? { speed: request.speed } : {}),
      },
      { signal: watchdog.signal },
    );
    if (!response.body) throw new Error('the speech response has no body');
    for await (const chunk of response.body) {
      clearTimeout(timer);
      timer = setTimeout(onStall, stallMs);
      if (chunk.byteLength === 0) continue;
      bytes += chunk.byteLength;
      onAudio(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
    return { bytes };
  } catch (err) {
    if (signal?.aborted) throw signal.reason ?? err;
    if (stalled) {
      if (bytes === 0) throw new StreamStalledError(`no speech data for ${stallMs} ms`);
      return { bytes, cutReason: 'the stream stalled' };
    }
    // Broken mid-stream (reset, truncated body): what arrived is real speech, keep it.
    if (bytes > 0) return { bytes, cutReason: 'the connection broke' };
    throw err;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', abortAll);
  }
}
