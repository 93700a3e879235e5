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
import { AnnouncementQueue } from './announce/queue.ts';
import { runTurn } from './answers/run-turn.ts';
import { createAudioJobs } from './audio/jobs/audio-jobs.ts';
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
import type { TalkServices } from './listen/talk-session.ts';
import { HistoryCompactor } from './listen/transcribe-old-turns.ts';
import { Presence } from './presence/presence.ts';
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

/**
 * Waits, within {@link SHUTDOWN_DRAIN_MS} in all, for turns and announcements to store themselves and
 * then for the transcriptions they started (billed, or their audio kept).
 */
async function drain(ctx: AppContext, log: Logger): Promise<void> {
  const started = performance.now();
  const [turns, announcements] = await Promise.all([ctx.turns.drain(SHUTDOWN_DRAIN_MS), ctx.announcements.drain(SHUTDOWN_DRAIN_MS)]);
  const left = Math.max(0, SHUTDOWN_DRAIN_MS - (performance.now() - started));
  const transcriptions = await ctx.compactor.drain(left);
  if (!turns || !announcements || !transcriptions) log.warn('work still running at shutdown', { turns, announcements, transcriptions });
}

export interface Bot {
  ctx: AppContext;
  /** Leaves every voice channel, closes the gateway, the audio workers and the store. Idempotent. */
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
  const shutdown = new AbortController();
  const metrics = createMetrics({ spentUsd: () => store.spentSinceOpenUsd() });
  const voice = new VoiceSessions(log, (kind) => metrics.error(kind));
  let ops: OpsServer | undefined;
  const audioJobs = createAudioJobs();
  const turns = new ChannelLocks({ maxQueued: config.turnQueueLimit });
  const costs = new CostGuard(config, store);
  const compactor = new HistoryCompactor({ config, store, openai, log, shutdown: shutdown.signal });
  // The conversation engine, built once: /talk hands it spoken turns and never reaches back for it.
  const talkServices: TalkServices = {
    config,
    answer: async (turn) => {
      const result = await runTurn(ctx, { ...turn, kind: 'talk', speak: true });
      void compactor.compact(turn.user.channelId);
      return result;
    },
    bargeInEnabled: async (guildId) => (await store.getSettings(guildId)).bargeIn,
    budgetRefusal: (guildId) => costs.budgetRefusal(guildId),
    post: async (channelId, content) => {
      const channel = client.channels.cache.get(channelId);
      if (channel?.isSendable()) await channel.send({ content, allowedMentions: NO_MENTIONS });
    },
    membersIn: (channelId) => {
      const channel = client.channels.cache.get(channelId);
      return channel?.isVoiceBased() ? channel.members.filter((m) => !m.user.bot).size : 0;
    },
    botName: () => client.user?.displayName ?? 'Parley',
    pendingTurns: (channelId) => turns.pending(channelId),
    speculativeStart: (guildId, wasted) => {
      metrics.speculativeStart(wasted ? 'wasted' : 'used');
      store.recordSpeculativeStart(guildId, wasted).catch((err: unknown) => log.warn('could not record a speculative start', { err: err as Error }));
    },
  };
  const talk = new TalkSessions(talkServices);
  const announcements = new AnnouncementQueue((guild) => talk.suspend(guild));
  const presence = new Presence({ config, log, client, voice, talk, turns });
  const ctx: AppContext = {
    config,
    log,
    client,
    voice,
    talk,
    announcements,
    openai,
    store,
    metrics,
    costs,
    shutdown: shutdown.signal,
    turns,
    compactor,
    audioJobs,
    presence,
  };

  const route = createInteractionRouter(commands, ctx);
  client.on(Events.InteractionCreate, (interaction) => void route(interaction));
  // Presence first: following a member reads whom the conversation listened to before it forgets them.
  client.on(Events.VoiceStateUpdate, (before, after) => ctx.presence.onVoiceStateUpdate(before, after));
  client.on(Events.VoiceStateUpdate, (before, after) => talk.onVoiceStateUpdate(before, after, voice.get(after.guild.id), client.user?.id));
  client.on(Events.Error, (err) => log.error('discord client error', { err }));
  client.on(Events.ShardDisconnect, (event) => log.warn('gateway disconnected', { code: event.code }));
  client.on(Events.ShardResume, () => log.info('gateway resumed'));

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // New interactions are refused from here on (see the router); answers in flight stop and store what was heard.
    shutdown.abort(new Error('shutting down'));
    ctx.presence.stop();
    talk.closeAll();
    voice.destroyAll();
    await drain(ctx, log);
    await client.destroy();
    await ops?.close();
    await audioJobs.close();
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
    ctx.presence.start();
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
