import { connect } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.ts';
import type { HealthReport } from '../../../src/ops/health.ts';
import { startOpsServer, type OpsServer, type OpsServerOptions } from '../../../src/ops/http.ts';

const OK: HealthReport = { status: 'ok', gateway: { status: 'ready', ping: 12 }, store: { ok: true }, voiceSessions: 1, uptimeS: 5 };
const MARKER = 'ECHO_MARKER_7f3a';

describe('ops HTTP server', () => {
  const servers: OpsServer[] = [];
  let health: () => HealthReport = () => OK;
  const start = async (extra: Partial<OpsServerOptions> = {}) => {
    const server = await startOpsServer({ port: 0, metrics: { render: () => '# HELP x x\n# TYPE x counter\nx 1\n' }, health: () => health(), ...extra });
    servers.push(server);
    return { server, url: (p: string) => `http://127.0.0.1:${server.port}${p}` };
  };
  afterEach(async () => {
    health = () => OK;
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('serves /metrics in text format 0.0.4, uncached', async () => {
    const { url } = await start();
    const response = await fetch(url('/metrics?name[]=x'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.text()).toBe('# HELP x x\n# TYPE x counter\nx 1\n');
  });

  it('serves /healthz as JSON: 200 when ok, 503 when degraded', async () => {
    const { url } = await start();
    const ok = await fetch(url('/healthz'));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/json');
    expect(await ok.json()).toEqual(OK);
    health = () => ({ ...OK, status: 'degraded', gateway: { status: 'resuming', ping: null } });
    const degraded = await fetch(url('/healthz'));
    expect(degraded.status).toBe(503);
    expect(((await degraded.json()) as HealthReport).gateway.status).toBe('resuming');
  });

  it('answers 404 for anything else and never echoes the request', async () => {
    const { url } = await start();
    for (const p of ['/', `/${MARKER}`, `/metrics/${MARKER}`, `/healthz.json?${MARKER}`, '/metricsx', '//metrics']) {
      const response = await fetch(url(p), { headers: { 'x-test': MARKER } });
      expect(response.status, p).toBe(404);
      expect(await response.text()).toBe('not found\n');
      expect(JSON.stringify([...response.headers])).not.toContain(MARKER);
    }
  });

  it('answers other methods with 405 and Allow, without reading the body into the reply', async () => {
    const { url } = await start();
    const response = await fetch(url('/metrics'), { method: 'POST', body: MARKER.repeat(1_000) });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(await response.text()).not.toContain(MARKER);
  });

  it('answers HEAD with headers only', async () => {
    const { url } = await start();
    const response = await fetch(url('/healthz'), { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(10);
    expect(await response.text()).toBe('');
  });

  it('answers 500 without details when the health check throws, and logs it', async () => {
    const lines: string[] = [];
    health = () => {
      throw new Error(`store exploded ${MARKER}`);
    };
    const { url } = await start({ log: createLogger('debug', (l) => lines.push(l)) });
    const response = await fetch(url('/healthz'));
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('internal error\n');
    expect(lines.some((l) => l.includes('ops endpoint failed') && l.includes(MARKER))).toBe(true);
  });

  it('drops a client that never finishes its headers (slowloris)', async () => {
    const { server } = await start({ timeouts: { headersMs: 300 } });
    const socket = connect(server.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const started = performance.now();
    await once(socket, 'close');
    const elapsed = performance.now() - started;
    console.log(`slow client dropped after ${Math.round(elapsed)} ms (headers limit 300 ms): ${received.split('\r\n')[0]}`);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(elapsed).toBeLessThan(20_000);
  });

  it('rejects when the port is taken, and close() is idempotent', async () => {
    const { server } = await start();
    await expect(startOpsServer({ port: server.port, metrics: { render: () => '' }, health: () => OK })).rejects.toThrow(/EADDRINUSE/);
    await server.close();
    await server.close();
    await expect(fetch(`http://127.0.0.1:${server.port}/metrics`)).rejects.toThrow();
  });

  it('listens on 127.0.0.1 by default', async () => {
    const { server } = await start();
    expect(server.address).toBe('127.0.0.1');
  });
});
