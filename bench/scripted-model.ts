/**
 * The scripted model every scenario uses: first audio 300 ms after the request, then 100 ms chunks at
 * 2x real time (about how fast gpt-audio generates), and helpers to find what the fakes recorded.
 */
import { OPENAI_PCM_RATE } from '../src/audio/format.ts';
import type { AudioCapture, CapturedPacket } from '../test/harness/discord/index.ts';
import type { ChatScript, FakeOpenAI, RecordedRequest } from '../test/harness/openai/index.ts';
import { speechLike } from '../test/support/signals.ts';

/** Delay between the request and the first audio chunk (the model "thinking"). */
export const MODEL_FIRST_AUDIO_DELAY_MS = 300;
/** Chunks are sent at this multiple of real time. */
export const MODEL_SPEED = 2;
/** Audio per streamed chunk, as the real API roughly sends. */
export const MODEL_CHUNK_MS = 100;

export const CHAT_PATH = '/v1/chat/completions';

/** A chat answer speaking `audio24kMono` with the benchmark's pacing. */
export function scriptedAnswer(audio24kMono: Int16Array, transcript = 'A scripted benchmark answer.'): ChatScript {
  return { transcript, audio: audio24kMono, firstChunkDelayMs: MODEL_FIRST_AUDIO_DELAY_MS, chunkMs: MODEL_CHUNK_MS, speed: MODEL_SPEED };
}

/** Speech-like answer audio of `ms` milliseconds (24 kHz mono, what the model sends). */
export function answerAudio24kMono(ms: number, seed: number): Int16Array {
  return speechLike(ms, OPENAI_PCM_RATE, seed);
}

/** The number of chat requests recorded so far: pass it to {@link nextChatRequest} before acting. */
export function chatRequestCount(openai: FakeOpenAI): number {
  return openai.requests.filter((r) => r.path === CHAT_PATH).length;
}

/** The first chat request after the first `seen` ones that the fake accepted (status 200). */
export function nextChatRequest(openai: FakeOpenAI, seen: number, timeoutMs: number): Promise<RecordedRequest> {
  return openai.waitForRequest((r) => {
    if (r.path !== CHAT_PATH || r.status !== 200) return false;
    return openai.requests.filter((q) => q.path === CHAT_PATH).indexOf(r) >= seen;
  }, timeoutMs);
}

/** The first packet carrying answer audio (not an F8 FF FE silence frame) received after `after`. */
export function firstSpeechPacketAfter(capture: AudioCapture, after: number): CapturedPacket | undefined {
  return capture.packets.find((p) => !p.silence && p.at > after);
}
