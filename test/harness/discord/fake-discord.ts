import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nextSnowflake, randomToken } from './ids.ts';
import { FakeGuild } from './fake-guild.ts';
import { userJson } from './guild-json.ts';
import type { GuildSpec } from './guild-types.ts';
import { startFakeDiscordParts } from './fake-discord-parts.ts';
import type { FakeDiscordParts } from './fake-discord-parts.ts';
import type { ServeAttachmentSpec } from './attachments.ts';
import { CommandRegistry } from './commands.ts';
import { DEFAULT_ACK_DEADLINE_MS, InteractionRegistry } from './interaction-record.ts';
import type { InteractionRecord } from './interaction-record.ts';
import type { MessageCommandRequest, SlashCommandRequest } from './interaction-payloads.ts';
import type { BotVoiceController, IgnoredVoiceJoin } from './bot-voice.ts';
import type { SpeakOptions, SpeakResult } from './member-voice.ts';
import type { AudioCapture } from './audio-capture.ts';
import { DEFAULT_WAIT_TIMEOUT_MS, waitUntil } from './wait.ts';
import type { AttachmentSpec, PostedMessage } from './types.ts';
import { DEFAULT_DAVE_OPTIONS, type DaveOptions, type DaveStats } from './dave-call.ts';

const CERT_PATH = fileURLToPath(new URL('./certs/voice-cert.pem', import.meta.url));
const KEY_PATH = fileURLToPath(new URL('./certs/voice-key.pem', import.meta.url));
/** Discord's usual gateway close code for "unknown error": the client resumes. */
const DEFAULT_GATEWAY_DROP_CODE = 4000;
/** Waiting for the bot's login covers a cold discord.js import on a busy CI machine. */
const BOT_READY_TIMEOUT_MS = 20_000;

/** Options of FakeDiscord.start(). */
export interface FakeDiscordOptions {
  /** The bot's username (also its managed role's name). */
  botUsername?: string;
  /** How long the bot may take to acknowledge an interaction; Discord allows 3 s. */
  interactionAckDeadlineMs?: number;
  /** DAVE end-to-end encryption: on by default (Discord requires it); `{ enabled: false }` negotiates version 0. */
  dave?: Partial<DaveOptions>;
  /**
   * Shards `GET /gateway/bot` recommends (default 1). Discord recommends one per 1,000 guilds; the fake's
   * few guilds would always get 1, so tests that shard set it.
   */
  recommendedShards?: number;
}

/**
 * A loopback Discord for end-to-end tests: REST + main gateway on one HTTP port, the voice gateway
 * (wss, test certificate) on another, one UDP socket for media, all on 127.0.0.1. The real discord.js
 * and @discordjs/voice run against it unmodified.
 */
export class FakeDiscord {
  readonly botToken: string;
  readonly applicationId: string;
  readonly botUserId: string;
  /** The voice wss certificate (self-signed, SAN IP:127.0.0.1): trust it before the bot joins voice. */
  readonly caCertPem = readFileSync(CERT_PATH, 'utf8');
  readonly caCertPath = CERT_PATH;
  readonly guilds = new Map<string, FakeGuild>();
  readonly #abort = new AbortController();
  readonly #commands: CommandRegistry;
  readonly #posted = new Map<string, PostedMessage[]>();
  readonly #botUser: Record<string, unknown>;
  #parts!: FakeDiscordParts;
  readonly #dave: DaveOptions = { ...DEFAULT_DAVE_OPTIONS };
  #stopped = false;

  private constructor(opts: FakeDiscordOptions) {
    this.botUserId = nextSnowflake();
    // Discord bots' application id is their user id.
    this.applicationId = this.botUserId;
    this.botToken = `${Buffer.from(this.botUserId).toString('base64url')}.${randomToken(4)}.${randomToken(27)}`;
    this.#botUser = { ...userJson({ id: this.botUserId, username: opts.botUsername ?? 'Parley', bot: true }), verified: true, mfa_enabled: false };
    this.#commands = new CommandRegistry(this.applicationId);
  }

  /** Starts every listener on 127.0.0.1 with random ports. */
  static async start(opts: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(opts);
    Object.assign(fake.#dave, opts.dave);
    fake.#parts = await startFakeDiscordParts({
      botToken: fake.botToken,
      botUserId: fake.botUserId,
      applicationId: fake.applicationId,
      botUser: fake.#botUser,
      guilds: fake.guilds,
      commands: fake.#commands,
      interactions: new InteractionRegistry(),
      posted: fake.#posted,
      ackDeadlineMs: opts.interactionAckDeadlineMs ?? DEFAULT_ACK_DEADLINE_MS,
      recommendedShards: opts.recommendedShards ?? 1,
      tls: { cert: fake.caCertPem, key: readFileSync(KEY_PATH, 'utf8') },
      dave: fake.#dave,
      signal: fake.#abort.signal,
    });
    return fake;
  }

  /** `http://127.0.0.1:PORT/api`: pass as `new Client({ rest: { api: apiBase } })`. */
  get apiBase(): string {
    return `${this.#parts.baseUrl}/api`;
  }

  /** REST routes the bot called that the fake does not know (a test should expect this to stay empty). */
  get unknownRoutes(): { method: string; path: string }[] {
    return this.#parts.router.unknownRoutes;
  }

  /** Main gateway counters: IDENTIFYs, RESUMEs and websocket connections. */
  get gatewayStats(): { identifies: number; resumes: number; connections: number } {
    return { ...this.#parts.gateway.stats };
  }

  /** Voice gateway counters: IDENTIFYs (new sessions) and RESUMEs. */
  get voiceGatewayStats(): { identifies: number; resumes: number } {
    return { ...this.#parts.bot.stats };
  }

  /** Voice joins (gateway op 4) the fake ignored, with why (no Connect, full channel...). */
  get ignoredVoiceJoins(): IgnoredVoiceJoin[] {
    return this.#parts.bot.ignoredJoins;
  }

  /** Adds a guild; once the bot is connected this dispatches GUILD_CREATE (the bot joined a server). */
  addGuild(spec: GuildSpec = {}): FakeGuild {
    const gateway = this.#parts.gateway;
    const guild = new FakeGuild(spec, { id: this.botUserId, username: String(this.#botUser.username) }, (event, data) => gateway.dispatch(event, data));
    if (this.guilds.has(guild.id)) throw new Error(`FakeDiscord: guild ${guild.id} exists already`);
    this.guilds.set(guild.id, guild);
    if (gateway.hasSession) gateway.dispatch('GUILD_CREATE', guild.toGuildCreate());
    return guild;
  }

  /** A guild by id (throws when unknown). */
  guild(guildId: string): FakeGuild {
    const guild = this.guilds.get(guildId);
    if (!guild) throw new Error(`FakeDiscord: no guild ${guildId}`);
    return guild;
  }

  /** Resolves once the bot identified and its READY + GUILD_CREATEs were written to its socket. */
  async waitForBotReady(timeoutMs = BOT_READY_TIMEOUT_MS): Promise<void> {
    await waitUntil(() => this.#parts.gateway.botReady, timeoutMs, 'the bot to identify on the gateway', this.#abort.signal);
  }

  /** The commands of the last registration (bulk PUT or single POSTs), global or for a guild. */
  registeredCommands(guildId?: string): any[] {
    return this.#commands.list(guildId);
  }

  /** A member joins (channel id), moves or leaves (null) voice. */
  setVoiceState(guildId: string, userId: string, channelId: string | null): void {
    this.#parts.members.setVoiceState(guildId, userId, channelId);
  }

  /** A member runs a slash command; options are typed from the registered command when there is one. */
  sendSlashCommand(opts: SlashCommandRequest): InteractionRecord {
    return this.#parts.interactions.sendSlashCommand(opts);
  }

  /** A member runs a message context-menu command on a message (data.type 3, target_id, resolved.messages). */
  sendMessageCommand(opts: MessageCommandRequest): InteractionRecord {
    return this.#parts.interactions.sendMessageCommand(opts);
  }

  /** Serves a file over HTTP on the fake and returns the attachment object for interaction options/messages. */
  serveAttachment(spec: ServeAttachmentSpec): AttachmentSpec {
    return this.#parts.attachments.serve(spec);
  }

  /** Messages the bot posted in a channel, oldest first. */
  channelMessages(channelId: string): PostedMessage[] {
    return [...(this.#posted.get(channelId) ?? [])];
  }

  /** The first message in the channel (already posted or yet to come) that matches `predicate`. */
  waitForChannelMessage(channelId: string, predicate: (m: PostedMessage) => boolean = () => true, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<PostedMessage> {
    return waitUntil(() => this.#posted.get(channelId)?.find(predicate), timeoutMs, `a matching message in channel ${channelId}`, this.#abort.signal);
  }

  /** Where the bot is in voice; `connected` = media ready (SESSION_DESCRIPTION sent, socket open). */
  botVoice(guildId: string): ReturnType<BotVoiceController['botVoice']> {
    return this.#parts.bot.botVoice(guildId);
  }

  /** Waits until the bot is in `channelId` with media ready, or (null) left voice. */
  waitForBotVoice(guildId: string, channelId: string | null, timeoutMs?: number): Promise<void> {
    return this.#parts.bot.waitForBotVoice(guildId, channelId, timeoutMs);
  }

  /** A member speaks 48 kHz stereo s16 PCM into the bot's channel at real-time pace; resolves after the last packet. */
  speak(guildId: string, userId: string, pcm48kStereo: Int16Array, opts?: SpeakOptions): Promise<SpeakResult> {
    return this.#parts.members.speak(guildId, userId, pcm48kStereo, opts);
  }

  /** The bot's outgoing audio in a guild since its current voice session started (or capture.reset()). */
  capture(guildId: string): AudioCapture {
    return this.#parts.bot.capture(guildId);
  }

  /** Closes the bot's voice websocket with `code` (4014: the bot's leave is dispatched first). */
  closeVoice(guildId: string, code: number): Promise<void> {
    return this.#parts.bot.closeVoice(guildId, code);
  }

  /** Server-side move (or disconnect with null) of the bot; resolves once the old socket closed and the new server was sent. */
  moveBot(guildId: string, channelId: string | null): Promise<void> {
    return this.#parts.bot.moveBot(guildId, channelId);
  }

  /** Changes DAVE settings for voice sessions described from now on (timings apply at once). */
  setDave(opts: Partial<DaveOptions>): void {
    Object.assign(this.#dave, opts);
  }

  /** The DAVE state of the bot's voice session in a guild: epoch, counters, and the privacy code members see. */
  dave(guildId: string): { epoch: bigint; stats: DaveStats; privacyCode: string | undefined } | undefined {
    const call = this.#parts.bot.sessions.get(guildId)?.dave;
    if (!call) return undefined;
    return { epoch: call.epoch, stats: call.stats, privacyCode: call.listener()?.voicePrivacyCode || undefined };
  }

  /** Drops this share (0..1) of RTP packets in both directions, deterministically. */
  setUdpLoss(guildId: string, ratio: number): void {
    this.#parts.bot.loss(guildId).ratio = Math.min(1, Math.max(0, ratio));
  }

  /** Closes the bot's main gateway socket (4000 default: the client resumes; 1000: it re-identifies; 1006: TCP drop). */
  dropGateway(code = DEFAULT_GATEWAY_DROP_CODE, shardId = 0): void {
    this.#parts.gateway.dropConnection(code, shardId);
  }

  /** The shards the bot identified as, `[shard_id, num_shards]`, by shard id. */
  get gatewayShards(): [number, number][] {
    return this.#parts.gateway.shards;
  }

  /** Closes every socket, server and timer; pending waits reject. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#abort.abort();
    await this.#parts.close();
  }
}
