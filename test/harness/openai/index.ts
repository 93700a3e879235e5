/**
 * A loopback fake of the OpenAI API's audio endpoints (chat completions with audio, speech, transcriptions) for
 * tests that drive the real `openai` SDK: `new OpenAI({ baseURL: fake.baseURL, apiKey: fake.apiKey })`.
 * Answers are scripted per request, faults (statuses, stalls, cuts, resets) are injectable, and every request is
 * recorded with its schema violations and the send time of each audio chunk.
 */
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ApiError, authenticationError, invalidUrl, unparsableJson } from './api-errors.ts';
import { handleChatCompletions } from './chat.ts';
import { ScriptQueue, sendApiError, sendJsonNow } from './context.ts';
import type { FakeState, HandlerContext, IssuedAudio } from './context.ts';
import { DEFAULT_MODELS, DEFAULT_NON_STREAMING_MODELS } from './models.ts';
import { FakeRealtime, REALTIME_CA_CERT_PATH } from './realtime-server.ts';
import { validateAgainst } from './validate.ts';
import { readFileSync } from 'node:fs';
import { handleSpeech } from './speech.ts';
import { handleTranscription, parseMultipart } from './transcription.ts';
import type {
  ChatScript,
  FakeOpenAIEvents,
  RealtimeScript,
  RecordedRealtimeSession,
  RecordedRequest,
  SpeechScript,
  TranscriptionScript,
} from './types.ts';

export type * from './types.ts';

/** The key the fake accepts unless `start({ apiKey })` says otherwise. */
export const FAKE_OPENAI_API_KEY = 'sk-fake-openai-test-key';

interface Waiter {
  predicate: (request: RecordedRequest) => boolean;
  resolve: (request: RecordedRequest) => void;
  reject: (error: Error) => void;
}

/**
 * The loopback fake OpenAI server (127.0.0.1, random port). Always `await fake.stop()` when done.
 *
 * @example
 * const fake = await FakeOpenAI.start();
 * const client = new OpenAI({ baseURL: fake.baseURL, apiKey: fake.apiKey, maxRetries: 0 });
 * fake.scriptChat({ transcript: 'Hi!', audio: pcm24kMono, speed: 1 }, { fault: { kind: 'status', status: 429 } });
 * // ... drive the code under test, then:
 * const request = await fake.waitForRequest((r) => r.path === '/v1/chat/completions');
 * expect(request.schemaErrors).toEqual([]);
 * await fake.stop();
 */
export class FakeOpenAI {
  /** `http://127.0.0.1:PORT/v1`, the SDK's `baseURL`. */
  readonly baseURL: string;
  /** The only bearer key accepted; any other gets the API's 401 (`invalid_api_key`). */
  readonly apiKey: string;
  /** Every request, in the order their status was decided. */
  readonly requests: RecordedRequest[] = [];
  /** `request`, `chunk` (each audio chunk written, with its send time) and `end` events. */
  readonly events = new EventEmitter<FakeOpenAIEvents>();
  /** Known models; add or delete to simulate launches and shutdowns. Unknown ones get 404 `model_not_found`. */
  readonly models = new Set<string>(DEFAULT_MODELS);
  /** Chat models that answer `stream: true` with a 400. */
  readonly nonStreamingModels = new Set<string>(DEFAULT_NON_STREAMING_MODELS);
  /** Audio answers handed out so far, by id (assistant messages may reference them until `expiresAt`). */
  readonly issuedAudio = new Map<string, IssuedAudio>();
  /** The fake's clock in unix seconds (for `created`, `expires_at` and their checks); replace it in tests. */
  now: () => number = () => Math.floor(Date.now() / 1_000);

  readonly #server: Server;
  /** Listens on the port and hands each connection to the HTTP API or, for TLS, to the Realtime endpoint. */
  readonly #listener: NetServer;
  readonly #realtime: FakeRealtime;
  readonly #sockets = new Set<Socket>();
  readonly #stopController = new AbortController();
  readonly #waiters = new Set<Waiter>();
  readonly #chatScripts = new ScriptQueue<ChatScript>();
  readonly #speechScripts = new ScriptQueue<SpeechScript>();
  readonly #transcriptionScripts = new ScriptQueue<TranscriptionScript>();
  #idCounter = 0;
  #stopped: Promise<void> | undefined;

  private constructor(server: Server, listener: NetServer, apiKey: string) {
    this.#server = server;
    this.#listener = listener;
    this.apiKey = apiKey;
    this.baseURL = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/v1`;
    this.#realtime = new FakeRealtime({
      apiKey,
      nextId: (prefix) => `${prefix}${String(++this.#idCounter).padStart(6, '0')}`,
      signal: this.#stopController.signal,
    });
    listener.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      socket.once('data', (first: Buffer) => {
        socket.pause();
        if (FakeRealtime.isTls(first[0])) return this.#realtime.accept(socket, first);
        socket.unshift(first);
        server.emit('connection', socket);
        socket.resume();
      });
    });
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.#handle(req, res));
  }

  /** Starts a fake on 127.0.0.1 with a random port. */
  static async start(opts: { apiKey?: string } = {}): Promise<FakeOpenAI> {
    const server = createServer();
    const listener = createNetServer();
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(0, '127.0.0.1', () => resolve());
    });
    return new FakeOpenAI(server, listener, opts.apiKey ?? FAKE_OPENAI_API_KEY);
  }

  /** The test certificate of the wss Realtime endpoint (the fake Discord's), PEM and path. */
  readonly caCertPem = readFileSync(REALTIME_CA_CERT_PATH, 'utf8');
  readonly caCertPath = REALTIME_CA_CERT_PATH;

  /** Queues Realtime readings, one per `response.create`; an empty queue reads the text verbatim. */
  scriptRealtime(...readings: RealtimeScript[]): void {
    this.#realtime.script(...readings);
  }

  /**
   * Compiles the Realtime event schemas now (about half a second). The fake runs in the bot's process,
   * so compiling them during the first reading would block the bot's own timers.
   */
  warmRealtime(): void {
    validateAgainst('RealtimeClientEvent', {});
    validateAgainst('RealtimeServerEvent', {});
  }

  /** Every Realtime session so far, with the events both ways and their schema problems. */
  get realtimeSessions(): readonly RecordedRealtimeSession[] {
    return this.#realtime.sessions;
  }

  /** Realtime models served; delete one to simulate its shutdown. */
  get realtimeModels(): Set<string> {
    return this.#realtime.models;
  }

  /** Queues chat answers, one per valid chat request (streamed or not); an empty queue answers with defaults. */
  scriptChat(...answers: ChatScript[]): void {
    this.#chatScripts.push(...answers);
  }

  /** Queues speech answers, one per valid speech request. */
  scriptSpeech(...answers: SpeechScript[]): void {
    this.#speechScripts.push(...answers);
  }

  /** Queues transcription answers, one per valid transcription request. */
  scriptTranscription(...answers: TranscriptionScript[]): void {
    this.#transcriptionScripts.push(...answers);
  }

  /** Resolves with the first recorded request (already recorded or future) matching `predicate`. */
  waitForRequest(
    predicate: (request: RecordedRequest) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<RecordedRequest> {
    const seen = this.requests.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        const so = this.requests.map((r) => `${r.method} ${r.path} ${r.status}`).join(', ') || 'none';
        reject(new Error(`FakeOpenAI: no matching request within ${timeoutMs} ms (recorded: ${so})`));
      }, timeoutMs);
      const waiter: Waiter = {
        predicate,
        resolve: (request) => {
          clearTimeout(timer);
          resolve(request);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  /** Closes the server and every socket, stalled streams included. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= new Promise<void>((resolve) => {
      this.#stopController.abort();
      for (const waiter of this.#waiters) waiter.reject(new Error('FakeOpenAI stopped'));
      this.#waiters.clear();
      this.#realtime.close();
      this.#server.close();
      this.#listener.close(() => resolve());
      this.#server.closeAllConnections();
      for (const socket of this.#sockets) socket.destroy();
    });
    return this.#stopped;
  }

  #state(): FakeState {
    return {
      models: this.models,
      nonStreamingModels: this.nonStreamingModels,
      issuedAudio: this.issuedAudio,
      now: () => this.now(),
      nextId: (prefix) => `${prefix}${String(++this.#idCounter).padStart(6, '0')}`,
      signal: this.#stopController.signal,
    };
  }

  #publish(record: RecordedRequest): void {
    this.requests.push(record);
    this.events.emit('request', record);
    for (const waiter of [...this.#waiters]) {
      if (!waiter.predicate(record)) continue;
      this.#waiters.delete(waiter);
      waiter.resolve(record);
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: new URL(req.url ?? '/', 'http://127.0.0.1').pathname,
      at: performance.now(),
      headers: req.headers,
      body: undefined,
      schemaErrors: [],
      status: 0,
      inputAudio: [],
      chunkSentAt: [],
    };
    let committed = false;
    const ctx: HandlerContext = {
      req,
      res,
      rawBody: Buffer.alloc(0),
      record,
      state: this.#state(),
      observer: {
        request: record,
        onChunk: (event) => this.events.emit('chunk', event),
        onEnd: (request) => this.events.emit('end', request),
      },
      commit: (status) => {
        if (committed) return;
        committed = true;
        record.status = status;
        this.#publish(record);
      },
    };
    try {
      ctx.rawBody = await readBody(req);
    } catch {
      // The client gave up while sending its body: nothing to answer.
      res.destroy();
      return;
    }
    try {
      const bodyIsJson = await this.#parseBody(ctx);
      const presentedKey = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (presentedKey !== this.apiKey) throw authenticationError(presentedKey);
      await this.#route(ctx, bodyIsJson);
    } catch (error) {
      if (error instanceof ApiError) {
        if (!res.headersSent) sendApiError(ctx, error);
        return;
      }
      if (this.#stopController.signal.aborted) {
        res.destroy();
        return;
      }
      console.error('FakeOpenAI: handler failed', error);
      if (!res.headersSent) {
        sendApiError(ctx, new ApiError(500, { message: `Fake failure: ${String(error)}`, type: 'server_error' }));
      } else {
        res.destroy();
      }
    }
  }

  /** Records the parsed body; returns whether it is JSON. */
  async #parseBody(ctx: HandlerContext): Promise<boolean> {
    const contentType = ctx.req.headers['content-type'] ?? '';
    if (contentType.startsWith('multipart/form-data')) {
      ctx.record.body = await parseMultipart(contentType, ctx.rawBody).catch(() => ctx.rawBody.toString('latin1'));
      return false;
    }
    if (ctx.rawBody.length === 0) return false;
    const text = ctx.rawBody.toString('utf8');
    try {
      ctx.record.body = JSON.parse(text);
      return true;
    } catch {
      ctx.record.body = text;
      return false;
    }
  }

  async #route(ctx: HandlerContext, bodyIsJson: boolean): Promise<void> {
    const route = `${ctx.record.method} ${ctx.record.path.replace(/\/+$/, '')}`;
    switch (route) {
      case 'POST /v1/chat/completions':
        if (!bodyIsJson) throw unparsableJson();
        return handleChatCompletions(ctx, this.#chatScripts);
      case 'POST /v1/audio/speech':
        if (!bodyIsJson) throw unparsableJson();
        return handleSpeech(ctx, this.#speechScripts);
      case 'POST /v1/audio/transcriptions':
        return handleTranscription(ctx, this.#transcriptionScripts);
      case 'GET /v1/models': {
        ctx.commit(200);
        const created = this.now();
        const data = [...this.models].sort().map((id) => ({ id, object: 'model', created, owned_by: 'system' }));
        sendJsonNow(ctx.res, 200, { object: 'list', data });
        return;
      }
      default:
        throw invalidUrl(ctx.record.method, ctx.record.path);
    }
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}
