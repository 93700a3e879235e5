/**
 * What Parley is doing in a guild's voice channel, read from the live voice session, conversation and
 * turn queue, for the permission rules in permissions.ts.
 */
import type { Guild } from 'discord.js';
import type { ChannelLocks } from '../conversation/serialize.ts';
import type { TalkSessions } from '../listen/talk-sessions.ts';
import type { VoiceSessions } from '../voice/sessions.ts';
import type { BotActivity } from './permissions.ts';

/** Parley's activity in `guild`'s voice channel, or undefined when it is not in one. */
export function botActivity(ctx: { voice: VoiceSessions; talk: TalkSessions; turns: ChannelLocks }, guild: Guild): BotActivity | undefined {
  const session = ctx.voice.get(guild.id);
  const channelId = session?.channelId;
  const channel = channelId ? guild.channels.cache.get(channelId) : undefined;
  if (!session || !channel?.isVoiceBased()) return undefined;
  const talk = ctx.talk.get(guild.id);
  return {
    channel,
    answering: session.pacer.busy || ctx.turns.pending(channel.id) > 0,
    listeningTo: talk?.listening ?? [],
    everyone: talk?.everyone ?? false,
  };
}
