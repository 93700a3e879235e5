/** Public types of the loopback fake OpenAI: scripts that steer its answers and what it records. */

/** A failure the fake injects instead of (or in the middle of) an answer. */
export type Fault =
  | {
      kind: 'status';
      status: number;
      message?: string;
      type?: string;
      code?: string;
      param?: string;
      /** Extra response headers, e.g. `{ 'retry-after-ms': '10' }` so SDK retries stay fast. */
      headers?: Record<string, string>;
      /** How many consecutive requests fail before the script's answer is served (default 1). */
      times?: number;
    }
  /** Headers and `afterChunks` chunks, then nothing; the connection stays open until the client or `stop()` ends it. */
  | { kind: 'stall'; afterChunks: number }
  /** Ends the response cleanly after `afterChunks` chunks without `[DONE]`, or with `midJson` inside the next event. */
  | { kind: 'cut'; afterChunks: number; midJson?: boolean }
  /** Resets the TCP connection after `afterChunks` chunks. */
  | { kind: 'reset'; afterChunks: number };

/** When and how fast the fake sends an audio answer. */
export interface Pacing {
  /** Delay before the first chunk, after the response headers (default 0). */
  firstChunkDelayMs?: number;
  /** Milliseconds of audio per data chunk (default 100). */
  chunkMs?: number;
  /** Chunks go out at `speed` x real time; omitted: as fast as the socket takes them. */
  speed?: number;
  /** Extra sending silence (not in the audio) once `atMs` of audio has been sent. */
  pauses?: { atMs: number; durationMs: number }[];
}

/** Token usage as the chat API reports it (the spec's `CompletionUsage`). */
export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { audio_tokens?: number; cached_tokens?: number; text_tokens?: number };
  completion_tokens_details?: {
    audio_tokens?: number;
    text_tokens?: number;
    reasoning_tokens?: number;
    accepted_prediction_tokens?: number;
    rejected_prediction_tokens?: number;
  };
}

/** One scripted chat completion answer; unset fields get deterministic defaults. */
export interface ChatScript extends Pacing {
  transcript?: string;
  /** 24 kHz mono pcm16. */
  audio?: Int16Array;
  audioId?: string;
  /** Unix seconds; default `now() + 3600`. */
  expiresAt?: number;
  /** Overrides of the computed usage (details are merged field by field). */
  usage?: Partial<CompletionUsage>;
  /** The model refuses: `refusal` text instead of content and audio. */
  refusal?: string;
  /** Answer with text only, as for `modalities: ['text']`. */
  textOnly?: boolean;
  /**
   * Kind, not the real API: end a streamed audio answer with a `finish_reason: "stop"` chunk after the
   * `expires_at` marker, as some OpenAI-compatible servers do. OpenAI itself sends none (openai-node issue #1206).
   */
  finishReasonChunk?: boolean;
  fault?: Fault;
}

/** One scripted speech (`/v1/audio/speech`) answer. */
export interface SpeechScript extends Pacing {
  /** 24 kHz mono pcm16; default: a tone whose length follows the input text. */
  audio?: Int16Array;
  fault?: Fault;
}

/** One scripted transcription answer. */
export interface TranscriptionScript {
  text: string;
  fault?: Fault;
}

/** A file part of a multipart request. */
export interface RecordedFile {
  /** Form field name, e.g. `file`. */
  name: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

/** The body of a multipart request: text fields (repeated `key[]` fields become arrays) and files. */
export interface MultipartBody {
  fields: Record<string, string | string[]>;
  files: RecordedFile[];
}

/** Everything the fake saw of one request and how it answered. */
export interface RecordedRequest {
  method: string;
  /** Path without the query, e.g. `/v1/chat/completions`. */
  path: string;
  /** `performance.now()` when the request arrived (its headers; the body is read after). */
  at: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, a {@link MultipartBody}, the raw text when it was not JSON, or undefined when empty. */
  body: unknown;
  /** Schema violations of the body (empty when valid or not validated, e.g. rejected before by auth). */
  schemaErrors: string[];
  /** HTTP status the fake answered with. */
  status: number;
  /** Decoded `input_audio` parts of a chat request, in message order. */
  inputAudio: { format: string; data: Buffer }[];
  /** `performance.now()` of each audio data chunk written (chat, speech). */
  chunkSentAt: number[];
  /** `performance.now()` when the fake finished the response (ended, cut, reset); undefined while open/stalled. */
  endedAt?: number;
  /** Which fault, if any, shaped this response. */
  fault?: Fault;
}

/** Events on `FakeOpenAI.events`. */
export interface FakeOpenAIEvents {
  /** A request has been recorded (its status is decided, the body may still be streaming). */
  request: [RecordedRequest];
  /** An audio chunk was written; `audioMs` is the audio offset the chunk starts at. */
  chunk: [{ request: RecordedRequest; index: number; at: number; audioMs: number }];
  /** The fake finished writing a response. */
  end: [RecordedRequest];
}

/** A failure of a Realtime reading. `afterChunks` counts audio deltas sent before it. */
export type RealtimeFault =
  /** An `error` event in the middle of the response (nothing more follows; the socket stays open). */
  | { kind: 'error'; afterChunks: number; code?: string; message?: string }
  /** The socket is dropped without a close frame. */
  | { kind: 'close'; afterChunks: number }
  /** Nothing more is sent; the socket stays open until the client or `stop()` ends it. */
  | { kind: 'stall'; afterChunks: number }
  /** `rate_limits.updated` with the token limit exhausted, then an `error` event `rate_limit_exceeded`. */
  | { kind: 'rate_limit'; resetSeconds?: number };

/** One scripted Realtime reading (one `response.create`). */
export interface RealtimeScript extends Pacing {
  /** 24 kHz mono pcm16; default: a tone whose length follows the text. */
  audio?: Int16Array;
  /** The output transcript; default: the user item's text, word for word. */
  transcript?: string;
  /** Overrides of the usage in `response.done`. */
  usage?: Record<string, unknown>;
  fault?: RealtimeFault;
}

/** Everything the fake saw of one Realtime WebSocket session. */
export interface RecordedRealtimeSession {
  /** The `model` query parameter. */
  model: string;
  headers: import('node:http').IncomingHttpHeaders;
  /** `performance.now()` at the upgrade. */
  at: number;
  clientEvents: Record<string, unknown>[];
  /** Client events that do not match `RealtimeClientEvent` (each answered with an `error` event). */
  clientSchemaErrors: string[];
  serverEvents: Record<string, unknown>[];
  /** Server events of the fake that do not match `RealtimeServerEvent` (a fake bug if not empty). */
  serverSchemaErrors: string[];
}
