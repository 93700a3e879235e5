/**
 * Whether a streamed chat completion finished, judged from what actually marks the end:
 * - a `finish_reason` (text answers; some OpenAI-compatible servers also send one after audio);
 * - the `expires_at`-only audio delta: OpenAI's audio streams carry no `finish_reason` at all and end with
 *   that marker (captured chunks in openai/openai-node issue #1206; the SDK's stream helper finishes on it
 *   since openai/openai-node PR #1991, which also treats more answer after the marker as unfinished);
 * - the usage chunk (`choices: []`) followed by `data: [DONE]`: usage is only reported once generation ended.
 * A stream that stops before any of these was cut.
 */
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';

/** The audio part of a streamed delta; the SDK's chunk type lacks it (so does the spec's delta schema). */
export interface StreamedAudioDelta {
  id?: string;
  data?: string;
  transcript?: string;
  expires_at?: number;
}

/** What showed the answer complete, for logs and tests. */
export type EndingMark = 'finish_reason' | 'audio marker' | 'usage and [DONE]';

/** Follows one stream's chunks (and its `[DONE]`) and says whether, and by what, its end was marked. */
export class StreamEnding {
  #finishReason: string | undefined;
  #sawAudioId = false;
  #audioMarker = false;
  #usage = false;
  #done = false;

  /** Feeds one parsed chunk, in stream order. */
  observe(chunk: ChatCompletionChunk): void {
    if (chunk.usage) this.#usage = true;
    const choice = chunk.choices[0];
    if (!choice) return;
    const delta = choice.delta as typeof choice.delta & { audio?: StreamedAudioDelta };
    const audio = delta.audio;
    if (audio?.id) this.#sawAudioId = true;
    if (audio?.data || audio?.transcript || delta.content || delta.refusal) {
      // More answer after an end mark: the earlier mark did not end it.
      this.#audioMarker = false;
      this.#usage = false;
    } else if (audio?.expires_at !== undefined && this.#sawAudioId) {
      this.#audioMarker = true;
    }
    if (choice.finish_reason) this.#finishReason = choice.finish_reason;
  }

  /** The body carried `data: [DONE]`. */
  sawDone(): void {
    this.#done = true;
  }

  /** What marked the end, or undefined while (or if) none did. */
  get mark(): EndingMark | undefined {
    if (this.#finishReason !== undefined) return 'finish_reason';
    if (this.#audioMarker) return 'audio marker';
    if (this.#usage && this.#done) return 'usage and [DONE]';
    return undefined;
  }

  /** True once any end mark stands. */
  get complete(): boolean {
    return this.mark !== undefined;
  }
}
