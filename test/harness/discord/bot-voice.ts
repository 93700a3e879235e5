import { BotAudioCapture } from './audio-capture.ts';
import { decryptRtp } from './rtp.ts';
import { BotVoiceSession, LossModel } from './voice-session.ts';
import type { UdpEndpoint } from './voice-session.ts';
import { DEFAULT_WAIT_TIMEOUT_MS, waitUntil } from './wait.ts';
import { Permission, hasPermissions } from './permissions.ts';
import type { FakeGuild } from './fake-guild.ts';
import { DaveCall, type DaveOptions } from './dave-call.ts';

/** The voice close code Discord uses when the bot was kicked/moved ("disconnected"), no resume. */
export const CLOSE_DISCONNECTED = 4014;
/** Close codes after which @discordjs/voice resumes the same session (op 7). */
const isResumableClose = (code: number): boolean => code === 4015 || code < 4000;

/** What the bot's voice side needs from the rest of the fake. */
export interface BotVoiceDeps {
  botUserId: string;
  guild(guildId: string): FakeGuild;
  dispatch(event: string, data: Record<string, unknown>): void;
  /** The gateway session of the shard that owns the guild. */
  gatewaySessionId(guildId: string): string;
  voiceEndpoint(): string;
  /** The fake's DAVE settings now (mutable between tests). */
  dave(): DaveOptions;
  signal: AbortSignal;
}

/** A gateway op 4 the fake did not answer (Discord silently ignores joins the bot may not make). */
export interface IgnoredVoiceJoin {
  guildId: string;
  channelId: string;
  reason: string;
}

/** The bot's view of voice: op 4 joins/moves/leaves, voice sessions, incoming bot RTP and server-side kicks. */
export class BotVoiceController {
  readonly sessions = new Map<string, BotVoiceSession>();
  readonly ignoredJoins: IgnoredVoiceJoin[] = [];
  /** Voice IDENTIFYs (fresh sessions) and RESUMEs the fake accepted. */
  readonly stats = { identifies: 0, resumes: 0 };
  readonly #captures = new Map<string, BotAudioCapture>();
  readonly #losses = new Map<string, LossModel>();
  readonly #deps: BotVoiceDeps;

  constructor(deps: BotVoiceDeps) {
    this.#deps = deps;
  }

  /** Gateway op 4 from the bot: VOICE_STATE_UPDATE first, then (for a new session) VOICE_SERVER_UPDATE. */
  onGatewayVoiceStateUpdate(d: { guild_id: string; channel_id: string | null; self_mute?: boolean; self_deaf?: boolean }): void {
    const guild = this.#deps.guild(d.guild_id);
    const botId = this.#deps.botUserId;
    const current = guild.voiceStates.get(botId);
    const session = this.sessions.get(guild.id);
    if (d.channel_id === null) {
      if (current) {
        guild.voiceStates.delete(botId);
        this.#deps.dispatch('VOICE_STATE_UPDATE', guild.voiceStateUpdate(botId));
      }
      if (session) void this.#endSession(session, 1000);
      return;
    }
    const refusal = this.#joinRefusal(guild, d.channel_id);
    if (refusal) {
      this.ignoredJoins.push({ guildId: guild.id, channelId: d.channel_id, reason: refusal });
      return;
    }
    const stillConnected = current?.channelId === d.channel_id && session?.channelId === d.channel_id && session.mediaReady;
    guild.voiceStates.set(botId, {
      userId: botId,
      channelId: d.channel_id,
      sessionId: this.#deps.gatewaySessionId(guild.id),
      selfMute: d.self_mute ?? false,
      selfDeaf: d.self_deaf ?? false,
      suppress: stillConnected ? current.suppress : guild.channel(d.channel_id).kind === 'stage',
      requestToSpeakTimestamp: stillConnected ? current.requestToSpeakTimestamp : null,
    });
    this.#deps.dispatch('VOICE_STATE_UPDATE', guild.voiceStateUpdate(botId));
    // Same channel with live media = a mute/deafen change: Discord sends no new server.
    if (stillConnected) return;
    // A superseded session's socket is left for the client to close when it switches to the new one.
    if (session) session.ended = true;
    this.#openSession(guild, d.channel_id);
  }

  /** The pending session an IDENTIFY is for (server, user, session id and token must match). */
  identify(d: { server_id?: string; user_id?: string; session_id?: string; token?: string }): BotVoiceSession | undefined {
    const session = d.server_id === undefined ? undefined : this.sessions.get(d.server_id);
    if (!session || session.ended || d.user_id !== this.#deps.botUserId) return undefined;
    if (session.token !== d.token || session.sessionId !== d.session_id) return undefined;
    if (!session.identified) this.capture(session.guildId).startSession();
    this.stats.identifies += 1;
    return session;
  }

  /** The live session a RESUME is for. */
  resume(d: { server_id?: string; session_id?: string; token?: string }): BotVoiceSession | undefined {
    const session = d.server_id === undefined ? undefined : this.sessions.get(d.server_id);
    if (!session || session.ended || !session.identified) return undefined;
    if (session.token !== d.token || session.sessionId !== d.session_id) return undefined;
    this.stats.resumes += 1;
    return session;
  }

  /** The session whose ssrc the bot uses. */
  sessionBySsrc(ssrc: number): BotVoiceSession | undefined {
    for (const session of this.sessions.values()) if (session.ssrc === ssrc && !session.ended) return session;
    return undefined;
  }

  /** IP discovery: remember where the bot's UDP socket is. */
  onDiscovery(ssrc: number, from: UdpEndpoint): boolean {
    const session = this.sessionBySsrc(ssrc);
    if (!session) return false;
    session.udpEndpoint = from;
    return true;
  }

  /** RTP from the bot: loss, decryption, then capture (if Discord would forward it: Speak, not suppressed). */
  onRtp(ssrc: number, packet: Buffer): void {
    const session = this.sessionBySsrc(ssrc);
    if (!session?.described || this.loss(session.guildId).drop()) return;
    const frame = decryptRtp(packet, session.secretKey);
    if (!frame) {
      session.decryptFailures += 1;
      return;
    }
    const guild = this.#deps.guild(session.guildId);
    const state = guild.voiceStates.get(this.#deps.botUserId);
    const canSpeak = hasPermissions(guild.permissionsOf(this.#deps.botUserId, session.channelId), Permission.Speak) && !state?.suppress;
    const capture = this.capture(session.guildId);
    if (!canSpeak) return capture.recordDropped();
    // A member's client decrypts the DAVE layer after the transport layer (protocol.md, "Encoded Frame Transforms").
    const heard = session.dave ? session.dave.hear(frame.payload) : { opus: frame.payload };
    if ('lost' in heard) capture.recordLost(frame.sequence, heard.lost);
    else capture.record(frame.sequence, frame.timestamp, heard.opus);
  }

  /** The DAVE version SESSION_DESCRIPTION selects. */
  daveVersion(): number {
    return this.#deps.dave().enabled ? 1 : 0;
  }

  /** SESSION_DESCRIPTION went out: a DAVE session starts its group (a new one on every description). */
  startDave(session: BotVoiceSession): void {
    if (!this.#deps.dave().enabled) {
      session.dave = null;
      return;
    }
    const guild = this.#deps.guild(session.guildId);
    session.dave = new DaveCall({
      botUserId: this.#deps.botUserId,
      channelId: session.channelId,
      sendJson: (op, d) => session.send(op, d),
      sendBinary: (op, payload) => session.sendBinary(op, payload),
      membersInChannel: () => guild.usersInVoiceChannel(session.channelId).filter((id) => id !== this.#deps.botUserId),
      options: () => this.#deps.dave(),
      signal: this.#deps.signal,
    });
  }

  /** The capture of a guild's bot audio (created on first use). */
  capture(guildId: string): BotAudioCapture {
    let capture = this.#captures.get(guildId);
    if (!capture) {
      capture = new BotAudioCapture(this.#deps.signal);
      this.#captures.set(guildId, capture);
    }
    return capture;
  }

  /** The guild's (deterministic) UDP loss model, applied to RTP both ways. */
  loss(guildId: string): LossModel {
    let loss = this.#losses.get(guildId);
    if (!loss) {
      loss = new LossModel(Number(BigInt(guildId) & 0xffff_ffffn));
      this.#losses.set(guildId, loss);
    }
    return loss;
  }

  /** Where the bot is in voice and whether media is flowing. */
  botVoice(guildId: string): { channelId: string | null; connected: boolean; speaking: boolean; suppress: boolean; selfMute: boolean; selfDeaf: boolean } {
    const state = this.#deps.guild(guildId).voiceStates.get(this.#deps.botUserId);
    const session = this.sessions.get(guildId);
    const live = session !== undefined && session.channelId === state?.channelId && session.mediaReady;
    return {
      channelId: state?.channelId ?? null,
      connected: live,
      speaking: live && session.speaking,
      suppress: state?.suppress ?? false,
      selfMute: state?.selfMute ?? false,
      selfDeaf: state?.selfDeaf ?? false,
    };
  }

  /** Waits until the bot is in `channelId` with media ready, or (null) out of voice with its socket gone. */
  async waitForBotVoice(guildId: string, channelId: string | null, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<void> {
    await waitUntil(() => {
      const voice = this.botVoice(guildId);
      if (channelId !== null) return voice.channelId === channelId && voice.connected;
      const socket = this.sessions.get(guildId)?.socket;
      return voice.channelId === null && (!socket || socket.readyState === socket.CLOSED);
    }, timeoutMs, () => `bot voice in ${channelId ?? 'no channel'} (now ${JSON.stringify(this.botVoice(guildId))})`, this.#deps.signal);
  }

  /** Closes the bot's voice socket with `code`; 4014 first dispatches the bot's leave, like a kick. */
  async closeVoice(guildId: string, code: number): Promise<void> {
    const session = this.sessions.get(guildId);
    if (!session?.socket) throw new Error(`FakeDiscord: the bot has no voice websocket in guild ${guildId}`);
    if (code === CLOSE_DISCONNECTED) {
      const guild = this.#deps.guild(guildId);
      guild.voiceStates.delete(this.#deps.botUserId);
      this.#deps.dispatch('VOICE_STATE_UPDATE', guild.voiceStateUpdate(this.#deps.botUserId));
      await this.#endSession(session, code);
      return;
    }
    if (!isResumableClose(code)) session.ended = true;
    await session.closeSocket(code, 'FakeDiscord closeVoice');
  }

  /** Server-side move (or disconnect with null): bot VOICE_STATE_UPDATE, close 4014, then the new server. */
  async moveBot(guildId: string, channelId: string | null): Promise<void> {
    const guild = this.#deps.guild(guildId);
    const botId = this.#deps.botUserId;
    const previous = guild.voiceStates.get(botId);
    if (channelId === null) guild.voiceStates.delete(botId);
    else {
      const kind = guild.channel(channelId).kind;
      if (kind !== 'voice' && kind !== 'stage') throw new Error(`FakeDiscord: ${channelId} is not a voice channel`);
      guild.voiceStates.set(botId, {
        userId: botId,
        channelId: guild.channel(channelId).id,
        sessionId: previous?.sessionId ?? this.#deps.gatewaySessionId(guild.id),
        selfMute: previous?.selfMute ?? false,
        selfDeaf: previous?.selfDeaf ?? false,
        suppress: kind === 'stage',
        requestToSpeakTimestamp: null,
      });
    }
    this.#deps.dispatch('VOICE_STATE_UPDATE', guild.voiceStateUpdate(botId));
    const session = this.sessions.get(guildId);
    if (session) await this.#endSession(session, CLOSE_DISCONNECTED);
    if (channelId !== null) this.#openSession(guild, guild.channel(channelId).id);
  }

  /** Ends every session and closes its socket (fake shutdown). */
  closeAll(): void {
    for (const session of this.sessions.values()) {
      session.ended = true;
      session.socket?.terminate();
    }
    this.sessions.clear();
  }

  #openSession(guild: FakeGuild, channelId: string): void {
    const session = new BotVoiceSession(guild.id, channelId, this.#deps.gatewaySessionId(guild.id));
    this.sessions.set(guild.id, session);
    this.#deps.dispatch('VOICE_SERVER_UPDATE', { token: session.token, guild_id: guild.id, endpoint: this.#deps.voiceEndpoint() });
  }

  async #endSession(session: BotVoiceSession, code: number): Promise<void> {
    session.ended = true;
    if (this.sessions.get(session.guildId) === session) this.sessions.delete(session.guildId);
    await session.closeSocket(code);
  }

  #joinRefusal(guild: FakeGuild, channelId: string): string | undefined {
    const channel = guild.channels.get(channelId);
    if (!channel) return 'unknown channel';
    if (channel.kind !== 'voice' && channel.kind !== 'stage') return 'not a voice channel';
    const permissions = guild.permissionsOf(this.#deps.botUserId, channel.id);
    if (!hasPermissions(permissions, Permission.ViewChannel | Permission.Connect)) return 'missing ViewChannel/Connect';
    const others = guild.usersInVoiceChannel(channel.id).filter((id) => id !== this.#deps.botUserId);
    if (channel.userLimit > 0 && others.length >= channel.userLimit && !hasPermissions(permissions, Permission.MoveMembers)) return 'channel full';
    return undefined;
  }
}
