/**
 * The manager's `/healthz`: one report for every shard process, in the single-process shape plus a
 * `shards` list, `ok` only when every shard this machine runs answered and is ok.
 */
import type { GatewayStatusName, HealthReport } from '../ops/health.ts';
import type { ShardHealth } from './shard-link.ts';

/** The single-process report's fields, summed or worst-of over the shards, plus each shard's own. */
export interface CombinedHealthReport extends HealthReport {
  shards: ShardHealth[];
}

/** Combines the shards' reports; `expectedShards` is how many this manager runs. */
export function combineHealth(shards: ShardHealth[], expectedShards: number): CombinedHealthReport {
  const answered = shards.filter((shard): shard is { id: number } & HealthReport => shard.status !== 'down');
  const notReady = answered.find((shard) => shard.gateway.status !== 'ready');
  // A shard process that did not answer has no gateway connection anyone can use.
  const gatewayStatus: GatewayStatusName = answered.length < expectedShards ? 'disconnected' : (notReady?.gateway.status ?? 'ready');
  const pings = answered.map((shard) => shard.gateway.ping).filter((ping): ping is number => ping !== null);
  const storeProblem = answered.find((shard) => !shard.store.ok)?.store;
  const ok = answered.length === expectedShards && answered.every((shard) => shard.status === 'ok');
  return {
    status: ok ? 'ok' : 'degraded',
    // The slowest shard's heartbeat: the one a member would notice.
    gateway: { status: gatewayStatus, ping: pings.length > 0 ? Math.max(...pings) : null },
    store: storeProblem ?? { ok: answered.length > 0 },
    voiceSessions: answered.reduce((sum, shard) => sum + shard.voiceSessions, 0),
    uptimeS: Math.round(process.uptime()),
    shards: [...shards].sort((a, b) => a.id - b.id),
  };
}
