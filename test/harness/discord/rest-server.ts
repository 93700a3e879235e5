import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { UploadedFile } from './types.ts';

/** A parsed REST request, path without the `/api/v10` prefix and URL-decoded per segment. */
export interface RestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** `Authorization: Bot <token>` carried the fake's bot token. */
  botAuthorized: boolean;
  /** JSON body, or the parsed `payload_json` of a multipart body. */
  json: any;
  /** `files[n]` parts of a multipart body, in field order; `index` is n. */
  files: (UploadedFile & { index: number })[];
}

/** What a route answers: JSON (with Discord's Content-Type), raw bytes, or an empty 204. */
export interface RestReply {
  status: number;
  body?: unknown;
  /** `bytesPerSecond` sends the body at that rate, as a network link would, instead of all at once. */
  raw?: { data: Buffer; contentType: string; bytesPerSecond?: number };
}

type RouteHandler = (request: RestRequest, params: string[]) => RestReply | Promise<RestReply>;

interface Route {
  method: string;
  pattern: RegExp;
  requiresBotAuth: boolean;
  handler: RouteHandler;
}

/** A Discord-style JSON error reply. */
export function discordError(status: number, code: number, message: string, errors?: unknown): RestReply {
  return { status, body: errors === undefined ? { code, message } : { code, message, errors } };
}

/** Routes `/api/v10/...` requests; anything unmatched is answered 404 and remembered in `unknownRoutes`. */
export class RestRouter {
  readonly unknownRoutes: { method: string; path: string }[] = [];
  readonly #routes: Route[] = [];
  readonly #botToken: string;

  constructor(botToken: string) {
    this.#botToken = botToken;
  }

  /** Adds a route; `:name` segments become handler params. Interaction webhooks pass `{ auth: false }`. */
  add(method: string, path: string, handler: RouteHandler, opts: { auth?: boolean } = {}): void {
    const pattern = new RegExp(`^${path.replace(/:[a-zA-Z]+/g, '([^/]+)')}$`);
    this.#routes.push({ method, pattern, requiresBotAuth: opts.auth ?? true, handler });
  }

  async handle(request: RestRequest): Promise<RestReply> {
    for (const route of this.#routes) {
      if (route.method !== request.method) continue;
      const match = route.pattern.exec(request.path);
      if (!match) continue;
      if (route.requiresBotAuth && !request.botAuthorized) return discordError(401, 0, '401: Unauthorized');
      return route.handler(request, match.slice(1));
    }
    this.unknownRoutes.push({ method: request.method, path: request.path });
    return discordError(404, 0, '404: Not Found');
  }

  isBotAuthorization(header: string | undefined): boolean {
    return header === `Bot ${this.#botToken}`;
  }
}

/** Non-API HTTP paths (attachment downloads) and websocket upgrades the server hands elsewhere. */
export interface HttpHooks {
  router: RestRouter;
  serveFile(path: string): RestReply | undefined;
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** Starts the HTTP server (REST + attachment files + main gateway upgrades) on 127.0.0.1, random port. */
export async function startHttpServer(hooks: HttpHooks): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    handleHttp(hooks, req, res).catch((error: unknown) => {
      if (!res.headersSent) writeReply(res, discordError(500, 0, `FakeDiscord error: ${String(error)}`));
    });
  });
  server.on('upgrade', (req, socket, head) => hooks.upgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

async function handleHttp(hooks: HttpHooks, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const body = await readBody(req);
  const api = /^\/api(?:\/v\d+)?(\/.*)$/.exec(url.pathname);
  if (!api) {
    writeReply(res, (req.method === 'GET' && hooks.serveFile(url.pathname)) || discordError(404, 0, '404: Not Found'));
    return;
  }
  const path = api[1]!.split('/').map(decodeURIComponent).join('/');
  const { json, files } = await parseBody(req.headers['content-type'], body);
  const request: RestRequest = {
    method: req.method ?? 'GET',
    path,
    query: url.searchParams,
    botAuthorized: hooks.router.isBotAuthorization(req.headers.authorization),
    json,
    files,
  };
  writeReply(res, await hooks.router.handle(request));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function parseBody(contentType: string | undefined, body: Buffer): Promise<Pick<RestRequest, 'json' | 'files'>> {
  if (body.length === 0) return { json: undefined, files: [] };
  if (contentType?.startsWith('multipart/form-data')) {
    // The WHATWG Response parser handles multipart exactly as undici (the REST client) writes it.
    const form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
    const files: RestRequest['files'] = [];
    let json: any;
    for (const [field, value] of form.entries()) {
      if (field === 'payload_json' && typeof value === 'string') {
        json = JSON.parse(value);
      } else if (typeof value !== 'string') {
        const index = Number(/^files\[(\d+)\]$/.exec(field)?.[1] ?? files.length);
        const file: UploadedFile & { index: number } = { index, name: value.name, data: Buffer.from(await value.arrayBuffer()) };
        if (value.type) file.contentType = value.type;
        files.push(file);
      }
    }
    return { json, files };
  }
  const text = body.toString('utf8');
  try {
    return { json: JSON.parse(text), files: [] };
  } catch {
    return { json: text, files: [] };
  }
}

const RAW_PIECE_BYTES = 64 * 1024;

async function* pieces(data: Buffer, bytesPerSecond?: number): AsyncGenerator<Buffer> {
  const started = performance.now();
  for (let offset = 0; offset < data.length; offset += RAW_PIECE_BYTES) {
    if (bytesPerSecond !== undefined) {
      const due = started + (offset / bytesPerSecond) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    yield data.subarray(offset, offset + RAW_PIECE_BYTES);
  }
}

function writeReply(res: ServerResponse, reply: RestReply): void {
  if (reply.raw) {
    const { data, contentType, bytesPerSecond } = reply.raw;
    res.writeHead(reply.status, { 'Content-Type': contentType, 'Content-Length': data.length });
    // The fake shares its thread with the bot under test: one write of a 25 MB attachment copies it in
    // one go and stalls the bot's voice packets, which a remote CDN never does. Pieces, with backpressure.
    if (data.length <= RAW_PIECE_BYTES && bytesPerSecond === undefined) res.end(data);
    else Readable.from(pieces(data, bytesPerSecond)).pipe(res);
  } else if (reply.body === undefined) {
    res.writeHead(reply.status);
    res.end();
  } else {
    const data = Buffer.from(JSON.stringify(reply.body));
    res.writeHead(reply.status, { 'Content-Type': 'application/json', 'Content-Length': data.length });
    res.end(data);
  }
}
