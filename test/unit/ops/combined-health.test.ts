import { describe, expect, it } from 'vitest';
import type { HealthReport } from '../../../src/ops/health.ts';
import { combineHealth } from '../../../src/sharding/combined-health.ts';

const shard = (id: number, overrides: Partial<HealthReport> = {}) => ({
  id,
  status: 'ok' as const,
  gateway: { status: 'ready' as const, ping: 40 + id },
  store: { ok: true },
  voiceSessions: 1,
  uptimeS: 10,
  ...overrides,
});

describe('combineHealth (the sharding manager\'s /healthz)', () => {
  it('is ok when every shard answered ok: sessions summed, the slowest ping', () => {
    const report = combineHealth([shard(1), shard(0)], 2);
    expect(report).toMatchObject({ status: 'ok', gateway: { status: 'ready', ping: 41 }, store: { ok: true }, voiceSessions: 2 });
    expect(report.shards.map((s) => s.id)).toEqual([0, 1]);
  });

  it('is degraded when a shard process does not answer, or one shard reconnects, or its store fails', () => {
    const down = combineHealth([shard(0), { id: 1, status: 'down', error: 'no answer within 5000 ms' }], 2);
    expect(down).toMatchObject({ status: 'degraded', gateway: { status: 'disconnected' }, voiceSessions: 1 });
    const missing = combineHealth([shard(0)], 2);
    expect(missing.status).toBe('degraded');
    const resuming = combineHealth([shard(0), shard(1, { status: 'degraded', gateway: { status: 'resuming', ping: null } })], 2);
    expect(resuming).toMatchObject({ status: 'degraded', gateway: { status: 'resuming', ping: 40 } });
    const store = combineHealth([shard(0, { status: 'degraded', store: { ok: false, error: 'connection refused' } }), shard(1)], 2);
    expect(store).toMatchObject({ status: 'degraded', store: { ok: false, error: 'connection refused' } });
  });
});
