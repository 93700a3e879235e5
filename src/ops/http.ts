/**
 * The operator's HTTP endpoint: `GET /metrics` for Prometheus and `GET /healthz` for container and
 * load-balancer health checks. Nothing else is served, nothing of a request is ever echoed back, and
 * every connection is bounded in time and size so a slow or hostile client cannot hold it open.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EXPOSITION_CONTENT_TYPE } from './metrics.ts';
import type { HealthReport } from './health.ts';
import type { Metrics } from './metrics.ts';
import type { Logger } from '../log.ts';

/** Loopback unless the operator asks otherwise: metrics reveal usage and need no public exposure. */
export const DEFAULT_OPS_HOST = '127.0.0.1';

/** Whole request (headers and body) must arrive within this. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Headers must arrive within this (the slowloris guard). */
const HEADERS_TIMEOUT_MS = 5_000;
/** How often Node checks the two limits above; its default (30 s) would let them overrun a lot. */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;
/** An idle keep-alive connection is closed after this. */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** A scraper and a health checker need a handful; more means something is wrong. */
const MAX_CONNECTIONS = 32;
const MAX_HEADER_BYTES = 8_192;

export interface OpsServerOptions {
  /** 0 picks a free port (tests); see {@link OpsServer.port}. */
  port: number;
  /** Default {@link DEFAULT_OPS_HOST}; `0.0.0.0` inside a container so the host can scrape it. */
  host?: string;
  metrics: { render(): string | Promise<string> };
  health: () => HealthReport | Promise<HealthReport>;
  /** Where a failing render or health check is reported (the endpoint itself only answers 500). */
  log?: Logger;
  /** Shorter limits for tests of the slow-client guard. */
  timeouts?: { headersMs?: number; requestMs?: number };
}

export interface OpsServer {
  /** The port actually listened on. */
  port: number;
  /** The address actually bound, e.g. `127.0.0.1`. */
  address: string;
  /** Stops listening and drops open connections. Idempotent. */
  close(): Promise<void>;
}

/** Starts the server; rejects when the port cannot be bound (e.g. in use). */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const headersTimeout = options.timeouts?.headersMs ?? HEADERS_TIMEOUT_MS;
  const server = createServer(
    {
      headersTimeout,
      requestTimeout: Math.max(headersTimeout, options.timeouts?.requestMs ?? REQUEST_TIMEOUT_MS),
      connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS, headersTimeout),
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      maxHeaderSize: MAX_HEADER_BYTES,
    },
    (req, res) => void handle(req, res, options),
  );
  // Malformed or too slow requests are left to Node's default: a 400/408/431 reply, then the socket is destroyed.
  server.maxConnections = MAX_CONNECTIONS;
  // Any socket that goes quiet this long is dropped, whatever state the request is in.
  server.setTimeout(REQUEST_TIMEOUT_MS, (socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? DEFAULT_OPS_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  const bound = server.address() as AddressInfo;
  return {
    port: bound.port,
    address: bound.address,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: OpsServerOptions): Promise<void> {
  // A body is never needed: drain it so the connection can be reused, without reading it anywhere.
  req.resume();
  const path = (req.url ?? '').split('?', 1)[0];
  const known = path === '/metrics' || path === '/healthz';
  if (!known) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
  }
  try {
    if (path === '/metrics') return send(res, 200, EXPOSITION_CONTENT_TYPE, await options.metrics.render());
    const report = await options.health();
    return send(res, report.status === 'ok' ? 200 : 503, 'application/json', JSON.stringify(report) + '\n');
  } catch (err) {
    // Details go to the log, never into the response.
    options.log?.error('ops endpoint failed', { path, err: err instanceof Error ? err : new Error(String(err)) });
    return send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
