/**
 * `npm start` with `PARLEY_SHARDS` set: discord.js's ShardingManager runs one process per gateway shard
 * (each a whole Parley: its guilds' voice, listeners and turns live there), registers the commands once,
 * serves one `/metrics` and `/healthz` for all of them, and on SIGTERM stops every shard cleanly.
 *
 * Why ShardingManager and not discord-hybrid-sharding: it is maintained with discord.js itself (same
 * version, same IPC), and one process per shard suits Parley, whose cost is CPU per voice conversation
 * (opus, resampling) rather than memory per guild: separate processes put every core to work. Hybrid
 * sharding pays off when hundreds of shards would otherwise each carry a whole process.
 */
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Routes, ShardingManager, type Shard } from 'discord.js';
import type { Config } from '../config.ts';
import { createRest, registerCommands } from '../discord/deploy.ts';
import { loadCommands } from '../discord/loader.ts';
import type { Logger } from '../log.ts';
import { startOpsServer, type OpsServer } from '../ops/http.ts';
import { aggregateMetrics, createMetrics, type MetricsSnapshot } from '../ops/metrics.ts';
import { combineHealth } from './combined-health.ts';
import { fetchShardHealth, fetchShardMetrics } from './shard-link.ts';

const MAIN_PATH = fileURLToPath(new URL('../main.ts', import.meta.url));
/** Discord allows one IDENTIFY per 5 s per rate-limit bucket; discord.js's default spacing. */
const SPAWN_DELAY_MS = 5_500;
/** Per shard: until its client is ready. */
const SPAWN_TIMEOUT_MS = 60_000;
/** A shard gets this long to store its turns and leave voice after SIGTERM, then it is killed. */
const SHARD_STOP_MS = 20_000;

export interface RunningManager {
  manager: ShardingManager;
  /** SIGTERM to every shard, waits for each to exit, closes the ops endpoint. Idempotent. */
  stop(): Promise<void>;
}

/** Resolves `PARLEY_SHARDS` to a count: `auto` asks Discord (`GET /gateway/bot`), through DISCORD_API_BASE. */
export async function resolveShardCount(config: Config): Promise<number> {
  if (typeof config.shards === 'number') return config.shards;
  const { shards } = (await createRest(config).get(Routes.gatewayBot())) as { shards: number };
  return Math.max(1, shards);
}

export async function runShardManager(config: Config, log: Logger): Promise<RunningManager> {
  const totalShards = await resolveShardCount(config);
  const shardList = config.shardList ?? [...Array(totalShards).keys()];
  // Registered once here rather than by every shard.
  log.info(await registerCommands(createRest(config), config, await loadCommands()));

  const manager = new ShardingManager(MAIN_PATH, {
    totalShards,
    shardList,
    mode: 'process',
    respawn: true,
    token: config.discordToken,
    execArgv: ['--disable-warning=ExperimentalWarning'],
  });
  manager.on('shardCreate', (shard) => watchShard(shard, log));
  const ownMetrics = createMetrics();
  let ops: OpsServer | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      manager.respawn = false;
      await Promise.all([...manager.shards.values()].map((shard) => stopShard(shard, log)));
      await ops?.close();
      log.info('every shard stopped');
    })());

  try {
    if (config.metricsPort !== undefined) {
      ops = await startOpsServer({
        port: config.metricsPort,
        host: config.metricsHost,
        log,
        metrics: {
          async render() {
            const shards = await Promise.all([...manager.shards.values()].map(fetchShardMetrics));
            const answered = shards.filter((snapshot): snapshot is MetricsSnapshot => snapshot !== undefined);
            return aggregateMetrics([await ownMetrics.snapshot(), ...answered]);
          },
        },
        health: async () => combineHealth(await Promise.all([...manager.shards.values()].map(fetchShardHealth)), shardList.length),
      });
      log.info('ops endpoint listening', { address: ops.address, port: ops.port, shards: shardList.length });
    }
    log.info('starting shards', { totalShards, shardList });
    await manager.spawn({ amount: totalShards, delay: SPAWN_DELAY_MS, timeout: SPAWN_TIMEOUT_MS });
    log.info('every shard ready', { totalShards, shardList });
  } catch (err) {
    await stop();
    throw err;
  }
  return { manager, stop };
}

function watchShard(shard: Shard, log: Logger): void {
  const shardLog = log.child({ shard: shard.id });
  shard.on('spawn', () => shardLog.info('shard process started'));
  shard.on('ready', () => shardLog.info('shard ready'));
  shard.on('death', () => shardLog.warn('shard process exited'));
  shard.on('error', (err) => shardLog.error('shard error', { err }));
}

/** Lets the shard's own SIGTERM handling store its turns and leave voice; kills it if it lingers. */
async function stopShard(shard: Shard, log: Logger): Promise<void> {
  const child = shard.process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    log.warn('shard did not stop in time; killing it', { shard: shard.id });
    child.kill('SIGKILL');
  }, SHARD_STOP_MS);
  await exited;
  clearTimeout(timer);
}
