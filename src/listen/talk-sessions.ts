/**
 * Which guilds have a voice conversation going, and keeping them consistent with voice state:
 * members leaving the channel are no longer listened to, members joining are in `everyone` mode, and a
 * session that ends (leave, kick, lost connection) takes its conversation with it.
 */
import type { Guild, VoiceState } from 'discord.js';
import type { VoiceSession } from '../voice/session.ts';
import { TalkSession, type TalkServices } from './talk-session.ts';
import { TurnLatencies } from './turn-latency.ts';

export class TalkSessions {
  private readonly byGuild = new Map<string, TalkSession>();
  private readonly services: TalkServices;
  /** The last spoken turns' timings per server (/latency); outlives the sessions. */
  readonly latency = new TurnLatencies();

  /** `services` (the conversation engine and its lookups) are shared by every guild's conversation. */
  constructor(services: TalkServices) {
    this.services = services;
  }

  get(guildId: string): TalkSession | undefined {
    return this.byGuild.get(guildId);
  }

  /** The guild's conversation, created with the voice session and ended with it. */
  ensure(session: VoiceSession): TalkSession {
    const existing = this.byGuild.get(session.guildId);
    if (existing) return existing;
    const talk = new TalkSession(this.services, session, this.latency);
    this.byGuild.set(session.guildId, talk);
    session.onDestroy(() => {
      talk.close();
      if (this.byGuild.get(session.guildId) === talk) this.byGuild.delete(session.guildId);
    });
    return talk;
  }

  /**
   * Follows members in and out of the listened channel. `session` is the guild's voice session and
   * `botUserId` the bot's own id (its own moves are not a member's).
   */
  onVoiceStateUpdate(before: VoiceState, after: VoiceState, session: VoiceSession | undefined, botUserId: string | undefined): void {
    const talk = this.byGuild.get(after.guild.id);
    const channelId = session?.channelId;
    if (!talk || !session || !channelId) return;
    if (after.id === botUserId) {
      if (session.moving) return; // Parley's own trip to announce elsewhere: it comes back
      // Moved by a moderator: the people Parley was listening to are no longer with it.
      if (before.channelId && after.channelId && before.channelId !== after.channelId) talk.close();
      return;
    }
    if (before.channelId === channelId && after.channelId !== channelId) talk.forget(after.id);
    if (after.channelId === channelId && before.channelId !== channelId && talk.everyone && after.member) talk.listen(after.member);
  }

  /**
   * Before the bot's own round trip (an announcement elsewhere): the bot's move makes the conversation
   * stop listening, so this remembers whom it listened to and returns what listens to them again
   * in `home` afterwards.
   */
  suspend(guild: Guild): (home: string) => void {
    const talk = this.byGuild.get(guild.id);
    if (!talk) return () => undefined;
    const everyone = talk.everyone;
    const listening = talk.listening;
    return (home) => {
      if (this.byGuild.get(guild.id) !== talk) return;
      talk.everyone = everyone;
      const homeChannel = guild.channels.cache.get(home);
      const ids = everyone && homeChannel?.isVoiceBased() ? [...homeChannel.members.keys()] : listening;
      for (const id of ids) {
        const member = guild.members.cache.get(id);
        if (member && member.voice.channelId === home) talk.listen(member);
      }
    };
  }

  /** Ends every conversation (shutdown). */
  closeAll(): void {
    for (const talk of this.byGuild.values()) talk.close();
    this.byGuild.clear();
  }
}
