/**
 * The registry of voice sessions, one per guild. Joins in a guild run one after another, so commands
 * arriving together cannot open two connections or share one between two sessions.
 */
import { VoiceConnectionStatus } from '@discordjs/voice';
import type { VoiceBasedChannel } from 'discord.js';
import type { Logger } from '../log.ts';
import { connectToChannel, superviseConnection, VOICE_READY_TIMEOUT_MS } from './connection.ts';
import { VoiceSession } from './session.ts';
import { UserError } from '../errors.ts';

/** Voice events counted in the metrics. */
export type VoiceEventKind = 'voice_disconnect' | 'dave_recovery';

export interface JoinResult {
  session: VoiceSession;
  /** The bot was already connected to that channel. */
  alreadyThere: boolean;
}

export class VoiceSessions {
  private readonly sessions = new Map<string, VoiceSession>();
  /** The last join queued per guild; the next one starts when it has settled. */
  private readonly joins = new Map<string, Promise<JoinResult>>();

  private readonly log: Logger;
  private readonly readyTimeoutMs: number;

  private readonly onVoiceEvent: (kind: VoiceEventKind) => void;

  /** `onVoiceEvent` runs whenever a connection drops or re-joins its encryption group (metrics). */
  constructor(log: Logger, onVoiceEvent: (kind: VoiceEventKind) => void = () => {}, readyTimeoutMs = VOICE_READY_TIMEOUT_MS) {
    this.log = log;
    this.onVoiceEvent = onVoiceEvent;
    this.readyTimeoutMs = readyTimeoutMs;
  }

  get(guildId: string): VoiceSession | undefined {
    return this.sessions.get(guildId);
  }

  /** Every session now. */
  get all(): VoiceSession[] {
    return [...this.sessions.values()];
  }

  get size(): number {
    return this.sessions.size;
  }

  /**
   * Connects to `channel`, moving an existing session of that guild if it is elsewhere. With
   * `temporary` (announcements) a new session is marked to be left afterwards; without it, joining
   * the channel the bot is already in claims that session (it stays after announcements).
   */
  async join(channel: VoiceBasedChannel, options: { temporary?: boolean } = {}): Promise<JoinResult> {
    const guildId = channel.guild.id;
    // The bound covers the wait behind earlier joins of the guild too: a burst of joins, each slow to
    // connect, must not keep the last member waiting for all of them.
    const deadline = performance.now() + this.readyTimeoutMs;
    const previous = this.joins.get(guildId) ?? Promise.resolve();
    const attempt = previous
      .catch(() => undefined)
      .then(() => {
        const leftMs = deadline - performance.now();
        if (leftMs <= 0) throw new UserError(`I couldn't connect to ${channel.name} in time. Please try again.`);
        return this.joinNow(channel, options.temporary ?? false, leftMs);
      });
    this.joins.set(guildId, attempt);
    try {
      return await attempt;
    } finally {
      if (this.joins.get(guildId) === attempt) this.joins.delete(guildId);
    }
  }

  private async joinNow(channel: VoiceBasedChannel, temporary: boolean, timeoutMs: number): Promise<JoinResult> {
    const existing = this.sessions.get(channel.guild.id);
    if (existing?.channelId === channel.id && existing.isReady) {
      if (!temporary) existing.claim();
      return { session: existing, alreadyThere: true };
    }
    existing?.destroy();
    return { session: await this.connect(channel, temporary, timeoutMs), alreadyThere: false };
  }

  /** Leaves the guild's voice channel; false when there was no session. */
  leave(guildId: string): boolean {
    const session = this.sessions.get(guildId);
    if (!session) return false;
    session.destroy();
    return true;
  }

  /** Ends every session (shutdown). */
  destroyAll(): void {
    for (const session of [...this.sessions.values()]) session.destroy();
  }

  private async connect(channel: VoiceBasedChannel, temporary: boolean, timeoutMs: number): Promise<VoiceSession> {
    const guildId = channel.guild.id;
    const log = this.log.child({ guildId, channelId: channel.id });
    let connection;
    try {
      connection = await connectToChannel(channel, timeoutMs);
    } catch (err) {
      log.warn('voice connection did not become ready', { err: err as Error });
      throw new UserError(`I couldn't connect to ${channel.name} in time. Please try again.`);
    }
    const session = new VoiceSession(guildId, connection, log, () => this.onVoiceEvent('dave_recovery'));
    session.temporary = temporary;
    this.sessions.set(guildId, session);
    connection.on(VoiceConnectionStatus.Disconnected, () => this.onVoiceEvent('voice_disconnect'));
    superviseConnection(connection, log, () => {
      session.destroy();
      if (this.sessions.get(guildId) === session) this.sessions.delete(guildId);
      log.info('voice session ended');
    });
    log.info('voice session started');
    return session;
  }
}
