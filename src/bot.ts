/**
 * A running Parley: Discord client, OpenAI client, voice sessions and the interaction router.
 * `startBot` is what `npm start` runs and what the end-to-end tests start in-process.
 */
import { once } from 'node:events';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import OpenAI from 'openai';
import type { AppContext } from './app-context.ts';
import { registerModelSettings } from './ai/dead-models.ts';
import { configuredModels, warnAboutShutdowns } from './ai/model-lifecycle.ts';
import type { Config } from './config.ts';
import { createRest, registerCommands } from './discord/deploy.ts';
import { NO_MENTIONS } from './discord/errors.ts';
import { loadCommands } from './discord/loader.ts';
import { createInteractionRouter } from './discord/router.ts';
import { ChannelLocks } from './conversation/serialize.ts';
import { CostGuard } from './cost/guard.ts';
import { openStore } from './conversation/open-store.ts';
import { createLogger, registerSecret, type Logger } from './log.ts';
import { TalkSessions } from './listen/talk-sessions.ts';
import { healthReport } from './ops/health.ts';
import { createMetrics } from './ops/metrics.ts';
import { startOpsServer, type OpsServer } from './ops/http.ts';
import { exposeToManager } from './sharding/shard-link.ts';
import { VoiceSessions } from './voice/sessions.ts';

const READY_TIMEOUT_MS = 30_000;
/** How long shutdown waits for in-flight turns to store themselves. */
const SHUTDOWN_DRAIN_MS = 5_000;
/** Per attempt, until the response headers arrive (a streamed body is bounded by the stall limit). */
const OPENAI_TIMEOUT_MS = 60_000;

export interface Bot {
  ctx: AppContext;
  /** Leaves every voice channel, closes the gateway and the store. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** Register the commands with Discord on start-up (default true; a shard leaves it to its manager). */
  registerCommands?: boolean;
  /** Serve METRICS_PORT (default true; a shard's manager serves it for every shard). */
  serveOps?: boolean;
}

export async function startBot(config: Config, options: StartOptions = {}): Promise<Bot> {
  registerSecret(config.discordToken);
  registerSecret(config.openaiApiKey);
  const log = options.log ?? createLogger(config.logLevel);
  const commands = await loadCommands();

  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates],
    rest: config.discordApiBase ? { api: config.discordApiBase } : {},
    allowedMentions: NO_MENTIONS,
  });
  // The SDK's own console logging is off: failures reach Parley's logger through the error path.
  const openai = new OpenAI({ apiKey: config.openaiApiKey, baseURL: config.openaiBaseUrl, maxRetries: 2, timeout: OPENAI_TIMEOUT_MS, logLevel: 'off' });
  registerModelSettings(configuredModels(config));
  warnAboutShutdowns(config, log);
  const store = await openStore(config);
  const talk = new TalkSessions();
  const shutdown = new AbortController();
  const metrics = createMetrics();
  const voice = new VoiceSessions(log, () => metrics.error('voice_disconnect'));
  let ops: OpsServer | undefined;
  const ctx: AppContext = { config, log, client, voice, talk, openai, store, metrics, costs: new CostGuard(config, store), shutdown: shutdown.signal, turns: new ChannelLocks({ maxQueued: config.turnQueueLimit }) };

  const route = createInteractionRouter(commands, ctx);
  client.on(Events.InteractionCreate, (interaction) => void route(interaction));
  client.on(Events.VoiceStateUpdate, (before, after) => talk.onVoiceStateUpdate(ctx, before, after));
  client.on(Events.Error, (err) => log.error('discord client error', { err }));
  client.on(Events.ShardDisconnect, (event) => log.warn('gateway disconnected', { code: event.code }));
  client.on(Events.ShardResume, () => log.info('gateway resumed'));

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // New interactions are refused from here on (see the router); answers in flight stop and store what was heard.
    shutdown.abort(new Error('shutting down'));
    talk.closeAll();
    voice.destroyAll();
    if (!(await ctx.turns.drain(SHUTDOWN_DRAIN_MS))) log.warn('turns still running at shutdown');
    await client.destroy();
    await ops?.close();
    await store.close();
    log.info('stopped');
  };

  try {
    // Before login, so /healthz reports the gateway as not ready until it is.
    if (client.shard) exposeToManager(client, { health: () => healthReport(ctx), metrics: () => metrics.snapshot() });
    if (config.metricsPort !== undefined && options.serveOps !== false) {
      ops = await startOpsServer({ port: config.metricsPort, host: config.metricsHost, metrics, health: () => healthReport(ctx), log });
      log.info('ops endpoint listening', { address: ops.address, port: ops.port });
    }
    const ready = once(client, Events.ClientReady, { signal: AbortSignal.timeout(READY_TIMEOUT_MS) });
    await client.login(config.discordToken);
    await ready;
    log.info('logged in', { user: client.user?.tag, guilds: client.guilds.cache.size });
    if (options.registerCommands !== false) {
      log.info(await registerCommands(createRest(config), config, commands));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { ctx, stop };
}
