/**
 * Which guilds have a voice conversation going, and keeping them consistent with voice state:
 * members leaving the channel are no longer listened to, members joining are in `everyone` mode, and a
 * session that ends (leave, kick, lost connection) takes its conversation with it.
 */
import type { VoiceState } from 'discord.js';
import type { AppContext } from '../app-context.ts';
import type { VoiceSession } from '../voice/session.ts';
import { TalkSession } from './talk-session.ts';
import { TurnLatencies } from './turn-latency.ts';

export class TalkSessions {
  private readonly byGuild = new Map<string, TalkSession>();
  /** The last spoken turns' timings per server (/latency); outlives the sessions. */
  readonly latency = new TurnLatencies();

  get(guildId: string): TalkSession | undefined {
    return this.byGuild.get(guildId);
  }

  /** The guild's conversation, created with the voice session and ended with it. */
  ensure(ctx: AppContext, session: VoiceSession): TalkSession {
    const existing = this.byGuild.get(session.guildId);
    if (existing) return existing;
    const talk = new TalkSession(ctx, session);
    this.byGuild.set(session.guildId, talk);
    session.onDestroy(() => {
      talk.close();
      if (this.byGuild.get(session.guildId) === talk) this.byGuild.delete(session.guildId);
    });
    return talk;
  }

  /** Follows members in and out of the listened channel. */
  onVoiceStateUpdate(ctx: AppContext, before: VoiceState, after: VoiceState): void {
    const talk = this.byGuild.get(after.guild.id);
    const channelId = ctx.voice.get(after.guild.id)?.channelId;
    if (!talk || !channelId) return;
    if (after.id === ctx.client.user?.id) {
      if (ctx.voice.get(after.guild.id)?.moving) return; // Parley's own trip to announce elsewhere: it comes back
      // Moved by a moderator: the people Parley was listening to are no longer with it.
      if (before.channelId && after.channelId && before.channelId !== after.channelId) talk.close();
      return;
    }
    if (before.channelId === channelId && after.channelId !== channelId) talk.forget(after.id);
    if (after.channelId === channelId && before.channelId !== channelId && talk.everyone && after.member) talk.listen(after.member);
  }

  /** Ends every conversation (shutdown). */
  closeAll(): void {
    for (const talk of this.byGuild.values()) talk.close();
    this.byGuild.clear();
  }
}
