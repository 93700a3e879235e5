import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { HealthReport } from '../../../src/ops/health.ts';
import { healthUrl, runHealthcheck } from '../../../src/ops/healthcheck.ts';
import { startOpsServer, type OpsServer } from '../../../src/ops/http.ts';

const SCRIPT = fileURLToPath(new URL('../../../src/ops/healthcheck.ts', import.meta.url));
const OK: HealthReport = { status: 'ok', gateway: { status: 'ready', ping: 1 }, store: { ok: true }, voiceSessions: 0, uptimeS: 1 };
const run = promisify(execFile);

describe('container healthcheck script', () => {
  const servers: OpsServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const serve = async (report: HealthReport) => {
    const server = await startOpsServer({ port: 0, metrics: { render: () => '' }, health: () => report });
    servers.push(server);
    return String(server.port);
  };

  it('asks loopback unless a specific host is configured', () => {
    expect(healthUrl({})).toBeUndefined();
    expect(healthUrl({ METRICS_PORT: ' ' })).toBeUndefined();
    expect(healthUrl({ METRICS_PORT: '9464' })).toBe('http://127.0.0.1:9464/healthz');
    expect(healthUrl({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' })).toBe('http://127.0.0.1:9464/healthz');
    expect(healthUrl({ METRICS_PORT: '9464', METRICS_HOST: '::' })).toBe('http://127.0.0.1:9464/healthz');
    expect(healthUrl({ METRICS_PORT: '9464', METRICS_HOST: '10.1.2.3' })).toBe('http://10.1.2.3:9464/healthz');
    expect(healthUrl({ METRICS_PORT: '9464', METRICS_HOST: '::1' })).toBe('http://[::1]:9464/healthz');
  });

  it('passes without METRICS_PORT, on 200, and fails on 503 or no answer', async () => {
    expect(await runHealthcheck({})).toBe(0);
    expect(await runHealthcheck({ METRICS_PORT: await serve(OK) })).toBe(0);
    expect(await runHealthcheck({ METRICS_PORT: await serve({ ...OK, status: 'degraded' }) })).toBe(1);
    const closed = await startOpsServer({ port: 0, metrics: { render: () => '' }, health: () => OK });
    await closed.close();
    expect(await runHealthcheck({ METRICS_PORT: String(closed.port) })).toBe(1);
  });

  it('runs as `node src/ops/healthcheck.ts` with the exit code Docker reads', async () => {
    const env = { PATH: process.env.PATH ?? '', METRICS_PORT: await serve(OK) };
    await expect(run(process.execPath, [SCRIPT], { env, timeout: 20_000 })).resolves.toBeTruthy();
    const bad = run(process.execPath, [SCRIPT], { env: { ...env, METRICS_PORT: await serve({ ...OK, status: 'degraded' }) }, timeout: 20_000 });
    await expect(bad).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/unhealthy: HTTP 503/) });
  });
});
