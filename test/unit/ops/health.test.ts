import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Status } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../src/conversation/store.ts';
import { registerSecret } from '../../../src/log.ts';
import { GATEWAY_STATUS_NAMES, healthReport, type HealthSources } from '../../../src/ops/health.ts';

const READY = 0;
const RESUMING = 8;
const DISCONNECTED = 5;
const IDLE = 3;

/** A stand-in with the shape healthReport reads (the real client is exercised end to end in test/e2e/ops.test.ts). */
function sources(shards: { status: number; ping: number }[], overrides: Partial<{ status: number; ping: number; store: HealthSources['store'] }> = {}): HealthSources {
  const ping = shards.length === 0 ? Number.NaN : shards.reduce((sum, s) => sum + s.ping, 0) / shards.length;
  return {
    client: { ws: { status: overrides.status ?? READY, ping: overrides.ping ?? ping, shards: new Map(shards.map((s, i) => [i, s])) } },
    store: overrides.store ?? { getSettings: async () => ({ bargeIn: true }) },
    voice: { size: 2 },
  };
}

describe('healthReport', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('names gateway states exactly as discord.js numbers them', async () => {
    const snake = (name: string) => name.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
    GATEWAY_STATUS_NAMES.forEach((name, value) => {
      expect(snake((Status as unknown as Record<number, string>)[value]!)).toBe(name);
    });
    expect(Status.Ready).toBe(READY);
    expect(Status.Resuming).toBe(RESUMING);
    expect(Status.Disconnected).toBe(DISCONNECTED);
  });

  it('is ok when every shard is ready and the store answers', async () => {
    const report = await healthReport(sources([{ status: READY, ping: 41.6 }]));
    expect(report).toEqual({ status: 'ok', gateway: { status: 'ready', ping: 42 }, store: { ok: true }, voiceSessions: 2, uptimeS: expect.any(Number) });
    expect(report.uptimeS).toBeGreaterThanOrEqual(0);
  });

  it('is degraded while a shard resumes, even though the manager says ready', async () => {
    const report = await healthReport(sources([{ status: READY, ping: 30 }, { status: RESUMING, ping: -1 }]));
    expect(report.status).toBe('degraded');
    expect(report.gateway.status).toBe('resuming');
  });

  it('is degraded before the first login and after a fatal disconnect', async () => {
    expect((await healthReport(sources([], { status: IDLE }))).gateway).toEqual({ status: 'idle', ping: null });
    expect((await healthReport(sources([{ status: DISCONNECTED, ping: -1 }]))).status).toBe('degraded');
    expect((await healthReport(sources([{ status: 99, ping: 10 }]))).gateway.status).toBe('unknown');
  });

  it('reports no ping until a heartbeat was acknowledged', async () => {
    expect((await healthReport(sources([{ status: READY, ping: -1 }]))).gateway.ping).toBeNull();
  });

  it('is degraded when the store fails, with a short redacted reason', async () => {
    const secret = 'sk-health-secret-value-123456';
    registerSecret(secret);
    const store = {
      getSettings: async () => {
        throw new Error(`disk I/O error near ${secret} ${'x'.repeat(1_000)}`);
      },
    };
    const report = await healthReport(sources([{ status: READY, ping: 5 }], { store }));
    expect(report.status).toBe('degraded');
    expect(report.store.ok).toBe(false);
    expect(report.store.error).toMatch(/^disk I\/O error near \[redacted\]/);
    expect(report.store.error!.length).toBeLessThanOrEqual(200);
    expect(JSON.stringify(report)).not.toContain(secret);
  });

  it('reads a real store, and notices when it is closed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-health-'));
    dirs.push(dir);
    const store = SqliteStore.open(dir);
    expect((await healthReport(sources([{ status: READY, ping: 5 }], { store }))).store).toEqual({ ok: true });
    await store.close();
    const report = await healthReport(sources([{ status: READY, ping: 5 }], { store }));
    expect(report.store.ok).toBe(false);
    expect(report.store.error).toBeTruthy();
    expect(report.status).toBe('degraded');
  });
});
