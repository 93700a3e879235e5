/** Internal plumbing shared by the fake's endpoint handlers: state, script queues, response helpers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { faultError, type ApiError } from './api-errors.ts';
import type { ChunkObserver } from './paced-writer.ts';
import type { Fault, RecordedRequest } from './types.ts';

/** An audio answer the fake has handed out, so later turns can reference it by id. */
export interface IssuedAudio {
  expiresAt: number;
  transcript: string;
  durationMs: number;
}

/** The fake's state that handlers read and update. */
export interface FakeState {
  models: Set<string>;
  nonStreamingModels: Set<string>;
  issuedAudio: Map<string, IssuedAudio>;
  /** Unix seconds. */
  now(): number;
  /** Deterministic ids: `chatcmpl-fake-000001`, `audio_fake_000002`, ... */
  nextId(prefix: string): string;
  /** Aborted by `stop()`; every wait of a handler is bounded by it. */
  signal: AbortSignal;
}

/** One request as a handler sees it. */
export interface HandlerContext {
  req: IncomingMessage;
  res: ServerResponse;
  rawBody: Buffer;
  record: RecordedRequest;
  state: FakeState;
  observer: ChunkObserver;
  /** Publishes the record with its final status (call once, before any delay or body write). */
  commit(status: number): void;
}

type StatusFault = Extract<Fault, { kind: 'status' }>;

/**
 * Scripts consumed one per valid request. A script whose fault is a `status` fault fails `times`
 * consecutive requests (so SDK retries can be exercised) and is then used up; queue an answer after
 * it to see a retry succeed.
 */
export class ScriptQueue<T extends { fault?: Fault }> {
  readonly #scripts: T[] = [];
  #failuresServed = 0;

  push(...scripts: T[]): void {
    this.#scripts.push(...scripts);
  }

  get length(): number {
    return this.#scripts.length;
  }

  /** Drops the scripts not yet used. */
  clear(): void {
    this.#scripts.length = 0;
    this.#failuresServed = 0;
  }

  /** For one incoming request: a status fault to answer with, or the script to serve (undefined: defaults). */
  next(): { fail: StatusFault } | { serve: T | undefined } {
    const head = this.#scripts[0];
    if (head?.fault?.kind === 'status') {
      this.#failuresServed++;
      if (this.#failuresServed >= (head.fault.times ?? 1)) {
        this.#scripts.shift();
        this.#failuresServed = 0;
      }
      return { fail: head.fault };
    }
    this.#scripts.shift();
    return { serve: head };
  }
}

/**
 * The script for one request: throws the status fault it asks for (recorded on the request), or
 * returns the script to serve (`{}` for the defaults), its transport fault recorded.
 */
export function takeScript<T extends { fault?: Fault }>(ctx: HandlerContext, queue: ScriptQueue<T>): Partial<T> {
  const next = queue.next();
  if ('fail' in next) {
    ctx.record.fault = next.fail;
    throw faultError(next.fail);
  }
  const script: Partial<T> = next.serve ?? {};
  if (script.fault) ctx.record.fault = script.fault;
  return script;
}

/** Writes an OpenAI-shaped error response. */
export function sendApiError(ctx: HandlerContext, error: ApiError): void {
  ctx.commit(error.status);
  sendJsonNow(ctx.res, error.status, error.body, error.headers);
  ctx.record.endedAt = performance.now();
}

let responseCounter = 0;

/** Writes a complete JSON response with `content-type: application/json`. */
export function sendJsonNow(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendBodyNow(res, status, JSON.stringify(body), { 'content-type': 'application/json', ...headers });
}

/** Writes a complete response with a content-length and the headers every API response carries. */
export function sendBodyNow(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  res.writeHead(status, {
    'content-length': Buffer.byteLength(text),
    'openai-version': '2020-10-01',
    'x-request-id': `req_fake_${++responseCounter}`,
    ...headers,
  });
  res.end(text);
}

/** SSE framing of one JSON event. */
export function sseEvent(json: unknown): string {
  return `data: ${JSON.stringify(json)}\n\n`;
}

/** The `[DONE]` sentinel that ends chat streams. */
export const SSE_DONE = 'data: [DONE]\n\n';
