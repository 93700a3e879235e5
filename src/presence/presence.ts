/**
 * Presence in voice channels: Parley leaves a channel after it has been alone there for
 * `aloneLeaveMs`, or after `idleLeaveMs` with no speech and no answers, and says so in the channel's
 * chat; never while an answer, a held speculative answer or an announcement is playing or queued.
 * `/join follow:true` makes it move with one member to whichever voice channel of the server they go to.
 *
 * A periodic check rather than timers per event: the state it reads (who is in the channel, whether the
 * pacer or the turn queue is busy) changes in many places, and a check every fraction of the shortest
 * limit is cheap.
 */
import type { Client, GuildMember, VoiceBasedChannel, VoiceState } from 'discord.js';
import type { Config } from '../config.ts';
import type { ChannelLocks } from '../conversation/serialize.ts';
import type { TalkSessions } from '../listen/talk-sessions.ts';
import type { Logger } from '../log.ts';
import type { VoiceSessions } from '../voice/sessions.ts';
import { botActivity } from '../discord/bot-activity.ts';
import { assertMayMoveBot } from '../discord/permissions.ts';
import { assertBotCanSpeakIn } from '../discord/voice-channels.ts';
import { UserError } from '../errors.ts';
import type { VoiceSession } from '../voice/session.ts';

const MIN_CHECK_MS = 250;
const MAX_CHECK_MS = 5_000;

/** What presence needs of the running bot (named here, not picked from AppContext, which holds a Presence). */
export interface PresenceContext {
  config: Pick<Config, 'aloneLeaveMs' | 'idleLeaveMs'>;
  log: Logger;
  client: Client;
  voice: VoiceSessions;
  talk: TalkSessions;
  turns: ChannelLocks;
}

export class Presence {
  private readonly ctx: PresenceContext;
  private readonly following = new Map<string, string>();
  private readonly aloneSince = new Map<string, number>();
  private readonly activeAt = new Map<string, number>();
  private readonly watched = new WeakSet<VoiceSession>();
  private timer: NodeJS.Timeout | undefined;

  constructor(ctx: PresenceContext) {
    this.ctx = ctx;
  }

  /** Starts the periodic check (no-op when both limits are off). */
  start(): void {
    const { aloneLeaveMs, idleLeaveMs } = this.ctx.config;
    const limits = [aloneLeaveMs, idleLeaveMs].filter((ms) => ms > 0);
    if (limits.length === 0 || this.timer) return;
    const every = Math.min(MAX_CHECK_MS, Math.max(MIN_CHECK_MS, Math.min(...limits) / 4));
    this.timer = setInterval(() => this.check(), every);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Moves with `userId` to any voice channel of the guild they go to, until the bot leaves. */
  follow(guildId: string, userId: string): void {
    this.following.set(guildId, userId);
  }

  unfollow(guildId: string): boolean {
    return this.following.delete(guildId);
  }

  followed(guildId: string): string | undefined {
    return this.following.get(guildId);
  }

  /**
   * Registered before the conversation's own handler: it reads whom the conversation listened to before
   * that handler forgets a member who left the channel.
   */
  onVoiceStateUpdate(before: VoiceState, after: VoiceState): void {
    const guildId = after.guild.id;
    if (this.following.get(guildId) !== after.id) return;
    const session = this.ctx.voice.get(guildId);
    const target = after.channel;
    if (!session || session.isDestroyed) {
      this.following.delete(guildId);
      return;
    }
    if (!target || target.id === session.channelId || before.channelId !== session.channelId) return;
    if (session.moving || session.visitingFrom) return; // an announcement trip is under way; it comes back
    const talk = this.ctx.talk.get(guildId);
    const wasListening = talk?.listening.includes(after.id) ?? false;
    void this.moveWith(session, target, after.member, wasListening);
  }

  private async moveWith(session: VoiceSession, target: VoiceBasedChannel, follower: GuildMember | null, wasListening: boolean): Promise<void> {
    const from = session.channelId;
    const name = follower?.displayName ?? 'them';
    try {
      // Following is a move like /join elsewhere: it may not take Parley from others it is busy with.
      const activity = botActivity(this.ctx, target.guild);
      if (activity && follower) assertMayMoveBot(follower, activity);
      assertBotCanSpeakIn(target);
      await session.moveTo(target.id);
    } catch (err) {
      const reason = err instanceof UserError ? err.message : 'the move did not work.';
      session.log.warn('could not follow a member', { err: err as Error });
      if (from) await this.say(from, `I couldn't follow ${name} to ${target.name}: ${reason}`);
      return;
    }
    this.activeAt.set(session.guildId, performance.now());
    const talk = this.ctx.talk.get(session.guildId);
    if (talk) {
      for (const userId of talk.listening) if (!target.members.has(userId)) talk.forget(userId);
      const member = target.guild.members.cache.get(this.following.get(session.guildId) ?? '');
      if (member && (wasListening || talk.everyone)) talk.listen(member);
      if (talk.everyone) for (const other of target.members.values()) talk.listen(other);
    }
    await this.say(target.id, `I followed ${name} to ${target.name}.`);
  }

  private check(): void {
    const now = performance.now();
    for (const session of this.ctx.voice.all) {
      const channelId = session.channelId;
      if (!channelId || session.temporary || session.moving || session.visitingFrom) continue;
      this.watch(session);
      const guildId = session.guildId;
      const busy = session.pacer.busy || this.ctx.turns.pending(channelId) > 0;
      const spokeAt = this.ctx.talk.get(guildId)?.lastSpeechAt ?? 0;
      const activeAt = Math.max(this.activeAt.get(guildId) ?? now, spokeAt, busy ? now : 0);
      this.activeAt.set(guildId, activeAt);
      const channel = this.ctx.client.channels.cache.get(channelId);
      const others = channel?.isVoiceBased() ? channel.members.filter((m) => !m.user.bot).size : 0;
      if (others > 0) this.aloneSince.delete(guildId);
      else if (!this.aloneSince.has(guildId)) this.aloneSince.set(guildId, now);
      if (busy) continue;
      const { aloneLeaveMs, idleLeaveMs } = this.ctx.config;
      const aloneFor = now - (this.aloneSince.get(guildId) ?? now);
      if (aloneLeaveMs > 0 && others === 0 && aloneFor >= aloneLeaveMs) {
        this.leave(session, channelId, `I left: nobody else was here for ${duration(aloneLeaveMs)}.`);
      } else if (idleLeaveMs > 0 && now - activeAt >= idleLeaveMs) {
        this.leave(session, channelId, `I left: nobody spoke for ${duration(idleLeaveMs)}. \`/join\` brings me back.`);
      }
    }
  }

  /** Member speech (any member, listened to or not) counts as activity; forgets the session when it ends. */
  private watch(session: VoiceSession): void {
    if (this.watched.has(session)) return;
    this.watched.add(session);
    const guildId = session.guildId;
    const onSpeaking = () => this.activeAt.set(guildId, performance.now());
    session.connection.receiver.speaking.on('start', onSpeaking);
    session.onDestroy(() => {
      session.connection.receiver.speaking.off('start', onSpeaking);
      this.activeAt.delete(guildId);
      this.aloneSince.delete(guildId);
      this.following.delete(guildId);
    });
  }

  private leave(session: VoiceSession, channelId: string, message: string): void {
    session.log.info('leaving the voice channel', { reason: message });
    this.ctx.voice.leave(session.guildId);
    void this.say(channelId, message);
  }

  /** Posts in a voice channel's text chat; failures (no permission there) are only logged. */
  private async say(channelId: string, content: string): Promise<void> {
    const channel = this.ctx.client.channels.cache.get(channelId);
    if (!channel?.isSendable()) return;
    await channel.send({ content, allowedMentions: { parse: [] } }).catch((err: Error) => this.ctx.log.info('could not post in the voice chat', { err }));
  }
}

function duration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1_000)} s`;
  const minutes = Math.round(ms / 60_000);
  return minutes < 60 ? `${minutes} min` : `${Math.round(minutes / 6) / 10} h`;
}
