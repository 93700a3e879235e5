/**
 * The Realtime WebSocket endpoint of the fake (`wss://…/v1/realtime?model=…`). The SDK forces `wss:`
 * whatever the base URL's scheme (openai/realtime/internal-base `buildRealtimeURL`), so this part serves
 * TLS with the test certificate of the fake Discord, on the same port as the plain HTTP API: each new
 * connection is routed by its first byte (0x16 opens a TLS handshake).
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { authenticationError } from './api-errors.ts';
import { runRealtimeSession } from './realtime-session.ts';
import type { RealtimeScript, RecordedRealtimeSession } from './types.ts';

const CERT_URL = new URL('../discord/certs/voice-cert.pem', import.meta.url);
const KEY_URL = new URL('../discord/certs/voice-key.pem', import.meta.url);
const TLS_HANDSHAKE = 0x16;

/** Realtime models the fake serves (late 2026); tests may add or delete. */
export const DEFAULT_REALTIME_MODELS: readonly string[] = ['gpt-realtime-2.1', 'gpt-realtime-2.1-mini', 'gpt-realtime-2', 'gpt-realtime-1.5'];

export interface RealtimeDeps {
  apiKey: string;
  nextId(prefix: string): string;
  signal: AbortSignal;
}

/** The certificate the Realtime endpoint serves; clients must trust it (tls.setDefaultCACertificates or NODE_EXTRA_CA_CERTS). */
export const REALTIME_CA_CERT_PATH = CERT_URL.pathname;

export class FakeRealtime {
  /** Every session, in the order they connected. */
  readonly sessions: RecordedRealtimeSession[] = [];
  readonly models = new Set<string>(DEFAULT_REALTIME_MODELS);
  readonly #https: HttpsServer;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #scripts: RealtimeScript[] = [];
  readonly #deps: RealtimeDeps;

  constructor(deps: RealtimeDeps) {
    this.#deps = deps;
    this.#https = createHttpsServer({ cert: readFileSync(CERT_URL), key: readFileSync(KEY_URL) });
    this.#https.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
    this.#https.on('request', (_req, res) => {
      res.writeHead(426, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Upgrade to a WebSocket.', type: 'invalid_request_error', param: null, code: null } }));
    });
  }

  /** Queues readings, one per `response.create`; an empty queue reads the text verbatim with a tone. */
  script(...readings: RealtimeScript[]): void {
    this.#scripts.push(...readings);
  }

  /** Whether a fresh connection whose first byte is `firstByte` is TLS (and so for this endpoint). */
  static isTls(firstByte: number | undefined): boolean {
    return firstByte === TLS_HANDSHAKE;
  }

  /**
   * Hands a raw TLS connection, whose first bytes were already read (`first`), to the https server.
   * TLS over a net.Socket reads its native handle directly and would miss those bytes, so the socket
   * is fronted by a plain stream that replays them.
   */
  accept(socket: Socket, first: Buffer): void {
    const front = new Duplex({
      read: () => void socket.resume(),
      write: (chunk: Buffer, _encoding, callback) => void socket.write(chunk, callback),
      final: (callback) => void socket.end(callback),
      destroy: (error, callback) => {
        socket.destroy(error ?? undefined);
        callback(error);
      },
    });
    front.push(first);
    socket.on('data', (data: Buffer) => {
      if (!front.push(data)) socket.pause();
    });
    socket.once('end', () => front.push(null));
    socket.once('close', () => front.destroy());
    socket.on('error', (error) => front.destroy(error));
    this.#https.emit('connection', front);
  }

  close(): void {
    for (const client of this.#wss.clients) client.terminate();
    this.#wss.close();
    this.#https.close();
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const reject = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
    };
    const presentedKey = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (presentedKey !== this.#deps.apiKey) return reject(401, authenticationError(presentedKey).body);
    if (url.pathname.replace(/\/+$/, '') !== '/v1/realtime') return reject(400, { error: { message: `Invalid URL (GET ${url.pathname})`, type: 'invalid_request_error', param: null, code: null } });
    // The GA API rejects the beta header (notes: "No OpenAI-Beta header (the GA API rejects realtime=v1)").
    if (req.headers['openai-beta'] === 'realtime=v1') return reject(400, { error: { message: 'The beta Realtime API is no longer available.', type: 'invalid_request_error', param: null, code: 'beta_api_shape_disabled' } });
    const model = url.searchParams.get('model') ?? '';
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const record: RecordedRealtimeSession = { model, headers: req.headers, at: performance.now(), clientEvents: [], clientSchemaErrors: [], serverEvents: [], serverSchemaErrors: [] };
      this.sessions.push(record);
      runRealtimeSession(ws, {
        record,
        modelKnown: this.models.has(model),
        nextId: this.#deps.nextId,
        takeScript: () => this.#scripts.shift() ?? {},
        signal: this.#deps.signal,
      });
    });
  }
}
