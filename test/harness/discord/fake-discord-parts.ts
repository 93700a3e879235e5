import type { Server } from 'node:http';
import { FakeGuild } from './fake-guild.ts';
import { memberChunks, readyPayload } from './gateway-payloads.ts';
import { MainGateway } from './main-gateway.ts';
import { guildShard } from './shards.ts';
import { RestRouter, startHttpServer } from './rest-server.ts';
import { addRestRoutes } from './rest-routes.ts';
import { addInteractionRoutes } from './rest-interaction-routes.ts';
import { AttachmentStore } from './attachments.ts';
import type { CommandRegistry } from './commands.ts';
import type { InteractionRegistry } from './interaction-record.ts';
import { InteractionDispatcher } from './interaction-dispatcher.ts';
import { VoiceGatewayServer } from './voice-gateway.ts';
import { VoiceUdpServer } from './voice-udp.ts';
import { BotVoiceController } from './bot-voice.ts';
import { MemberVoice } from './member-voice.ts';
import { patchOwnVoiceState } from './stage-voice.ts';
import type { PostedMessage } from './types.ts';
import type { DaveOptions } from './dave-call.ts';

/** State FakeDiscord owns and every part shares. */
export interface SharedState {
  botToken: string;
  botUserId: string;
  applicationId: string;
  botUser: Record<string, unknown>;
  guilds: Map<string, FakeGuild>;
  commands: CommandRegistry;
  interactions: InteractionRegistry;
  posted: Map<string, PostedMessage[]>;
  ackDeadlineMs: number;
  /** Shards `GET /gateway/bot` recommends. */
  recommendedShards: number;
  tls: { cert: string; key: string };
  /** DAVE settings, changed in place by FakeDiscord.setDave. */
  dave: DaveOptions;
  signal: AbortSignal;
}

/** The running pieces of a FakeDiscord. */
export interface FakeDiscordParts {
  baseUrl: string;
  router: RestRouter;
  gateway: MainGateway;
  attachments: AttachmentStore;
  bot: BotVoiceController;
  members: MemberVoice;
  interactions: InteractionDispatcher;
  /** Closes every socket and server. */
  close(): Promise<void>;
}

/** Starts the listeners (HTTP+gateway, voice wss, UDP; all 127.0.0.1, random ports) and wires the parts. */
export async function startFakeDiscordParts(shared: SharedState): Promise<FakeDiscordParts> {
  const dispatch = (event: string, data: Record<string, unknown>): void => gateway.dispatch(event, data);
  const guild = (id: string): FakeGuild => {
    const found = shared.guilds.get(id);
    if (!found) throw new Error(`FakeDiscord: no guild ${id}`);
    return found;
  };
  const guildsOfShard = ([id, count]: [number, number]): FakeGuild[] => [...shared.guilds.values()].filter((g) => guildShard(g.id, count) === id);
  const router = new RestRouter(shared.botToken);
  let gateway!: MainGateway;
  let attachments!: AttachmentStore;
  const { server, port } = await startHttpServer({
    router,
    serveFile: (path) => attachments.download(path),
    upgrade: (request, socket, head) => {
      if (request.url?.startsWith('/gateway')) gateway.handleUpgrade(request, socket, head);
      else socket.destroy();
    },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const gatewayUrl = `ws://127.0.0.1:${port}/gateway`;
  attachments = new AttachmentStore(baseUrl);
  let voiceGateway!: VoiceGatewayServer;
  const bot = new BotVoiceController({
    botUserId: shared.botUserId,
    guild,
    dispatch,
    gatewaySessionId: (guildId) => gateway.sessionId(guildId) ?? '',
    voiceEndpoint: () => voiceGateway.endpoint,
    dave: () => shared.dave,
    signal: shared.signal,
  });
  gateway = new MainGateway({
    botToken: shared.botToken,
    readyPayload: (sessionId, resumeUrl, shard) =>
      readyPayload({ botUser: shared.botUser, applicationId: shared.applicationId, guildIds: guildsOfShard(shard).map((g) => g.id), sessionId, resumeUrl, shard }),
    guildCreates: (shard) => guildsOfShard(shard).map((g) => g.toGuildCreate()),
    onVoiceStateUpdate: (d) => {
      if (shared.guilds.has(d.guild_id)) bot.onGatewayVoiceStateUpdate(d);
    },
    onRequestGuildMembers: (d) => memberChunks(shared.guilds, d).forEach((chunk) => dispatch('GUILD_MEMBERS_CHUNK', chunk)),
  }, gatewayUrl);
  const udp = await VoiceUdpServer.start({ onDiscovery: (ssrc, from) => bot.onDiscovery(ssrc, from), onRtp: (ssrc, packet) => bot.onRtp(ssrc, packet) });
  const members = new MemberVoice({ botUserId: shared.botUserId, guild, dispatch, bot, udp: () => udp, signal: shared.signal });
  voiceGateway = await VoiceGatewayServer.start(shared.tls, {
    identify: (d) => bot.identify(d),
    resume: (d) => bot.resume(d),
    daveVersion: () => bot.daveVersion(),
    onDescribed: (session) => {
      members.announceMembers(session);
      bot.startDave(session);
    },
    udpPort: () => udp.port,
  });
  addRestRoutes(router, {
    applicationId: shared.applicationId,
    botUser: shared.botUser,
    gatewayUrl,
    recommendedShards: shared.recommendedShards,
    guilds: shared.guilds,
    commands: shared.commands,
    attachments,
    onPosted: (message) => shared.posted.set(message.channelId, [...(shared.posted.get(message.channelId) ?? []), message]),
    patchOwnVoiceState: (target, body) => patchOwnVoiceState(target, shared.botUserId, body, dispatch),
  });
  addInteractionRoutes(router, {
    applicationId: shared.applicationId,
    botUser: shared.botUser,
    registry: shared.interactions,
    attachments,
    ackDeadlineMs: shared.ackDeadlineMs,
  });
  const interactions = new InteractionDispatcher({
    applicationId: shared.applicationId,
    botUserId: shared.botUserId,
    commands: shared.commands,
    registry: shared.interactions,
    guild,
    botConnected: () => gateway.hasSession,
    dispatch,
    signal: shared.signal,
  });
  return {
    baseUrl,
    router,
    gateway,
    attachments,
    bot,
    members,
    interactions,
    close: async () => {
      bot.closeAll();
      gateway.close();
      await Promise.all([voiceGateway.close(), udp.close(), closeHttp(server)]);
    },
  };
}

async function closeHttp(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
